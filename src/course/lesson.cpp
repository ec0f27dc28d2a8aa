// lesson.cpp -- the step-through runner: options, pausing, step output, snippet lookup.
#include "course/lesson.hpp"

#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iomanip>
#include <iostream>
#include <set>
#include <sstream>

#include "nn/error.hpp"
#include "nn/random.hpp"
#include "util/strings.hpp"

namespace fs = std::filesystem;

namespace nn::lesson {

namespace {

constexpr std::size_t page_width = 100;

using util::ends_with;
using util::starts_with;
using util::trim;

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

// A path as the reader should see it: relative to the current directory when inside it.
std::string shown(const std::string& path) {
  std::error_code ec;
  const fs::path relative = fs::proximate(path, ec);
  if (ec || starts_with(relative.string(), "..")) return path;
  return relative.string();
}

bool valid_snippet_name(const std::string& name) {
  return !name.empty() && std::all_of(name.begin(), name.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_' || c == '.';
  });
}

// Common leading spaces of the non-blank lines, removed.
std::vector<std::string> dedent(const std::vector<std::string>& code) {
  std::size_t common = std::string::npos;
  for (const auto& line : code) {
    const auto first = line.find_first_not_of(" \t");
    if (first != std::string::npos) common = std::min(common, first);
  }
  std::vector<std::string> out;
  for (const auto& line : code) {
    out.push_back(common == std::string::npos || line.size() < common ? trim(line)
                                                                       : line.substr(common));
  }
  return out;
}

}  // namespace

// ---- where things are --------------------------------------------------------------------

std::string find_upwards(const std::string& start, const std::string& marker) {
  std::error_code ec;
  fs::path dir = fs::absolute(start, ec);
  if (ec) return "";
  dir = dir.lexically_normal();
  while (true) {
    if (fs::exists(dir / marker, ec)) return dir.string();
    if (dir == dir.parent_path() || dir.empty()) return "";
    dir = dir.parent_path();
  }
}

const std::string& repository_root() {
  static const std::string root = [] {
    const std::string marker = "src/nn/nn.hpp";
    std::error_code ec;
    const std::string cwd = fs::current_path(ec).string();
    std::string found = find_upwards(cwd, marker);
    if (found.empty()) {
      const fs::path exe = fs::read_symlink("/proc/self/exe", ec);
      if (!ec) found = find_upwards(exe.parent_path().string(), marker);
    }
    if (found.empty()) found = cwd;
    if (found.size() > 1 && found.back() == '/') found.pop_back();
    return found;
  }();
  return root;
}

// ---- exercises ---------------------------------------------------------------------------

namespace {

std::string trim_left(const std::string& s) {
  const auto first = s.find_first_not_of(" \t");
  return first == std::string::npos ? "" : s.substr(first);
}

// "lesson07 rest" -> 7 and the rest; 0 when the text does not start that way.
int lesson_tag(const std::string& text, std::string& rest) {
  if (text.rfind("lesson", 0) != 0) return 0;
  std::size_t i = 6;
  int n = 0;
  while (i < text.size() && std::isdigit(static_cast<unsigned char>(text[i])))
    n = n * 10 + (text[i++] - '0');
  rest = text.substr(i);
  return i == 6 ? 0 : n;
}

// One file's exercises: "// BEGIN SOLUTION lessonNN \"name\"" is a solution (written); the
// release's "// TODO(lessonNN): name", then its "//" lines, then the stub's throw, is unwritten;
// a TODO line whose throw is gone is written.
void scan_exercises(const std::string& path, const std::string& rel,
                    std::vector<ExerciseState>& found) {
  std::ifstream file(path);
  std::vector<std::string> lines;
  for (std::string line; std::getline(file, line);) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    lines.push_back(trim_left(line));
  }
  for (std::size_t i = 0; i < lines.size(); ++i) {
    const std::string& l = lines[i];
    std::string rest;
    ExerciseState e;
    e.file = rel;
    e.line = int(i + 1);
    if (l.rfind("// BEGIN SOLUTION ", 0) == 0) {
      e.lesson = lesson_tag(trim_left(l.substr(18)), rest);
      rest = trim_left(rest);
      const auto close = rest.rfind('"');
      if (e.lesson == 0 || rest.empty() || rest[0] != '"' || close == 0) continue;
      e.name = rest.substr(1, close - 1);
      found.push_back(e);
    } else if (l.rfind("// TODO(", 0) == 0) {
      e.lesson = lesson_tag(l.substr(8), rest);
      if (e.lesson == 0 || rest.rfind("): ", 0) != 0) continue;
      e.name = rest.substr(3);
      while (!e.name.empty() && (e.name.back() == ' ' || e.name.back() == '\t')) e.name.pop_back();
      std::size_t k = i + 1;
      while (k < lines.size() && lines[k].rfind("//", 0) == 0) ++k;
      e.unwritten = k < lines.size() && lines[k].rfind("throw nn::", 0) == 0 &&
                    (lines[k].find("Unwritten(") != std::string::npos ||
                     lines[k].find("is yours to write") != std::string::npos);
      if (e.unwritten) e.line = int(k + 1);
      found.push_back(e);
    }
  }
}

}  // namespace

const std::vector<ExerciseState>& exercises_in(const std::string& root) {
  static std::map<std::string, std::vector<ExerciseState>> cache;
  auto it = cache.find(root);
  if (it != cache.end()) return it->second;
  std::vector<ExerciseState>& found = cache[root];
  std::vector<std::string> files;
  for (const char* dir : {"src", "lessons"}) {
    std::error_code ec;
    const fs::path base = fs::path(root) / dir;
    if (!fs::is_directory(base, ec)) continue;
    for (auto f = fs::recursive_directory_iterator(base, ec);
         !ec && f != fs::recursive_directory_iterator(); f.increment(ec))
      if (f->is_regular_file(ec) && f->path().extension() == ".cpp")
        files.push_back(fs::relative(f->path(), root, ec).generic_string());
  }
  std::sort(files.begin(), files.end());
  for (const auto& rel : files) scan_exercises((fs::path(root) / rel).string(), rel, found);
  return found;
}

void Step::needs(std::initializer_list<std::string> exercises) {
  const std::vector<ExerciseState>& all = exercises_in(repository_root());
  if (all.empty()) return;  // no sources to look at: the step runs and meets any stub itself
  for (const std::string& wanted : exercises) {
    const ExerciseState* match = nullptr;
    for (const auto& e : all)
      if (e.name == wanted || Unwritten::id_of(e.name) == wanted) match = &e;
    if (!match)
      throw Error("Step::needs: no exercise named '" + wanted +
                  "' in src/ or lessons/ (names as in their BEGIN SOLUTION markers)");
    if (match->unwritten) throw Unwritten(match->lesson, match->name, match->file, match->line);
  }
}

// ---- snippets ----------------------------------------------------------------------------

const Snippet* SnippetFile::find(const std::string& name) const {
  for (const auto& s : snippets) {
    if (s.name == name) return &s;
  }
  return nullptr;
}

SnippetFile scan_snippets(const std::string& path, const std::string& shown_as) {
  SnippetFile result;
  std::ifstream file(path);
  if (!file) return result;
  result.readable = true;

  std::vector<std::size_t> open;  // indices into result.snippets, innermost last
  std::map<std::string, std::size_t> first_seen;
  std::string line;
  std::size_t number = 0;
  while (std::getline(file, line)) {
    ++number;
    if (!line.empty() && line.back() == '\r') line.pop_back();
    const std::string where = shown_as + ":" + std::to_string(number) + ": ";
    // A marker is a comment of its own: "// [snippet name]", "# [/snippet]".
    std::string t = trim(line);
    std::string marker;
    if (starts_with(t, "//")) marker = trim(t.substr(2));
    else if (starts_with(t, "#")) marker = trim(t.substr(1));
    const bool opens = starts_with(marker, "[snippet ") && ends_with(marker, "]");
    const bool closes = marker == "[/snippet]" ||
                        (starts_with(marker, "[/snippet ") && ends_with(marker, "]"));
    if (opens) {
      const std::string name = trim(marker.substr(9, marker.size() - 10));
      if (!valid_snippet_name(name)) {
        result.problems.push_back(where + "snippet name '" + name +
                                  "' must be letters, digits, '-', '_' or '.'");
      }
      const auto seen = first_seen.find(name);
      if (seen != first_seen.end()) {
        result.problems.push_back(where + "snippet '" + name +
                                  "' is defined twice (first at line " +
                                  std::to_string(seen->second) + ")");
      } else {
        first_seen[name] = number;
      }
      Snippet s;
      s.name = name;
      s.line = number;
      result.snippets.push_back(s);
      open.push_back(result.snippets.size() - 1);
    } else if (closes) {
      const std::string name =
          marker == "[/snippet]" ? "" : trim(marker.substr(10, marker.size() - 11));
      if (open.empty()) {
        result.problems.push_back(where + "[/snippet] closes nothing: no snippet is open");
        continue;
      }
      Snippet& innermost = result.snippets[open.back()];
      if (!name.empty() && name != innermost.name) {
        result.problems.push_back(where + "[/snippet " + name + "] but the innermost open " +
                                  "snippet is '" + innermost.name + "' (line " +
                                  std::to_string(innermost.line) + ")");
      }
      innermost.end_line = number;
      open.pop_back();
    } else {
      for (std::size_t i : open) {
        result.snippets[i].code.push_back(line);
        result.snippets[i].code_lines.push_back(number);
      }
    }
  }
  for (std::size_t i : open) {
    const Snippet& s = result.snippets[i];
    result.problems.push_back(shown_as + ":" + std::to_string(s.line) + ": snippet '" + s.name +
                              "' is opened but never closed");
  }
  return result;
}

std::string locate_snippet(const std::string& file, const std::string& name,
                           std::string& problem) {
  const SnippetFile scanned = scan_snippets(repository_root() + "/" + file, file);
  if (!scanned.readable) {
    problem = "no file " + file + " under " + repository_root();
    return "";
  }
  const Snippet* s = scanned.find(name);
  if (s == nullptr) {
    problem = "no marker '// [snippet " + name + "]' in " + file;
    return "";
  }
  problem.clear();
  return file + ":" + std::to_string(s->line);
}

std::optional<Citation> parse_citation(const std::string& line, std::string& problem) {
  problem.clear();
  const std::string t = trim(line);
  if (!starts_with(t, "<!--")) return std::nullopt;
  const std::string inner = trim(t.substr(4));
  if (!starts_with(inner, "snippet ") && !starts_with(inner, "snippet\t")) return std::nullopt;
  if (!ends_with(inner, "-->")) {
    problem = "a snippet citation must fit on one line: <!-- snippet FILE NAME -->";
    return std::nullopt;
  }
  std::istringstream words(inner.substr(7, inner.size() - 10));
  std::vector<std::string> w;
  for (std::string word; words >> word;) w.push_back(word);
  if (w.size() != 2) {
    problem = "expected <!-- snippet FILE NAME -->, got: " + t;
    return std::nullopt;
  }
  return Citation{w[0], w[1]};
}

// ---- a step ------------------------------------------------------------------------------

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

// Each figure: flush what the step printed, since gnuplot writes straight to stdout.
void Step::plot(const plot::Lines& f) { out_.flush(); figure_written(plot::draw(f)); }
void Step::plot(const plot::Scatter& f) { out_.flush(); figure_written(plot::draw(f)); }
void Step::plot(const plot::Histograms& f) { out_.flush(); figure_written(plot::draw(f)); }
void Step::plot(const plot::Heatmap& f) { out_.flush(); figure_written(plot::draw(f)); }
void Step::plot(const plot::Images& f) { out_.flush(); figure_written(plot::draw(f)); }
void Step::plot(const plot::Bars& f) { out_.flush(); figure_written(plot::draw(f)); }

// ---- a lesson: declaring -----------------------------------------------------------------

Lesson::Lesson(int number, std::string title, int argc, const char* const* argv)
    : number_(number), title_(std::move(title)), in_(&std::cin), out_(&std::cout),
      err_(&std::cerr) {
  program_ = "lesson" + std::to_string(number);
  if (argc > 0 && argv != nullptr && argv[0] != nullptr) {
    program_ = fs::path(argv[0]).filename().string();
  }
  for (int i = 1; i < argc; ++i) args_.emplace_back(argv[i]);
  output_dir_ = repository_root() + "/out/lesson" + std::to_string(number);
}

namespace {

const std::set<std::string> builtin = {"--list", "--step", "--seed", "--quick", "--no-pause",
                                       "--help"};

void check_option_name(const std::string& name) {
  if (!starts_with(name, "--") || name.size() < 3 || name.find('=') != std::string::npos) {
    throw Error("Lesson::option: '" + name + "' must look like --name");
  }
  if (builtin.count(name)) throw Error("Lesson::option: " + name + " is a built-in option");
}

}  // namespace

void Lesson::option(const std::string& name, const std::string& metavar,
                    const std::string& help, long default_value) {
  check_option_name(name);
  if (!options_.count(name)) option_order_.push_back(name);
  options_[name] = Option{metavar, help, Option::Kind::integer, double(default_value)};
}

void Lesson::option(const std::string& name, const std::string& metavar,
                    const std::string& help, double default_value) {
  check_option_name(name);
  if (!options_.count(name)) option_order_.push_back(name);
  options_[name] = Option{metavar, help, Option::Kind::number, default_value};
}

void Lesson::flag(const std::string& name, const std::string& help) {
  check_option_name(name);
  if (!options_.count(name)) option_order_.push_back(name);
  options_[name] = Option{"", help, Option::Kind::flag, 0.0};
}

const Lesson::Option& Lesson::find(const std::string& name, Option::Kind kind) const {
  const auto it = options_.find(name);
  if (it == options_.end()) throw Error("lesson option " + name + " was never declared");
  if (it->second.kind != kind) {
    const char* kinds[] = {"an integer option", "a number option", "a flag"};
    throw Error("lesson option " + name + " is " + kinds[int(it->second.kind)]);
  }
  return it->second;
}

long Lesson::integer(const std::string& name) const {
  return static_cast<long>(find(name, Option::Kind::integer).value);
}
double Lesson::number(const std::string& name) const {
  return find(name, Option::Kind::number).value;
}
bool Lesson::is_set(const std::string& name) const { return find(name, Option::Kind::flag).set; }

void Lesson::step(const std::string& title, const std::string& explanation,
                  std::function<void(Step&)> body) {
  steps_.push_back({title, explanation, std::move(body)});
}

void Lesson::redirect(std::istream& in, std::ostream& out, std::ostream& err, bool interactive) {
  in_ = &in;
  out_ = &out;
  err_ = &err;
  interactive_ = interactive;
}

// ---- a lesson: the command line ----------------------------------------------------------
namespace {

bool parse_long(const std::string& text, long& value) {
  if (text.empty()) return false;
  char* end = nullptr;
  errno = 0;
  value = std::strtol(text.c_str(), &end, 10);
  return errno == 0 && *end == '\0';
}

bool parse_double(const std::string& text, double& value) {
  if (text.empty()) return false;
  char* end = nullptr;
  errno = 0;
  value = std::strtod(text.c_str(), &end);
  return errno == 0 && *end == '\0' && std::isfinite(value);
}

// Levenshtein distance, for "did you mean --steps?".
std::size_t edit_distance(const std::string& a, const std::string& b) {
  std::vector<std::size_t> row(b.size() + 1);
  for (std::size_t j = 0; j <= b.size(); ++j) row[j] = j;
  for (std::size_t i = 1; i <= a.size(); ++i) {
    std::size_t diagonal = row[0];
    row[0] = i;
    for (std::size_t j = 1; j <= b.size(); ++j) {
      const std::size_t above = row[j];
      row[j] = std::min({row[j] + 1, row[j - 1] + 1, diagonal + (a[i - 1] != b[j - 1])});
      diagonal = above;
    }
  }
  return row[b.size()];
}

}  // namespace

std::string Lesson::nearest_option(const std::string& name) const {
  std::string best;
  std::size_t best_distance = 3;  // suggest only near misses
  auto consider = [&](const std::string& candidate) {
    const std::size_t d = edit_distance(name, candidate);
    if (d < best_distance) {
      best = candidate;
      best_distance = d;
    }
  };
  for (const auto& b : builtin) consider(b);
  for (const auto& o : option_order_) consider(o);
  return best;
}

void Lesson::print_usage(std::ostream& os) const {
  os << "usage: " << program_ << " [--list] [--step K] [--seed N] [--quick] [--no-pause]";
  for (const auto& name : option_order_) {
    const Option& o = options_.at(name);
    os << " [" << name << (o.kind == Option::Kind::flag ? "" : " " + o.metavar) << "]";
  }
  os << " [--help]\n";
}

bool Lesson::usage_error(const std::string& message) {
  *err_ << program_ << ": " << message << "\n";
  print_usage(*err_);
  *err_ << "Try '" << program_ << " --help' for more.\n";
  return false;
}

bool Lesson::parse() {
  parsed_ = true;
  for (std::size_t i = 0; i < args_.size(); ++i) {
    std::string name = args_[i], value;
    bool has_value = false;
    if (name == "-h") name = "--help";
    if (!starts_with(name, "--")) return usage_error("unexpected argument '" + name + "'");
    const auto eq = name.find('=');
    if (eq != std::string::npos) {
      value = name.substr(eq + 1);
      name = name.substr(0, eq);
      has_value = true;
    }
    const auto it = options_.find(name);
    const bool takes_value = name == "--step" || name == "--seed" ||
                             (it != options_.end() && it->second.kind != Option::Kind::flag);
    if (!builtin.count(name) && it == options_.end()) {
      const std::string near = nearest_option(name);
      return usage_error("unknown option '" + name + "'" +
                         (near.empty() ? "" : " (did you mean " + near + "?)"));
    }
    if (!takes_value && has_value) return usage_error(name + " takes no value");
    if (takes_value && !has_value) {
      if (i + 1 >= args_.size()) {
        const std::string metavar = name == "--step" ? "K" : name == "--seed" ? "N"
                                                                               : it->second.metavar;
        return usage_error(name + " needs a value (" + name + " " + metavar + ")");
      }
      value = args_[++i];
      has_value = true;
    }

    if (name == "--help") help_ = true;
    else if (name == "--list") list_ = true;
    else if (name == "--quick") quick_ = true;
    else if (name == "--no-pause") no_pause_ = true;
    else if (name == "--step") {
      long k = 0;
      if (!parse_long(value, k) || k < 1 || std::size_t(k) > steps_.size()) {
        return usage_error("--step wants a step number from 1 to " +
                           std::to_string(steps_.size()) + ", got '" + value + "'");
      }
      only_step_ = std::size_t(k);
    } else if (name == "--seed") {
      long s = 0;
      if (!parse_long(value, s) || s < 0) {
        return usage_error("--seed wants a whole number >= 0, got '" + value + "'");
      }
      seed_ = std::uint64_t(s);
    } else {
      Option& o = it->second;
      if (o.kind == Option::Kind::flag) {
        o.set = true;
      } else if (o.kind == Option::Kind::integer) {
        long v = 0;
        if (!parse_long(value, v)) {
          return usage_error(name + " wants a whole number, got '" + value + "'");
        }
        o.value = double(v);
        o.set = true;
      } else {
        double v = 0;
        if (!parse_double(value, v)) {
          return usage_error(name + " wants a number, got '" + value + "'");
        }
        o.value = v;
        o.set = true;
      }
    }
  }
  return true;
}

void Lesson::print_help() const {
  std::ostream& out = *out_;
  out << "Lesson " << number_ << ": " << title_ << "\n\n";
  print_usage(out);
  auto line = [&out](const std::string& left, const std::string& help) {
    out << "  " << std::left << std::setw(16) << left << " " << help << "\n";
  };
  out << "\n";
  line("--list", "list the steps and exit");
  line("--step K", "run only step K (1-" + std::to_string(steps_.size()) + ")");
  line("--seed N", "seed every random generator before each step (default 0)");
  line("--quick", "small, fast settings (what make test uses)");
  line("--no-pause", "run straight through, without waiting after each step");
  line("--help", "show this help");
  if (!option_order_.empty()) {
    out << "lesson options:\n";
    for (const auto& name : option_order_) {
      const Option& o = options_.at(name);
      std::ostringstream help;
      help << o.help;
      if (o.kind != Option::Kind::flag) help << " (default " << o.value << ")";
      line(name + (o.kind == Option::Kind::flag ? "" : " " + o.metavar), help.str());
    }
  }
  out << "\nOn a terminal the lesson waits after each step: Enter = next, a number = jump to "
         "that step,\nl = list the steps, q = quit. Figures go to "
      << shown(output_dir_) << "/.\n";
}

void Lesson::print_list() const {
  *out_ << "Lesson " << number_ << ": " << title_ << "\n";
  for (std::size_t i = 0; i < steps_.size(); ++i) {
    *out_ << "  " << std::setw(2) << i + 1 << ". " << steps_[i].title << "\n";
  }
}

// ---- a lesson: running -------------------------------------------------------------------

int Lesson::run_step(std::size_t index) {
  const StepEntry& entry = steps_[index];
  std::ostream& out = *out_;
  std::string header = "== Step " + std::to_string(index + 1) + "/" +
                       std::to_string(steps_.size()) + ": " + entry.title + " ";
  if (header.size() < page_width) header.append(page_width - header.size(), '=');
  out << "\n" << header << "\n" << wrap(entry.explanation, "  ") << "\n";

  nn::seed(seed_);
  Step step(*this, int(index + 1), out);
  std::string failure;
  try {
    entry.body(step);
  } catch (const Unwritten& e) {  // an exercise still to write: say which, and go on
    out.flush();
    skipped_.push_back({index + 1, e.id(), e.what()});
    out << "step " << index + 1 << " skipped: needs your " << e.id() << " (" << e.where()
        << "), see " << e.doc() << "; check it with: " << e.check_command() << "\n";
    out.flush();
    return 0;
  } catch (const std::exception& e) {  // nn::Error, and Armadillo's and the library's others
    failure = e.what();
  } catch (...) {
    failure = "an exception that is not a std::exception";
  }
  out.flush();
  if (failure.empty()) return 0;
  *err_ << "step " << index + 1 << " stopped: " << failure << "\n";
  return 1;
}

std::optional<std::size_t> Lesson::ask(std::size_t next) {
  std::ostream& out = *out_;
  while (true) {
    out << "\n-- Enter: step " << next + 1 << "/" << steps_.size() << " (" << steps_[next].title
        << ")   number: jump   l: list   q: quit > " << std::flush;
    std::string answer;
    if (!std::getline(*in_, answer)) {  // input closed: run the rest without pausing
      out << "\n";
      interactive_ = false;
      return next;
    }
    answer = trim(answer);
    if (answer.empty()) return next;
    if (answer == "q" || answer == "quit") return std::nullopt;
    if (answer == "l" || answer == "list") {
      print_list();
      continue;
    }
    long k = 0;
    if (parse_long(answer, k) && k >= 1 && std::size_t(k) <= steps_.size()) {
      return std::size_t(k - 1);
    }
    out << "  (Enter, a step number from 1 to " << steps_.size() << ", l or q)";
  }
}

void Lesson::print_skipped() const {
  if (skipped_.empty()) return;
  std::ostream& out = *out_;
  std::vector<std::string> exercises;  // in the order the steps met them, once each
  for (const auto& s : skipped_)
    if (std::find(exercises.begin(), exercises.end(), s.exercise) == exercises.end())
      exercises.push_back(s.exercise);
  out << "\nSkipped " << skipped_.size() << (skipped_.size() == 1 ? " step" : " steps")
      << ": they need exercises you have not written yet.\n";
  for (const std::string& name : exercises) {
    std::string steps, message;
    int count = 0;
    for (const auto& s : skipped_)
      if (s.exercise == name) {
        steps += (steps.empty() ? "" : ", ") + std::to_string(s.step);
        message = s.message;
        ++count;
      }
    out << "  " << (count == 1 ? "step  " : "steps ") << steps << ": " << message << "\n";
  }
  out << "Write one, check it, and run the lesson again.\n";
}

void Lesson::print_files() const {
  const auto& files = plot::files_written();
  std::ostream& out = *out_;
  if (files.empty()) {
    out << "\nFiles written: none.\n";
    return;
  }
  out << "\nFiles written (" << files.size() << "):\n";
  for (const auto& f : files) out << "  " << shown(f) << "\n";
}

int Lesson::run() {
  if (!parsed_ && !parse()) return 2;
  if (help_) {
    print_help();
    return 0;
  }
  if (list_) {
    print_list();
    return 0;
  }
  const bool pause = interactive_.has_value() ? *interactive_ && !no_pause_
                                              : isatty(STDIN_FILENO) && !no_pause_;
  interactive_ = pause;
  plot::set_output_dir(output_dir_);
  plot::forget_files_written();
  skipped_.clear();

  std::ostream& out = *out_;
  out << "Lesson " << number_ << ": " << title_ << "\n"
      << "(" << steps_.size() << " steps, seed " << seed_ << (quick_ ? ", quick" : "") << ")";
  if (pause && only_step_ == 0) out << "  Enter: next step, a number: jump, l: list, q: quit";
  out << "\n";

  int code = 0;
  if (only_step_ > 0) {
    code = run_step(only_step_ - 1);
  } else {
    std::size_t i = 0;
    while (i < steps_.size()) {
      if ((code = run_step(i)) != 0) break;
      if (!*interactive_ || i + 1 == steps_.size()) {
        ++i;
        continue;
      }
      const std::optional<std::size_t> next = ask(i + 1);
      if (!next) {
        out << "Stopped after step " << i + 1 << ".\n";
        break;
      }
      i = *next;
    }
  }
  print_skipped();
  print_files();
  out.flush();
  return code;
}

}  // namespace nn::lesson
