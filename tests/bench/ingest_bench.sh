#!/usr/bin/env bash
# The ingest benchmark (shared/spec/operations.md, Performance), one command:
#
#   tests/bench/ingest_bench.sh
#
# Target: 1M order.created (3 items each) already queued, drained to committed aggregates at
# >= 50,000 events/s and >= 0.5 of a bare rabbitmq-c consumer draining the same queue in the
# same run (these machines are noisy, so the ratio is what counts), ingestor RSS <= 150 MB.
#
# Steps: builds what it needs (unless VECTON_SKIP_BUILD=1), starts private PostgreSQL, Redis and
# RabbitMQ in their own state dir (scripts/servers.sh), migrates, creates a fresh tenant, lets
# the ingestor declare the topology and stops it, then
#   (a) baseline: publishes N events into vecton.events with no ingestor running (they land in
#       analytics.events; the stream queue gets a copy too, which is fine) and times
#       bench_bare_consumer draining analytics.events;
#   (b) ingest: publishes N more events for the same tenant, starts `analytics-ingestor serve`
#       and times from its start until the tenant's daily_sales.orders sum to N and the queue is
#       empty; the ingestor's peak RSS is its VmHWM.
# Prints one JSON line on stdout:
#   {"events":N,"bare_rate":R,"ingest_rate":R,"ratio":X,"ingestor_max_rss_mb":M,...,
#    "cpu_us_per_event":{"bare_rabbitmq":..,"ingest_rabbitmq":..,"ingestor":..,"postgres":..}}
# cpu_us_per_event: CPU time (user + system) per event of RabbitMQ while the bare consumer
# drained, and of RabbitMQ, the ingestor and PostgreSQL (all its processes) while the
# ingestor drained: on a CPU-bound machine, where the time goes.
# Progress goes to stderr. The servers are stopped at the end (their data is kept).
#
# Environment:
#   BENCH_EVENTS        N (default 1000000); e.g. BENCH_EVENTS=50000 for a quick run
#   BENCH_PREFETCH      the bare consumer's prefetch (default 2000)
#   BENCH_TIMEOUT       seconds allowed for each drain (default 1200)
#   BENCH_RUN_DIR       the servers' state dir (default <repo>/.run-bench)
#   BENCH_KEEP_SERVERS  1: leave the servers running
#   VECTON_BUILD_DIR, VECTON_SKIP_BUILD, DB_SCHEMA (default analytics)
set -euo pipefail
BENCH_NAME=ingest_bench
BENCH_DAEMONS=(ingestor_pid)
# shellcheck source=lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
events=${BENCH_EVENTS:-1000000}
prefetch=${BENCH_PREFETCH:-2000}
timeout_s=${BENCH_TIMEOUT:-1200}
run=${BENCH_RUN_DIR:-$repo/.run-bench}

[[ $events =~ ^[1-9][0-9]*$ ]] || die "BENCH_EVENTS must be a positive integer"

bench_build analytics-ingestor bench_publish bench_bare_consumer
ingestor=$build_dir/ingestor/analytics-ingestor
publish=$build_dir/tests/bench/bench_publish
bare=$build_dir/tests/bench/bench_bare_consumer
for b in "$ingestor" "$publish" "$bare"; do [[ -x $b ]] || die "$b was not built"; done

# --- servers ---------------------------------------------------------------------------------
ingestor_pid=
bench_servers "$run"

"$ingestor" migrate >"$run/bench-migrate.log" 2>&1 || { cat "$run/bench-migrate.log" >&2; die "migrate"; }
tenant=bench-$(date +%s)
"$ingestor" tenant add "$tenant" --timezone UTC --currency HUF >"$run/bench-tenant.log" 2>&1 ||
  { cat "$run/bench-tenant.log" >&2; die "tenant add $tenant"; }
log "tenant $tenant, $events events per phase"

queue_depth() {  # messages in analytics.events (ready + unacked)
  rabbit_ctl "$run" -q list_queues name messages 2>/dev/null | awk '$1 == "analytics.events" { print $2 }'
}
orders_ingested() {
  psql "$DATABASE_URL" -XAtqc \
    "SELECT coalesce(sum(orders), 0) FROM ${DB_SCHEMA}.daily_sales WHERE tenant_id = '$tenant'"
}
now_ms() { date +%s%3N; }
# CPU seconds (user + system) used so far by the processes whose pids come on stdin, summed.
cpu_seconds() {
  local p
  while read -r p || [[ -n $p ]]; do awk '{ print $14 + $15 }' "/proc/$p/stat" 2>/dev/null; done |
    awk -v hz="$(getconf CLK_TCK)" '{ s += $1 } END { printf "%.2f", s / hz }'
}
# The PostgreSQL server's processes: the postmaster and its children (backends, writers).
postgres_pids() {
  local postmaster
  postmaster=$(head -1 "$(sed -n 's/^PG_DIR=//p' "$run/ports")/data/postmaster.pid")
  echo "$postmaster"
  pgrep -P "$postmaster"
}
rabbit_pid() { cat "$run/rabbitmq/beam.pid"; }
minus() { awk -v a="$1" -v b="$2" 'BEGIN { print a - b }'; }
json_field() { sed -n "s/.*\"$1\":\([0-9.]*\).*/\1/p"; }

start_ingestor() {
  "$ingestor" serve >>"$run/bench-ingestor.log" 2>&1 &
  ingestor_pid=$!
}
stop_ingestor() {
  kill -TERM "$ingestor_pid"
  wait "$ingestor_pid" || true
  ingestor_pid=
}

# --- topology: the ingestor declares it; then nothing consumes -------------------------------
log "declaring the topology (ingestor start and stop)"
start_ingestor
deadline=$((SECONDS + 60))
until [[ -n $(queue_depth) ]]; do
  kill -0 "$ingestor_pid" 2>/dev/null || die "the ingestor exited (log: $run/bench-ingestor.log)"
  ((SECONDS < deadline)) || die "no analytics.events queue after 60 s (log: $run/bench-ingestor.log)"
  sleep 0.5
done
stop_ingestor
# A run that failed midway may have left messages behind.
rabbit_ctl "$run" -q purge_queue analytics.events >/dev/null
deadline=$((SECONDS + 60))
until [[ $(queue_depth) == 0 ]]; do
  ((SECONDS < deadline)) || die "analytics.events is not empty before the run ($(queue_depth) messages)"
  sleep 0.5
done

# --- (a) baseline: the bare consumer ---------------------------------------------------------
log "(a) publishing $events events"
pub_a=$("$publish" "$AMQP_URL" vecton.events "$tenant" "$events" "a$(date +%s)") || die "bench_publish"
log "(a) published: $pub_a"
log "(a) bare consumer draining analytics.events"
rabbit_cpu_a=$(rabbit_pid | cpu_seconds)
bare_out=$(timeout "$timeout_s" "$bare" "$AMQP_URL" analytics.events "$prefetch" "$events") ||
  die "bench_bare_consumer"
rabbit_cpu_a=$(minus "$(rabbit_pid | cpu_seconds)" "$rabbit_cpu_a")
log "(a) bare consumer: $bare_out"
bare_rate=$(json_field rate <<<"$bare_out")

# --- (b) the ingestor ------------------------------------------------------------------------
log "(b) publishing $events events"
pub_b=$("$publish" "$AMQP_URL" vecton.events "$tenant" "$events" "b$(date +%s)") || die "bench_publish"
log "(b) published: $pub_b"
# The broker's queue statistics lag behind the confirms by a few seconds.
deadline=$((SECONDS + 60))
until [[ $(queue_depth) == "$events" ]]; do
  ((SECONDS < deadline)) || die "expected $events queued messages, found $(queue_depth)"
  sleep 0.5
done
log "(b) ingestor draining"
pg_cpu_b=$(postgres_pids | cpu_seconds)
rabbit_cpu_b=$(rabbit_pid | cpu_seconds)
t0=$(now_ms)
start_ingestor
deadline=$((SECONDS + timeout_s))
last_report=$SECONDS
while :; do
  done_orders=$(orders_ingested 2>/dev/null || echo 0)
  [[ $done_orders == "$events" ]] && break
  kill -0 "$ingestor_pid" 2>/dev/null || die "the ingestor exited (log: $run/bench-ingestor.log)"
  ((SECONDS < deadline)) || die "only $done_orders of $events orders after ${timeout_s} s"
  if ((SECONDS - last_report >= 5)); then
    log "(b) $done_orders orders committed"
    last_report=$SECONDS
  fi
  sleep 0.1
done
t1=$(now_ms)
rss_kb=$(awk '/^VmHWM:/ { print $2 }' "/proc/$ingestor_pid/status")
# Backends that ended meanwhile (the polls above) are missing from the sum: a few ms.
ingestor_cpu=$(echo "$ingestor_pid" | cpu_seconds)
pg_cpu_b=$(minus "$(postgres_pids | cpu_seconds)" "$pg_cpu_b")
rabbit_cpu_b=$(minus "$(rabbit_pid | cpu_seconds)" "$rabbit_cpu_b")
# Committed means acked a moment later; the queue must empty too (not part of the timing).
deadline=$((SECONDS + 60))
until [[ $(queue_depth) == 0 ]]; do
  ((SECONDS < deadline)) || die "analytics.events still holds $(queue_depth) messages"
  sleep 0.5
done
stop_ingestor

awk -v n="$events" -v bare="$bare_rate" -v ms=$((t1 - t0)) -v rss="$rss_kb" \
  -v pa="$(json_field rate <<<"$pub_a")" -v pb="$(json_field rate <<<"$pub_b")" \
  -v ra="$rabbit_cpu_a" -v ing="$ingestor_cpu" -v pg="$pg_cpu_b" -v rb="$rabbit_cpu_b" 'BEGIN {
  ingest = n / (ms / 1000.0)
  printf "{\"events\":%d,\"bare_rate\":%.0f,\"ingest_rate\":%.0f,\"ratio\":%.3f,", n, bare, ingest, ingest / bare
  printf "\"ingestor_max_rss_mb\":%.1f,\"ingest_seconds\":%.3f,\"publish_rate_a\":%.0f,\"publish_rate_b\":%.0f,", rss / 1024.0, ms / 1000.0, pa, pb
  printf "\"cpu_us_per_event\":{\"bare_rabbitmq\":%.1f,\"ingest_rabbitmq\":%.1f,\"ingestor\":%.1f,\"postgres\":%.1f}}\n", ra * 1e6 / n, rb * 1e6 / n, ing * 1e6 / n, pg * 1e6 / n
}'
