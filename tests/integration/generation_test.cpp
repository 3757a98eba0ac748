// The ingestor's cache-generation publisher against a Redis that does not answer.
#include "cache/generation.h"

#include <doctest/doctest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <string>

namespace vecton::testing {
namespace {

// A TCP port that accepts connections (the kernel completes them into the backlog) and never
// answers: what a hung Redis, or one behind a dropping firewall after connect, looks like.
class SilentServer {
 public:
  SilentServer() {
    fd_ = socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    REQUIRE(bind(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0);
    REQUIRE(listen(fd_, 16) == 0);
    socklen_t len = sizeof addr;
    REQUIRE(getsockname(fd_, reinterpret_cast<sockaddr*>(&addr), &len) == 0);
    port_ = ntohs(addr.sin_port);
  }
  ~SilentServer() { close(fd_); }
  int port() const { return port_; }

 private:
  int fd_ = -1;
  int port_ = 0;
};

}  // namespace

TEST_CASE("a Redis that never answers costs one timeout per pause, not one per bump") {
  SilentServer redis;
  cache::GenerationPublisher publisher("redis://127.0.0.1:" + std::to_string(redis.port()) + "/0");
  const auto start = std::chrono::steady_clock::now();
  for (int i = 1; i <= 10; ++i) {
    CHECK_FALSE(publisher.Bump({"t" + std::to_string(i % 3)}, 100 + i));
  }
  const auto elapsed = std::chrono::steady_clock::now() - start;
  // One 0.5 s read timeout; ten would take 5 s.
  CHECK(elapsed < std::chrono::milliseconds(1500));
  CHECK(publisher.pending() == 3);  // the newest generation of each tenant, kept for later
}

}  // namespace vecton::testing
