#include "pdf/pdf.h"

#include <cairo-pdf.h>
#include <cairo.h>
#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <memory>
#include <stdexcept>

namespace vecton::api::pdf {
namespace {

constexpr double kPageWidth = 595.28;  // A4 in points
constexpr double kPageHeight = 841.89;
constexpr double kMargin = 40;
constexpr double kContentWidth = kPageWidth - 2 * kMargin;
constexpr double kRowHeight = 15;
constexpr double kFooterHeight = 24;
constexpr double kChartHeight = 200;
constexpr const char* kFont = "DejaVu Sans";
constexpr double kCellFont = 8;

cairo_status_t Append(void* closure, const unsigned char* data, unsigned int length) {
  static_cast<std::string*>(closure)->append(reinterpret_cast<const char*>(data), length);
  return CAIRO_STATUS_SUCCESS;
}

void Font(cairo_t* cr, double size, bool bold = false) {
  cairo_select_font_face(cr, kFont, CAIRO_FONT_SLANT_NORMAL,
                         bold ? CAIRO_FONT_WEIGHT_BOLD : CAIRO_FONT_WEIGHT_NORMAL);
  cairo_set_font_size(cr, size);
}

double TextWidth(cairo_t* cr, const std::string& s) {
  cairo_text_extents_t e;
  cairo_text_extents(cr, s.c_str(), &e);
  return e.x_advance;
}

// s cut (at a UTF-8 boundary) with "…" so it fits in width.
std::string Fit(cairo_t* cr, const std::string& s, double width) {
  if (TextWidth(cr, s) <= width) return s;
  std::string cut = s;
  while (!cut.empty()) {
    // Drop the last character: its continuation bytes and its lead byte.
    size_t len = cut.size() - 1;
    while (len > 0 && (static_cast<unsigned char>(cut[len]) & 0xC0) == 0x80) --len;
    cut.resize(len);
    if (TextWidth(cr, cut + "…") <= width) return cut + "…";
  }
  return "…";
}

void Text(cairo_t* cr, double x, double y, const std::string& s) {
  cairo_move_to(cr, x, y);
  cairo_show_text(cr, s.c_str());
}

void Gray(cairo_t* cr, double v) { cairo_set_source_rgb(cr, v, v, v); }

// 1, 2 or 5 times a power of ten, at least raw.
double NiceStep(double raw) {
  if (raw <= 0) return 1;
  const double p = std::pow(10.0, std::floor(std::log10(raw)));
  for (double m : {1.0, 2.0, 5.0, 10.0}) {
    if (m * p >= raw) return m * p;
  }
  return 10 * p;
}

std::string Compact(double v) {
  const double a = std::fabs(v);
  if (a >= 1e9) return fmt::format("{:.1f}G", v / 1e9);
  if (a >= 1e6) return fmt::format("{:.1f}M", v / 1e6);
  if (a >= 1e4) return fmt::format("{:.0f}k", v / 1e3);
  if (a >= 10 || v == std::floor(v)) return fmt::format("{:.0f}", v);
  return fmt::format("{:.2f}", v);
}

void DrawChart(cairo_t* cr, const PdfReport& r, double top) {
  const double left = kMargin + 48, right = kMargin + kContentWidth - 8;
  const double plot_top = top + 20, plot_bottom = top + kChartHeight - 34;
  Font(cr, 10, true);
  Gray(cr, 0.1);
  Text(cr, kMargin, top + 10, r.chart_title);
  const size_t n = r.chart_values.size();
  double lo = 0, hi = 0;
  for (double v : r.chart_values) {
    lo = std::min(lo, v);
    hi = std::max(hi, v);
  }
  if (hi == lo) hi = lo + 1;
  const double step = NiceStep((hi - lo) / 5);
  lo = std::floor(lo / step) * step;
  hi = std::ceil(hi / step) * step;
  auto y_of = [&](double v) {
    return plot_bottom - (v - lo) / (hi - lo) * (plot_bottom - plot_top);
  };

  // Grid and y labels.
  Font(cr, 7);
  cairo_set_line_width(cr, 0.5);
  for (double v = lo; v <= hi + step / 2; v += step) {
    Gray(cr, 0.85);
    cairo_move_to(cr, left, y_of(v));
    cairo_line_to(cr, right, y_of(v));
    cairo_stroke(cr);
    Gray(cr, 0.35);
    std::string label = Compact(v);
    Text(cr, left - 4 - TextWidth(cr, label), y_of(v) + 2.5, label);
  }
  Gray(cr, 0.3);
  cairo_move_to(cr, left, plot_top);
  cairo_line_to(cr, left, plot_bottom);
  cairo_line_to(cr, right, plot_bottom);
  cairo_stroke(cr);
  if (n == 0) return;

  // x labels: at most ~12, evenly spaced.
  const double slot = (right - left) / static_cast<double>(n);
  auto x_of = [&](size_t i) { return left + slot * (static_cast<double>(i) + 0.5); };
  const size_t every = std::max<size_t>(1, (n + 11) / 12);
  Gray(cr, 0.35);
  for (size_t i = 0; i < n; i += every) {
    std::string label =
        Fit(cr, i < r.chart_labels.size() ? r.chart_labels[i] : "", slot * every - 2);
    Text(cr, x_of(i) - TextWidth(cr, label) / 2, plot_bottom + 11, label);
  }

  cairo_set_source_rgb(cr, 0.16, 0.42, 0.75);
  if (r.chart == ChartKind::kBar) {
    const double width = std::max(1.0, slot * 0.7);
    for (size_t i = 0; i < n; ++i) {
      const double y0 = y_of(std::max(lo, 0.0)), y1 = y_of(r.chart_values[i]);
      cairo_rectangle(cr, x_of(i) - width / 2, std::min(y0, y1), width, std::fabs(y0 - y1));
    }
    cairo_fill(cr);
  } else {
    cairo_set_line_width(cr, 1.6);
    for (size_t i = 0; i < n; ++i) {
      if (i == 0)
        cairo_move_to(cr, x_of(i), y_of(r.chart_values[i]));
      else
        cairo_line_to(cr, x_of(i), y_of(r.chart_values[i]));
    }
    cairo_stroke(cr);
    if (n <= 60) {
      for (size_t i = 0; i < n; ++i) {
        cairo_arc(cr, x_of(i), y_of(r.chart_values[i]), 2, 0, 2 * M_PI);
        cairo_fill(cr);
      }
    }
  }
}

}  // namespace

std::string RenderPdf(const PdfReport& r) {
  std::string bytes;
  std::unique_ptr<cairo_surface_t, decltype(&cairo_surface_destroy)> surface(
      cairo_pdf_surface_create_for_stream(Append, &bytes, kPageWidth, kPageHeight),
      cairo_surface_destroy);
  std::unique_ptr<cairo_t, decltype(&cairo_destroy)> context(cairo_create(surface.get()),
                                                             cairo_destroy);
  cairo_t* cr = context.get();
  cairo_pdf_surface_set_metadata(surface.get(), CAIRO_PDF_METADATA_TITLE, r.title.c_str());
  cairo_pdf_surface_set_metadata(surface.get(), CAIRO_PDF_METADATA_CREATOR, "vecton analytics");

  // ---- column widths: measured, then scaled to the content width ----
  const size_t columns = r.header.size();
  std::vector<double> widths(columns, 30);
  Font(cr, kCellFont, true);
  for (size_t c = 0; c < columns; ++c)
    widths[c] = std::max(widths[c], TextWidth(cr, r.header[c]) + 8);
  Font(cr, kCellFont);
  for (size_t i = 0; i < std::min<size_t>(r.rows.size(), 500); ++i) {
    for (size_t c = 0; c < columns && c < r.rows[i].size(); ++c) {
      widths[c] = std::max(widths[c], std::min(220.0, TextWidth(cr, r.rows[i][c]) + 8));
    }
  }
  // Too wide: a smaller font (text width is proportional to its size) rather than cut cells;
  // too narrow: the spare width spread over the columns.
  double sum = 0;
  for (double w : widths) sum += w;
  const double scale = kContentWidth / std::max(sum, 1.0);
  const double cell_font = kCellFont * std::clamp(scale, 0.7, 1.0);
  for (double& w : widths) w *= scale;

  // ---- the first page's layout, then pagination ----
  const double header_bottom = kMargin + 58;
  const size_t total_rows_of_grid = (r.totals.size() + 3) / 4;
  const double totals_bottom = header_bottom + 8 + total_rows_of_grid * 36.0;
  const double chart_top = totals_bottom + 10;
  const double first_table_top =
      (r.chart == ChartKind::kNone ? chart_top : chart_top + kChartHeight + 8);
  const double bottom = kPageHeight - kMargin - kFooterHeight;
  auto rows_fitting = [&](double top) {
    return std::max<size_t>(1, static_cast<size_t>((bottom - top - kRowHeight) / kRowHeight));
  };
  std::vector<std::pair<size_t, size_t>> pages;  // [begin, end) rows per page
  size_t next = 0;
  pages.push_back({0, std::min(r.rows.size(), rows_fitting(first_table_top))});
  next = pages.back().second;
  while (next < r.rows.size()) {
    size_t end = std::min(r.rows.size(), next + rows_fitting(kMargin + 24));
    pages.push_back({next, end});
    next = end;
  }

  for (size_t page = 0; page < pages.size(); ++page) {
    double y;
    if (page == 0) {
      Gray(cr, 0.05);
      Font(cr, 18, true);
      Text(cr, kMargin, kMargin + 14, Fit(cr, r.title, kContentWidth));
      Font(cr, 9);
      Gray(cr, 0.3);
      Text(cr, kMargin, kMargin + 32,
           Fit(cr, "Tenant: " + r.tenant + "    Range: " + r.range, kContentWidth));
      Text(cr, kMargin, kMargin + 45, "Generated: " + r.generated_at);
      cairo_set_line_width(cr, 0.8);
      cairo_set_source_rgb(cr, 0.16, 0.42, 0.75);
      cairo_move_to(cr, kMargin, header_bottom - 4);
      cairo_line_to(cr, kMargin + kContentWidth, header_bottom - 4);
      cairo_stroke(cr);
      // Totals, four to a row.
      const double cell = kContentWidth / 4;
      for (size_t i = 0; i < r.totals.size(); ++i) {
        const double x = kMargin + static_cast<double>(i % 4) * cell;
        const double ty = header_bottom + 8 + static_cast<double>(i / 4) * 36;
        Font(cr, 7.5);
        Gray(cr, 0.4);
        Text(cr, x, ty + 9, Fit(cr, r.totals[i].first, cell - 8));
        Font(cr, 13, true);
        Gray(cr, 0.05);
        Text(cr, x, ty + 26, Fit(cr, r.totals[i].second, cell - 8));
      }
      if (r.chart != ChartKind::kNone) DrawChart(cr, r, chart_top);
      y = first_table_top;
    } else {
      Font(cr, 9, true);
      Gray(cr, 0.3);
      Text(cr, kMargin, kMargin + 8, Fit(cr, r.title + " (continued)", kContentWidth));
      y = kMargin + 24;
    }

    // The header row, repeated on every page.
    cairo_set_source_rgb(cr, 0.90, 0.93, 0.97);
    cairo_rectangle(cr, kMargin, y, kContentWidth, kRowHeight);
    cairo_fill(cr);
    Font(cr, cell_font, true);
    Gray(cr, 0.05);
    double x = kMargin;
    for (size_t c = 0; c < columns; ++c) {
      std::string h = Fit(cr, r.header[c], widths[c] - 6);
      const bool right = c < r.numeric.size() && r.numeric[c];
      Text(cr, right ? x + widths[c] - 3 - TextWidth(cr, h) : x + 3, y + 10.5, h);
      x += widths[c];
    }
    y += kRowHeight;
    Font(cr, cell_font);
    for (size_t i = pages[page].first; i < pages[page].second; ++i) {
      if ((i - pages[page].first) % 2 == 1) {
        Gray(cr, 0.965);
        cairo_rectangle(cr, kMargin, y, kContentWidth, kRowHeight);
        cairo_fill(cr);
      }
      Gray(cr, 0.1);
      x = kMargin;
      for (size_t c = 0; c < columns; ++c) {
        std::string v = Fit(cr, c < r.rows[i].size() ? r.rows[i][c] : "", widths[c] - 6);
        const bool right = c < r.numeric.size() && r.numeric[c];
        Text(cr, right ? x + widths[c] - 3 - TextWidth(cr, v) : x + 3, y + 10.5, v);
        x += widths[c];
      }
      y += kRowHeight;
    }
    if (r.rows.empty()) {
      Gray(cr, 0.4);
      Text(cr, kMargin + 3, y + 10.5, "No rows in this range.");
    }

    // Footer.
    Font(cr, 7);
    Gray(cr, 0.45);
    std::string footer = fmt::format("Page {} of {}", page + 1, pages.size());
    Text(cr, kMargin + kContentWidth - TextWidth(cr, footer), kPageHeight - kMargin, footer);
    Text(cr, kMargin, kPageHeight - kMargin,
         Fit(cr, "vecton analytics · " + r.tenant, kContentWidth / 2));
    cairo_show_page(cr);
  }
  context.reset();
  cairo_surface_finish(surface.get());
  if (cairo_surface_status(surface.get()) != CAIRO_STATUS_SUCCESS) {
    throw std::runtime_error(std::string("cairo: ") +
                             cairo_status_to_string(cairo_surface_status(surface.get())));
  }
  surface.reset();
  return bytes;
}

}  // namespace vecton::api::pdf
