# Shared by the benchmark scripts (ingest_bench.sh, api_bench.sh, freshness_bench.sh): the
# checkout and build paths, messages, the build, and private servers that are stopped on exit
# together with the daemons the script started.
#
#   BENCH_NAME=api_bench BENCH_DAEMONS=(api_pid bare_pid)  # names of the pid variables
#   source tests/bench/lib.sh
#   bench_build analytics-api ...
#   bench_servers "$run"
# shellcheck shell=bash

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
cd "$repo"
export DB_SCHEMA=${DB_SCHEMA:-analytics}
build_dir=${VECTON_BUILD_DIR:-$repo/build}
[[ $build_dir == /* ]] || build_dir=$repo/$build_dir

log() { echo "$BENCH_NAME: $*" >&2; }
die() {
  echo "$BENCH_NAME: FAILED: $*" >&2
  exit 1
}

# bench_build TARGET...: builds the targets into build_dir (skipped with VECTON_SKIP_BUILD=1).
bench_build() {
  if [[ ${VECTON_SKIP_BUILD:-} != 1 ]]; then
    log "building"
    VECTON_BUILD_DIR=$build_dir scripts/build.sh "$@" >&2
  fi
}

# stop_pid PID: SIGTERM and wait (nothing when empty or gone).
stop_pid() {
  if [[ -n ${1:-} ]] && kill -0 "$1" 2>/dev/null; then
    kill -TERM "$1" 2>/dev/null || true
    wait "$1" 2>/dev/null || true
  fi
}

bench_cleanup() {
  local v
  for v in "${BENCH_DAEMONS[@]}"; do stop_pid "${!v:-}"; done
  if [[ ${BENCH_KEEP_SERVERS:-} != 1 ]]; then servers_stop "$run" >&2 || true; fi
}

# bench_servers DIR: starts PostgreSQL, Redis and RabbitMQ with their state in DIR (sets `run`
# to its absolute path) and sources their env. On exit the daemons named in BENCH_DAEMONS are
# stopped, and the servers too unless BENCH_KEEP_SERVERS=1.
bench_servers() {
  # shellcheck source=../../scripts/servers.sh
  source scripts/servers.sh
  mkdir -p "$1"
  run=$(cd "$1" && pwd)
  trap bench_cleanup EXIT
  log "servers ($run)"
  servers_start "$run" >&2 || die "servers did not start (scripts/servers.sh status $run)"
  # shellcheck disable=SC1091
  source "$run/env"
}
