#!/usr/bin/env bash
# The API benchmarks (shared/spec/operations.md, Performance), one command:
#
#   tests/bench/api_bench.sh
#
# Targets (2 cores): (a) cached /dashboard at 64 connections >= 0.8 of the requests/s of a bare
# cpprestsdk listener returning a constant body of the same size, p99 < 10 ms; (b) uncached
# /reports/sales over 365 days, daily, for a tenant with 1M orders: p95 <= 25 ms and >= 50x
# faster than the same numbers by a plain GROUP BY over the order tables; (c) API RSS <= 200 MB.
# Both baselines run in the same run: these machines are noisy, the ratios are what count.
#
# Steps: builds what it needs (unless VECTON_SKIP_BUILD=1), starts private PostgreSQL, Redis
# and RabbitMQ in their own state dir (scripts/servers.sh), migrates, and loads tenant
# bench-sales-<N> with N orders straight into the tables (tests/bench/load_orders.sql: facts
# and the aggregates computed from them by GROUP BY; skipped when the tenant is already loaded,
# so a kept state dir makes reruns quick). Then
#   (a) analytics-api (CACHE_TTL default, LOG_LEVEL=warn) and bench_bare_listener side by side;
#       /api/dashboard is fetched once to fill the cache and measure its size; then rounds of
#       wrk -t2 -c64 -d<S>s --latency against the bare listener, then against /api/dashboard
#       (requests/s over all rounds, the worst round's p99);
#   (b) analytics-api restarted with CACHE_TTL=0; the API's totals are checked against the
#       plain GROUP BY's; wrk -t1 -c1 (sequential requests) against /api/reports/sales?from=
#       <today-364>&to=<today>&granularity=daily; the plain GROUP BY queries (per-day sales
#       from orders, per-category sales from order_items joined to orders: the series and
#       by_category of the report) timed with pgbench in the same session;
#   (c) the API's peak RSS (VmHWM) of each run.
# Prints one JSON line on stdout (progress and uptime on stderr):
#   {"dashboard":{"bare_rps":..,"api_rps":..,"ratio":..,"api_p99_ms":..,...},
#    "sales":{"orders":N,"api_p50_ms":..,"api_p95_ms":..,"plain_ms":..,"speedup":..},
#    "api_max_rss_mb":..,"load":"<uptime load averages>"}
#
# Environment:
#   BENCH_ORDERS        N (default 1000000)
#   BENCH_SECONDS       wrk duration of each run (default 15)
#   BENCH_CONNECTIONS   wrk connections for /dashboard (default 64)
#   BENCH_ROUNDS        /dashboard rounds, each the bare listener then the API (default 2)
#   BENCH_PLAIN_RUNS    timed runs of the plain GROUP BY (default 5, after one warm-up)
#   BENCH_RUN_DIR       the servers' state dir (default <repo>/.run-api-bench)
#   BENCH_KEEP_SERVERS  1: leave the servers running
#   HTTP_THREADS        the API's (and the bare listener's) worker threads (default 16)
#   VECTON_BUILD_DIR, VECTON_SKIP_BUILD, DB_SCHEMA (default analytics)
set -euo pipefail
BENCH_NAME=api_bench
BENCH_DAEMONS=(api_pid bare_pid)
# shellcheck source=lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
orders=${BENCH_ORDERS:-1000000}
secs=${BENCH_SECONDS:-15}
rounds=${BENCH_ROUNDS:-2}
conns=${BENCH_CONNECTIONS:-64}
plain_runs=${BENCH_PLAIN_RUNS:-5}
threads=${HTTP_THREADS:-16}
run=${BENCH_RUN_DIR:-$repo/.run-api-bench}

[[ $orders =~ ^[1-9][0-9]*$ ]] || die "BENCH_ORDERS must be a positive integer"
command -v wrk >/dev/null || die "wrk is not installed (apt-get install wrk)"
command -v jq >/dev/null || die "jq is not installed (apt-get install jq)"

bench_build analytics-ingestor analytics-api bench_bare_listener
ingestor=$build_dir/ingestor/analytics-ingestor
api=$build_dir/api/analytics-api
bare=$build_dir/tests/bench/bench_bare_listener
for b in "$ingestor" "$api" "$bare"; do [[ -x $b ]] || die "$b was not built"; done

# --- servers ---------------------------------------------------------------------------------
api_pid=
bare_pid=
bench_servers "$run"
owner_url=$DATABASE_URL
psql_owner() { PGOPTIONS="-c search_path=$DB_SCHEMA" psql "$owner_url" -XAtq -v ON_ERROR_STOP=1 "$@"; }
load() { uptime | sed 's/.*load average: //'; }

"$ingestor" migrate >"$run/bench-migrate.log" 2>&1 || { cat "$run/bench-migrate.log" >&2; die "migrate"; }

# --- the 1M-order tenant ---------------------------------------------------------------------
tenant=bench-sales-$orders
today=$(date -u +%F)
from=$(date -u -d "$today - 364 days" +%F)
loaded=$(psql_owner -c "SELECT coalesce(sum(orders), 0) FROM daily_sales WHERE tenant_id = '$tenant'
                        AND day BETWEEN '$from' AND '$today'")
if [[ $loaded != "$orders" ]]; then
  log "loading $orders orders for $tenant (365 days ending $today)"
  psql_owner -c "DELETE FROM tenants WHERE tenant_id = '$tenant'" >/dev/null
  for t in orders order_items products hourly_sales daily_sales hourly_category_sales \
    daily_category_sales product_metrics; do
    psql_owner -c "DELETE FROM $t WHERE tenant_id = '$tenant'" >/dev/null
  done
  "$ingestor" tenant add "$tenant" --timezone UTC --currency HUF >"$run/bench-tenant.log" 2>&1 ||
    { cat "$run/bench-tenant.log" >&2; die "tenant add $tenant"; }
  t0=$(date +%s)
  psql_owner -v tenant="$tenant" -v orders="$orders" -v last_day="$today" \
    -f tests/bench/load_orders.sql >&2 || die "loading the orders"
  log "loaded in $(($(date +%s) - t0)) s"
else
  log "$tenant already holds $orders orders"
fi
token=$("$api" token create --tenant "$tenant" 2>/dev/null) || die "token create"

# --- helpers ---------------------------------------------------------------------------------
api_port=
bare_port=
free_port api_port
free_port bare_port
api_url=http://127.0.0.1:$api_port
start_api() {  # start_api CACHE_TTL
  # The first (uncached) /dashboard right after a load can exceed the default 5 s statement
  # timeout on a busy machine (cold buffers); it is not what is measured.
  APP_URL=$api_url DATABASE_URL=$API_DATABASE_URL CACHE_TTL=$1 LOG_LEVEL=warn DB_STATEMENT_TIMEOUT_MS=60000 \
    HTTP_THREADS=$threads "$api" serve >>"$run/bench-api.log" 2>&1 &
  api_pid=$!
  local deadline=$((SECONDS + 30))
  until curl -fsS -o /dev/null "$api_url/api/health" 2>/dev/null; do
    kill -0 "$api_pid" 2>/dev/null || die "the API exited (log: $run/bench-api.log)"
    ((SECONDS < deadline)) || die "the API did not answer /api/health in 30 s"
    sleep 0.1
  done
}
hwm_mb() { awk '/^VmHWM:/ { printf "%.1f", $2 / 1024 }' "/proc/$1/status"; }
wrk_json() { sed -n 's/^WRKJSON //p'; }
get() { curl -fsS -H "Authorization: Bearer $token" "$@"; }

# --- (a) cached /dashboard vs the bare listener ----------------------------------------------
start_api 15
get -o /dev/null "$api_url/api/dashboard" || die "GET /api/dashboard"
body_bytes=$(get -o /dev/null -w '%{size_download}' "$api_url/api/dashboard")
xcache=$(get -o /dev/null -D - "$api_url/api/dashboard" | tr -d '\r' | awk -F': ' 'tolower($1) == "x-cache" { print $2 }')
[[ $xcache == hit ]] || die "the second /api/dashboard was not a cache hit (X-Cache: $xcache)"
"$bare" "$bare_port" "$body_bytes" "$threads" 2>>"$run/bench-bare.log" &
bare_pid=$!
deadline=$((SECONDS + 10))
until curl -fsS -o /dev/null "http://127.0.0.1:$bare_port/" 2>/dev/null; do
  ((SECONDS < deadline)) || die "the bare listener did not answer"
  sleep 0.1
done
log "(a) dashboard body $body_bytes bytes; load $(load)"
hot_hits() { curl -fsS "$api_url/api/metrics" | awk '$1 == "vecton_api_cache_hot_hits_total" { h = $2 } END { print h + 0 }'; }
hot_before=$(hot_hits)
# Rounds of bare then API, so a change in the machine's load during the run weighs on both.
bare_runs=()
dash_runs=()
loads=()
for ((round = 1; round <= rounds; round++)); do
  out=$(BENCH_TOKEN='' wrk -t2 -c"$conns" -d"${secs}s" --latency -s tests/bench/wrk_report.lua \
    "http://127.0.0.1:$bare_port/api/dashboard" | wrk_json)
  log "(a) round $round, bare listener: $out; load $(load)"
  bare_runs+=("$out")
  out=$(BENCH_TOKEN=$token wrk -t2 -c"$conns" -d"${secs}s" --latency -s tests/bench/wrk_report.lua \
    "$api_url/api/dashboard" | wrk_json)
  log "(a) round $round, api /dashboard: $out; load $(load)"
  dash_runs+=("$out")
  loads+=("$(load)")
done
# Requests/s over all rounds; the worst round's percentiles.
combine() { jq -cs '{rps: ((map(.requests) | add) / (map(.seconds) | add) * 10 | round / 10), requests: (map(.requests) | add),
  p50_ms: (map(.p50_ms) | max), p99_ms: (map(.p99_ms) | max), non2xx: (map(.non2xx) | add)}'; }
bare_out=$(printf '%s\n' "${bare_runs[@]}" | combine)
dash_out=$(printf '%s\n' "${dash_runs[@]}" | combine)
load_a=$(IFS='/'; echo "${loads[*]}")
hot_after=$(hot_hits)
log "(a) in-process cache hits during the runs: $((hot_after - hot_before))"
[[ $(jq .non2xx <<<"$dash_out") == 0 ]] || die "/api/dashboard answered non-2xx under load"
rss_a=$(hwm_mb "$api_pid")
stop_pid "$bare_pid"
bare_pid=
stop_pid "$api_pid"
api_pid=

# --- (b) uncached /reports/sales vs a plain GROUP BY -----------------------------------------
start_api 0
query="from=$from&to=$today&granularity=daily"
report=$(get "$api_url/api/reports/sales?$query") || die "GET /api/reports/sales"
xcache=$(get -o /dev/null -D - "$api_url/api/reports/sales?$query" | tr -d '\r' | awk -F': ' 'tolower($1) == "x-cache" { print $2 }')
[[ $xcache == miss ]] || die "with CACHE_TTL=0 /api/reports/sales was not a miss (X-Cache: $xcache)"

plain_series="SELECT day, count(*) FILTER (WHERE NOT cancelled) AS orders,
  coalesce(sum(total) FILTER (WHERE NOT cancelled), 0) AS revenue,
  coalesce(sum(items_sold) FILTER (WHERE NOT cancelled), 0) AS items_sold,
  coalesce(sum(tax_total) FILTER (WHERE NOT cancelled), 0) AS tax,
  coalesce(sum(shipping_total) FILTER (WHERE NOT cancelled), 0) AS shipping,
  coalesce(sum(discount_total) FILTER (WHERE NOT cancelled), 0) AS discounts,
  count(*) FILTER (WHERE cancelled) AS cancelled_orders,
  coalesce(sum(refunded_total) FILTER (WHERE NOT cancelled), 0) AS refunds
  FROM orders WHERE tenant_id = '$tenant' AND day BETWEEN '$from' AND '$today' GROUP BY day"
plain_categories="SELECT i.category_id, min(i.category_name), count(DISTINCT i.order_id) AS orders,
  sum(i.quantity * i.unit_price) AS revenue, sum(i.quantity) AS items_sold
  FROM orders o JOIN order_items i ON i.tenant_id = o.tenant_id AND i.order_id = o.order_id
  WHERE o.tenant_id = '$tenant' AND o.day BETWEEN '$from' AND '$today' AND NOT o.cancelled
  GROUP BY i.category_id ORDER BY revenue DESC"

# The same numbers: the report's totals must be the plain query's.
plain_totals=$(psql_owner -F' ' -c "SELECT sum(orders), sum(revenue), sum(items_sold) FROM ($plain_series) s")
api_totals=$(jq -r '.data.totals | "\(.orders) \(.revenue) \(.items_sold)"' <<<"$report")
read -r po pr pi <<<"$plain_totals"
read -r ao ar ai <<<"$api_totals"
[[ $po == "$orders" ]] || die "the plain query counts $po orders, expected $orders"
if ! [[ $ao == "$po" && $ai == "$pi" ]] ||
  ! awk -v a="$ar" -v p="$pr" 'BEGIN { exit !(a + 0 == p + 0) }'; then
  die "the report's totals ($api_totals) differ from the plain GROUP BY's ($plain_totals)"
fi
plain_cats=$(psql_owner -c "SELECT count(*) FROM ($plain_categories) c")
api_cats=$(jq '.data.by_category | length' <<<"$report")
[[ $plain_cats == "$api_cats" ]] || die "by_category: $api_cats categories, the plain query $plain_cats"
log "(b) the report's totals equal the plain GROUP BY's: $api_totals; $api_cats categories"

log "(b) load $(load)"
sales_out=$(BENCH_TOKEN=$token wrk -t1 -c1 -d"${secs}s" --latency -s tests/bench/wrk_report.lua \
  "$api_url/api/reports/sales?$query" | wrk_json)
log "(b) api /reports/sales uncached, sequential: $sales_out"
[[ $(jq .non2xx <<<"$sales_out") == 0 ]] || die "/api/reports/sales answered non-2xx"
load_b1=$(load)
rss_b=$(hwm_mb "$api_pid")

plain_sql=$run/bench-plain.sql
printf '%s;\n%s;\n' "$(tr '\n' ' ' <<<"$plain_series")" "$(tr '\n' ' ' <<<"$plain_categories")" >"$plain_sql"
PGOPTIONS="-c search_path=$DB_SCHEMA" pgbench "$owner_url" -n -f "$plain_sql" -t 1 >/dev/null 2>&1 ||
  die "pgbench (warm-up) failed: pgbench -n -f $plain_sql"
plain_out=$(PGOPTIONS="-c search_path=$DB_SCHEMA" pgbench "$owner_url" -n -f "$plain_sql" -t "$plain_runs" 2>&1) ||
  die "pgbench failed: $plain_out"
plain_ms=$(sed -n 's/^latency average = \([0-9.]*\) ms.*/\1/p' <<<"$plain_out")
[[ -n $plain_ms ]] || die "no latency in pgbench's output: $plain_out"
log "(b) plain GROUP BY (series + by_category): $plain_ms ms average of $plain_runs; load $(load)"
stop_pid "$api_pid"
api_pid=

jq -cn --argjson bare "$bare_out" --argjson dash "$dash_out" --argjson sales "$sales_out" \
  --argjson plain "$plain_ms" --argjson orders "$orders" --argjson bytes "$body_bytes" \
  --argjson rss_a "$rss_a" --argjson rss_b "$rss_b" --arg load_a "$load_a" --argjson rounds "$rounds" \
  --arg load_b "$load_b1" --argjson conns "$conns" --argjson threads "$threads" \
  --argjson hot "$((hot_after - hot_before))" '{
  dashboard: {rounds: $rounds, connections: $conns, http_threads: $threads, body_bytes: $bytes,
    bare_rps: $bare.rps, api_rps: $dash.rps, ratio: (($dash.rps / $bare.rps * 1000 | round) / 1000),
    bare_p99_ms: $bare.p99_ms, api_p50_ms: $dash.p50_ms, api_p99_ms: $dash.p99_ms,
    api_requests: $dash.requests, api_hot_cache_hits: $hot, load_after_each_round: $load_a},
  sales: {orders: $orders, api_requests: $sales.requests, api_p50_ms: $sales.p50_ms,
    api_p95_ms: $sales.p95_ms, api_p99_ms: $sales.p99_ms, plain_ms: $plain,
    speedup: (($plain / $sales.p95_ms * 10 | round) / 10), load: $load_b},
  api_max_rss_mb: ([$rss_a, $rss_b] | max)}'
