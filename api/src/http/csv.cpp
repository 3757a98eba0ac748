#include "http/csv.h"

#include <cctype>

namespace vecton::api {
namespace {

// A plain decimal number: -?digits(.digits)?
bool IsNumber(std::string_view s) {
  if (!s.empty() && s[0] == '-') s.remove_prefix(1);
  if (s.empty() || !std::isdigit(static_cast<unsigned char>(s[0]))) return false;
  bool dot = false;
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '.' && !dot && i + 1 < s.size()) {
      dot = true;
    } else if (!std::isdigit(static_cast<unsigned char>(s[i]))) {
      return false;
    }
  }
  return true;
}

}  // namespace

std::string CsvCell(std::string_view cell) {
  std::string value;
  if (!cell.empty() && std::string_view("=+-@\t\r").find(cell[0]) != std::string_view::npos &&
      !IsNumber(cell)) {
    value = "'";
  }
  value += cell;
  if (value.find_first_of(",\"\r\n") == std::string::npos) return value;
  std::string quoted = "\"";
  for (char c : value) {
    if (c == '"') quoted += '"';
    quoted += c;
  }
  quoted += '"';
  return quoted;
}

std::string CsvBody(const CsvTable& table) {
  std::string out;
  auto line = [&](const std::vector<std::string>& cells) {
    for (size_t i = 0; i < cells.size(); ++i) {
      if (i > 0) out += ',';
      out += CsvCell(cells[i]);
    }
    out += "\r\n";
  };
  line(table.header);
  for (const auto& row : table.rows) line(row);
  return out;
}

}  // namespace vecton::api
