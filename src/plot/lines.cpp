// lines.cpp -- line plots, scatter plots and bar charts: gnuplot draws them, on a console with
// its dumb terminal too.
#include <algorithm>
#include <cmath>
#include <sstream>

#include "nn/error.hpp"
#include "plot/detail.hpp"

namespace nn::plot {

using detail::axes;
using detail::cell;
using detail::colour;
using detail::number_stream;
using detail::paths;
using detail::quoted;

// ---- lines -------------------------------------------------------------------------------
namespace {

bool shared_x(const Lines& f) {
  for (const auto& s : f.series) {
    if (s.x.n_elem != f.series[0].x.n_elem || arma::any(s.x != f.series[0].x)) return false;
  }
  return true;
}

std::string lines_body(const Lines& f, const std::string& data, bool dumb) {
  std::ostringstream s;
  s << axes(f.title, f.x_label, f.y_label) << (dumb ? "" : "set grid\n")
    << "set key " << f.key << (dumb ? "" : " opaque box") << "\n";
  if (f.log_x) s << "set logscale x\nset format x '%g'\n";
  if (f.log_y) s << "set logscale y\nset format y '%g'\n";
  // A little room above and below the data, so a line at its maximum (relu' = 1) or minimum
  // does not vanish into the border.
  if (!dumb) s << "set offsets 0, 0, graph 0.05, graph 0.05\n";
  // Whole-number x (epochs, layers) over a short range: ticks on whole numbers only, never 1.5.
  if (!f.log_x) {
    bool whole = true;
    double lo = arma::datum::inf, hi = -arma::datum::inf;
    for (const auto& series : f.series)
      for (const double x : series.x) {
        whole = whole && std::isfinite(x) && x == std::round(x);
        lo = std::min(lo, x);
        hi = std::max(hi, x);
      }
    if (whole && hi > lo && hi - lo <= 10) s << "set xtics 1\n";
    // One x value (a one-epoch run): gnuplot would warn "empty x range"; centre it instead.
    if (std::isfinite(lo) && hi == lo) s << "set xrange [" << lo - 1 << ":" << hi + 1 << "]\n";
  }
  const bool wide = shared_x(f);
  s << "plot ";
  for (arma::uword k = 0; k < f.series.size(); ++k) {
    if (k > 0) s << ", \\\n     ";
    s << (k == 0 ? quoted(data) : std::string("''"));
    if (wide) s << " using 1:" << k + 2;
    else s << " index " << k << " using 1:2";
    s << " with " << (f.points ? "linespoints" : "lines");
    if (!dumb) s << " lw 2 lc rgb '" << colour(k) << "'" << (f.points ? " pt 7 ps 0.6" : "");
    s << " title " << quoted(f.series[k].label);
  }
  s << "\n";
  return s.str();
}

}  // namespace

std::vector<std::string> Plotter::draw(const Lines& f) {
  if (f.series.empty()) throw Error("plot '" + f.name + "': no series to draw");
  for (const auto& s : f.series) {
    if (s.x.n_elem != s.y.n_elem) {
      throw Error("plot '" + f.name + "': series '" + s.label + "' has " +
                  std::to_string(s.x.n_elem) + " x values but " + std::to_string(s.y.n_elem) +
                  " y values");
    }
  }
  auto out = number_stream();
  out << "# " << cell(f.title) << "\n";
  if (shared_x(f)) {
    out << "# " << cell(f.x_label);
    for (const auto& s : f.series) out << "\t" << cell(s.label);
    out << "\n";
    for (arma::uword i = 0; i < f.series[0].x.n_elem; ++i) {
      out << f.series[0].x(i);
      for (const auto& s : f.series) out << "\t" << s.y(i);
      out << "\n";
    }
  } else {
    for (const auto& s : f.series) {  // one block per series: gnuplot's "index k"
      out << "# series: " << cell(s.label) << "\n# " << cell(f.x_label) << "\t"
          << cell(f.y_label) << "\n";
      for (arma::uword i = 0; i < s.x.n_elem; ++i) out << s.x(i) << "\t" << s.y(i) << "\n";
      out << "\n\n";
    }
  }
  const std::string data = write_data(f.name, out.str());
  const auto body = [&](bool dumb) { return lines_body(f, data, dumb); };
  return paths(data, run_gnuplot({f.name, data, body, true}));
}

// ---- scatter -----------------------------------------------------------------------------
namespace {

std::vector<arma::uword> classes_of(const Scatter& f) {
  if (f.classes.is_empty()) return {0};
  const arma::uvec unique = arma::unique(f.classes);
  return std::vector<arma::uword>(unique.begin(), unique.end());
}

std::string scatter_body(const Scatter& f, const std::string& data, bool dumb) {
  std::ostringstream s;
  s << axes(f.title, f.x_label, f.y_label) << (dumb ? "" : "set grid\n")
    << "set key outside right top\n";
  s << "plot ";
  bool first = true;
  for (arma::uword k : classes_of(f)) {
    if (!first) s << ", \\\n     ";
    s << (first ? quoted(data) : std::string("''")) << " index 0 using 1:($3 == " << k
      << " ? $2 : 1/0) with points";
    if (dumb) s << " pt " << (k % 9) + 1;
    else s << " pt 7 ps 0.6 lc rgb '" << colour(k) << "'";
    const std::string label = k < f.class_names.size() ? f.class_names[k]
                              : f.classes.is_empty()   ? std::string("points")
                                                       : "class " + std::to_string(k);
    s << " title " << quoted(label);
    first = false;
  }
  if (!f.marks.is_empty()) {
    s << ", \\\n     '' index 1 using 1:2 with points";
    if (!dumb) s << " pt 2 ps 3 lw 3 lc rgb 'black'";
    s << " title " << quoted(f.marks_label);
  }
  s << "\n";
  return s.str();
}

}  // namespace

std::vector<std::string> Plotter::draw(const Scatter& f) {
  if (f.points.n_rows != 2) {
    throw Error("plot '" + f.name + "': points must be 2 x n (one column per point), got " +
                std::to_string(f.points.n_rows) + "x" + std::to_string(f.points.n_cols));
  }
  if (!f.classes.is_empty() && f.classes.n_elem != f.points.n_cols) {
    throw Error("plot '" + f.name + "': " + std::to_string(f.points.n_cols) + " points but " +
                std::to_string(f.classes.n_elem) + " classes");
  }
  if (!f.marks.is_empty() && f.marks.n_rows != 2) {
    throw Error("plot '" + f.name + "': marks must be 2 x m, got " +
                std::to_string(f.marks.n_rows) + "x" + std::to_string(f.marks.n_cols));
  }
  auto out = number_stream();
  out << "# " << cell(f.title) << "\n# " << cell(f.x_label) << "\t" << cell(f.y_label)
      << "\tclass\n";
  for (arma::uword i = 0; i < f.points.n_cols; ++i) {
    out << f.points(0, i) << "\t" << f.points(1, i) << "\t"
        << (f.classes.is_empty() ? 0 : f.classes(i)) << "\n";
  }
  if (!f.marks.is_empty()) {
    out << "\n\n# " << cell(f.marks_label) << "\n# " << cell(f.x_label) << "\t"
        << cell(f.y_label) << "\n";
    for (arma::uword i = 0; i < f.marks.n_cols; ++i) {
      out << f.marks(0, i) << "\t" << f.marks(1, i) << "\n";
    }
  }
  const std::string data = write_data(f.name, out.str());
  const auto body = [&](bool dumb) { return scatter_body(f, data, dumb); };
  return paths(data, run_gnuplot({f.name, data, body, true, 500, 32}));
}

// ---- bars --------------------------------------------------------------------------------
namespace {

std::string bars_body(const Bars& f, const std::string& data, bool dumb) {
  std::ostringstream s;
  s << axes(f.title, "", f.y_label) << "set grid ytics\nunset key\nset boxwidth 0.6\n"
    << "set style fill solid 0.7 border -1\nset xrange [-0.6:" << f.values.size() - 0.4
    << "]\n";
  const double lo = *std::min_element(f.values.begin(), f.values.end());
  const double hi = *std::max_element(f.values.begin(), f.values.end());
  if (f.log_y) {
    s << "set logscale y\nset format y '%g'\n";
    if (lo > 0) s << "set yrange [" << lo / 3 << ":" << hi * 3 << "]\n";
  } else if (lo >= 0) {
    s << "set yrange [0:*]\n";
  }
  if (f.values.size() > 6 && !dumb) s << "set xtics rotate by 30 right\n";
  double top = hi, bottom = lo;
  for (const auto& level : f.levels) {
    top = std::max(top, level.y);
    bottom = std::min(bottom, level.y);
    if (dumb) continue;
    s << "set arrow from graph 0, first " << level.y << " to graph 1, first " << level.y
      << " nohead dt 2 lw 1.5 lc rgb '#555555' front\n"
      << "set label " << quoted(level.label) << " at graph 0.01, first " << level.y
      << " left offset 0, 0.6 font ',9' front\n";
  }
  if (f.log_y && !f.levels.empty() && bottom > 0)
    s << "set yrange [" << bottom / 30 << ":" << top * 30 << "]\n";
  s << "plot " << quoted(data) << " using 0:2:xtic(1) with boxes";
  if (!dumb) s << " lc rgb '" << colour(0) << "'";
  s << "\n";
  return s.str();
}

}  // namespace

std::vector<std::string> Plotter::draw(const Bars& f) {
  if (f.values.empty()) throw Error("plot '" + f.name + "': no bars to draw");
  if (f.labels.size() != f.values.size()) {
    throw Error("plot '" + f.name + "': " + std::to_string(f.labels.size()) + " labels for " +
                std::to_string(f.values.size()) + " values");
  }
  auto out = number_stream();
  out << "# " << cell(f.title) << "\n# label\t" << cell(f.y_label) << "\n";
  for (std::size_t i = 0; i < f.values.size(); ++i) {
    out << cell(f.labels[i]) << "\t" << f.values[i] << "\n";
  }
  const std::string data = write_data(f.name, out.str());
  const auto body = [&](bool dumb) { return bars_body(f, data, dumb); };
  return paths(data, run_gnuplot({f.name, data, body, true, 500, 25}));
}

}  // namespace nn::plot
