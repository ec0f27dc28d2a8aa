// histograms.cpp -- one histogram per panel: gnuplot's multiplot for the PNG, a line of block
// characters per panel on a console.
#include <algorithm>
#include <cmath>
#include <iomanip>
#include <sstream>

#include "nn/error.hpp"
#include "plot/detail.hpp"

namespace nn::plot {

using detail::cell;
using detail::colour;
using detail::double_quoted;
using detail::number_stream;
using detail::paths;
using detail::quoted;
using detail::short_number;
using detail::utf8_terminal;

// ---- histograms --------------------------------------------------------------------------
namespace {

struct Binned {
  double lo, hi, width;
  std::vector<arma::uvec> counts;  // one (bins) vector per panel
};

std::pair<double, double> finite_range(const arma::vec& v) {
  const arma::vec finite = v.elem(arma::find_finite(v));
  if (finite.is_empty()) return {0.0, 1.0};
  return {finite.min(), finite.max()};
}

Binned bin(const Histograms& f, arma::uword k) {
  double lo, hi;
  if (f.shared_range) {
    lo = arma::datum::inf;
    hi = -arma::datum::inf;
    for (const auto& p : f.panels) {
      const auto r = finite_range(p.values);
      lo = std::min(lo, r.first);
      hi = std::max(hi, r.second);
    }
  } else {
    std::tie(lo, hi) = finite_range(f.panels[k].values);
  }
  if (!(hi > lo)) {
    lo -= 0.5;
    hi += 0.5;
  }
  Binned b{lo, hi, (hi - lo) / f.bins, {}};
  arma::uvec counts(f.bins, arma::fill::zeros);
  for (double v : f.panels[k].values) {
    if (!std::isfinite(v)) continue;
    const auto i = static_cast<arma::uword>(std::floor((v - lo) / b.width));
    ++counts(std::min(i, f.bins - 1));
  }
  b.counts.push_back(counts);
  return b;
}

arma::uword histogram_columns(const Histograms& f) {
  const arma::uword n = f.panels.size();
  if (f.columns > 0) return std::min(f.columns, n);
  if (n <= 3) return n;
  if (n == 4) return 2;
  if (n <= 6) return 3;
  return 5;
}

// v to 3 decimals, and 0.000 for what rounds to zero: never "-0.000".
double three_decimals(double v) { return std::abs(v) < 0.0005 ? 0.0 : v; }

// "layer 3   mean 0.012  std 0.630" (the data file), or with line breaks for the PNG
std::string panel_title(const Histograms::Panel& p, const char* separator = "\n",
                        const char* between = "  ") {
  std::ostringstream t;
  t << p.label << separator << std::fixed << std::setprecision(3) << "mean "
    << three_decimals(arma::mean(p.values)) << between << "std "
    << three_decimals(arma::stddev(p.values));
  return t.str();
}


std::string histograms_body(const Histograms& f, const std::string& data) {
  const arma::uword n = f.panels.size(), columns = histogram_columns(f);
  const arma::uword rows = (n + columns - 1) / columns;
  std::ostringstream s;
  s << "set multiplot layout " << rows << "," << columns << " title " << quoted(f.title)
    << " font ',12'\n"
    << "set style fill solid 0.8 noborder\nset grid ytics\nunset key\n"
    << (f.log_y ? "set logscale y\nset format y '%g'\nset yrange [0.8:*]\n"
                : "set yrange [0:*]\n");
  const char* font = n > 3 ? "',8'" : "',10'";
  s << "set tics font " << font << "\n";
  for (arma::uword k = 0; k < n; ++k) {
    const Binned b = bin(f, k);
    // Counts of 10,000 and more in thousands ("25k") so the y labels stay narrow; below that
    // plain numbers (in thousands, ticks at 1000, 1250, 1500 would all read "1k").
    if (!f.log_y) s << (b.counts[0].max() >= 10000 ? "set format y '%.0s%c'\n" : "set format y '%g'\n");
    // Three x ticks (both ends and the middle, or 0 when the range spans it): many panels side
    // by side leave no room for more without the labels running together.
    const double mid = (b.lo < 0 && b.hi > 0) ? 0.0 : 0.5 * (b.lo + b.hi);
    std::ostringstream tics;
    tics << std::setprecision(17) << "set xtics (" << double_quoted(short_number(b.lo)) << " "
         << b.lo << ", " << double_quoted(short_number(mid)) << " " << mid << ", "
         << double_quoted(short_number(b.hi)) << " " << b.hi << ")\n";
    // Three title lines (name, mean, std): narrow enough for five panels in a row.
    s << tics.str() << "set title " << double_quoted(panel_title(f.panels[k], "\n", "\n"))
      << " font " << font << "\n"
      << "set xrange [" << b.lo << ":" << b.hi << "]\n"
      << "set boxwidth " << b.width << "\n"
      << "set xlabel " << quoted(k / columns == rows - 1 ? f.x_label : "") << "\n"
      << "set ylabel " << quoted(k % columns == 0 ? "count" : "") << "\n"
      << "plot " << quoted(data) << " index " << k << " using 1:2 with boxes lc rgb '"
      << colour(0) << "'\n";
  }
  s << "unset multiplot\n";
  return s.str();
}

// One line per panel: "layer 3   ▁▂▅█▇▃▁   [-1.00, 1.00]  mean 0.012  std 0.630"
std::string histograms_text(const Histograms& f) {
  static const char* blocks[] = {" ", "▁", "▂", "▃", "▄", "▅", "▆", "▇", "█"};
  static const char* ascii[] = {" ", ".", ".", ":", ":", "|", "|", "#", "#"};
  const bool utf8 = utf8_terminal();
  std::size_t width = 0;
  for (const auto& p : f.panels) width = std::max(width, p.label.size());
  std::ostringstream s;
  s << "  " << f.title << "\n";
  for (arma::uword k = 0; k < f.panels.size(); ++k) {
    const Binned b = bin(f, k);
    // at most 50 characters: merge neighbouring bins
    const arma::uword per = (f.bins + 49) / 50;
    std::vector<double> heights;
    for (arma::uword i = 0; i < f.bins; i += per) {
      double c = 0;
      for (arma::uword j = i; j < std::min(i + per, f.bins); ++j) c += b.counts[0](j);
      heights.push_back(f.log_y ? std::log1p(c) : c);
    }
    const double top = *std::max_element(heights.begin(), heights.end());
    s << "  " << std::left << std::setw(static_cast<int>(width)) << f.panels[k].label << "  ";
    for (double h : heights) {
      int level = top > 0 ? static_cast<int>(std::ceil(h / top * 8 - 1e-9)) : 0;
      level = level < 0 ? 0 : level > 8 ? 8 : level;
      s << (utf8 ? blocks : ascii)[level];
    }
    s << std::fixed << std::setprecision(2) << "  [" << b.lo << ", " << b.hi << "]"
      << std::setprecision(3) << "  mean " << three_decimals(arma::mean(f.panels[k].values))
      << "  std " << three_decimals(arma::stddev(f.panels[k].values)) << "\n";
  }
  return s.str();
}

}  // namespace

std::vector<std::string> Plotter::draw(const Histograms& f) {
  if (f.panels.empty()) throw Error("plot '" + f.name + "': no panels to draw");
  if (f.bins == 0) throw Error("plot '" + f.name + "': bins must be at least 1");
  for (const auto& p : f.panels) {
    if (p.values.is_empty()) {
      throw Error("plot '" + f.name + "': panel '" + p.label + "' has no values");
    }
  }
  auto out = number_stream();
  out << "# " << cell(f.title) << "\n";
  for (arma::uword k = 0; k < f.panels.size(); ++k) {
    const Binned b = bin(f, k);
    out << "# panel: " << cell(panel_title(f.panels[k], "   ")) << "\n# bin centre\tcount\n";
    for (arma::uword i = 0; i < f.bins; ++i) {
      out << b.lo + (i + 0.5) * b.width << "\t" << b.counts[0](i) << "\n";
    }
    out << "\n\n";
  }
  const std::string data = write_data(f.name, out.str());
  const arma::uword rows = (f.panels.size() + histogram_columns(f) - 1) / histogram_columns(f);
  const int height = rows <= 2 ? 500 : static_cast<int>(250 * rows);
  const auto body = [&](bool) { return histograms_body(f, data); };  // no dumb rendering
  const std::string png = run_gnuplot({f.name, data, body, false, height});
  if (console()) *out_ << histograms_text(f) << std::flush;
  return paths(data, png);
}

}  // namespace nn::plot
