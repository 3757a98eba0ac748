// PDF rendering of a report (api.md "Custom reports": PDF export). The only code that includes
// cairo.
//
// DESIGN
// A report is handed over as plain strings and numbers (PdfReport), so this folder knows
// nothing about reports or the database. The page is A4 portrait: a header (title, tenant,
// range, generation time), the totals as a grid of labelled values, a chart (a line for a
// time series, bars for categories: the first numeric column against the first column), then
// the table. The table is paginated: pages are planned before drawing so every page can say
// "page i of n", and the header row is repeated on every page. Text goes through cairo's toy
// font API with "DejaVu Sans" (fonts-dejavu-core), which fontconfig resolves to a face with
// full Latin Extended-A coverage, so Hungarian ő and ű render; cells too wide for their
// column are cut with an ellipsis at a UTF-8 character boundary.
#pragma once

#include <string>
#include <utility>
#include <vector>

namespace vecton::api::pdf {

enum class ChartKind { kNone, kLine, kBar };

struct PdfReport {
  std::string title;
  std::string tenant;
  std::string range;                                        // "2026-10-01 – 2026-10-31 (weekly)"
  std::string generated_at;                                 // "2026-11-25T10:00:00Z"
  std::vector<std::pair<std::string, std::string>> totals;  // label -> formatted value
  ChartKind chart = ChartKind::kNone;
  std::string chart_title;  // the metric plotted
  std::vector<std::string> chart_labels;
  std::vector<double> chart_values;
  std::vector<std::string> header;
  std::vector<std::vector<std::string>> rows;
  std::vector<bool> numeric;  // per column: right-aligned
};

// The PDF file's bytes. Throws std::runtime_error if cairo fails (a bug or out of memory).
std::string RenderPdf(const PdfReport& report);

}  // namespace vecton::api::pdf
