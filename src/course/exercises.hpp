// exercises.hpp -- the one scanner of exercise markers, for the lesson runner and the grader.
//
// An exercise is a region of a function body in src/ (or lessons/), between two marker lines:
//
//     <BEGIN> lesson02 "relu_backward"
//     // HINT: the mask is 1 where x > 0 and 0 elsewhere (ReLU'(0) = 0).
//     ...the solution...
//     <END>
//
// where <BEGIN> is "// BEGIN SOLUTION" and <END> is "// END SOLUTION" (spelled out at the start
// of a line they would mark this comment). The student release (tools/grade_exercises.hpp)
// replaces such a region by a stub: the stub line (stub_line() below, "<STUB>(lesson02):
// relu_backward" where <STUB> is the word stub_marker() spells), the region's hint and snippet
// lines, and a throw of nn::Unwritten. find_exercises() reads both forms back:
//   solution  a BEGIN marker (the instructors' tree)
//   stub      a stub line followed, after its hints, by the throw: still to write
//   written   a stub line whose throw the student replaced
// Header-only: the grader's tools include it without linking the library.
#pragma once

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <regex>
#include <sstream>
#include <string>
#include <vector>

namespace nn::lesson {

struct Exercise {
  enum class State { solution, stub, written };
  std::string file;       // relative to the tree's root, e.g. "src/nn/conv2d.cpp"
  int line = 0;           // the BEGIN marker's line; a stub's throw; 1-based
  std::string lesson;     // the lesson tag as written: "lesson03"
  int lesson_number = 0;  // 3
  std::string name;       // "conv2d_backward (weight, bias and input gradients)"
  std::vector<std::string> hints;  // the region's "// HINT:" lines, from "//" on
  State state = State::solution;
};

// ---- the markers ---------------------------------------------------------------------------
// The stub line's opening, "// " and the marker word and "(". The only place the word is
// spelled with its parenthesis: other sources build it from here, so that a search for
// unfinished work (which greps for that spelling) finds real leftovers only.
inline const std::string& stub_marker() {
  static const std::string marker = std::string("// TODO") + "(";  // the one definition
  return marker;
}

// The release's stub line for an exercise: indent + marker + "lesson02): relu_backward".
inline std::string stub_line(const std::string& indent, const std::string& lesson_tag,
                             const std::string& name) {
  return indent + stub_marker() + lesson_tag + "): " + name;
}

inline const std::regex& begin_marker() {  // indent, lesson tag, digits, quoted name
  static const std::regex r(
      R"re(^([ \t]*)// BEGIN SOLUTION[ \t]+(lesson([0-9]+))[ \t]+"((?:[^"\\]|\\.)+)"[ \t]*\r?$)re");
  return r;
}
inline const std::regex& any_begin_marker() {
  static const std::regex r(R"(^[ \t]*// BEGIN SOLUTION\b.*$)");
  return r;
}
inline const std::regex& end_marker() {
  static const std::regex r(R"(^[ \t]*// END SOLUTION[ \t]*\r?$)");
  return r;
}
inline const std::regex& kept_line() {  // hints and snippet markers survive inside a region
  static const std::regex r(R"(^[ \t]*// (HINT\b.*|\[/?snippet\b.*)$)");
  return r;
}
// After the stub marker: the lesson tag, its digits, the name.
inline const std::regex& stub_rest() {
  static const std::regex r(R"(^(lesson([0-9]+))\): (.+?)[ \t]*\r?$)");
  return r;
}
inline bool is_hint(const std::string& line) {
  static const std::regex r(R"(^[ \t]*// HINT\b.*$)");
  return std::regex_match(line, r);
}

// A stub line read back: "  <STUB>(lesson02): relu_backward" -> {"lesson02", 2, "relu_backward"}.
struct StubLine {
  std::string lesson;
  int lesson_number = 0;
  std::string name;
};
// Whether `line` is a stub line (indent allowed); fills `stub` when it is.
inline bool parse_stub_line(const std::string& line, StubLine& stub) {
  const auto first = line.find_first_not_of(" \t");
  if (first == std::string::npos || line.compare(first, stub_marker().size(), stub_marker()) != 0)
    return false;
  const std::string rest = line.substr(first + stub_marker().size());
  std::smatch m;
  if (!std::regex_match(rest, m, stub_rest())) return false;
  stub = {m[1], std::stoi(m[2]), m[3]};
  return true;
}

inline std::string unescape_name(const std::string& quoted_body) {
  std::string out;
  for (std::size_t i = 0; i < quoted_body.size(); ++i) {
    if (quoted_body[i] == '\\' && i + 1 < quoted_body.size()) ++i;
    out += quoted_body[i];
  }
  return out;
}

inline std::vector<std::string> split_lines(const std::string& text) {
  std::vector<std::string> lines;
  std::string line;
  std::istringstream in(text);
  while (std::getline(in, line)) lines.push_back(line);
  return lines;
}

// ---- scanning ------------------------------------------------------------------------------
namespace detail {

inline void collect_hint(const std::string& line, std::vector<std::string>& hints) {
  if (is_hint(line)) hints.push_back(line.substr(line.find("//")));
}

// A stub line at lines[i] (its rest already matched): stub when, after its kept lines, the
// next line throws nn::Unwritten; then the exercise is where it throws (the line nn::Unwritten
// names, which the lessons print too).
inline void read_stub(const std::vector<std::string>& lines, std::size_t i, Exercise& e) {
  std::size_t k = i + 1;
  while (k < lines.size() && std::regex_match(lines[k], kept_line())) collect_hint(lines[k++], e.hints);
  const bool stub = k < lines.size() && lines[k].find("throw") != std::string::npos &&
                    (lines[k].find("nn::Unwritten(") != std::string::npos ||
                     lines[k].find("is yours to write") != std::string::npos);
  e.state = stub ? Exercise::State::stub : Exercise::State::written;
  if (stub) e.line = static_cast<int>(k + 1);
}

}  // namespace detail

// Every exercise in one file's text, in order; `file` is how the results name it.
inline std::vector<Exercise> find_exercises(const std::string& text, const std::string& file) {
  std::vector<Exercise> found;
  const std::vector<std::string> lines = split_lines(text);
  for (std::size_t i = 0; i < lines.size(); ++i) {
    // Most lines are neither marker: a plain search before any regular expression.
    if (lines[i].find("// ") == std::string::npos) continue;
    std::smatch m;
    StubLine stub;
    Exercise e;
    e.file = file;
    e.line = static_cast<int>(i + 1);
    if (std::regex_match(lines[i], m, begin_marker())) {
      e.lesson = m[2];
      e.lesson_number = std::stoi(m[3]);
      e.name = unescape_name(m[4]);
      for (std::size_t k = i + 1; k < lines.size() && !std::regex_match(lines[k], end_marker()); ++k)
        detail::collect_hint(lines[k], e.hints);
      found.push_back(e);
    } else if (parse_stub_line(lines[i], stub)) {
      e.lesson = stub.lesson;
      e.lesson_number = stub.lesson_number;
      e.name = stub.name;
      detail::read_stub(lines, i, e);
      found.push_back(e);
    }
  }
  return found;
}

// Every exercise in the .cpp files under root/src and root/lessons, files in name order; empty
// when neither folder is there.
inline std::vector<Exercise> find_exercises_in_tree(const std::string& root) {
  namespace fs = std::filesystem;
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
  std::vector<Exercise> all;
  for (const auto& rel : files) {
    std::ifstream in(fs::path(root) / rel, std::ios::binary);
    const std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    for (auto& e : find_exercises(text, rel)) all.push_back(std::move(e));
  }
  return all;
}

}  // namespace nn::lesson
