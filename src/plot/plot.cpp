// plot.cpp -- figures through gnuplot-iostream: data file, PNG, and a console rendering.
//
// Every figure follows the same three moves:
//   1. write the numbers to <name>.tsv (temporary name, then rename),
//   2. build a gnuplot script that reads that file; run it once for the PNG (again to a
//      temporary name) and, on a terminal, once more with the dumb terminal,
//   3. for pictures the dumb terminal cannot draw (images, heat maps, histogram panels),
//      print our own text rendering instead.
#include "plot/plot.hpp"

// gnuplot-iostream.h compiles in its temporary-file support, built on boost::filesystem:
// the Makefile links -lboost_filesystem for it.
#include <gnuplot-iostream.h>
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iomanip>
#include <iostream>
#include <sstream>

#include "nn/error.hpp"
#include "util/files.hpp"

namespace fs = std::filesystem;

namespace nn::plot {

// ---- figure constructors -----------------------------------------------------------------

Lines::Lines(std::string name_, std::string title_)
    : name(std::move(name_)), title(std::move(title_)) {}

Lines& Lines::add(const std::string& label, const arma::vec& x, const arma::vec& y) {
  if (x.n_elem != y.n_elem) {
    throw Error("plot '" + name + "': series '" + label + "' has " + std::to_string(x.n_elem) +
                " x values but " + std::to_string(y.n_elem) + " y values");
  }
  series.push_back({label, x, y});
  return *this;
}

Lines& Lines::add(const std::string& label, const arma::vec& y) {
  return add(label, arma::regspace<arma::vec>(1, y.n_elem), y);
}

Scatter::Scatter(std::string name_, std::string title_, const arma::mat& points_,
                 const arma::uvec& classes_)
    : name(std::move(name_)), title(std::move(title_)), points(points_), classes(classes_) {}

Histograms::Histograms(std::string name_, std::string title_)
    : name(std::move(name_)), title(std::move(title_)) {}

Histograms& Histograms::add(const std::string& label, const arma::mat& values) {
  panels.push_back({label, arma::vectorise(values)});
  return *this;
}

Heatmap::Heatmap(std::string name_, std::string title_, const arma::mat& values_)
    : name(std::move(name_)), title(std::move(title_)), values(values_) {}

Images::Images(std::string name_, std::string title_)
    : name(std::move(name_)), title(std::move(title_)) {}

Images& Images::add(const arma::mat& image, const std::string& label) {
  images.push_back(image);
  labels.push_back(label);
  return *this;
}

Heatmap confusion_heatmap(const std::string& name, const std::string& title,
                          const arma::umat& confusion, const std::vector<std::string>& class_names) {
  Heatmap heat(name, title, arma::conv_to<arma::mat>::from(confusion));
  heat.x_label = "predicted class";
  heat.y_label = "true class";
  heat.row_labels = class_names;
  heat.column_labels = class_names;
  heat.palette = Palette::sequential;
  return heat;
}

Bars::Bars(std::string name_, std::string title_)
    : name(std::move(name_)), title(std::move(title_)) {}

Bars& Bars::add(const std::string& label, double value) {
  labels.push_back(label);
  values.push_back(value);
  return *this;
}

// ---- settings ----------------------------------------------------------------------------
namespace {

struct Settings {
  std::string output_dir = "out";
  int console = -1;     // -1: not decided yet; then whether stdout is a terminal
  std::string gnuplot;  // "" searches PATH
  bool told_missing = false;
};

Settings& settings() {
  static Settings s;
  return s;
}

}  // namespace

void set_output_dir(const std::string& dir) { settings().output_dir = dir; }
const std::string& output_dir() { return settings().output_dir; }

void set_console(bool on) { settings().console = on ? 1 : 0; }
bool console() {
  if (settings().console < 0) settings().console = isatty(STDOUT_FILENO) ? 1 : 0;
  return settings().console == 1;
}

void set_gnuplot(const std::string& program) { settings().gnuplot = program; }

namespace {

bool executable(const std::string& path) {
  std::error_code ec;
  return fs::is_regular_file(path, ec) && access(path.c_str(), X_OK) == 0;
}

// The gnuplot to run, or "" when there is none.
std::string gnuplot_program() {
  const std::string& chosen = settings().gnuplot;
  if (!chosen.empty()) return executable(chosen) ? chosen : "";
  const char* path = std::getenv("PATH");
  if (path == nullptr) return "";
  std::stringstream dirs(path);
  std::string dir;
  while (std::getline(dirs, dir, ':')) {
    const std::string candidate = (dir.empty() ? std::string(".") : dir) + "/gnuplot";
    if (executable(candidate)) return candidate;
  }
  return "";
}

void tell_missing_once() {
  if (settings().told_missing) return;
  settings().told_missing = true;
  std::cout.flush();
  const std::string& chosen = settings().gnuplot;
  std::cerr << "note: " << (chosen.empty() ? "gnuplot is not installed" : chosen + " is not there")
            << ", so figures are written as data (.tsv) only.\n"
               "      To get the pictures: sudo apt-get install gnuplot-nox   (or: make setup)\n";
}

}  // namespace

bool have_gnuplot() { return !gnuplot_program().empty(); }

const std::vector<std::string>& files_written() { return util::files_written(); }
void forget_files_written() { util::forget_files_written(); }
void record_file(const std::string& path) { util::record_file(path); }

// ---- files -------------------------------------------------------------------------------
namespace {

void check_name(const std::string& name) {
  const bool ok = !name.empty() && name[0] != '.' &&
                  std::all_of(name.begin(), name.end(), [](char c) {
                    return std::isalnum(static_cast<unsigned char>(c)) || c == '-' ||
                           c == '_' || c == '.';
                  });
  if (!ok) {
    throw Error("plot name '" + name +
                "' is not a file stem: use letters, digits, '-', '_' and '.'");
  }
}

// <output_dir>/<name><extension>, creating the directory.
std::string output_path(const std::string& name, const std::string& extension) {
  check_name(name);
  std::error_code ec;
  fs::create_directories(output_dir(), ec);
  if (ec) throw Error("cannot create directory " + output_dir() + ": " + ec.message());
  return (fs::path(output_dir()) / (name + extension)).string();
}

// A gnuplot single-quoted string: only the quote itself needs escaping ('' inside).
std::string quoted(const std::string& text) {
  std::string out = "'";
  for (char c : text) {
    if (c == '\'') out += "''";
    else if (c == '\n' || c == '\t') out += ' ';
    else out += c;
  }
  return out + "'";
}

// A header cell or label inside a TSV line: no tabs or newlines.
std::string cell(const std::string& text) {
  std::string out = text;
  std::replace(out.begin(), out.end(), '\t', ' ');
  std::replace(out.begin(), out.end(), '\n', ' ');
  return out;
}

std::ostringstream number_stream() {
  std::ostringstream out;
  out << std::setprecision(10);
  return out;
}

// tab10: ten colours that stay apart, cycled for classes and series.
const char* colour(arma::uword k) {
  static const char* tab10[] = {"#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd",
                                "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22", "#17becf"};
  return tab10[k % 10];
}

bool is_png(const std::string& path) {
  std::ifstream file(path, std::ios::binary);
  char magic[8] = {};
  file.read(magic, 8);
  return file.gcount() == 8 && std::string(magic, 8) == std::string("\x89PNG\r\n\x1a\n", 8);
}

// ---- running gnuplot ---------------------------------------------------------------------
// `body(dumb)` is the figure's script after the terminal is set. Runs gnuplot once, waits for
// it, and moves the PNG into place. Returns the PNG path, or "" when there is no picture.
using Body = std::string (*)(const void* figure, const std::string& data, bool dumb);

const char* preamble = "set datafile separator tab\nset encoding utf8\n";

std::string run_gnuplot(const std::string& name, const std::string& data, const Body body,
                        const void* figure, bool dumb_too, int png_height = 500,
                        int dumb_height = 30) {
  const std::string program = gnuplot_program();
  if (program.empty()) {
    tell_missing_once();
    return "";
  }
  const std::string png = output_path(name, ".png");
  const std::string temporary = util::temporary_for(png);

  std::ostringstream script;
  script << "set terminal pngcairo size 800," << png_height << " noenhanced font 'Sans,10'\n"
         << "set output " << quoted(temporary) << "\n"
         << preamble << body(figure, data, false) << "unset output\n";
  if (dumb_too && console()) {
    script << "reset\nset terminal dumb size 100," << dumb_height << " nofeed mono\n"
           << "set output\n" << preamble << body(figure, data, true);
  }

  std::cout.flush();
  std::fflush(stdout);
  // gnuplot may die on a bad script before reading it all: writing to it must not kill us.
  void (*previous)(int) = std::signal(SIGPIPE, SIG_IGN);
  {
    Gnuplot gnuplot("'" + program + "'");
    gnuplot << script.str() << "exit\n";
    gnuplot.flush();
  }  // ~Gnuplot closes the pipe and waits for gnuplot to finish
  std::signal(SIGPIPE, previous);
  if (dumb_too && console()) std::cout << "\n";
  std::cout.flush();

  if (!is_png(temporary)) {
    std::error_code ec;
    fs::remove(temporary, ec);
    std::cerr << "warning: gnuplot drew no picture for " << png
              << " (its message, if any, is above)\n";
    return "";
  }
  util::rename_into_place(temporary, png);
  return png;
}

std::string axes(const std::string& title, const std::string& x_label,
                 const std::string& y_label) {
  return "set title " + quoted(title) + "\nset xlabel " + quoted(x_label) + "\nset ylabel " +
         quoted(y_label) + "\n";
}

std::vector<std::string> paths(const std::string& data, const std::string& png) {
  std::vector<std::string> out{data};
  if (!png.empty()) out.push_back(png);
  return out;
}

// ---- text renderings ---------------------------------------------------------------------
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

}  // namespace

void write_atomically(const std::string& path, const std::string& content) {
  util::write_atomically(path, content);
}

// ---- lines -------------------------------------------------------------------------------
namespace {

bool shared_x(const Lines& f) {
  for (const auto& s : f.series) {
    if (s.x.n_elem != f.series[0].x.n_elem || arma::any(s.x != f.series[0].x)) return false;
  }
  return true;
}

std::string lines_body(const void* figure, const std::string& data, bool dumb) {
  const Lines& f = *static_cast<const Lines*>(figure);
  std::ostringstream s;
  s << axes(f.title, f.x_label, f.y_label) << (dumb ? "" : "set grid\n")
    << "set key " << f.key << (dumb ? "" : " opaque box") << "\n";
  if (f.log_x) s << "set logscale x\nset format x '%g'\n";
  if (f.log_y) s << "set logscale y\nset format y '%g'\n";
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

std::vector<std::string> draw(const Lines& f) {
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
  const std::string data = output_path(f.name, ".tsv");
  util::write_atomically(data, out.str());
  return paths(data, run_gnuplot(f.name, data, lines_body, &f, true));
}

// ---- scatter -----------------------------------------------------------------------------
namespace {

std::vector<arma::uword> classes_of(const Scatter& f) {
  if (f.classes.is_empty()) return {0};
  const arma::uvec unique = arma::unique(f.classes);
  return std::vector<arma::uword>(unique.begin(), unique.end());
}

std::string scatter_body(const void* figure, const std::string& data, bool dumb) {
  const Scatter& f = *static_cast<const Scatter*>(figure);
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

std::vector<std::string> draw(const Scatter& f) {
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
  const std::string data = output_path(f.name, ".tsv");
  util::write_atomically(data, out.str());
  return paths(data, run_gnuplot(f.name, data, scatter_body, &f, true, 500, 32));
}

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

// "layer 3   mean 0.012  std 0.630" (the data file), or with line breaks for the PNG
std::string panel_title(const Histograms::Panel& p, const char* separator = "\n",
                        const char* between = "  ") {
  std::ostringstream t;
  t << p.label << separator << std::fixed << std::setprecision(3) << "mean "
    << arma::mean(p.values) << between << "std " << arma::stddev(p.values);
  return t.str();
}

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

// A gnuplot double-quoted string, so that "\n" breaks the line.
std::string double_quoted(const std::string& text) {
  std::string out = "\"";
  for (char c : text) {
    if (c == '"' || c == '\\') out += '\\';
    if (c == '\n') out += "\\n";
    else out += c;
  }
  return out + "\"";
}

std::string histograms_body(const void* figure, const std::string& data, bool) {
  const Histograms& f = *static_cast<const Histograms*>(figure);
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
  // Counts in thousands ("25k") so the y labels stay narrow; on a log scale plain numbers.
  if (!f.log_y) s << "set format y '%.0s%c'\n";
  for (arma::uword k = 0; k < n; ++k) {
    const Binned b = bin(f, k);
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
      << std::setprecision(3) << "  mean " << arma::mean(f.panels[k].values) << "  std "
      << arma::stddev(f.panels[k].values) << "\n";
  }
  return s.str();
}

}  // namespace

std::vector<std::string> draw(const Histograms& f) {
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
  const std::string data = output_path(f.name, ".tsv");
  util::write_atomically(data, out.str());
  const arma::uword rows = (f.panels.size() + histogram_columns(f) - 1) / histogram_columns(f);
  const int height = rows <= 2 ? 500 : static_cast<int>(250 * rows);
  const std::string png = run_gnuplot(f.name, data, histograms_body, &f, false, height);
  if (console()) std::cout << histograms_text(f) << std::flush;
  return paths(data, png);
}

// ---- heat maps ---------------------------------------------------------------------------
namespace {

bool all_integers(const arma::mat& m) {
  return m.is_finite() && arma::all(arma::vectorise(m == arma::round(m)));
}

bool small_enough_for_numbers(const arma::mat& m) { return m.n_rows <= 16 && m.n_cols <= 16; }

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

// Black or white text, whichever reads on the cell's colour.
bool dark_cell(Palette palette, double value, double lo, double hi) {
  if (signed_palette(palette, lo, hi)) {
    const double m = std::max(std::abs(lo), std::abs(hi));
    return m > 0 && std::abs(value) > 0.6 * m;
  }
  const double t = hi > lo ? (value - lo) / (hi - lo) : 0.0;
  return palette == Palette::grey ? t < 0.5 : t > 0.55;
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

std::string heatmap_body(const void* figure, const std::string& data, bool) {
  const Heatmap& f = *static_cast<const Heatmap*>(figure);
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

std::vector<std::string> draw(const Heatmap& f) {
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
  const std::string data = output_path(f.name, ".tsv");
  util::write_atomically(data, out.str());
  const std::string png = run_gnuplot(f.name, data, heatmap_body, &f, false);
  if (console()) {
    std::cout << "  " << f.title << "  (" << f.values.n_rows << "x" << f.values.n_cols << ")\n";
    if (small_enough_for_numbers(f.values)) {
      std::cout << matrix_text(f.values, integers ? 0 : 3);
    } else {
      std::cout << shade_text(f.values, f.palette);
    }
    std::cout << std::flush;
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

std::string images_body(const void* figure, const std::string& data, bool) {
  const Images& f = *static_cast<const Images*>(figure);
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
  if (f.scale_each) s << "unset colorbox\n";
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
  if (f.numbers) {  // each value on its pixel, the colours then need no colour bar
    for (arma::uword k = 0; k < f.images.size(); ++k) {
      const arma::mat& im = f.images[k];
      if (im.n_rows > 16 || im.n_cols > 16) continue;
      for (arma::uword r = 0; r < im.n_rows; ++r)
        for (arma::uword c = 0; c < im.n_cols; ++c)
          s << "set label " << quoted(value_label(im(r, c))) << " at "
            << (k % g.columns) * tile_w + c << "," << (k / g.columns) * tile_h + r
            << " center front font ',9'\n";
    }
  }
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

std::vector<std::string> draw(const Images& f) {
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
  const std::string data = output_path(f.name, ".tsv");
  util::write_atomically(data, out.str());
  const std::string png = run_gnuplot(f.name, data, images_body, &f, false);
  if (console()) std::cout << images_text(f) << std::flush;
  return paths(data, png);
}

// ---- bars --------------------------------------------------------------------------------
namespace {

std::string bars_body(const void* figure, const std::string& data, bool dumb) {
  const Bars& f = *static_cast<const Bars*>(figure);
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

std::vector<std::string> draw(const Bars& f) {
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
  const std::string data = output_path(f.name, ".tsv");
  util::write_atomically(data, out.str());
  return paths(data, run_gnuplot(f.name, data, bars_body, &f, true, 500, 25));
}

// ---- tables ------------------------------------------------------------------------------
std::string write_table(const std::string& name, const arma::mat& rows,
                        const std::vector<std::string>& header) {
  if (!header.empty() && header.size() != rows.n_cols) {
    throw Error("table '" + name + "': " + std::to_string(header.size()) + " column names for " +
                std::to_string(rows.n_cols) + " columns");
  }
  auto out = number_stream();
  for (std::size_t c = 0; c < header.size(); ++c) out << (c ? "\t" : "") << cell(header[c]);
  if (!header.empty()) out << "\n";
  for (arma::uword r = 0; r < rows.n_rows; ++r) {
    for (arma::uword c = 0; c < rows.n_cols; ++c) out << (c ? "\t" : "") << rows(r, c);
    out << "\n";
  }
  const std::string path = output_path(name, ".tsv");
  util::write_atomically(path, out.str());
  return path;
}

// ---- text renderings ---------------------------------------------------------------------
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
