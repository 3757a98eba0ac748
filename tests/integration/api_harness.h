// Helpers for tests that drive the real analytics-api binary over HTTP.
//
// DESIGN
// ApiProcess starts VECTON_BINARY_DIR/api/analytics-api as a child with its configuration in
// the environment: the RLS-restricted login role (API_DATABASE_URL, falling back to
// DATABASE_URL), the test schema (harness.h MigratedSchema), REDIS_URL and a free port, and
// waits (with a deadline) until /api/health answers. Requests go through a minimal blocking
// HTTP/1.1 client (one connection per request, Connection: close) so the tests depend on no
// HTTP library. Tokens are written as `analytics-api token create` would: only their SHA-256.
// RecordResponse keeps what the API answered for tests/openapi/validate.mjs: one JSON file per
// response in one directory shared by every test of the process, emptied once per process (on
// its first recording) so that tests recording in the same run keep each other's files.
#pragma once

#include <sys/types.h>

#include <map>
#include <string>
#include <utility>
#include <vector>

namespace vecton::testing {

struct HttpResult {
  int status = 0;
  std::map<std::string, std::string> headers;  // lower-case names
  std::string body;
  std::string Header(const std::string& lower_name) const {
    auto it = headers.find(lower_name);
    return it == headers.end() ? "" : it->second;
  }
};

// Sends one request to 127.0.0.1:port; `raw_target` is sent as written ("/api/x?a=1").
HttpResult HttpRequestRaw(int port, const std::string& method, const std::string& raw_target,
                          const std::vector<std::pair<std::string, std::string>>& headers = {},
                          const std::string& body = "");

// The directory of the recordings: $VECTON_RECORD_DIR, else <build>/openapi-responses.
std::string RecordDir();

// Writes one response (method, target, status, content type, headers, body) as the next
// JSON file of RecordDir() named <pid>-<n>.json. Without VECTON_RECORD_DIR, the first call of
// the process removes the directory's earlier *.json files, so no recording of an earlier run
// is validated again; with it, the caller provides a fresh directory. Thread-safe.
void RecordResponse(const std::string& method, const std::string& target, const HttpResult& r);

// HttpRequestRaw, with the response recorded.
HttpResult RecordedRequest(int port, const std::string& method, const std::string& raw_target,
                           const std::vector<std::pair<std::string, std::string>>& headers = {},
                           const std::string& body = "");

class ApiProcess {
 public:
  // Extra environment entries ("CACHE_TTL=0") override the defaults.
  explicit ApiProcess(std::vector<std::string> extra_env = {});
  ~ApiProcess();
  ApiProcess(const ApiProcess&) = delete;
  ApiProcess& operator=(const ApiProcess&) = delete;

  int port() const { return port_; }
  HttpResult Get(const std::string& target, const std::string& token = "",
                 std::vector<std::pair<std::string, std::string>> headers = {}) const;
  // SIGTERM and wait; returns the exit status (or -1).
  int Stop();

 private:
  pid_t pid_ = -1;
  int port_ = 0;
};

// Stores a new token for `tenant` (owner connection) and returns it.
std::string CreateTestToken(const std::string& tenant);

// A TCP port nothing listens on right now.
int FreePort();

// Runs `scripts/servers.sh <command> $VECTON_STATE_DIR` (e.g. "redis-stop"); false when the
// harness's state dir is not known (servers not started by scripts/servers.sh).
bool ServersCommand(const std::string& command);

}  // namespace vecton::testing
