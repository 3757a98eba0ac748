#!/usr/bin/env bash
# The freshness benchmark (shared/spec/operations.md, Performance), one command:
#
#   tests/bench/freshness_bench.sh
#
# Target: at a steady 5,000 order.created events/s, p99 from publish to visible in /dashboard
# <= 1 s; ingestor RSS <= 150 MB, API RSS <= 200 MB.
#
# Steps: builds what it needs (unless VECTON_SKIP_BUILD=1), starts private PostgreSQL, Redis
# and RabbitMQ in their own state dir (scripts/servers.sh), migrates, creates two fresh UTC
# tenants (the load and the probe), starts `analytics-ingestor serve` and `analytics-api serve`
# (default batch and cache settings, LOG_LEVEL=warn), and runs bench_freshness
# (tests/bench/freshness.cpp): it publishes at RATE for SECONDS, every 100th event an order of
# the probe tenant, and polls the probe tenant's /api/dashboard every 10 ms until
# sales.today.orders shows each probe; a probe's latency is from just before its publish to
# the arrival of the first answer that shows it. The ingestor's and the API's peak RSS
# (VmHWM) and the work queue's depth at the end (a backlog means the ingestor fell behind)
# are reported with it.
# Prints one JSON line on stdout (progress and uptime on stderr):
#   {"rate":5000,"seconds":30,"probes":..,"p50_ms":..,"p99_ms":..,"max_ms":..,
#    "ingestor_max_rss_mb":..,"api_max_rss_mb":..,"load":"..."}
#
# Environment:
#   BENCH_RATE          events per second (default 5000)
#   BENCH_SECONDS       seconds of load (default 30)
#   BENCH_PROBE_EVERY   every n-th event is a probe (default 100)
#   BENCH_RUN_DIR       the servers' state dir (default <repo>/.run-fresh-bench)
#   BENCH_KEEP_SERVERS  1: leave the servers running
#   BENCH_INGESTOR_LOG_LEVEL  the ingestor's LOG_LEVEL (default warn; debug logs every batch)
#   BATCH_SIZE, BATCH_LINGER_MS, PREFETCH, CACHE_TTL, HTTP_THREADS: passed to the daemons
#   VECTON_BUILD_DIR, VECTON_SKIP_BUILD, DB_SCHEMA (default analytics)
set -euo pipefail
BENCH_NAME=freshness_bench
BENCH_DAEMONS=(ingestor_pid api_pid)
# shellcheck source=lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
rate=${BENCH_RATE:-5000}
secs=${BENCH_SECONDS:-30}
probe_every=${BENCH_PROBE_EVERY:-100}
run=${BENCH_RUN_DIR:-$repo/.run-fresh-bench}

command -v jq >/dev/null || die "jq is not installed (apt-get install jq)"

bench_build analytics-ingestor analytics-api bench_freshness
ingestor=$build_dir/ingestor/analytics-ingestor
api=$build_dir/api/analytics-api
fresh=$build_dir/tests/bench/bench_freshness
for b in "$ingestor" "$api" "$fresh"; do [[ -x $b ]] || die "$b was not built"; done

# --- servers ---------------------------------------------------------------------------------
ingestor_pid=
api_pid=
bench_servers "$run"
load() { uptime | sed 's/.*load average: //'; }
hwm_mb() { awk '/^VmHWM:/ { printf "%.1f", $2 / 1024 }' "/proc/$1/status"; }
queue_depth() {
  rabbit_ctl "$run" -q list_queues name messages 2>/dev/null | awk '$1 == "analytics.events" { print $2 }'
}

"$ingestor" migrate >"$run/bench-migrate.log" 2>&1 || { cat "$run/bench-migrate.log" >&2; die "migrate"; }
stamp=$(date +%s)
load_tenant=fresh-load-$stamp
probe_tenant=fresh-probe-$stamp
for t in "$load_tenant" "$probe_tenant"; do
  "$ingestor" tenant add "$t" --timezone UTC --currency HUF >"$run/bench-tenant.log" 2>&1 ||
    { cat "$run/bench-tenant.log" >&2; die "tenant add $t"; }
done
token=$("$api" token create --tenant "$probe_tenant" 2>/dev/null) || die "token create"

LOG_LEVEL=${BENCH_INGESTOR_LOG_LEVEL:-warn} "$ingestor" serve >>"$run/bench-ingestor.log" 2>&1 &
ingestor_pid=$!
deadline=$((SECONDS + 60))
until [[ -n $(queue_depth) ]]; do
  kill -0 "$ingestor_pid" 2>/dev/null || die "the ingestor exited (log: $run/bench-ingestor.log)"
  ((SECONDS < deadline)) || die "no analytics.events queue after 60 s (log: $run/bench-ingestor.log)"
  sleep 0.5
done

api_port=
free_port api_port
api_url=http://127.0.0.1:$api_port
APP_URL=$api_url DATABASE_URL=$API_DATABASE_URL LOG_LEVEL=warn "$api" serve >>"$run/bench-api.log" 2>&1 &
api_pid=$!
deadline=$((SECONDS + 30))
until curl -fsS -o /dev/null "$api_url/api/health" 2>/dev/null; do
  kill -0 "$api_pid" 2>/dev/null || die "the API exited (log: $run/bench-api.log)"
  ((SECONDS < deadline)) || die "the API did not answer /api/health in 30 s"
  sleep 0.1
done

log "publishing $rate events/s for $secs s (every ${probe_every}th a probe); load $(load)"
out=$("$fresh" "$AMQP_URL" vecton.events "$load_tenant" "$probe_tenant" "$api_url" "$token" \
  "$rate" "$secs" "$probe_every") || die "bench_freshness: ${out:-no output}"
log "result: $out; load $(load)"
depth=$(queue_depth)
ingestor_rss=$(hwm_mb "$ingestor_pid")
api_rss=$(hwm_mb "$api_pid")
jq -cn --argjson r "$out" --argjson rate "$rate" --argjson secs "$secs" --arg load "$(load)" \
  --argjson irss "$ingestor_rss" --argjson arss "$api_rss" --argjson depth "${depth:-0}" '{
  rate: $rate, seconds: $secs, publish_rate: $r.publish_rate, probes: $r.probes, seen: $r.seen,
  p50_ms: $r.p50_ms, p90_ms: $r.p90_ms, p99_ms: $r.p99_ms, max_ms: $r.max_ms,
  queue_depth_at_end: $depth, ingestor_max_rss_mb: $irss, api_max_rss_mb: $arss, load: $load}'
