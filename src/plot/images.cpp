// images.cpp -- matrices as pictures: heat maps (a confusion matrix, a weight matrix) and
// grids of small images (samples, filters); on a console as numbers or shaded characters.
#include <algorithm>
#include <cmath>
#include <iomanip>
#include <sstream>

#include "nn/error.hpp"
#include "plot/detail.hpp"

namespace nn::plot {

using detail::all_integers;
using detail::axes;
using detail::cell;
using detail::dark_cell;
using detail::number_stream;
using detail::paths;
using detail::quoted;
using detail::shade;
using detail::shade_signed;
using detail::signed_palette;
using detail::small_enough_for_numbers;
using detail::value_label;

// ---- heat maps ---------------------------------------------------------------------------
namespace {


// "set palette ..." and the colour range, for values in [lo, hi].
std::string palette_commands(Palette palette, double lo, double hi) {
  std::ostringstream s;
  if (signed_palette(palette, lo, hi)) {
    const double m = std::max({std::abs(lo), std::abs(hi), 1e-300});
    s << "set palette defined (0 '#3b4cc0', 0.5 '#f7f7f7', 1 '#b40426')\n"
      << "set cbrange [" << -m << ":" << m << "]\n";
  } else if (palette == Palette::grey) {
    s << "set palette grey\n";
  } else {
    s << "set palette defined (0 '#f7fbff', 0.5 '#6baed6', 1 '#08306b')\n";
  }
  return s.str();
}


std::string tick_list(const std::vector<std::string>& labels) {
  std::ostringstream s;
  s << "(";
  for (std::size_t i = 0; i < labels.size(); ++i) {
    s << (i ? ", " : "") << quoted(labels[i]) << " " << i;
  }
  return s.str() + ")";
}

// Tics at whole cells: every cell for small matrices, else a round step.
std::string cell_tics(const char* axis, arma::uword n, const std::vector<std::string>& labels) {
  std::ostringstream s;
  if (!labels.empty()) {
    s << "set " << axis << "tics " << tick_list(labels);
    std::size_t longest = 0;
    for (const auto& l : labels) longest = std::max(longest, l.size());
    if (axis[0] == 'x' && longest > 3) s << " rotate by 35 right";
    s << "\n";
    return s.str();
  }
  arma::uword step = 1;  // 1, 2, 5, 10, 20, 50, ...: at most 16 tics
  for (arma::uword i = 0; n / step > 16; ++i) step = (i % 3 == 1 ? step / 2 * 5 : step * 2);
  s << "set " << axis << "tics 0," << step << "\n";
  return s.str();
}

std::string heatmap_body(const Heatmap& f, const std::string& data) {
  const double lo = f.values.min(), hi = f.values.max();
  const arma::uword rows = f.values.n_rows, cols = f.values.n_cols;
  std::ostringstream s;
  s << axes(f.title, f.x_label, f.y_label) << palette_commands(f.palette, lo, hi)
    << "set xrange [-0.5:" << cols - 0.5 << "]\nset yrange [" << rows - 0.5 << ":-0.5]\n"
    << cell_tics("x", cols, f.column_labels) << cell_tics("y", rows, f.row_labels)
    << "set tics out nomirror\n";
  const double aspect = double(std::max(rows, cols)) / std::min(rows, cols);
  if (aspect <= 4) s << "set size ratio -1\n";
  s << "plot " << quoted(data) << " index 0 matrix with image notitle";
  if (f.numbers && small_enough_for_numbers(f.values)) {
    s << ", \\\n     '' index 1 using 2:1:3:4 with labels tc rgb variable font ',9' notitle";
  }
  s << "\n";
  return s.str();
}

}  // namespace

std::vector<std::string> Plotter::draw(const Heatmap& f) {
  if (f.values.is_empty()) throw Error("plot '" + f.name + "': the matrix is empty");
  if (!f.row_labels.empty() && f.row_labels.size() != f.values.n_rows) {
    throw Error("plot '" + f.name + "': " + std::to_string(f.row_labels.size()) +
                " row labels for " + std::to_string(f.values.n_rows) + " rows");
  }
  if (!f.column_labels.empty() && f.column_labels.size() != f.values.n_cols) {
    throw Error("plot '" + f.name + "': " + std::to_string(f.column_labels.size()) +
                " column labels for " + std::to_string(f.values.n_cols) + " columns");
  }
  const double lo = f.values.min(), hi = f.values.max();
  const bool integers = all_integers(f.values);
  auto out = number_stream();
  out << "# " << cell(f.title) << "\n# " << f.values.n_rows << "x" << f.values.n_cols
      << " matrix, row 0 first\n";
  for (arma::uword r = 0; r < f.values.n_rows; ++r) {
    for (arma::uword c = 0; c < f.values.n_cols; ++c) out << (c ? "\t" : "") << f.values(r, c);
    out << "\n";
  }
  if (f.numbers && small_enough_for_numbers(f.values)) {  // cell labels for the PNG
    out << "\n\n# cell labels\n# row\tcolumn\ttext\tcolour\n";
    for (arma::uword r = 0; r < f.values.n_rows; ++r) {
      for (arma::uword c = 0; c < f.values.n_cols; ++c) {
        std::ostringstream text;
        text << std::fixed << std::setprecision(integers ? 0 : 2) << f.values(r, c);
        out << r << "\t" << c << "\t" << text.str() << "\t"
            << (dark_cell(f.palette, f.values(r, c), lo, hi) ? 0xffffff : 0) << "\n";
      }
    }
  }
  const std::string data = write_data(f.name, out.str());
  const auto body = [&](bool) { return heatmap_body(f, data); };  // no dumb rendering
  const std::string png = run_gnuplot({f.name, data, body, false});
  if (console()) {
    *out_ << "  " << f.title << "  (" << f.values.n_rows << "x" << f.values.n_cols << ")\n";
    if (small_enough_for_numbers(f.values)) {
      *out_ << matrix_text(f.values, integers ? 0 : 3);
    } else {
      *out_ << shade_text(f.values, f.palette);
    }
    *out_ << std::flush;
  }
  return paths(data, png);
}

// ---- image grids -------------------------------------------------------------------------
namespace {

struct Grid {
  arma::uword height = 0, width = 0, columns = 1, rows = 1;
  arma::uword gap = 1, label_rows = 0;  // pixels between tiles; pixels for a label below
};

bool any_labels(const Images& f) {
  return std::any_of(f.labels.begin(), f.labels.end(), [](auto& l) { return !l.empty(); });
}

Grid grid_of(const Images& f) {
  Grid g;
  for (const auto& im : f.images) {
    g.height = std::max(g.height, im.n_rows);
    g.width = std::max(g.width, im.n_cols);
  }
  g.columns = std::min<arma::uword>(std::max<arma::uword>(f.columns, 1), f.images.size());
  g.rows = (f.images.size() + g.columns - 1) / g.columns;
  if (any_labels(f)) {
    // a 9-point label is about 14 screen pixels; one data pixel is about this many:
    const double scale = std::min(760.0 / (g.columns * (g.width + 1)),
                                  420.0 / (g.rows * (g.height + 1)));
    g.label_rows = static_cast<arma::uword>(std::ceil(14.0 / std::max(scale, 1e-9)));
  }
  return g;
}

// The range image k is scaled from: its own, or all images'.
std::pair<double, double> image_range(const Images& f, arma::uword k) {
  double lo = arma::datum::inf, hi = -arma::datum::inf;
  for (arma::uword i = 0; i < f.images.size(); ++i) {
    if (f.scale_each && i != k) continue;
    lo = std::min(lo, f.images[i].min());
    hi = std::max(hi, f.images[i].max());
  }
  return {lo, hi};
}

// gnuplot's expression for image k's value ($3) mapped to [0, 1], or [-1, 1] when signed.
std::string scaled_expression(const Images& f, arma::uword k, bool is_signed) {
  const auto [lo, hi] = image_range(f, k);
  std::ostringstream s;
  s << std::setprecision(10);
  if (is_signed) {
    s << "($3/" << std::max({std::abs(lo), std::abs(hi), 1e-300}) << ")";
  } else {
    s << "(($3-(" << lo << "))/" << (hi > lo ? hi - lo : 1.0) << ")";
  }
  return s.str();
}

bool images_signed(const Images& f) {
  double lo = arma::datum::inf, hi = -arma::datum::inf;
  for (const auto& im : f.images) {
    lo = std::min(lo, im.min());
    hi = std::max(hi, im.max());
  }
  return signed_palette(f.palette, lo, hi);
}

// Each value written on its pixel (images of at most 16x16 pixels), white on dark pixels and
// black on light ones, so that every label reads.
std::string pixel_labels(const Images& f, const Grid& g, bool is_signed) {
  const Palette shades = is_signed ? Palette::diverging
                         : f.palette == Palette::grey ? Palette::grey : Palette::sequential;
  const arma::uword tile_h = g.height + g.gap + g.label_rows, tile_w = g.width + g.gap;
  std::ostringstream s;
  for (arma::uword k = 0; k < f.images.size(); ++k) {
    const arma::mat& im = f.images[k];
    if (im.n_rows > 16 || im.n_cols > 16) continue;
    const auto [lo, hi] = image_range(f, k);
    for (arma::uword r = 0; r < im.n_rows; ++r)
      for (arma::uword c = 0; c < im.n_cols; ++c)
        s << "set label " << quoted(value_label(im(r, c))) << " at "
          << (k % g.columns) * tile_w + c << "," << (k / g.columns) * tile_h + r
          << " center front font ',9' textcolor rgb '"
          << (dark_cell(shades, im(r, c), lo, hi) ? "#ffffff" : "#000000") << "'\n";
  }
  return s.str();
}

std::string images_body(const Images& f, const std::string& data) {
  const Grid g = grid_of(f);
  const bool is_signed = images_signed(f);
  std::ostringstream s;
  s << std::setprecision(10) << "set title " << quoted(f.title) << "\n"
    << (is_signed ? "set palette defined (0 '#3b4cc0', 0.5 '#f7f7f7', 1 '#b40426')\n"
                  : f.palette == Palette::grey ? "set palette grey\n"
                  : "set palette defined (0 '#f7fbff', 0.5 '#6baed6', 1 '#08306b')\n")
    << "set cbrange [" << (is_signed ? -1 : 0) << ":1]\n"
    << "unset xtics\nunset ytics\nunset border\nunset key\nset size ratio -1\n"
    << "set lmargin 1\nset rmargin 1\nset bmargin 1\n";
  if (f.scale_each || f.numbers) s << "unset colorbox\n";  // numbers: each pixel says its value
  const arma::uword tile_h = g.height + g.gap + g.label_rows, tile_w = g.width + g.gap;
  s << "set xrange [-0.5:" << g.columns * tile_w - g.gap - 0.5 << "]\n"
    << "set yrange [" << g.rows * tile_h - g.gap - 0.5 << ":-0.5]\n";
  for (arma::uword k = 0; k < f.images.size(); ++k) {
    if (k < f.labels.size() && !f.labels[k].empty()) {
      const double x = (k % g.columns) * tile_w + (f.images[k].n_cols - 1) / 2.0;
      const double y = (k / g.columns) * tile_h + g.height - 0.5 + g.label_rows / 2.0;
      s << "set label " << k + 1 << " " << quoted(f.labels[k]) << " at " << x << "," << y
        << " center front font ',8'\n";
    }
  }
  if (f.numbers) s << pixel_labels(f, g, is_signed);
  s << "plot ";
  for (arma::uword k = 0; k < f.images.size(); ++k) {
    if (k > 0) s << ", \\\n     ";
    s << (k == 0 ? quoted(data) : std::string("''")) << " index " << k << " matrix using ($1+"
      << (k % g.columns) * tile_w << "):($2+" << (k / g.columns) * tile_h
      << "):" << scaled_expression(f, k, is_signed) << " with image";
  }
  s << "\n";
  return s.str();
}

// The first images that fit in 100 columns, drawn with characters.
std::string images_text(const Images& f) {
  const Grid g = grid_of(f);
  const bool small = g.width <= 12;
  const arma::uword chars_per_pixel = small ? 2 : 1, rows_per_line = small ? 1 : 2;
  const arma::uword tile_chars = g.width * chars_per_pixel + 1;
  const arma::uword per_line = std::max<arma::uword>(1, std::min(g.columns, 100 / tile_chars));
  const arma::uword shown = std::min<arma::uword>(f.images.size(), per_line * 2);
  const bool is_signed = images_signed(f);
  std::ostringstream s;
  s << "  " << f.title << "  (" << f.images.size() << " images, " << g.height << "x" << g.width
    << (shown < f.images.size() ? ", the first " + std::to_string(shown) + " shown" : "")
    << ")\n";
  for (arma::uword first = 0; first < shown; first += per_line) {
    const arma::uword last = std::min(first + per_line, shown);
    for (arma::uword r = 0; r < g.height; r += rows_per_line) {
      std::string line = "  ";
      for (arma::uword k = first; k < last; ++k) {
        const arma::mat& im = f.images[k];
        const auto [lo, hi] = image_range(f, k);
        for (arma::uword c = 0; c < g.width; ++c) {
          char ch = ' ';
          if (r < im.n_rows && c < im.n_cols) {
            double v = im(r, c);
            if (rows_per_line == 2 && r + 1 < im.n_rows) v = 0.5 * (v + im(r + 1, c));
            const double m = std::max({std::abs(lo), std::abs(hi), 1e-300});
            ch = is_signed ? shade_signed(v / m) : shade(hi > lo ? (v - lo) / (hi - lo) : 0.0);
          }
          line.append(chars_per_pixel, ch);
        }
        line += ' ';
      }
      s << line << "\n";
    }
    std::string captions = "  ";
    for (arma::uword k = first; k < last; ++k) {
      std::string label = k < f.labels.size() ? f.labels[k] : "";
      label.resize(tile_chars - 1, ' ');  // cut to the tile, one space between captions
      label += ' ';
      captions += label;
    }
    if (captions.find_first_not_of(' ') != std::string::npos) s << captions << "\n";
  }
  if (is_signed) s << "  (negative , - = #   zero ' '   positive . + * @)\n";
  return s.str();
}

}  // namespace

std::vector<std::string> Plotter::draw(const Images& f) {
  if (f.images.empty()) throw Error("plot '" + f.name + "': no images to draw");
  for (const auto& im : f.images) {
    if (im.is_empty()) throw Error("plot '" + f.name + "': an image is empty");
  }
  auto out = number_stream();
  out << "# " << cell(f.title) << "\n";
  for (arma::uword k = 0; k < f.images.size(); ++k) {
    const arma::mat& im = f.images[k];
    out << "# image " << k << ": " << cell(k < f.labels.size() ? f.labels[k] : "") << " ("
        << im.n_rows << "x" << im.n_cols << ")\n";
    for (arma::uword r = 0; r < im.n_rows; ++r) {
      for (arma::uword c = 0; c < im.n_cols; ++c) out << (c ? "\t" : "") << im(r, c);
      out << "\n";
    }
    out << "\n\n";
  }
  const std::string data = write_data(f.name, out.str());
  const auto body = [&](bool) { return images_body(f, data); };  // no dumb rendering
  const std::string png = run_gnuplot({f.name, data, body, false});
  if (console()) *out_ << images_text(f) << std::flush;
  return paths(data, png);
}

}  // namespace nn::plot
