#include "ingest_harness.h"

#include <doctest/doctest.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <thread>

#include "harness.h"

extern char** environ;

namespace vecton::testing {
namespace {

std::string Binary() { return VECTON_BINARY_DIR "/ingestor/analytics-ingestor"; }

// fork + exec with exactly `env`; stdout/stderr to `output_fd` (or inherited when -1).
pid_t Spawn(const std::vector<std::string>& args, const std::vector<std::string>& env,
            int output_fd) {
  std::vector<char*> argv, envp;
  for (const auto& a : args) argv.push_back(const_cast<char*>(a.c_str()));
  argv.push_back(nullptr);
  for (const auto& e : env) envp.push_back(const_cast<char*>(e.c_str()));
  envp.push_back(nullptr);
  pid_t pid = fork();
  REQUIRE(pid >= 0);
  if (pid == 0) {
    if (output_fd >= 0) {
      dup2(output_fd, STDOUT_FILENO);
      dup2(output_fd, STDERR_FILENO);
    }
    execve(argv[0], argv.data(), envp.data());
    _exit(127);
  }
  return pid;
}

}  // namespace

std::string AmqpUrl() {
  const char* url = std::getenv("AMQP_URL");
  REQUIRE_MESSAGE(url != nullptr,
                  "AMQP_URL is not set: run the integration tests through "
                  "scripts/test.sh");
  return url;
}

const amqp::Topology& TestTopology() {
  static const amqp::Topology topology = [] {
    amqp::Topology t;
    const std::string prefix = "vecton.test." + std::to_string(getpid());
    t.exchange = prefix + ".events";
    t.queue = prefix + ".work";
    t.dead_letter_exchange = prefix + ".dlx";
    t.dead_letter_queue = prefix + ".dead";
    t.stream = prefix + ".stream";
    return t;
  }();
  return topology;
}

std::vector<std::string> IngestorEnvironment(const std::vector<std::string>& extra) {
  const amqp::Topology& t = TestTopology();
  std::vector<std::string> env = {
      "DATABASE_URL=" + DatabaseUrl(),
      "DB_SCHEMA=" + MigratedSchema(),
      "AMQP_URL=" + AmqpUrl(),
      "REDIS_URL=" + std::string(std::getenv("REDIS_URL") ? std::getenv("REDIS_URL")
                                                          : "redis://127.0.0.1:1/0"),
      "EXCHANGE=" + t.exchange,
      "QUEUE=" + t.queue,
      "DEAD_LETTER_EXCHANGE=" + t.dead_letter_exchange,
      "DEAD_LETTER_QUEUE=" + t.dead_letter_queue,
      "STREAM=" + t.stream,
      "BATCH_LINGER_MS=5",
      "PATH=/usr/bin:/bin",
  };
  // First: getenv() finds the first of duplicate entries, so `extra` overrides the defaults.
  env.insert(env.begin(), extra.begin(), extra.end());
  return env;
}

int RunIngestorCommand(const std::vector<std::string>& args, std::string* output,
                       const std::vector<std::string>& extra_env) {
  char path[] = "/tmp/vecton-ingestor-cmd-XXXXXX";
  int fd = mkstemp(path);
  REQUIRE(fd >= 0);
  std::vector<std::string> argv = {Binary()};
  argv.insert(argv.end(), args.begin(), args.end());
  pid_t pid = Spawn(argv, IngestorEnvironment(extra_env), fd);
  int status = 0;
  waitpid(pid, &status, 0);
  if (output != nullptr) {
    output->clear();
    lseek(fd, 0, SEEK_SET);
    char buffer[4096];
    ssize_t n;
    while ((n = read(fd, buffer, sizeof buffer)) > 0)
      output->append(buffer, static_cast<size_t>(n));
  }
  close(fd);
  unlink(path);
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

IngestorProcess::IngestorProcess(const std::vector<std::string>& extra_env) {
  int log = open(("/tmp/vecton-ingestor-" + std::to_string(getpid()) + ".log").c_str(),
                 O_WRONLY | O_CREAT | O_APPEND, 0644);
  pid_ = Spawn({Binary(), "serve"}, IngestorEnvironment(extra_env), log);
  close(log);
  // Ready when the work queue exists: the daemon declares the topology before consuming.
  EventPublisher probe;
  REQUIRE(WaitFor([&] { return probe.broker().QueueDepth(TestTopology().queue).ok(); },
                  std::chrono::seconds(20)));
}

IngestorProcess::~IngestorProcess() {
  if (pid_ > 0 && Stop() == -1) Kill();
}

int IngestorProcess::Stop(std::chrono::milliseconds deadline) {
  if (pid_ <= 0) return -1;
  kill(pid_, SIGTERM);
  return Wait(deadline);
}

void IngestorProcess::Signal(int signal) {
  if (pid_ > 0) kill(pid_, signal);
}

int IngestorProcess::Wait(std::chrono::milliseconds deadline) {
  if (pid_ <= 0) return -1;
  const auto until = std::chrono::steady_clock::now() + deadline;
  int status = 0;
  while (std::chrono::steady_clock::now() < until) {
    if (waitpid(pid_, &status, WNOHANG) == pid_) {
      pid_ = -1;
      return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return -1;
}

void IngestorProcess::Kill() {
  if (pid_ <= 0) return;
  kill(pid_, SIGKILL);
  waitpid(pid_, nullptr, 0);
  pid_ = -1;
}

EventPublisher::EventPublisher() {
  auto broker = amqp::Broker::Connect(AmqpUrl());
  REQUIRE_MESSAGE(broker.ok(), (broker.ok() ? "" : broker.error()));
  broker_ = std::move(*broker);
  Status st = broker_->DeclareTopology(TestTopology());
  REQUIRE_MESSAGE(st.ok(), (st.ok() ? "" : st.error()));
}

void EventPublisher::Publish(const std::vector<std::pair<std::string, std::string>>& events) {
  std::vector<amqp::OutgoingMessage> out;
  for (const auto& [key, body] : events) out.push_back({TestTopology().exchange, key, body, {}});
  Status st = broker_->PublishConfirmed(out);
  REQUIRE_MESSAGE(st.ok(), (st.ok() ? "" : st.error()));
}

bool WaitFor(const std::function<bool()>& condition, std::chrono::milliseconds deadline) {
  const auto until = std::chrono::steady_clock::now() + deadline;
  while (true) {
    if (condition()) return true;
    if (std::chrono::steady_clock::now() >= until) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
}

std::string QueryValue(const std::string& sql) {
  auto conn = ConnectToTestSchema();
  pqxx::nontransaction tx(*conn);
  pqxx::result r = tx.exec(sql);
  if (r.empty() || r[0][0].is_null()) return "";
  return r[0][0].c_str();
}

int64_t EventCount(const std::string& tenant) {
  auto conn = ConnectToTestSchema();
  pqxx::nontransaction tx(*conn);
  return tx.exec_params1("SELECT count(*) FROM event_log WHERE tenant_id = $1", tenant)[0]
      .as<int64_t>();
}

int64_t PendingDeltas() {
  auto conn = ConnectToTestSchema();
  pqxx::nontransaction tx(*conn);
  return tx.exec1("SELECT count(*) FROM aggregate_pending")[0].as<int64_t>();
}

void WaitForEvents(const std::string& tenant, int64_t n, std::chrono::milliseconds deadline) {
  const bool done =
      WaitFor([&] { return EventCount(tenant) >= n && PendingDeltas() == 0; }, deadline);
  // Counted before the assertion: doctest deadlocks when an assertion fails while it formats
  // the message of another one (the query asserts).
  const int64_t stored = EventCount(tenant);
  const int64_t pending = PendingDeltas();
  REQUIRE_MESSAGE(done, "only " << stored << " of " << n << " events were stored, " << pending
                                << " aggregate deltas still pending");
}

std::string CloudEvent(const std::string& type, const std::string& id, const std::string& tenant,
                       const std::string& time, const std::string& data,
                       const std::string& source) {
  return R"({"specversion":"1.0","id":")" + id + R"(","source":")" + source + R"(","type":")" +
         type + R"(","time":")" + time + R"(","tenant":")" + tenant +
         R"(","datacontenttype":"application/json","data":)" + data + "}";
}

}  // namespace vecton::testing
