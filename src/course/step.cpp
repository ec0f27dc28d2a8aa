// step.cpp -- what a step's body prints: code, prose, matrices, figures.
#include <algorithm>
#include <iomanip>
#include <sstream>

#include "course/lesson.hpp"
#include "course/text.hpp"
#include "util/strings.hpp"

namespace nn::lesson {

using detail::shown;
using detail::wrap;

namespace {

// Common leading spaces of the non-blank lines, removed.
std::vector<std::string> dedent(const std::vector<std::string>& code) {
  std::size_t common = std::string::npos;
  for (const auto& line : code) {
    const auto first = line.find_first_not_of(" \t");
    if (first != std::string::npos) common = std::min(common, first);
  }
  std::vector<std::string> out;
  for (const auto& line : code) {
    out.push_back(common == std::string::npos || line.size() < common ? util::trim(line)
                                                                       : line.substr(common));
  }
  return out;
}


}  // namespace

namespace detail {

// Each line of `text` indented by `indent`, long lines wrapped at word boundaries so that no
// line passes page_width. Explicit line breaks and leading spaces (aligned math) are kept.
std::string wrap(const std::string& text, const std::string& indent) {
  const std::size_t width = page_width - indent.size();
  std::ostringstream out;
  std::istringstream lines(text);
  std::string line;
  while (std::getline(lines, line)) {
    while (line.size() > width) {
      std::size_t cut = line.rfind(' ', width);
      if (cut == std::string::npos || cut == 0 || line.find_first_not_of(' ') >= cut) {
        cut = width;  // one long word: break it
      }
      out << indent << line.substr(0, cut) << "\n";
      line = line.substr(line[cut] == ' ' ? cut + 1 : cut);
    }
    out << indent << line << "\n";
  }
  return out.str();
}


}  // namespace detail

void Step::source(const std::string& file, const std::string& snippet) {
  std::string problem;
  const std::string where = locate_snippet(file, snippet, problem);
  if (where.empty()) out_ << "  code: " << file << "  (warning: " << problem << ")\n";
  else out_ << "  code: " << where << "  (" << snippet << ")\n";
}

void Step::code(const std::string& file, const std::string& snippet) {
  source(file, snippet);
  const SnippetFile scanned = scan_snippets(repository_root() + "/" + file, file);
  const Snippet* s = scanned.find(snippet);
  if (s == nullptr) return;
  const std::vector<std::string> lines = dedent(s->code);
  for (std::size_t i = 0; i < lines.size(); ++i) {
    out_ << "  " << std::setw(5) << s->code_lines[i] << " | " << lines[i] << "\n";
  }
}

void Step::say(const std::string& text) { out_ << wrap(text, "  "); }

void Step::show(const std::string& caption, const arma::mat& m, int decimals) {
  out_ << "  " << caption << "  (" << m.n_rows << "x" << m.n_cols;
  if (m.is_empty()) {
    out_ << ", empty)\n";
    return;
  }
  const bool large = m.n_rows > 12 || m.n_cols > 12;
  // Whole when it fits a 120x45 terminal (at most 30 rows, 116 columns): lesson 3's 18x25 T.
  if (large && m.n_rows <= 30 && m.n_cols <= 40) {
    const std::string whole = plot::matrix_text(m, decimals, m.n_rows, m.n_cols);
    std::size_t widest = 0;
    std::istringstream lines(whole);
    for (std::string line; std::getline(lines, line);) widest = std::max(widest, line.size());
    if (widest <= 116) {
      out_ << ")\n" << whole;
      return;
    }
  }
  if (large) {
    std::ostringstream stats;
    stats << std::setprecision(4) << "; min " << m.min() << "  max " << m.max() << "  mean "
          << arma::mean(arma::vectorise(m));
    out_ << "; top-left " << std::min<arma::uword>(m.n_rows, 8) << "x"
         << std::min<arma::uword>(m.n_cols, 10) << " shown" << stats.str();
  }
  out_ << ")\n" << plot::matrix_text(m, decimals, large ? 8 : 12, large ? 10 : 12);
}

void Step::show(const std::string& caption, const arma::umat& m) {
  show(caption, arma::conv_to<arma::mat>::from(m), 0);
}

void Step::show(const std::string& caption, const arma::cube& c, int decimals) {
  out_ << "  " << caption << "  (" << c.n_rows << "x" << c.n_cols << "x" << c.n_slices
       << ": height x width x channels)\n";
  for (arma::uword k = 0; k < c.n_slices; ++k) {
    show("channel " + std::to_string(k), c.slice(k), decimals);
  }
}

void Step::show(const std::string& caption, double value, int decimals) {
  std::ostringstream v;
  v << std::fixed << std::setprecision(decimals) << value;
  out_ << "  " << caption << " = " << v.str() << "\n";
}

void Step::figure_written(const std::vector<std::string>& paths) {
  if (paths.size() >= 2) {
    out_ << "  figure: " << shown(paths[1]) << "  (data: " << shown(paths[0]) << ")\n";
  } else if (!paths.empty()) {
    out_ << "  figure data: " << shown(paths[0]) << "  (no picture: see the note about gnuplot)\n";
  }
}

void Step::plot(const plot::Lines& f) { figure_written(plotter_.draw(f)); }
void Step::plot(const plot::Scatter& f) { figure_written(plotter_.draw(f)); }
void Step::plot(const plot::Histograms& f) { figure_written(plotter_.draw(f)); }
void Step::plot(const plot::Heatmap& f) { figure_written(plotter_.draw(f)); }
void Step::plot(const plot::Images& f) { figure_written(plotter_.draw(f)); }
void Step::plot(const plot::Bars& f) { figure_written(plotter_.draw(f)); }

}  // namespace nn::lesson
