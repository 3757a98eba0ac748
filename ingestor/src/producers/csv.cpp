#include "producers/csv.h"

#include <fcntl.h>
#include <fmt/format.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <csignal>
#include <cstring>
#include <optional>

extern char** environ;

namespace vecton::producers {

void CsvParser::EndField() {
  record_.push_back(std::move(field_));
  field_.clear();
}

void CsvParser::EndRecord(std::vector<CsvRecord>& out) {
  EndField();
  out.push_back(std::move(record_));
  if (first_lines_ != nullptr) first_lines_->push_back(record_first_line_);
  record_.clear();
  record_started_ = false;
  state_ = State::kFieldStart;
}

Status CsvParser::Feed(std::string_view bytes, std::vector<CsvRecord>& out,
                       std::vector<int64_t>* first_lines) {
  if (failed_) return Error("CSV parser used after an error");
  first_lines_ = first_lines;
  for (size_t i = 0; i < bytes.size(); ++i) {
    const char c = bytes[i];
    if (!record_started_) {
      record_started_ = true;
      record_first_line_ = line_ + 1;
    }
    switch (state_) {
      case State::kAfterCr:
        // A CR outside quotes must start a CRLF.
        if (c != '\n') {
          failed_ = true;
          return Error(
              fmt::format("CSV line {}: carriage return not followed by a line feed", line_ + 1));
        }
        ++line_;
        EndRecord(out);
        break;
      case State::kFieldStart:
        if (c == '"') {
          state_ = State::kQuoted;
          break;
        }
        state_ = State::kUnquoted;
        [[fallthrough]];
      case State::kUnquoted:
        if (c == ',') {
          EndField();
          state_ = State::kFieldStart;
        } else if (c == '\n') {
          ++line_;
          EndRecord(out);
        } else if (c == '\r') {
          state_ = State::kAfterCr;
        } else {
          // Fast path: copy the run of plain bytes at once.
          size_t j = i;
          while (j < bytes.size() && bytes[j] != ',' && bytes[j] != '\n' && bytes[j] != '\r') ++j;
          field_.append(bytes.data() + i, j - i);
          i = j - 1;
        }
        break;
      case State::kQuoted:
        if (c == '"') {
          state_ = State::kQuoteInQuoted;
        } else {
          size_t j = i;
          while (j < bytes.size() && bytes[j] != '"') {
            if (bytes[j] == '\n') ++line_;
            ++j;
          }
          field_.append(bytes.data() + i, j - i);
          i = j - 1;
        }
        break;
      case State::kQuoteInQuoted:
        if (c == '"') {
          field_ += '"';
          state_ = State::kQuoted;
        } else if (c == ',') {
          EndField();
          state_ = State::kFieldStart;
        } else if (c == '\n') {
          ++line_;
          EndRecord(out);
        } else if (c == '\r') {
          state_ = State::kAfterCr;
        } else {
          failed_ = true;
          return Error(fmt::format(
              "CSV line {}: unexpected character '{}' after a closing quote (a quote inside a "
              "quoted field must be doubled)",
              line_ + 1, c));
        }
        break;
    }
  }
  return OkStatus();
}

Status CsvParser::Finish(std::vector<CsvRecord>& out, std::vector<int64_t>* first_lines) {
  if (failed_) return Error("CSV parser used after an error");
  first_lines_ = first_lines;
  switch (state_) {
    case State::kQuoted:
      failed_ = true;
      return Error(fmt::format("CSV line {}: quoted field not closed before the end of the input",
                               record_first_line_));
    case State::kAfterCr:
      failed_ = true;
      return Error(fmt::format("CSV line {}: carriage return at the end of the input", line_ + 1));
    case State::kFieldStart:
      if (!record_started_) return OkStatus();  // the input ended with a line break
      break;
    case State::kUnquoted:
    case State::kQuoteInQuoted:
      break;
  }
  ++line_;
  EndRecord(out);
  return OkStatus();
}

namespace {

bool EndsWith(std::string_view s, std::string_view suffix) {
  return s.size() >= suffix.size() && s.substr(s.size() - suffix.size()) == suffix;
}

}  // namespace

Result<std::unique_ptr<CsvFileReader>> CsvFileReader::Open(const std::string& path) {
  std::unique_ptr<CsvFileReader> reader(new CsvFileReader());
  reader->path_ = path;
  reader->buffer_.resize(1 << 20);
  // Opening the file ourselves gives a precise error for a missing file even for ".gz".
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return Error(fmt::format("cannot open {}: {}", path, std::strerror(errno)));
  if (!EndsWith(path, ".gz")) {
    reader->file_ = ::fdopen(fd, "rb");
    if (reader->file_ == nullptr) {
      ::close(fd);
      return Error(fmt::format("cannot read {}: {}", path, std::strerror(errno)));
    }
    return reader;
  }
  // gzip -dc reads the file from its stdin (our fd) and writes to a pipe we read.
  int pipe_fds[2];
  if (::pipe2(pipe_fds, O_CLOEXEC) != 0) {
    ::close(fd);
    return Error(fmt::format("cannot create a pipe for gzip: {}", std::strerror(errno)));
  }
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, fd, STDIN_FILENO);
  posix_spawn_file_actions_adddup2(&actions, pipe_fds[1], STDOUT_FILENO);
  char arg0[] = "gzip";
  char arg1[] = "-dc";
  char* argv[] = {arg0, arg1, nullptr};
  pid_t pid = -1;
  const int rc = posix_spawnp(&pid, "gzip", &actions, nullptr, argv, environ);
  posix_spawn_file_actions_destroy(&actions);
  ::close(fd);
  ::close(pipe_fds[1]);
  if (rc != 0) {
    ::close(pipe_fds[0]);
    return Error(fmt::format("cannot run gzip to read {}: {}", path, std::strerror(rc)));
  }
  reader->child_pid_ = pid;
  reader->file_ = ::fdopen(pipe_fds[0], "rb");
  if (reader->file_ == nullptr) {
    ::close(pipe_fds[0]);
    return Error(fmt::format("cannot read gzip output: {}", std::strerror(errno)));
  }
  return reader;
}

Status CsvFileReader::Close() {
  if (file_ != nullptr) {
    ::fclose(file_);
    file_ = nullptr;
  }
  if (child_pid_ > 0) {
    int status = 0;
    const pid_t pid = child_pid_;
    child_pid_ = -1;
    if (::waitpid(pid, &status, 0) < 0) {
      return Error(fmt::format("waiting for gzip failed: {}", std::strerror(errno)));
    }
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
      return Error(
          fmt::format("gzip -dc {} failed (exit status {}): the archive is corrupt or "
                      "truncated",
                      path_, WIFEXITED(status) ? WEXITSTATUS(status) : -1));
    }
  }
  return OkStatus();
}

CsvFileReader::~CsvFileReader() {
  if (child_pid_ > 0) ::kill(child_pid_, SIGTERM);
  (void)Close();
}

Result<std::optional<CsvRecord>> CsvFileReader::Next() {
  while (next_pending_ >= pending_.size()) {
    if (eof_) return std::optional<CsvRecord>();
    pending_.clear();
    pending_lines_.clear();
    next_pending_ = 0;
    const size_t n = ::fread(buffer_.data(), 1, buffer_.size(), file_);
    if (n > 0) {
      bytes_read_ += static_cast<int64_t>(n);
      if (Status s = parser_.Feed(std::string_view(buffer_.data(), n), pending_, &pending_lines_);
          !s) {
        return Error(path_ + ": " + s.error());
      }
      continue;
    }
    if (::ferror(file_)) return Error(fmt::format("reading {} failed", path_));
    eof_ = true;
    if (Status s = parser_.Finish(pending_, &pending_lines_); !s)
      return Error(path_ + ": " + s.error());
    if (Status s = Close(); !s) return Error(s.error());
  }
  record_line_ = pending_lines_[next_pending_];
  return std::optional<CsvRecord>(std::move(pending_[next_pending_++]));
}

}  // namespace vecton::producers
