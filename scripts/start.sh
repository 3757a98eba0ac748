#!/usr/bin/env bash
# The README's first command: sets up everything on a fresh Debian 12 machine and starts the
# service with 90 days of demo data.
#
# Installs missing packages, builds, starts private PostgreSQL, Redis and RabbitMQ under
# <repo>/.run (reusing them when already running), migrates, creates the tenant `demo` and an
# API token, starts analytics-ingestor and analytics-api in the background, seeds demo history
# through RabbitMQ (once per state dir) and prints what to try. Safe to run again: whatever is
# already running or done is kept. scripts/stop.sh stops it all.
#
# Environment: VECTON_RUN_DIR (default <repo>/.run), DB_SCHEMA (default analytics), CACHE_TTL
# (default 15), VECTON_SEED_DAYS (default 90), VECTON_SKIP_BUILD=1 (use the build dir as it is),
# and scripts/build.sh's variables.
set -euo pipefail
repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$repo"
run=${VECTON_RUN_DIR:-$repo/.run}
tenant=demo

step() { echo "== $*"; }
fail() {
  echo "start: FAILED: $*" >&2
  exit 1
}

if [[ ${VECTON_SKIP_BUILD:-} != 1 ]]; then
  step "dependencies"
  scripts/install-deps.sh
  step "build"
  scripts/build.sh
fi
build_dir=${VECTON_BUILD_DIR:-$repo/build}
[[ $build_dir == /* ]] || build_dir=$repo/$build_dir
ingestor=$build_dir/ingestor/analytics-ingestor
api=$build_dir/api/analytics-api
[[ -x $ingestor ]] || fail "$ingestor was not built"
[[ -x $api ]] || fail "$api was not built"

step "servers ($run)"
# shellcheck source=servers.sh
source scripts/servers.sh
mkdir -p "$run"
run=$(cd "$run" && pwd)
servers_start "$run" || fail "servers did not start (scripts/servers.sh status $run)"
# shellcheck disable=SC1091
source "$run/env"
export DB_SCHEMA=${DB_SCHEMA:-analytics}
export CACHE_TTL=${CACHE_TTL:-15}
owner_database_url=$DATABASE_URL

# Runs one step of the ingestor's or API's command line, with its output in a log; fails clearly.
run_step() {
  local what=$1
  shift
  if ! "$@" >"$run/last-step.log" 2>&1; then
    cat "$run/last-step.log" >&2
    fail "$what ($*)"
  fi
}

daemon_pid() { cat "$run/$1.pid" 2>/dev/null || true; }
daemon_running() { _alive "$(daemon_pid "$1")"; }

# start_daemon NAME COMMAND...: in its own process group (stop.sh signals it whole), logging to
# $run/NAME.log, unless its pidfile names a live process.
start_daemon() {
  local name=$1
  shift
  if daemon_running "$name"; then
    echo "$name already running (pid $(daemon_pid "$name"))"
    return 0
  fi
  setsid "$@" >>"$run/$name.log" 2>&1 </dev/null &
  echo $! >"$run/$name.pid"
  echo "$name started (pid $!, log $run/$name.log)"
}

# Fails with the tail of its log when daemon NAME has exited.
check_alive() {
  daemon_running "$1" && return 0
  tail -n 20 "$run/$1.log" >&2
  fail "$1 exited (log: $run/$1.log)"
}

step "migrate"
run_step "migrate" "$ingestor" migrate

step "tenant $tenant"
if ! "$ingestor" tenant add "$tenant" --timezone Europe/Budapest --currency HUF >"$run/last-step.log" 2>&1; then
  grep -qi 'exist' "$run/last-step.log" || { cat "$run/last-step.log" >&2; fail "tenant add $tenant"; }
  echo "tenant $tenant exists"
fi

step "ingestor"
start_daemon ingestor "$ingestor" serve
# Ready when it has declared its work queue (or, at the latest, the deadline says it is broken).
deadline=$((SECONDS + 60))
until rabbit_ctl "$run" -q list_queues name 2>/dev/null | grep -qx 'analytics.events'; do
  check_alive ingestor
  ((SECONDS < deadline)) || fail "ingestor did not declare analytics.events within 60 s (log: $run/ingestor.log)"
  sleep 0.5
done

step "API"
token_file=$run/$tenant.token
create_token() {
  DATABASE_URL=$owner_database_url "$api" token create --tenant "$tenant" --name demo \
    >"$token_file.new" 2>"$run/last-step.log" || { cat "$run/last-step.log" >&2; fail "token create"; }
  local token
  token=$(grep -v '^[[:space:]]*$' "$token_file.new" | tail -n 1 | tr -d '[:space:]')
  [[ -n $token ]] || fail "token create printed no token"
  echo "$token" >"$token_file"
  rm -f "$token_file.new"
  chmod 600 "$token_file"
}
[[ -s $token_file ]] || create_token

api_port=$(cat "$run/api.port" 2>/dev/null || true)
if [[ -z $api_port ]] || { ! daemon_running api && port_open "$api_port"; }; then
  free_port api_port
  echo "$api_port" >"$run/api.port"
fi
export APP_URL=http://127.0.0.1:$api_port
DATABASE_URL=$API_DATABASE_URL start_daemon api "$api" serve

step "seed ($tenant, ${VECTON_SEED_DAYS:-90} days)"
if [[ -f $run/seeded ]]; then
  echo "already seeded (delete $run/seeded to seed again)"
else
  "$ingestor" seed --tenant "$tenant" --days "${VECTON_SEED_DAYS:-90}" 2>&1 | tee "$run/seed.log" ||
    fail "seed (log: $run/seed.log)"
  date -u +%FT%TZ >"$run/seeded"
fi

step "waiting for $APP_URL/api/ready"
deadline=$((SECONDS + 60))
until curl -fsS -o /dev/null "$APP_URL/api/ready" 2>/dev/null; do
  check_alive api
  ((SECONDS < deadline)) || fail "API not ready within 60 s (log: $run/api.log)"
  sleep 0.2
done
# A token from an earlier state of the database is no longer valid: make a new one.
code=$(curl -s -o /dev/null -w '%{http_code}' -H "Authorization: Bearer $(cat "$token_file")" "$APP_URL/api/dashboard")
if [[ $code == 401 ]]; then
  create_token
fi
check_alive ingestor

token=$(cat "$token_file")
cat <<EOF

vecton analytics is running with demo data (tenant "$tenant", Europe/Budapest, HUF).
The seeded events are ingested in the background; numbers grow for a few seconds.

  curl -s -H 'Authorization: Bearer $token' $APP_URL/api/dashboard

More to try (same header):
  $APP_URL/api/dashboard/sales
  $APP_URL/api/reports/sales?granularity=weekly
  $APP_URL/api/reports/products?sort=-revenue&limit=5
  $APP_URL/api/reports/customers
  $APP_URL/api/reports/sales/export?format=csv
  $APP_URL/api/health  $APP_URL/api/ready  $APP_URL/api/metrics   (no token)

Token:     $token_file
Logs:      $run/ingestor.log  $run/api.log  (servers: $PG_DIR, $run/redis, $run/rabbitmq/log)
Servers:   scripts/servers.sh status $run   (addresses in $run/env)
Stop:      scripts/stop.sh
EOF
