#include "api_harness.h"

#include <arpa/inet.h>
#include <fmt/format.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <stdexcept>
#include <thread>

#include "auth.h"
#include "harness.h"
#include "vecton/json.h"

namespace vecton::testing {
namespace {

std::string Env(const char* name, const char* fallback = "") {
  const char* v = std::getenv(name);
  return v ? v : fallback;
}

}  // namespace

int FreePort() {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = 0;
  ::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr);
  socklen_t len = sizeof addr;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  ::close(fd);
  return ntohs(addr.sin_port);
}

HttpResult HttpRequestRaw(int port, const std::string& method, const std::string& raw_target,
                          const std::vector<std::pair<std::string, std::string>>& headers,
                          const std::string& body) {
  HttpResult result;
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = htons(static_cast<uint16_t>(port));
  timeval tv{10, 0};
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    ::close(fd);
    return result;  // status 0: not reachable
  }
  std::string request = fmt::format("{} {} HTTP/1.1\r\nConnection: close\r\n", method, raw_target);
  bool has_host = false;
  for (const auto& h : headers) has_host = has_host || h.first == "Host";
  if (!has_host) request += fmt::format("Host: 127.0.0.1:{}\r\n", port);
  bool has_length = false;
  for (const auto& [k, v] : headers) {
    request += k + ": " + v + "\r\n";
    if (k == "Content-Length") has_length = true;
  }
  if (!body.empty() && !has_length) request += fmt::format("Content-Length: {}\r\n", body.size());
  request += "\r\n" + body;
  size_t sent = 0;
  while (sent < request.size()) {
    ssize_t n = ::send(fd, request.data() + sent, request.size() - sent, MSG_NOSIGNAL);
    if (n <= 0) break;  // the server may answer (413) before reading everything
    sent += static_cast<size_t>(n);
  }
  std::string response;
  char buffer[65536];
  for (;;) {
    ssize_t n = ::recv(fd, buffer, sizeof buffer, 0);
    if (n <= 0) break;
    response.append(buffer, static_cast<size_t>(n));
    // Stop once the declared body is complete (the server may keep the connection open).
    size_t end = response.find("\r\n\r\n");
    if (end != std::string::npos) {
      std::string head = response.substr(0, end);
      for (auto& c : head) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
      size_t cl = head.find("content-length:");
      if (cl != std::string::npos &&
          response.size() >= end + 4 + std::stoul(head.substr(cl + 15))) {
        break;
      }
    }
  }
  ::close(fd);
  size_t end = response.find("\r\n\r\n");
  if (end == std::string::npos) return result;
  std::string head = response.substr(0, end);
  result.body = response.substr(end + 4);
  size_t line_end = head.find("\r\n");
  std::string status_line = head.substr(0, line_end);
  if (status_line.size() >= 12) result.status = std::stoi(status_line.substr(9, 3));
  size_t pos = line_end == std::string::npos ? head.size() : line_end + 2;
  while (pos < head.size()) {
    size_t next = head.find("\r\n", pos);
    std::string line = head.substr(pos, next == std::string::npos ? std::string::npos : next - pos);
    size_t colon = line.find(':');
    if (colon != std::string::npos) {
      std::string name = line.substr(0, colon);
      for (auto& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
      std::string value = line.substr(colon + 1);
      while (!value.empty() && value.front() == ' ') value.erase(0, 1);
      result.headers[name] = value;
    }
    if (next == std::string::npos) break;
    pos = next + 2;
  }
  return result;
}

ApiProcess::ApiProcess(std::vector<std::string> extra_env) {
  port_ = FreePort();
  std::string binary = VECTON_BINARY_DIR "/api/analytics-api";
  std::string db_url = Env("API_DATABASE_URL", Env("DATABASE_URL").c_str());
  std::vector<std::string> env = {
      fmt::format("APP_URL=http://127.0.0.1:{}", port_),
      "DATABASE_URL=" + db_url,
      "DB_SCHEMA=" + MigratedSchema(),
      "REDIS_URL=" + Env("REDIS_URL"),
      "LOG_LEVEL=warn",
      "DB_POOL_SIZE=4",
      "HTTP_THREADS=8",
      "PATH=" + Env("PATH", "/usr/bin:/bin"),
  };
  for (auto& e : extra_env) env.push_back(std::move(e));
  std::vector<char*> envp;
  for (auto& e : env) envp.push_back(e.data());
  envp.push_back(nullptr);
  pid_ = ::fork();
  if (pid_ == 0) {
    char* argv[] = {binary.data(), nullptr};
    ::execve(binary.c_str(), argv, envp.data());
    std::_Exit(127);
  }
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
  while (std::chrono::steady_clock::now() < deadline) {
    if (HttpRequestRaw(port_, "GET", "/api/health").status == 200) return;
    int status = 0;
    if (::waitpid(pid_, &status, WNOHANG) == pid_) {
      pid_ = -1;
      throw std::runtime_error("analytics-api exited at start; see its stderr above");
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  Stop();
  throw std::runtime_error("analytics-api did not answer /api/health within 20 s");
}

ApiProcess::~ApiProcess() { Stop(); }

int ApiProcess::Stop() {
  if (pid_ <= 0) return -1;
  ::kill(pid_, SIGTERM);
  int status = 0;
  ::waitpid(pid_, &status, 0);
  pid_ = -1;
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

std::string RecordDir() {
  const char* dir = std::getenv("VECTON_RECORD_DIR");
  return dir && *dir ? std::string(dir)
                     : (std::filesystem::path(VECTON_BINARY_DIR) / "openapi-responses").string();
}

void RecordResponse(const std::string& method, const std::string& target, const HttpResult& r) {
  namespace fs = std::filesystem;
  static std::mutex mutex;
  static int count = 0;  // per process: every test's recordings share the numbering
  std::lock_guard lock(mutex);
  const fs::path dir = RecordDir();
  if (count == 0) {
    fs::create_directories(dir);
    // Without VECTON_RECORD_DIR the directory is this build's: clear an earlier run's files.
    // With it, the caller (scripts/test.sh) gives every suite run a fresh directory, shared by
    // the test processes of that run.
    const char* given = std::getenv("VECTON_RECORD_DIR");
    if (given == nullptr || *given == '\0') {
      for (const auto& entry : fs::directory_iterator(dir)) {
        if (entry.path().extension() == ".json") fs::remove(entry.path());
      }
    }
  }
  JsonWriter w;
  w.BeginObject();
  w.Key("method").String(method);
  w.Key("target").String(target);
  w.Key("status").Int(r.status);
  w.Key("content_type").String(r.Header("content-type"));
  w.Key("headers").BeginObject();
  for (const auto& [name, value] : r.headers) w.Key(name).String(value);
  w.EndObject();
  w.Key("body").String(r.body);
  w.EndObject();
  char name[32];
  std::snprintf(name, sizeof name, "%d-%04d.json", static_cast<int>(getpid()), ++count);
  std::ofstream(dir / name) << w.str();
}

HttpResult RecordedRequest(int port, const std::string& method, const std::string& raw_target,
                           const std::vector<std::pair<std::string, std::string>>& headers,
                           const std::string& body) {
  HttpResult r = HttpRequestRaw(port, method, raw_target, headers, body);
  RecordResponse(method, raw_target, r);
  return r;
}

HttpResult ApiProcess::Get(const std::string& target, const std::string& token,
                           std::vector<std::pair<std::string, std::string>> headers) const {
  if (!token.empty()) headers.emplace_back("Authorization", "Bearer " + token);
  return HttpRequestRaw(port_, "GET", target, headers);
}

std::string CreateTestToken(const std::string& tenant) {
  api::NewToken token = api::GenerateToken();
  auto conn = ConnectToTestSchema();
  pqxx::work tx(*conn);
  tx.exec_params(
      "INSERT INTO api_tokens (tenant_id, token_id, token_hash, name) "
      "VALUES ($1, $2, $3, 'test')",
      tenant, token.id, api::Sha256Hex(token.token));
  tx.commit();
  return token.token;
}

bool ServersCommand(const std::string& command) {
  std::string dir = Env("VECTON_STATE_DIR");
  std::string script = Env("VECTON_SERVERS_SH", VECTON_SOURCE_DIR "/scripts/servers.sh");
  if (dir.empty()) return false;
  std::string line = fmt::format("bash '{}' {} '{}' >/dev/null 2>&1", script, command, dir);
  return std::system(line.c_str()) == 0;
}

}  // namespace vecton::testing
