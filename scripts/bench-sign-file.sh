#!/usr/bin/env bash
# Benchmark "signet sign" of one large file against "openssl dgst -sha256"
# on the same file: page cache warm, runs alternating, wall time and peak
# RSS from /usr/bin/time. Starts its own "signetd dev"; leaves nothing behind.
#
#   scripts/bench-sign-file.sh [SIZE_MIB (2048)] [PAIRS (7)]
set -euo pipefail
size_mib=${1:-2048}
pairs=${2:-7}
cd "$(dirname "$0")/.."
work=$(mktemp -d)
srv_pid=
cleanup() {
  [ -n "$srv_pid" ] && kill "$srv_pid" 2>/dev/null && wait "$srv_pid" 2>/dev/null
  rm -rf "$work"
}
trap cleanup EXIT

go build -o "$work/bin/" ./cmd/signet ./cmd/signetd
"$work/bin/signetd" dev --data-dir "$work/srv" --listen 127.0.0.1:0 >"$work/srv.log" 2>&1 &
srv_pid=$!
for _ in $(seq 300); do [ -f "$work/srv/credentials.env" ] && break; sleep 0.1; done
# shellcheck disable=SC1091
. "$work/srv/credentials.env"
export XDG_CONFIG_HOME="$work/config"
signet=$work/bin/signet
"$signet" keypair generate bench-ec --algorithm ecdsa >/dev/null 2>&1
"$signet" keypair describe bench-ec --public-key-out "$work/bench.pub" >/dev/null 2>&1

f=$work/big.bin
head -c "${size_mib}M" /dev/urandom >"$f"
cat "$f" >/dev/null # warm the page cache

run() { # name cmd... -> appends "wall user sys maxrss_kib" to $work/name
  local name=$1
  shift
  /usr/bin/time -o "$work/t" -f "%e %U %S %M" "$@" >/dev/null 2>"$work/err" || { cat "$work/err" >&2; exit 1; }
  cat "$work/t" >>"$work/$name"
}
run openssl openssl dgst -sha256 "$f" # one warm-up each
run signet "$signet" sign -q -k bench-ec "$f" --output "$work/big.sig"
: >"$work/openssl"
: >"$work/signet"
for _ in $(seq "$pairs"); do
  run openssl openssl dgst -sha256 "$f"
  run signet "$signet" sign -q -k bench-ec "$f" --output "$work/big.sig"
done
openssl dgst -sha256 -verify "$work/bench.pub" -signature "$work/big.sig" "$f" >/dev/null

median() { sort -n | awk '{a[NR]=$1} END {print (NR%2) ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2}'; }
col() { awk -v c="$1" '{print $c}' "$work/$2"; }
cpu() { awk '{print $2+$3}' "$work/$1"; }
o_wall=$(col 1 openssl | median)
s_wall=$(col 1 signet | median)
o_min=$(col 1 openssl | sort -n | head -1)
s_min=$(col 1 signet | sort -n | head -1)
o_cpu=$(cpu openssl | median)
s_cpu=$(cpu signet | median)
s_rss=$(col 4 signet | sort -n | tail -1)
o_rss=$(col 4 openssl | sort -n | tail -1)
echo "file: ${size_mib} MiB, ${pairs} alternating pairs, $(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg)"
printf '%-28s %10s %10s %12s %14s\n' "" "median s" "min s" "cpu s (med)" "peak RSS MiB"
printf '%-28s %10s %10s %12s %14s\n' "openssl dgst -sha256" "$o_wall" "$o_min" "$o_cpu" "$(awk -v k="$o_rss" 'BEGIN{printf "%.1f", k/1024}')"
printf '%-28s %10s %10s %12s %14s\n' "signet sign (ECDSA P-256)" "$s_wall" "$s_min" "$s_cpu" "$(awk -v k="$s_rss" 'BEGIN{printf "%.1f", k/1024}')"
awk -v s="$s_wall" -v o="$o_wall" -v sm="$s_min" -v om="$o_min" -v sc="$s_cpu" -v oc="$o_cpu" \
  'BEGIN{printf "ratio signet/openssl: median wall %.3f, min wall %.3f, cpu %.3f\n", s/o, sm/om, sc/oc}'
