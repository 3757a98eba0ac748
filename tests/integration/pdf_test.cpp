// PDF export over HTTP: the file is rendered to a bitmap with pdftoppm (poppler-utils) and
// checked for its page count and for ink where the chart is drawn.
#include <doctest/doctest.h>

#include <cstdio>
#include <fstream>
#include <sstream>
#include <string>

#include "api_harness.h"
#include "harness.h"
#include "vecton/json.h"

namespace vecton::testing {
namespace {

struct Pixmap {
  int width = 0, height = 0;
  std::string rgb;
  // Share of pixels in the box (fractions of the page) that are clearly blue (the series colour).
  double BlueShare(double x0, double y0, double x1, double y1) const {
    int blue = 0, all = 0;
    for (int y = static_cast<int>(y0 * height); y < static_cast<int>(y1 * height); ++y) {
      for (int x = static_cast<int>(x0 * width); x < static_cast<int>(x1 * width); ++x) {
        const auto* p = reinterpret_cast<const unsigned char*>(rgb.data()) + 3 * (y * width + x);
        ++all;
        if (p[2] > 150 && p[0] < 120) ++blue;
      }
    }
    return all ? static_cast<double>(blue) / all : 0;
  }
};

// Renders `pdf` with pdftoppm at 50 dpi; returns the pages as binary PPMs.
std::vector<Pixmap> Render(const std::string& pdf) {
  const std::string base = "/tmp/vecton-pdf-test-" + std::to_string(::getpid());
  { std::ofstream(base + ".pdf", std::ios::binary) << pdf; }
  REQUIRE(std::system(("pdftoppm -r 50 " + base + ".pdf " + base).c_str()) == 0);
  std::vector<Pixmap> pages;
  for (int i = 1;; ++i) {
    std::ifstream in(base + "-" + std::to_string(i) + ".ppm", std::ios::binary);
    if (!in) break;
    std::string magic;
    Pixmap p;
    int max = 0;
    in >> magic >> p.width >> p.height >> max;
    in.get();
    p.rgb.resize(static_cast<size_t>(p.width) * p.height * 3);
    in.read(p.rgb.data(), static_cast<std::streamsize>(p.rgb.size()));
    pages.push_back(std::move(p));
    std::remove((base + "-" + std::to_string(i) + ".ppm").c_str());
  }
  std::remove((base + ".pdf").c_str());
  return pages;
}

TEST_CASE("PDF export: A4 pages with the chart drawn and the long table paginated") {
  auto conn = ConnectToTestSchema();
  const std::string t = UniqueTenant("pdf");
  CreateTenant(*conn, t, "Europe/Budapest");
  // 120 days of sales, revenue rising with the day: a line to draw and 120 rows to paginate.
  ExecAsOwner(*conn,
              "INSERT INTO daily_sales (tenant_id, day, orders, revenue, items_sold) "
              "SELECT '" +
                  t +
                  "', d::date, 1 + i % 7, 1000 * i, 2 FROM "
                  "generate_series(1, 120) i, LATERAL (SELECT DATE '2026-07-01' + i - 1 AS d) x");
  ExecAsOwner(
      *conn,
      "INSERT INTO daily_category_sales (tenant_id, day, category_id, orders, revenue, items_sold) "
      "VALUES ('" +
          t + "', '2026-07-05', 3, 2, 5000, 3)");
  ExecAsOwner(*conn,
              "INSERT INTO products (tenant_id, product_id, name, category_id, category_name) "
              "VALUES ('" +
                  t + "', 'p1', 'Bőr öv', 3, 'Bőráruk és ékszerek')");
  const std::string token = CreateTestToken(t);
  ApiProcess api;

  SUBCASE("built-in sales report over 120 days") {
    HttpResult r =
        api.Get("/api/reports/sales/export?format=pdf&from=2026-07-01&to=2026-10-28", token);
    REQUIRE(r.status == 200);
    CHECK(r.Header("content-type") == "application/pdf");
    CHECK(r.body.rfind("%PDF-", 0) == 0);
    std::vector<Pixmap> pages = Render(r.body);
    REQUIRE(pages.size() >= 3);  // 120 rows of 15 pt do not fit on two A4 pages
    // A4 portrait: height / width = 297 / 210.
    CHECK(static_cast<double>(pages[0].height) / pages[0].width ==
          doctest::Approx(1.414).epsilon(0.01));
    // The chart sits in the upper half of page 1: the line is blue ink there...
    CHECK(pages[0].BlueShare(0.15, 0.15, 0.95, 0.45) > 0.002);
    // ...and the later pages have no chart.
    CHECK(pages[1].BlueShare(0.15, 0.15, 0.95, 0.45) < 0.0005);
  }
  SUBCASE("saved custom report with a bar chart of categories and accented names") {
    HttpResult saved = HttpRequestRaw(
        api.port(), "POST", "/api/reports", {{"Authorization", "Bearer " + token}},
        R"({"name":"Kategóriák bevétele – ő ű","source":"sales","metrics":["revenue"],"dimensions":["category"],"range":{"from":"2026-07-01","to":"2026-07-31"}})");
    REQUIRE(saved.status == 201);
    const std::string id = JsonValue::Parse(saved.body)->Find("id")->text();
    HttpResult r = api.Get("/api/reports/" + id + "/export?format=pdf", token);
    REQUIRE(r.status == 200);
    std::vector<Pixmap> pages = Render(r.body);
    REQUIRE(pages.size() == 1);
    CHECK(pages[0].BlueShare(0.15, 0.15, 0.95, 0.45) > 0.01);  // one wide bar
    // The text layer keeps the accents (pdftotext is part of poppler-utils too).
    const std::string base = "/tmp/vecton-pdf-text-" + std::to_string(::getpid());
    { std::ofstream(base + ".pdf", std::ios::binary) << r.body; }
    REQUIRE(std::system(("pdftotext " + base + ".pdf " + base + ".txt").c_str()) == 0);
    std::stringstream text;
    text << std::ifstream(base + ".txt").rdbuf();
    CHECK(text.str().find("Kategóriák bevétele – ő ű") != std::string::npos);
    CHECK(text.str().find("Bőráruk és ékszerek") != std::string::npos);
    std::remove((base + ".pdf").c_str());
    std::remove((base + ".txt").c_str());
  }
  SUBCASE("format=json is refused on export, pdf elsewhere") {
    CHECK(api.Get("/api/reports/sales/export?format=json", token).status == 400);
    CHECK(api.Get("/api/reports/sales?format=pdf", token).status == 400);
  }
}

}  // namespace
}  // namespace vecton::testing
