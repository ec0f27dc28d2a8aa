// plotter.cpp -- a Plotter's settings, files and gnuplot runs; the current plotter; tables.
#include <unistd.h>

// gnuplot-iostream.h compiles in its temporary-file support, built on boost::filesystem:
// the Makefile links -lboost_filesystem for it.
#include <gnuplot-iostream.h>

#include <algorithm>
#include <csignal>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iomanip>
#include <iostream>
#include <iterator>
#include <sstream>

#include "nn/error.hpp"
#include "plot/detail.hpp"
#include "util/files.hpp"

namespace fs = std::filesystem;

namespace nn::plot {

using detail::quoted;

// ---- a plotter, and the current one --------------------------------------------------------

Plotter::Plotter() : Plotter(Settings{}) {}

Plotter::Plotter(Settings settings) : Plotter(std::move(settings), std::cout, std::cerr) {}

Plotter::Plotter(Settings settings, std::ostream& out, std::ostream& err)
    : settings_(std::move(settings)), out_(&out), err_(&err) {}

bool Plotter::console() const {
  return settings_.console.has_value() ? *settings_.console : isatty(STDOUT_FILENO) == 1;
}

namespace {

Plotter*& innermost() {
  static Plotter* scoped = nullptr;
  return scoped;
}

}  // namespace

Plotter::Scope::Scope(Plotter& plotter) : previous_(innermost()) { innermost() = &plotter; }
Plotter::Scope::~Scope() { innermost() = previous_; }

Plotter& current_plotter() {
  static Plotter fallback;  // std::cout, "out", console when stdout is a terminal
  return innermost() != nullptr ? *innermost() : fallback;
}

void set_output_dir(const std::string& dir) { current_plotter().settings().output_dir = dir; }
const std::string& output_dir() { return current_plotter().settings().output_dir; }
void set_console(bool on) { current_plotter().settings().console = on; }
bool console() { return current_plotter().console(); }
void set_gnuplot(const std::string& program) { current_plotter().settings().gnuplot = program; }
bool have_gnuplot() { return current_plotter().have_gnuplot(); }

std::vector<std::string> draw(const Lines& f) { return current_plotter().draw(f); }
std::vector<std::string> draw(const Scatter& f) { return current_plotter().draw(f); }
std::vector<std::string> draw(const Histograms& f) { return current_plotter().draw(f); }
std::vector<std::string> draw(const Heatmap& f) { return current_plotter().draw(f); }
std::vector<std::string> draw(const Images& f) { return current_plotter().draw(f); }
std::vector<std::string> draw(const Bars& f) { return current_plotter().draw(f); }
std::string write_table(const std::string& name, const arma::mat& rows,
                        const std::vector<std::string>& header) {
  return current_plotter().write_table(name, rows, header);
}

const std::vector<std::string>& files_written() { return util::files_written(); }
void forget_files_written() { util::forget_files_written(); }
void record_file(const std::string& path) { util::record_file(path); }
void write_atomically(const std::string& path, const std::string& content) {
  util::write_atomically(path, content);
}

// ---- finding gnuplot -----------------------------------------------------------------------
namespace {

bool executable(const std::string& path) {
  std::error_code ec;
  return fs::is_regular_file(path, ec) && access(path.c_str(), X_OK) == 0;
}

// The gnuplot to run, or "" when there is none.
std::string gnuplot_program(const std::string& chosen) {
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

}  // namespace

bool Plotter::have_gnuplot() const { return !gnuplot_program(settings_.gnuplot).empty(); }

void Plotter::tell_missing_once() {
  if (told_missing_) return;
  told_missing_ = true;
  out_->flush();
  const std::string& chosen = settings_.gnuplot;
  *err_ << "note: " << (chosen.empty() ? "gnuplot is not installed" : chosen + " is not there")
        << ", so figures are written as data (.tsv) only.\n"
           "      To get the pictures: sudo apt-get install gnuplot-nox   (or: make setup)\n";
}

// ---- files ---------------------------------------------------------------------------------
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

bool is_png(const std::string& path) {
  std::ifstream file(path, std::ios::binary);
  char magic[8] = {};
  file.read(magic, 8);
  return file.gcount() == 8 && std::string(magic, 8) == std::string("\x89PNG\r\n\x1a\n", 8);
}

std::string read_and_remove(const std::string& path) {
  std::string text;
  {
    std::ifstream file(path, std::ios::binary);
    text.assign(std::istreambuf_iterator<char>(file), std::istreambuf_iterator<char>());
  }
  std::error_code ec;
  fs::remove(path, ec);
  return text;
}

}  // namespace

// <output_dir>/<name><extension>, creating the directory.
std::string Plotter::output_path(const std::string& name, const std::string& extension) const {
  check_name(name);
  const std::string& dir = settings_.output_dir;
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (ec) throw Error("cannot create directory " + dir + ": " + ec.message());
  return (fs::path(dir) / (name + extension)).string();
}

std::string Plotter::write_data(const std::string& name, const std::string& content) const {
  const std::string path = output_path(name, ".tsv");
  util::write_atomically(path, content);
  return path;
}

std::string Plotter::write_table(const std::string& name, const arma::mat& rows,
                                 const std::vector<std::string>& header) {
  if (!header.empty() && header.size() != rows.n_cols) {
    throw Error("table '" + name + "': " + std::to_string(header.size()) + " column names for " +
                std::to_string(rows.n_cols) + " columns");
  }
  auto out = detail::number_stream();
  for (std::size_t c = 0; c < header.size(); ++c) out << (c ? "\t" : "") << detail::cell(header[c]);
  if (!header.empty()) out << "\n";
  for (arma::uword r = 0; r < rows.n_rows; ++r) {
    for (arma::uword c = 0; c < rows.n_cols; ++c) out << (c ? "\t" : "") << rows(r, c);
    out << "\n";
  }
  return write_data(name, out.str());
}

// ---- running gnuplot -----------------------------------------------------------------------
namespace {

const char* preamble = "set datafile separator tab\nset encoding utf8\n";

// SIGPIPE ignored while this lives: gnuplot may die on a bad script before reading it all, and
// writing to its pipe must not kill the lesson. The disposition before comes back after.
class SigpipeIgnored {
public:
  SigpipeIgnored() : previous_(std::signal(SIGPIPE, SIG_IGN)) {}
  ~SigpipeIgnored() { std::signal(SIGPIPE, previous_); }
  SigpipeIgnored(const SigpipeIgnored&) = delete;
  SigpipeIgnored& operator=(const SigpipeIgnored&) = delete;

private:
  void (*previous_)(int);
};

// Runs gnuplot once on `script` and waits for it: no stray processes.
void run_script(const std::string& program, const std::string& script) {
  const SigpipeIgnored while_writing;
  Gnuplot gnuplot("'" + program + "'");
  gnuplot << script << "exit\n";
  gnuplot.flush();
}  // ~Gnuplot closes the pipe and waits for gnuplot to finish

}  // namespace

// Draws the job's PNG (under a temporary name, then moved into place) and, on a console, its
// dumb-terminal text, which goes to a temporary file and from there to the plotter's stream.
// Returns the PNG path, or "" when there is no picture.
std::string Plotter::run_gnuplot(const Job& job) {
  const std::string program = gnuplot_program(settings_.gnuplot);
  if (program.empty()) {
    tell_missing_once();
    return "";
  }
  const std::string png = output_path(job.name, ".png");
  const std::string temporary = util::temporary_for(png);
  const std::string text = util::temporary_for(png + ".txt");
  const bool dumb = job.dumb_too && console();

  std::ostringstream script;
  script << "set terminal pngcairo size 800," << job.png_height << " noenhanced font 'Sans,10'\n"
         << "set output " << quoted(temporary) << "\n"
         << preamble << job.body(false) << "unset output\n";
  if (dumb) {
    script << "reset\nset terminal dumb size 100," << job.dumb_height << " nofeed mono\n"
           << "set output " << quoted(text) << "\n" << preamble << job.body(true)
           << "unset output\n";
  }
  out_->flush();  // gnuplot's own messages go to stderr: after what the step printed
  run_script(program, script.str());
  if (dumb) *out_ << read_and_remove(text) << "\n" << std::flush;

  if (!is_png(temporary)) {
    std::error_code ec;
    fs::remove(temporary, ec);
    *err_ << "warning: gnuplot drew no picture for " << png
          << " (its message, if any, is above)\n";
    return "";
  }
  util::rename_into_place(temporary, png);
  return png;
}

// ---- script and file text ------------------------------------------------------------------
namespace detail {

// Only the quote itself needs escaping ('' inside).
std::string quoted(const std::string& text) {
  std::string out = "'";
  for (char c : text) {
    if (c == '\'') out += "''";
    else if (c == '\n' || c == '\t') out += ' ';
    else out += c;
  }
  return out + "'";
}

std::string double_quoted(const std::string& text) {
  std::string out = "\"";
  for (char c : text) {
    if (c == '"' || c == '\\') out += '\\';
    if (c == '\n') out += "\\n";
    else out += c;
  }
  return out + "\"";
}

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

}  // namespace detail
}  // namespace nn::plot
