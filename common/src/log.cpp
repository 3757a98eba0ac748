#include "vecton/log.h"

#include <fcntl.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <mutex>

#include "vecton/civil_time.h"

namespace vecton {
namespace {

std::atomic<int> g_min_level{static_cast<int>(LogLevel::kInfo)};
std::mutex g_file_mutex;
std::string g_path;
std::atomic<int> g_fd{STDERR_FILENO};

std::string_view LevelName(LogLevel level) {
  switch (level) {
    case LogLevel::kDebug:
      return "debug";
    case LogLevel::kInfo:
      return "info";
    case LogLevel::kWarn:
      return "warn";
    case LogLevel::kError:
      return "error";
  }
  return "info";
}

void AppendValue(std::string& line, std::string_view value) {
  bool plain = !value.empty() && value.find_first_of(" \"=\n\t") == std::string_view::npos;
  if (plain) {
    line += value;
    return;
  }
  line += '"';
  for (char c : value) {
    if (c == '"' || c == '\\') line += '\\';
    if (c == '\n') {
      line += "\\n";
      continue;
    }
    line += c;
  }
  line += '"';
}

}  // namespace

void Log(LogLevel level, std::string_view message, std::initializer_list<LogField> fields) {
  if (static_cast<int>(level) < g_min_level.load(std::memory_order_relaxed)) return;
  auto now = std::chrono::duration_cast<std::chrono::microseconds>(
      std::chrono::system_clock::now().time_since_epoch());
  std::string line = FormatUtc(Timestamp{now.count()});
  line += " level=";
  line += LevelName(level);
  line += " msg=";
  AppendValue(line, message);
  for (const auto& [key, value] : fields) {
    line += ' ';
    line += key;
    line += '=';
    AppendValue(line, value);
  }
  line += '\n';
  ssize_t ignored = ::write(g_fd.load(), line.data(), line.size());
  (void)ignored;
}

bool SetLogLevel(std::string_view level) {
  for (LogLevel l : {LogLevel::kDebug, LogLevel::kInfo, LogLevel::kWarn, LogLevel::kError}) {
    if (LevelName(l) == level) {
      g_min_level = static_cast<int>(l);
      return true;
    }
  }
  return false;
}

bool SetLogFile(const std::string& path) {
  std::lock_guard lock(g_file_mutex);
  g_path = path;
  if (path.empty()) {
    g_fd = STDERR_FILENO;
    return true;
  }
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0640);
  if (fd < 0) return false;
  int old = g_fd.exchange(fd);
  if (old != STDERR_FILENO) ::close(old);
  return true;
}

void ReopenLog() {
  std::string path;
  {
    std::lock_guard lock(g_file_mutex);
    path = g_path;
  }
  if (!path.empty()) SetLogFile(path);
}

}  // namespace vecton
