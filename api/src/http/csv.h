// RFC 4180 CSV of a report's table: CRLF line ends, cells quoted when they hold a comma, a
// quote or a line break. A text cell starting with '=', '+', '-', '@' (or a tab / CR) is
// prefixed with ' so spreadsheets don't run it as a formula (CSV injection); numbers, such
// as -12.50, are not text and stay as they are.
#pragma once

#include <string>
#include <string_view>

#include "reports/report.h"

namespace vecton::api {

std::string CsvBody(const CsvTable& table);
// One cell, escaped and injection-proofed (exposed for tests).
std::string CsvCell(std::string_view cell);

}  // namespace vecton::api
