// Hostile messages through the real broker and ingestor: every body of the checked-in corpus
// (tests/hostile/*.json, expected reasons in tests/hostile/expected.tsv and overflow.tsv) and
// a 10 MB body are published between valid events. Each hostile one must come out of the
// dead-letter queue with an x-analytics-error reason that names its problem, every valid one must
// be ingested, the ingestor must still be running and the work queue must drain.
#include <doctest/doctest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <sstream>

#include "harness.h"
#include "ingest_harness.h"

namespace vecton::testing {
namespace {

struct HostileCase {
  std::string name;
  std::string body;
  std::string reason_part;  // the reason must contain this
};

std::string ReadBytes(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

void ReplaceAll(std::string& s, std::string_view from, const std::string& to) {
  for (size_t at = s.find(from); at != std::string::npos; at = s.find(from, at + to.size())) {
    s.replace(at, from.size(), to);
  }
}

// The cases listed in tests/hostile/<manifest> ("name<TAB>reason part" lines).
std::vector<HostileCase> LoadCorpus(const std::string& manifest_name, const std::string& tenant) {
  const std::filesystem::path dir = VECTON_SOURCE_DIR "/tests/hostile";
  std::ifstream manifest(dir / manifest_name);
  REQUIRE(manifest.good());
  std::vector<HostileCase> cases;
  std::string line;
  while (std::getline(manifest, line)) {
    if (line.empty() || line[0] == '#') continue;
    const size_t tab = line.find('\t');
    REQUIRE(tab != std::string::npos);
    HostileCase c{line.substr(0, tab), "", line.substr(tab + 1)};
    c.body = ReadBytes(dir / (c.name + ".json"));
    ReplaceAll(c.body, "@TENANT@", tenant);
    cases.push_back(std::move(c));
  }
  return cases;
}

std::string Valid(const std::string& tenant, size_t i) {
  const std::string n = std::to_string(i);
  if (i % 2 == 0) {
    return CloudEvent("customer.created", "v" + n, tenant, "2026-11-20T10:00:00Z",
                      R"({"customer_id":"c)" + n + "\"}");
  }
  return CloudEvent("order.created", "v" + n, tenant, "2026-11-20T10:00:00Z",
                    R"({"order_id":"o)" + n +
                        R"(","currency":"EUR","items":[{"product_id":"p1",)"
                        R"("quantity":2,"unit_price":"1.50"}],"total":"3.00"})");
}

// Publishes each case between valid events and checks the outcome (see the file comment).
void CheckDeadLettered(const std::string& t, const std::vector<HostileCase>& cases) {
  std::vector<std::pair<std::string, std::string>> messages;
  int64_t valid = 0;
  for (const HostileCase& c : cases) {
    messages.emplace_back(valid % 2 == 0 ? "customer.created" : "order.created", Valid(t, valid));
    ++valid;
    messages.emplace_back("order.created", c.body);
  }
  messages.emplace_back("customer.created", Valid(t, valid++));

  IngestorProcess ingestor({"BATCH_SIZE=16"});
  EventPublisher pub;
  pub.Publish(messages);
  // The valid events are stored and the queue drained: every message has been handled (a dead
  // letter is confirmed before its batch is acknowledged).
  CHECK(WaitFor([&] { return EventCount(t) >= valid; }, std::chrono::seconds(30)));
  CHECK(WaitFor(
      [&] {
        auto depth = pub.broker().QueueDepth(TestTopology().queue);
        return depth.ok() && *depth == 0;
      },
      std::chrono::seconds(10)));

  // Every hostile body comes back from the dead-letter queue; others' dead letters are left.
  std::map<std::string, const HostileCase*> by_body;
  for (const HostileCase& c : cases) by_body[c.body] = &c;
  std::map<std::string, std::string> reasons;  // case name -> reason
  std::vector<uint64_t> foreign;
  WaitFor(
      [&] {
        while (true) {
          auto m = pub.broker().Get(TestTopology().dead_letter_queue);
          REQUIRE(m.ok());
          if (!m->has_value()) return reasons.size() == cases.size();
          auto it = by_body.find((**m).body);
          if (it == by_body.end()) {
            foreign.push_back((**m).delivery_tag);
            continue;
          }
          reasons[it->second->name] = (**m).headers["x-analytics-error"];
          CHECK(pub.broker().Ack((**m).delivery_tag, false).ok());
        }
      },
      std::chrono::seconds(5));
  for (uint64_t tag : foreign) CHECK(pub.broker().Reject(tag, /*requeue=*/true).ok());

  for (const HostileCase& c : cases) {
    INFO("case " << c.name);
    CHECK_MESSAGE(reasons.count(c.name) == 1, "not dead-lettered");
    if (reasons.count(c.name) == 0) continue;
    const std::string& reason = reasons[c.name];
    INFO("reason: " << reason.substr(0, 300));
    CHECK(!reason.empty());
    CHECK(reason.find('\n') == std::string::npos);
    CHECK(reason.size() < 1000);
    CHECK(reason.find(c.reason_part) != std::string::npos);
  }

  CHECK(EventCount(t) == valid);
  // A NUL in the tenant must not have become this tenant or a new one.
  CHECK(QueryValue("SELECT count(*) FROM tenants WHERE tenant_id LIKE '" + t + "%'") == "1");
  // 1 + 2 + ... : the valid orders (odd positions) are 3.00 each.
  CHECK(QueryValue("SELECT orders || '|' || revenue FROM daily_sales WHERE tenant_id = '" + t +
                   "' AND day = '2026-11-20'") ==
        std::to_string(valid / 2) + "|" + std::to_string(3 * (valid / 2)) + ".0000");
  CHECK(ingestor.Wait(std::chrono::milliseconds(100)) == -1);  // still running
  CHECK(ingestor.Stop() == 0);
}

}  // namespace

TEST_CASE("hostile messages are dead-lettered with reasons; valid ones between them are kept") {
  auto conn = ConnectToTestSchema();
  const std::string t = UniqueTenant("hostile");
  CreateTenant(*conn, t, "UTC", "EUR");
  std::vector<HostileCase> cases = LoadCorpus("expected.tsv", t);
  REQUIRE(cases.size() >= 40);
  // Over the ingestor's 1 MiB limit, well under the broker's 128 MB.
  cases.push_back(
      {"ten_megabytes",
       CloudEvent("customer.created", "big", t, "2026-11-20T10:00:00Z",
                  R"({"customer_id":"c","country":")" + std::string(10 << 20, 'x') + "\"}"),
       "over the limit of 1048576"});
  CheckDeadLettered(t, cases);
}

TEST_CASE("amounts whose products overflow 64-bit money are dead-lettered, not wrapped") {
  auto conn = ConnectToTestSchema();
  const std::string t = UniqueTenant("overflow");
  CreateTenant(*conn, t, "UTC", "EUR");
  CheckDeadLettered(t, LoadCorpus("overflow.tsv", t));
}

}  // namespace vecton::testing
