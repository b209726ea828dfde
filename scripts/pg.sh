#!/usr/bin/env bash
# A throw-away PostgreSQL cluster for the tests, on 127.0.0.1.
#
#   scripts/pg.sh start    create and start it on a free port; print its DSN
#   scripts/pg.sh dsn      print the DSN of the running cluster
#   scripts/pg.sh stop     stop it and delete its files
#
# The DSN names the role "signet" (LOGIN CREATEDB, random password) and its
# database "signet". stdout carries only the DSN; messages go to stderr.
# All commands are idempotent. State lives in $SIGNET_PG_DIR (default
# ${TMPDIR:-/tmp}/signet-pg-$UID); set it to run several clusters at once.
# Run as root, the server runs as the postgres user (it refuses root).
set -euo pipefail

dir=${SIGNET_PG_DIR:-${TMPDIR:-/tmp}/signet-pg-$(id -u)}
data=$dir/data
dsnfile=$dir/dsn

say() { echo "pg.sh: $*" >&2; }
die() { say "$*"; exit 1; }

# as_pg runs a server command as the postgres user when we are root. It
# closes the lock (fd 9), which the server would otherwise hold for good.
as_pg() {
  if [ "$(id -u)" -eq 0 ]; then
    (cd / && runuser -u postgres -- "$@" 9>&-)
  else
    "$@" 9>&-
  fi
}

# bindir finds initdb and pg_ctl: on PATH, else the newest Debian install.
bindir() {
  local d
  if command -v initdb >/dev/null 2>&1 && command -v pg_ctl >/dev/null 2>&1; then
    dirname "$(command -v initdb)"
    return
  fi
  for d in $(printf '%s\n' /usr/lib/postgresql/*/bin | sort -V -r); do
    if [ -x "$d/initdb" ] && [ -x "$d/pg_ctl" ]; then
      echo "$d"
      return
    fi
  done
  die "initdb and pg_ctl not found: install PostgreSQL (scripts/deps.sh)"
}

running() {
  [ -f "$dsnfile" ] && [ -f "$data/postmaster.pid" ] &&
    as_pg "$(bindir)/pg_ctl" -D "$data" status >/dev/null 2>&1
}

port_in_use() { (: <"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

start() {
  if running; then
    cat "$dsnfile"
    return
  fi
  local bin pw port started=""
  bin=$(bindir)
  stop_cluster # a stale one from an earlier run
  mkdir -p "$(dirname "$dir")"
  mkdir -m 0700 "$dir"
  if [ "$(id -u)" -eq 0 ]; then
    id postgres >/dev/null 2>&1 || die "running as root needs a postgres user to run the server as"
    chown postgres: "$dir"
    runuser -u postgres -- test -w "$dir" ||
      die "user postgres cannot reach $dir: set SIGNET_PG_DIR (or TMPDIR) to a directory under /tmp"
  fi
  as_pg "$bin/initdb" -D "$data" -U postgres -E UTF8 --no-locale --no-sync \
    --auth-local=trust --auth-host=scram-sha-256 >"$dir/initdb.log" 2>&1 ||
    { cat "$dir/initdb.log" >&2; die "initdb failed"; }
  # Only the owner can reach the socket in $dir, so local trust is safe.
  # Durability is not needed for a throw-away cluster: trade it for speed.
  as_pg tee -a "$data/postgresql.conf" >/dev/null <<CONF
listen_addresses = '127.0.0.1'
unix_socket_directories = '$dir'
max_connections = 300
fsync = off
synchronous_commit = off
full_page_writes = off
CONF
  for _ in $(seq 1 20); do
    port=$((20000 + RANDOM % 40000))
    port_in_use "$port" && continue
    rm -f "$dir/postgres.log"
    if as_pg "$bin/pg_ctl" -D "$data" -l "$dir/postgres.log" -o "-p $port" -w -t 60 start >/dev/null; then
      started=1
      break
    fi
    grep -q 'could not bind\|could not create any TCP/IP sockets' "$dir/postgres.log" ||
      { tail -n 20 "$dir/postgres.log" >&2; die "postgres did not start"; }
  done
  [ -n "$started" ] || die "no free port found for postgres"

  local psql=$bin/psql
  [ -x "$psql" ] || psql=psql
  pw=$(od -An -tx1 -N16 /dev/urandom | tr -d ' \n')
  SIGNET_PG_PASSWORD=$pw "$psql" -X -q -v ON_ERROR_STOP=1 -h "$dir" -p "$port" -U postgres -d postgres <<'SQL' >&2
\getenv pw SIGNET_PG_PASSWORD
CREATE ROLE signet LOGIN CREATEDB PASSWORD :'pw';
CREATE DATABASE signet OWNER signet;
-- DROP DATABASE ... WITH (FORCE) must end an autovacuum worker in the
-- database, which PostgreSQL 15 allows only to pg_signal_backend members.
GRANT pg_signal_backend TO signet;
SQL
  (umask 077 && echo "postgres://signet:$pw@127.0.0.1:$port/signet?sslmode=disable" >"$dsnfile")
  say "PostgreSQL $("$bin/postgres" -V | awk '{print $3}') on 127.0.0.1:$port, files in $dir"
  cat "$dsnfile"
}

# stop_cluster stops the server, if it runs, and deletes the cluster.
stop_cluster() {
  local bin
  if [ -f "$data/postmaster.pid" ] && bin=$(bindir) && as_pg "$bin/pg_ctl" -D "$data" status >/dev/null 2>&1; then
    as_pg "$bin/pg_ctl" -D "$data" -m fast -w -t 60 stop >/dev/null ||
      as_pg "$bin/pg_ctl" -D "$data" -m immediate -w stop >/dev/null ||
      die "could not stop the cluster in $dir"
    say "stopped the cluster in $dir"
  fi
  rm -rf "$dir"
}

cmd=${1:-}
case $cmd in
start | stop | dsn) ;;
*) die "usage: $0 start|stop|dsn" ;;
esac

# One start or stop at a time per cluster directory.
if [ "$cmd" != dsn ]; then
  exec 9>"$dir.lock"
  flock 9
fi

case $cmd in
start) start ;;
stop) stop_cluster && rm -f "$dir.lock" ;;
dsn) running || die "no cluster is running in $dir (scripts/pg.sh start)"; cat "$dsnfile" ;;
esac
