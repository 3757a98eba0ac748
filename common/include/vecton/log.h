// One line per event on stderr (journald picks it up), with a level and key=value context:
//
//   2026-11-25T09:14:03.120Z level=warn msg="tenant registered with defaults" tenant=acme
//
//   Log(LogLevel::kWarn, "tenant registered with defaults", {{"tenant", id}});
//
// Values are quoted when they hold spaces or quotes. Nothing that may hold a password
// should be passed here without CutPassword (config.h). Thread-safe: each line is one
// write(2). SetLogFile sends lines to a file instead (reopened by ReopenLog on SIGHUP).
#pragma once

#include <initializer_list>
#include <string>
#include <string_view>
#include <utility>

namespace vecton {

enum class LogLevel { kDebug, kInfo, kWarn, kError };

using LogField = std::pair<std::string_view, std::string_view>;

void Log(LogLevel level, std::string_view message, std::initializer_list<LogField> fields = {});

// "debug", "info", "warn", "error"; returns false for anything else.
bool SetLogLevel(std::string_view level);
// Empty path: stderr.
bool SetLogFile(const std::string& path);
// Reopens the log file (after logrotate moved it); async-signal-unsafe: call from a loop.
void ReopenLog();

}  // namespace vecton
