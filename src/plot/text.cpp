// text.cpp -- figures as text: aligned matrices, shaded characters, value labels.
#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <iomanip>
#include <sstream>

#include "plot/detail.hpp"

namespace nn::plot {

namespace detail {

bool utf8_terminal() {
  for (const char* variable : {"LC_ALL", "LC_CTYPE", "LANG"}) {
    const char* value = std::getenv(variable);
    if (value != nullptr && *value != '\0') {
      const std::string v(value);
      return v.find("UTF-8") != std::string::npos || v.find("utf8") != std::string::npos ||
             v.find("UTF8") != std::string::npos || v.find("utf-8") != std::string::npos;
    }
  }
  return false;
}

// One character per value in [0, 1]: ' ' (low) ... '@' (high).
char shade(double t) {
  static const char ramp[] = " .:-=+*#%@";
  if (!std::isfinite(t)) return '?';
  const int level = static_cast<int>(std::lround(std::clamp(t, 0.0, 1.0) * 9));
  return ramp[level];
}

// A value in [-1, 1] drawn so its sign shows: negatives , - = #   positives . + * @
char shade_signed(double t) {
  static const char negative[] = " ,-=#";
  static const char positive[] = " .+*@";
  if (!std::isfinite(t)) return '?';
  const int level = static_cast<int>(std::lround(std::min(std::abs(t), 1.0) * 4));
  return t < 0 ? negative[level] : positive[level];
}

bool signed_palette(Palette palette, double lo, double hi) {
  if (palette == Palette::diverging) return true;
  if (palette == Palette::automatic) return lo < 0 && hi > 0;
  return false;
}

bool all_integers(const arma::mat& m) {
  return m.is_finite() && arma::all(arma::vectorise(m == arma::round(m)));
}

bool small_enough_for_numbers(const arma::mat& m) { return m.n_rows <= 16 && m.n_cols <= 16; }

// A tick label: at most 2 significant digits, no trailing zeros ("-0.98", "0", "1.5e+03").
std::string short_number(double v) {
  if (std::abs(v) < 1e-12) return "0";
  std::ostringstream t;
  t << std::setprecision(2) << v;
  return t.str();
}

// A value written on its cell: at most 3 significant digits ("-10.9", "0.1", "0").
std::string value_label(double v) {
  if (std::abs(v) < 1e-12) return "0";
  std::ostringstream t;
  t << std::setprecision(3) << v;
  return t.str();
}

// Black or white text, whichever reads on the cell's colour.
bool dark_cell(Palette palette, double value, double lo, double hi) {
  if (signed_palette(palette, lo, hi)) {
    const double m = std::max(std::abs(lo), std::abs(hi));
    return m > 0 && std::abs(value) > 0.6 * m;
  }
  const double t = hi > lo ? (value - lo) / (hi - lo) : 0.0;
  return palette == Palette::grey ? t < 0.5 : t > 0.55;
}

}  // namespace detail

using detail::all_integers;
using detail::shade;
using detail::shade_signed;
using detail::signed_palette;

std::string matrix_text(const arma::mat& m, int decimals, arma::uword max_rows,
                        arma::uword max_cols) {
  if (decimals < 0) decimals = all_integers(m) ? 0 : 4;
  const double zero = 0.5 * std::pow(10.0, -decimals);  // prints as 0: never "-0.0000"
  const arma::uword rows = std::min(m.n_rows, max_rows), cols = std::min(m.n_cols, max_cols);
  std::vector<std::vector<std::string>> cells(rows, std::vector<std::string>(cols));
  std::size_t width = 1;
  for (arma::uword r = 0; r < rows; ++r) {
    for (arma::uword c = 0; c < cols; ++c) {
      const double v = std::abs(m(r, c)) < zero ? 0.0 : m(r, c);
      std::ostringstream s;
      s << std::fixed << std::setprecision(decimals) << v;
      cells[r][c] = s.str();
      width = std::max(width, cells[r][c].size());
    }
  }
  std::ostringstream out;
  for (arma::uword r = 0; r < rows; ++r) {
    out << "   ";
    for (arma::uword c = 0; c < cols; ++c) {
      out << " " << std::setw(static_cast<int>(width)) << cells[r][c];
    }
    out << (cols < m.n_cols ? "  ..." : "") << "\n";
  }
  if (rows < m.n_rows) out << "    " << std::setw(static_cast<int>(width)) << "..." << "\n";
  return out.str();
}

std::string shade_text(const arma::mat& m, Palette palette) {
  // at most 100 characters wide (2 per column when it fits) and 40 lines tall
  const arma::uword chars = m.n_cols * 2 <= 100 ? 2 : 1;
  const arma::uword step_c = std::max<arma::uword>(1, (m.n_cols * chars + 99) / 100);
  const arma::uword step_r = std::max<arma::uword>(1, (m.n_rows + 39) / 40);
  const double lo = m.min(), hi = m.max();
  const bool is_signed = signed_palette(palette, lo, hi);
  const double big = std::max({std::abs(lo), std::abs(hi), 1e-300});
  std::ostringstream out;
  for (arma::uword r = 0; r < m.n_rows; r += step_r) {
    std::string line = "    ";
    for (arma::uword c = 0; c < m.n_cols; c += step_c) {
      const double v = arma::mean(arma::vectorise(
          m.submat(r, c, std::min(r + step_r, m.n_rows) - 1, std::min(c + step_c, m.n_cols) - 1)));
      const char ch = is_signed ? shade_signed(v / big) : shade(hi > lo ? (v - lo) / (hi - lo) : 0);
      line.append(chars, ch);
    }
    out << line << "\n";
  }
  std::ostringstream legend;
  legend << std::setprecision(3);
  if (is_signed) {
    legend << "    (negative , - = #   zero ' '   positive . + * @;  |max| " << big << ")\n";
  }
  else legend << "    (' ' = " << lo << " ... '@' = " << hi << ")\n";
  return out.str() + legend.str();
}


}  // namespace nn::plot
