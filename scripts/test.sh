#!/usr/bin/env bash
# The whole test suite, as CI runs it (.ci/run) on a Debian 12 machine with Go:
# installs what is missing (scripts/deps.sh), starts a throw-away PostgreSQL
# (scripts/pg.sh), lints, builds bin/ and runs every test, end-to-end ones
# included (-tags e2e), two packages at a time.
#
#   scripts/test.sh                            everything
#   scripts/test.sh -run TestSign ./internal/signing
#
# Extra arguments go to `go test`. If one of them names packages (./..., ../,
# or the module path), it replaces the default ./... . The last line says
# PASS or FAIL and which steps failed; the exit status is non-zero on any
# failure. A failed lint or build step does not stop the tests from running.
set -euo pipefail
cd "$(dirname "$0")/.."

start=$SECONDS
failed=()
pg_started=""

say() { printf '\n=== %s\n' "$*" >&2; }

# finish stops PostgreSQL and prints the summary line.
finish() {
  local rc=$?
  trap - EXIT INT TERM
  if [ -n "$pg_started" ]; then
    scripts/pg.sh stop || true
  fi
  local took
  took=$(printf '%dm%02ds' $(((SECONDS - start) / 60)) $(((SECONDS - start) % 60)))
  if [ "$rc" -eq 0 ] && [ ${#failed[@]} -eq 0 ]; then
    echo "test.sh: PASS (lint, build, tests) in $took"
    exit 0
  fi
  [ ${#failed[@]} -gt 0 ] || failed=("interrupted or internal error, status $rc")
  echo "test.sh: FAIL: ${failed[*]} (in $took)"
  [ "$rc" -gt 1 ] && exit "$rc"
  exit 1
}
trap finish EXIT
trap 'failed+=(interrupted); exit 130' INT
trap 'failed+=(terminated); exit 143' TERM

# step NAME CMD... runs a step and records its failure.
step() {
  local name=$1
  shift
  say "$name: $*"
  if ! "$@"; then
    failed+=("$name")
    say "$name: FAILED"
    return 1
  fi
}

command -v go >/dev/null 2>&1 || { failed+=("missing go"); exit 1; }
say "$(go version), $(nproc) CPUs, CI=${CI:-}"

step deps scripts/deps.sh </dev/null || exit 1
# deps.sh installs these; check, so a broken install fails here, clearly.
for tool in make gcc git openssl; do
  command -v "$tool" >/dev/null 2>&1 || { failed+=("missing $tool"); exit 1; }
done

# A cluster of our own, so parallel runs on one machine do not share one.
SIGNET_PG_DIR="${TMPDIR:-/tmp}/signet-pg-$(id -u)-$$"
export SIGNET_PG_DIR
pg_started=1
say "postgres: scripts/pg.sh start"
SIGNET_TEST_POSTGRES_DSN=$(scripts/pg.sh start) || { failed+=(postgres); exit 1; }
export SIGNET_TEST_POSTGRES_DSN

step gofmt make -s lint-gofmt || true
step vet make -s lint-vet || true
step staticcheck make -s lint-staticcheck || true
if command -v shellcheck >/dev/null 2>&1; then
  step shellcheck make -s lint-shellcheck || true
fi
step build make -s -k build || true

export SIGNET_BIN_DIR=$PWD/bin
pkgs=(./...)
for a in "$@"; do
  case $a in
  ./* | ../* | github.com/signet-project/signet*) pkgs=() ;;
  esac
done
step "go test" go test -tags e2e -p 2 -timeout 40m "$@" "${pkgs[@]}" || true
