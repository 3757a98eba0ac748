// analytics-api over HTTP: the real binary against the real PostgreSQL and Redis.
#include <doctest/doctest.h>
#include <hiredis/hiredis.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <thread>
#include <vector>

#include "api_harness.h"
#include "harness.h"
#include "ingest_harness.h"
#include "vecton/json.h"

using namespace vecton::testing;

namespace {

// A fresh tenant with a token.
struct TestTenant {
  std::string id;
  std::string token;
};

TestTenant MakeTenant(const char* prefix, const char* zone = "Europe/Budapest") {
  auto conn = ConnectToTestSchema();
  TestTenant t{UniqueTenant(prefix), ""};
  CreateTenant(*conn, t.id, zone, "HUF");
  t.token = CreateTestToken(t.id);
  return t;
}

// data.totals.<field> of a JSON answer, as written.
std::string Total(const std::string& body, const char* field) {
  auto doc = vecton::JsonValue::Parse(body);
  REQUIRE(doc.ok());
  const vecton::JsonValue* data = doc->Find("data");
  REQUIRE(data != nullptr);
  const vecton::JsonValue* totals = data->Find("totals");
  REQUIRE(totals != nullptr);
  const vecton::JsonValue* v = totals->Find(field);
  REQUIRE(v != nullptr);
  return v->text();
}

void RedisCommand(const std::string& command) {
  const char* url = std::getenv("REDIS_URL");
  REQUIRE(url != nullptr);
  std::string line = std::string("redis-cli -u '") + url + "' " + command + " >/dev/null";
  REQUIRE(std::system(line.c_str()) == 0);
}

template <typename Pred>
bool Eventually(Pred pred, std::chrono::milliseconds limit = std::chrono::seconds(10)) {
  auto deadline = std::chrono::steady_clock::now() + limit;
  while (std::chrono::steady_clock::now() < deadline) {
    if (pred()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return pred();
}

}  // namespace

TEST_CASE("health, ready and metrics answer without a token") {
  ApiProcess api;
  HttpResult health = api.Get("/api/health");
  CHECK(health.status == 200);
  CHECK(health.body == R"({"status":"ok"})");
  HttpResult ready = api.Get("/api/ready");
  CHECK(ready.status == 200);
  CHECK(ready.body == R"({"status":"ready","postgresql":"ok","redis":"ok"})");
  HttpResult metrics = api.Get("/api/metrics");
  CHECK(metrics.status == 200);
  CHECK(metrics.Header("content-type").starts_with("text/plain; version=0.0.4"));
  CHECK(metrics.body.find("# TYPE vecton_api_requests_total counter\n") != std::string::npos);
  // Health was polled until the daemon answered: at least once.
  CHECK(metrics.body.find("vecton_api_requests_total{route=\"/api/health\",status=\"200\"} ") !=
        std::string::npos);
  CHECK(metrics.body.find("# TYPE vecton_api_request_duration_seconds histogram\n") !=
        std::string::npos);
  CHECK(metrics.body.find(
            "vecton_api_request_duration_seconds_bucket{route=\"/api/ready\",status=\"200\","
            "le=\"+Inf\"} 1\n") != std::string::npos);
  CHECK(metrics.body.find("vecton_api_cache_misses_total ") != std::string::npos);
  CHECK(metrics.body.find("vecton_api_db_errors_total 0\n") != std::string::npos);
}

TEST_CASE("every malformed or unknown parameter is a 400 naming it") {
  ApiProcess api;
  TestTenant t = MakeTenant("params");
  struct Case {
    const char* target;
    const char* parameter;
  };
  const Case cases[] = {
      {"/api/reports/sales?from=2026-13-01", "from"},
      {"/api/reports/sales?from=2026-02-30", "from"},
      {"/api/reports/sales?from=yesterday", "from"},
      {"/api/reports/sales?from=2026-11-01T10:00:00", "from"},  // no offset
      {"/api/reports/sales?to=2026-11-01T25:00:00Z", "to"},
      {"/api/reports/sales?from=2026-11-05&to=2026-11-04", "from"},
      {"/api/reports/sales?from=1900-01-01&to=1900-01-02", "from"},
      {"/api/reports/sales?granularity=yearly", "granularity"},
      {"/api/reports/sales?granularity=Daily", "granularity"},
      {"/api/reports/sales?granularity=hourly&from=2026-01-01&to=2026-02-01", "granularity"},
      {"/api/reports/sales?category_id=abc", "category_id"},
      {"/api/reports/sales?category_id=1.5", "category_id"},
      {"/api/reports/sales?category_id=99999999999999999999", "category_id"},
      {"/api/reports/sales?compare=last_week", "compare"},
      {"/api/reports/sales?format=xml", "format"},
      {"/api/reports/sales?format=pdf", "format"},
      {"/api/reports/sales/export?format=json", "format"},
      {"/api/reports/products?limit=0", "limit"},
      {"/api/reports/products?limit=1001", "limit"},
      {"/api/reports/products?limit=-1", "limit"},
      {"/api/reports/products?limit=ten", "limit"},
      {"/api/reports/products?offset=-1", "offset"},
      {"/api/reports/products?offset=1e3", "offset"},
      {"/api/reports/products?sort=price", "sort"},
      {"/api/reports/products?sort=--revenue", "sort"},
      {"/api/reports/sales?tenant=other", "tenant"},
      {"/api/reports/sales?limit=5", "limit"},  // not a list: unknown here
      {"/api/dashboard?from=2026-11-01", "from"},
      {"/api/reports/sales?from=2026-11-01&from=2026-11-02", "from"},
      {"/api/reports/sales?from=%zz", "from"},
  };
  for (const Case& c : cases) {
    const std::string target = c.target;
    CAPTURE(target);
    HttpResult r = api.Get(c.target, t.token);
    CHECK(r.status == 400);
    auto doc = vecton::JsonValue::Parse(r.body);
    REQUIRE(doc.ok());
    const vecton::JsonValue* error = doc->Find("error");
    REQUIRE(error != nullptr);
    CHECK(error->Find("code")->text() == "invalid_parameter");
    REQUIRE(error->Find("parameter") != nullptr);
    CHECK(error->Find("parameter")->text() == c.parameter);
    CHECK_FALSE(error->Find("message")->text().empty());
  }
  // And the well-formed versions are accepted.
  for (const char* ok : {"/api/reports/sales?from=2026-11-01&to=2026-11-01&granularity=hourly",
                         "/api/reports/sales?from=2026-11-01T00:00:00+01:00&to=2026-11-02",
                         "/api/reports/sales?compare=previous_year&category_id=-1",
                         "/api/reports/products?limit=1000&offset=0&sort=-revenue",
                         "/api/reports/sales/export?format=csv"}) {
    CAPTURE(ok);
    CHECK(api.Get(ok, t.token).status == 200);
  }
}

TEST_CASE("unknown routes are 404 and other methods are 405 with Allow") {
  ApiProcess api;
  TestTenant t = MakeTenant("routes");
  CHECK(api.Get("/api/nothing", t.token).status == 404);
  CHECK(api.Get("/api/reports/unknown/export", t.token).status == 404);
  CHECK(api.Get("/", t.token).status == 404);
  HttpResult r = HttpRequestRaw(api.port(), "DELETE", "/api/dashboard",
                                {{"Authorization", "Bearer " + t.token}});
  CHECK(r.status == 405);
  CHECK(r.Header("allow") == "GET");
  CHECK(r.body.find("\"code\":\"method_not_allowed\"") != std::string::npos);
}

TEST_CASE("a missing or unknown token is a 401 with WWW-Authenticate: Bearer") {
  ApiProcess api;
  for (const std::string& auth : {std::string(), std::string("Bearer vat_unknown"),
                                  std::string("Basic dXNlcjpwYXNz"), std::string("Bearer ")}) {
    CAPTURE(auth);
    std::vector<std::pair<std::string, std::string>> headers;
    if (!auth.empty()) headers.emplace_back("Authorization", auth);
    HttpResult r = HttpRequestRaw(api.port(), "GET", "/api/dashboard", headers);
    CHECK(r.status == 401);
    CHECK(r.Header("www-authenticate") == "Bearer");
    CHECK(r.body.find("\"code\":\"unauthorized\"") != std::string::npos);
  }
}

TEST_CASE("naming another tenant by X-Tenant or Host is a 403") {
  ApiProcess api;
  TestTenant a = MakeTenant("forbid-a");
  TestTenant b = MakeTenant("forbid-b");
  CHECK(api.Get("/api/reports/sales", a.token, {{"X-Tenant", b.id}}).status == 403);
  CHECK(api.Get("/api/reports/sales", a.token, {{"X-Tenant", a.id}}).status == 200);
  auto with_host = [&](const std::string& host) {
    return HttpRequestRaw(api.port(), "GET", "/api/reports/sales",
                          {{"Authorization", "Bearer " + a.token}, {"Host", host}})
        .status;
  };
  CHECK(with_host(b.id + ".vecton.hu") == 403);
  CHECK(with_host(a.id + ".vecton.hu") == 200);
  CHECK(with_host(a.id + ".vecton.hu:8443") == 200);
  CHECK(with_host("vecton.hu") == 200);      // two labels: names no tenant
  CHECK(with_host("10.1.2.3:8014") == 200);  // an IP address names no tenant
  CHECK(with_host("api.localhost") == 200);
  CHECK(api.Get("/api/reports/sales", b.token, {{"X-Tenant", a.id}}).status == 403);
}

TEST_CASE("a tenant's token never reads another tenant's rows, and RLS alone enforces it") {
  ApiProcess api;
  TestTenant a = MakeTenant("rls-a");
  TestTenant b = MakeTenant("rls-b");
  auto conn = ConnectToTestSchema();
  ExecAsOwner(*conn,
              "INSERT INTO daily_sales (tenant_id, day, orders, revenue, items_sold) "
              "VALUES ('" +
                  b.id + "', '2026-11-03', 3, 1234.5, 7)");

  const std::string target = "/api/reports/sales?from=2026-11-03&to=2026-11-03";
  HttpResult as_b = api.Get(target, b.token);
  REQUIRE(as_b.status == 200);
  CHECK(Total(as_b.body, "orders") == "3");
  CHECK(Total(as_b.body, "revenue") == "1234.50");
  HttpResult as_a = api.Get(target, a.token);
  REQUIRE(as_a.status == 200);
  CHECK(Total(as_a.body, "orders") == "0");
  CHECK(Total(as_a.body, "revenue") == "0.00");

  // Without any WHERE clause, the API's role sees only the tenant it set.
  const char* api_url = std::getenv("API_DATABASE_URL");
  if (api_url == nullptr) return;
  pqxx::connection api_conn(api_url);
  pqxx::work tx(api_conn);
  tx.exec("SET LOCAL search_path TO " + api_conn.quote_name(MigratedSchema()));
  tx.exec_params("SELECT set_config('vecton.tenant', $1, true)", a.id);
  CHECK(
      tx.exec(
            "SELECT count(*) FROM daily_sales WHERE tenant_id <> current_setting('vecton.tenant')")
          [0][0]
              .as<int>() == 0);
  tx.exec_params("SELECT set_config('vecton.tenant', $1, true)", b.id);
  CHECK(tx.exec("SELECT count(*) FROM daily_sales")[0][0].as<int>() == 1);
}

TEST_CASE("an identical request is a cache hit with the same ETag, and If-None-Match gives 304") {
  ApiProcess api;
  TestTenant t = MakeTenant("cache");
  const std::string target = "/api/reports/sales?from=2026-11-01&to=2026-11-07";
  HttpResult first = api.Get(target, t.token);
  REQUIRE(first.status == 200);
  CHECK(first.Header("x-cache") == "miss");
  CHECK(first.Header("cache-control") == "private, max-age=900");
  std::string etag = first.Header("etag");
  CHECK(etag.size() == 34);
  CHECK(etag.front() == '"');
  HttpResult second = api.Get(target, t.token);
  CHECK(second.status == 200);
  CHECK(second.Header("x-cache") == "hit");
  CHECK(second.Header("etag") == etag);
  CHECK(second.body == first.body);
  HttpResult not_modified = api.Get(target, t.token, {{"If-None-Match", etag}});
  CHECK(not_modified.status == 304);
  CHECK(not_modified.body.empty());
  CHECK(api.Get(target, t.token, {{"If-None-Match", "\"other\""}}).status == 200);
  // Parameter order does not matter: the key is the normalized query.
  CHECK(api.Get("/api/reports/sales?to=2026-11-07&from=2026-11-01", t.token).Header("x-cache") ==
        "hit");
}

TEST_CASE("a generation bump makes the next answer fresh") {
  ApiProcess api;
  TestTenant t = MakeTenant("bump");
  const std::string target = "/api/reports/sales?from=2026-11-02&to=2026-11-02";
  REQUIRE(Total(api.Get(target, t.token).body, "orders") == "0");
  REQUIRE(api.Get(target, t.token).Header("x-cache") == "hit");
  auto conn = ConnectToTestSchema();
  ExecAsOwner(*conn, "INSERT INTO daily_sales (tenant_id, day, orders, revenue) VALUES ('" + t.id +
                         "', '2026-11-02', 5, 10)");
  RedisCommand("INCR vecton:gen:" + t.id);
  RedisCommand("PUBLISH vecton:gen " + t.id);
  CHECK(Eventually([&] { return Total(api.Get(target, t.token).body, "orders") == "5"; },
                   std::chrono::seconds(2)));
}

TEST_CASE("CSV export is an RFC 4180 attachment named after the report and range") {
  ApiProcess api;
  TestTenant t = MakeTenant("csv");
  HttpResult r = api.Get("/api/reports/sales/export?from=2026-11-01&to=2026-11-03", t.token);
  REQUIRE(r.status == 200);
  CHECK(r.Header("content-type") == "text/csv; charset=utf-8");
  CHECK(r.Header("content-disposition") ==
        "attachment; filename=\"sales-2026-11-01_2026-11-03.csv\"");
  // A header row and one row per day, CRLF-terminated.
  int lines = 0;
  for (size_t pos = 0; (pos = r.body.find("\r\n", pos)) != std::string::npos; pos += 2) ++lines;
  CHECK(lines == 4);
  CHECK(r.body.ends_with("\r\n"));
  CHECK(api.Get("/api/reports/sales?format=csv&from=2026-11-01&to=2026-11-03", t.token).body ==
        r.body);
}

TEST_CASE("a request body over 1 MiB is a 413") {
  ApiProcess api;
  std::string body(2 << 20, 'x');
  HttpResult r = HttpRequestRaw(api.port(), "POST", "/api/dashboard", {}, body);
  CHECK(r.status == 413);
}

TEST_CASE("with Redis stopped the API still answers from PostgreSQL, then uses Redis again") {
  if (std::getenv("VECTON_STATE_DIR") == nullptr) {
    MESSAGE("skipped: servers not started by scripts/servers.sh");
    return;
  }
  ApiProcess api;
  TestTenant t = MakeTenant("redis-down");
  const std::string target = "/api/reports/sales?from=2026-11-01&to=2026-11-02";
  REQUIRE(api.Get(target, t.token).status == 200);
  REQUIRE(ServersCommand("redis-stop"));
  struct Restart {
    ~Restart() { ServersCommand("redis-start"); }
  } restart;
  HttpResult down = api.Get("/api/reports/sales?from=2026-11-01&to=2026-11-03", t.token);
  CHECK(down.status == 200);
  CHECK(down.Header("x-cache") == "miss");
  HttpResult ready = api.Get("/api/ready");
  CHECK(ready.status == 200);
  CHECK(ready.body.find("\"redis\":\"unreachable\"") != std::string::npos);
  CHECK(api.Get("/api/metrics").body.find("vecton_api_cache_errors_total 0\n") ==
        std::string::npos);
  REQUIRE(ServersCommand("redis-start"));
  CHECK(Eventually([&] {
    api.Get(target, t.token);
    return api.Get(target, t.token).Header("x-cache") == "hit";
  }));
}

TEST_CASE("token commands create a working token, list it, and revoke it") {
  TestTenant t = MakeTenant("cli");
  std::string env = std::string("DATABASE_URL='") + std::getenv("DATABASE_URL") +
                    "' DB_SCHEMA=" + MigratedSchema() + " ";
  std::string bin = VECTON_BINARY_DIR "/api/analytics-api";
  auto run = [&](const std::string& args, std::string* out) {
    FILE* p = popen((env + bin + " " + args + " 2>/dev/null").c_str(), "r");
    char buf[512];
    while (fgets(buf, sizeof buf, p)) *out += buf;
    int status = pclose(p);
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  };
  std::string token;
  REQUIRE(run("token create --tenant " + t.id + " --name ci", &token) == 0);
  REQUIRE(token.starts_with("vat_"));
  token.pop_back();  // newline
  CHECK(token.size() == 4 + 43);
  std::string list;
  REQUIRE(run("token list --tenant " + t.id, &list) == 0);
  CHECK(list.find(" ci\n") != std::string::npos);
  // The row of the token named "ci" (the tenant also has the fixture's "test" token).
  size_t ci = list.find(" ci\n");
  REQUIRE(ci != std::string::npos);
  std::string id = list.substr(list.rfind('\n', ci) + 1, 16);
  CHECK(id.starts_with("tok_"));

  ApiProcess api({"TOKEN_CACHE_SECONDS=0"});
  CHECK(api.Get("/api/reports/sales", token).status == 200);
  std::string ignored;
  REQUIRE(run("token revoke --tenant " + t.id + " " + id, &ignored) == 0);
  CHECK(api.Get("/api/reports/sales", token).status == 401);
  CHECK(run("token create --tenant no-such-tenant-" + t.id, &ignored) == 1);
}

TEST_CASE("bad configuration and an unreachable database stop the daemon at start") {
  std::string bin = VECTON_BINARY_DIR "/api/analytics-api";
  CHECK(WEXITSTATUS(std::system(
            ("CACHE_TTL=soon " + bin + " --check-config >/dev/null 2>&1").c_str())) == 2);
  CHECK(WEXITSTATUS(std::system(
            ("APP_URL=ftp://x " + bin + " --check-config >/dev/null 2>&1").c_str())) == 2);
  CHECK(WEXITSTATUS(std::system((bin + " --check-config >/dev/null 2>&1").c_str())) == 0);
  int port = FreePort();
  std::string dead = "DATABASE_URL=postgresql://nobody@127.0.0.1:" + std::to_string(port) +
                     "/x APP_URL=http://127.0.0.1:" + std::to_string(FreePort()) + " ";
  CHECK(WEXITSTATUS(std::system((dead + bin + " >/dev/null 2>&1").c_str())) == 1);
}

TEST_CASE("with PostgreSQL stopped the API answers 503 with Retry-After, then recovers") {
  if (std::getenv("VECTON_STATE_DIR") == nullptr) {
    MESSAGE("skipped: servers not started by scripts/servers.sh");
    return;
  }
  ApiProcess api({"CACHE_TTL=0"});
  TestTenant t = MakeTenant("pg-down");
  const std::string target = "/api/reports/sales?from=2026-11-01&to=2026-11-02";
  REQUIRE(api.Get(target, t.token).status == 200);
  REQUIRE(ServersCommand("pg-stop"));
  struct Restart {
    ~Restart() { ServersCommand("pg-start"); }
  } restart;
  HttpResult down = api.Get(target, t.token);
  CHECK(down.status == 503);
  CHECK(down.Header("retry-after") == "5");
  CHECK(down.body.find("\"code\":\"unavailable\"") != std::string::npos);
  CHECK(api.Get("/api/ready").status == 503);
  CHECK(api.Get("/api/health").status == 200);
  REQUIRE(ServersCommand("pg-start"));
  CHECK(Eventually([&] { return api.Get(target, t.token).status == 200; }));
  CHECK(api.Get("/api/metrics").body.find("vecton_api_db_errors_total 0\n") == std::string::npos);
}

namespace vecton::testing {
namespace {

// The value of an unlabelled counter in a Prometheus text body (-1 when absent).
double CounterValue(const std::string& body, const std::string& name) {
  const size_t at = body.find("\n" + name + " ");
  return at == std::string::npos ? -1 : std::atof(body.c_str() + at + name.size() + 2);
}

}  // namespace

TEST_CASE("concurrent identical misses compute the answer once per instance") {
  ApiProcess api;
  TestTenant t = MakeTenant("flight");
  const std::string target = "/api/reports/sales?from=2026-11-01&to=2026-11-07";
  auto counter = [&](const char* name) { return CounterValue(api.Get("/api/metrics").body, name); };
  const double computed_before = counter("vecton_api_reports_computed_total");
  const double misses_before = counter("vecton_api_cache_misses_total");
  REQUIRE(computed_before >= 0);

  // Hold daily_sales, so the first computation waits while the others arrive and join it.
  // 4 clients: the test's API (HTTP_THREADS=8) keeps free threads for the /metrics polls.
  auto conn = ConnectToTestSchema();
  auto lock = std::make_unique<pqxx::work>(*conn);
  lock->exec("LOCK TABLE daily_sales IN ACCESS EXCLUSIVE MODE");
  constexpr int kClients = 4;
  std::vector<int> statuses(kClients);
  std::vector<std::thread> clients;
  for (int i = 0; i < kClients; ++i) {
    clients.emplace_back([&, i] { statuses[i] = api.Get(target, t.token).status; });
  }
  const bool all_waiting =
      WaitFor([&] { return counter("vecton_api_cache_misses_total") - misses_before >= kClients; });
  lock->abort();
  for (auto& c : clients) c.join();
  REQUIRE(all_waiting);
  CHECK(statuses == std::vector<int>(kClients, 200));
  CHECK(counter("vecton_api_reports_computed_total") - computed_before == 1);
}

}  // namespace vecton::testing
