// grade_exercises.hpp -- exercise regions: finding them, and turning them into stubs.
//
// An exercise is a region of a function body in src/ (or lessons/), marked on lines of their own:
//
//     arma::mat relu_backward(const arma::mat& x, const arma::mat& grad_y) {
//       <BEGIN> lesson02 "relu_backward"
//       // HINT: the mask is 1 where x > 0 and 0 elsewhere (ReLU'(0) = 0).
//       const arma::mat mask = ...;
//       return grad_y % mask;
//       <END>
//     }
//
// where <BEGIN> is "// BEGIN SOLUTION" and <END> is "// END SOLUTION" (spelled out here they
// would mark this comment), <STUB> the stub marker (nn::lesson::stub_marker()). The student release keeps the region's "// HINT:" lines and any
// snippet markers inside it, and replaces everything else between the markers by
//
//       <STUB>(lesson02): relu_backward
//       // HINT: the mask is 1 where x > 0 and 0 elsewhere (ReLU'(0) = 0).
//       throw nn::Unwritten(2, "relu_backward", "src/nn/activations.cpp", __LINE__);
//
// A throw satisfies any return type, so the release compiles. nn::Unwritten (src/nn/error.hpp)
// says "lesson 2 exercise: relu_backward is yours to write (src/nn/activations.cpp:22); see
// docs/lesson02.md#implement-relu_backward; check it with: make check 2": a lesson skips the
// step that meets it, every test that reaches it fails with it, and make check reports TODO.
//
// Hidden tests inside a test file sit between "// BEGIN HIDDEN" and "// END HIDDEN" lines; the
// release drops them, and refuses a test still tagged [hidden] or [visibility:hidden] outside
// such a region, so nothing hidden ships by accident.
#pragma once

#include <cctype>
#include <regex>
#include <sstream>
#include <string>
#include <vector>

#include "course/exercises.hpp"  // the markers and find_exercises, shared with the lesson runner

namespace grade_exercises {

using Exercise = nn::lesson::Exercise;
using nn::lesson::any_begin_marker;
using nn::lesson::begin_marker;
using nn::lesson::end_marker;
using nn::lesson::find_exercises;
using nn::lesson::is_hint;
using nn::lesson::kept_line;
using nn::lesson::split_lines;
using nn::lesson::unescape_name;

struct Problem {
  std::string file;
  int line;
  std::string message;
};

inline std::string doc_page(const Exercise& e) { return "docs/" + e.lesson + ".md"; }

// The name without its parenthesized remark: "conv2d_backward (weight, ...)" -> "conv2d_backward"
// (what tags, lessons' needs and make check call it; as nn::Unwritten::id_of).
inline std::string exercise_id(const std::string& name) {
  const auto paren = name.find(" (");
  return paren == std::string::npos ? name : name.substr(0, paren);
}

// The section of the lesson's doc that explains the exercise: "docs/lesson02.md#implement-
// relu_backward" (as nn::Unwritten::doc_of).
inline std::string doc_anchor(const Exercise& e) {
  std::string anchor = "implement-";
  for (const char c : exercise_id(e.name)) {
    const unsigned char u = static_cast<unsigned char>(c);
    if (std::isalnum(u) || c == '_' || c == '-') anchor += static_cast<char>(std::tolower(u));
    else if (c == ' ') anchor += '-';
  }
  return doc_page(e) + "#" + anchor;
}

// The sentence a student meets begins so (nn::Unwritten's message goes on with where the stub
// is, the doc and the check command): in lessons and test failures.
inline std::string message(const Exercise& e) {
  return "lesson " + std::to_string(e.lesson_number) + " exercise: " + e.name +
         " is yours to write";
}

inline std::string cpp_string_literal(const std::string& s) {
  std::string out = "\"";
  for (const char c : s) {
    if (c == '"' || c == '\\') out += '\\';
    out += c;
  }
  return out + "\"";
}

inline std::string join_lines(const std::vector<std::string>& lines, bool final_newline) {
  std::string out;
  for (std::size_t i = 0; i < lines.size(); ++i) {
    out += lines[i];
    if (i + 1 < lines.size() || final_newline) out += '\n';
  }
  return out;
}

// ---- solution regions -> stubs -------------------------------------------------------------
struct Stripped {
  std::string text;
  std::vector<Exercise> exercises;
  std::vector<Problem> problems;
};

// The stub that replaces a region: the stub line, the region's kept lines (hints, snippet
// markers), the throw. Collects the hints into `e`.
inline void append_stub(std::vector<std::string>& kept, const std::string& indent, Exercise& e,
                        const std::vector<std::string>& kept_inside) {
  kept.push_back(nn::lesson::stub_line(indent, e.lesson, e.name));
  for (const std::string& k : kept_inside) {
    kept.push_back(k);
    if (is_hint(k)) e.hints.push_back(k.substr(k.find("//")));
  }
  kept.push_back(indent + "throw nn::Unwritten(" + std::to_string(e.lesson_number) + ", " +
                 cpp_string_literal(e.name) + ", " + cpp_string_literal(e.file) + ", __LINE__);");
  e.state = Exercise::State::solution;
}

// After the includes: the stubs throw nn::Error (make sure the file can name it), and leave the
// function's parameters unused until written (no warning for each).
inline void add_release_pragmas(std::vector<std::string>& kept, const std::string& text) {
  std::size_t last_include = 0;
  bool found = false;
  for (std::size_t i = 0; i < kept.size(); ++i)
    if (kept[i].rfind("#include", 0) == 0) {
      last_include = i;
      found = true;
    }
  std::vector<std::string> added;
  if (text.find("nn/error.hpp") == std::string::npos &&
      text.find("nn/nn.hpp") == std::string::npos)
    added.push_back("#include \"nn/error.hpp\"  // the exercise stubs throw nn::Error");
  added.push_back("");
  added.push_back("// Student release: the stubs below leave parameters (and helpers) unused");
  added.push_back("// until you write them; once every one is written, delete the two pragmas.");
  added.push_back("#pragma GCC diagnostic ignored \"-Wunused-parameter\"");
  added.push_back("#pragma GCC diagnostic ignored \"-Wunused-function\"");
  kept.insert(kept.begin() + static_cast<long>(found ? last_include + 1 : 0), added.begin(),
              added.end());
}

// The file with every solution region replaced by its stub. Problems: a BEGIN that is malformed,
// nested or never ended, an END without a BEGIN.
inline Stripped strip_solutions(const std::string& text, const std::string& file) {
  Stripped out;
  const std::vector<std::string> lines = split_lines(text);
  std::vector<std::string> kept;
  bool inside = false;
  Exercise current;
  std::string indent;
  std::vector<std::string> kept_inside;
  for (std::size_t i = 0; i < lines.size(); ++i) {
    const std::string& line = lines[i];
    const int number = static_cast<int>(i + 1);
    std::smatch m;
    if (std::regex_match(line, m, begin_marker())) {
      if (inside) {
        out.problems.push_back(
            {file, number,
             "BEGIN SOLUTION inside the region opened at line " + std::to_string(current.line)});
        continue;
      }
      inside = true;
      indent = m[1];
      current = Exercise{};
      current.file = file;
      current.line = number;
      current.lesson = m[2];
      current.lesson_number = std::stoi(m[3]);
      current.name = unescape_name(m[4]);
      kept_inside.clear();
      continue;
    }
    if (std::regex_match(line, any_begin_marker())) {
      out.problems.push_back({file, number,
                              "malformed marker; write it as: // BEGIN SOLUTION "
                              "lesson03 \"what the student writes\""});
      continue;
    }
    if (std::regex_match(line, end_marker())) {
      if (!inside) {
        out.problems.push_back({file, number, "END SOLUTION without a BEGIN SOLUTION"});
        continue;
      }
      inside = false;
      append_stub(kept, indent, current, kept_inside);
      out.exercises.push_back(current);
      continue;
    }
    if (inside) {
      if (std::regex_match(line, kept_line())) kept_inside.push_back(line);
      continue;
    }
    kept.push_back(line);
  }
  if (inside)
    out.problems.push_back(
        {file, current.line, "BEGIN SOLUTION \"" + current.name + "\" has no END SOLUTION"});
  if (!out.exercises.empty()) add_release_pragmas(kept, text);
  out.text = join_lines(kept, !text.empty() && text.back() == '\n');
  return out;
}

// ---- hidden tests --------------------------------------------------------------------------
struct HiddenStripped {
  std::string text;
  int regions = 0;
  std::vector<Problem> problems;
};

inline HiddenStripped strip_hidden(const std::string& text, const std::string& file) {
  static const std::regex begin(R"(^[ \t]*// BEGIN HIDDEN\b.*$)");
  static const std::regex end(R"(^[ \t]*// END HIDDEN\b.*$)");
  static const std::regex hidden_tag(R"(\[(hidden|visibility:hidden)\])", std::regex::icase);
  HiddenStripped out;
  std::vector<std::string> kept;
  bool inside = false;
  int opened = 0;
  const std::vector<std::string> lines = split_lines(text);
  for (std::size_t i = 0; i < lines.size(); ++i) {
    const std::string& line = lines[i];
    const int number = static_cast<int>(i + 1);
    if (std::regex_match(line, begin)) {
      if (inside) out.problems.push_back({file, number, "BEGIN HIDDEN inside a hidden region"});
      inside = true;
      opened = number;
      ++out.regions;
      continue;
    }
    if (std::regex_match(line, end)) {
      if (!inside) out.problems.push_back({file, number, "END HIDDEN without a BEGIN HIDDEN"});
      inside = false;
      continue;
    }
    if (inside) continue;
    if (std::regex_search(line, hidden_tag))
      out.problems.push_back({file, number,
                              "a test tagged hidden outside a BEGIN HIDDEN / END "
                              "HIDDEN region would ship to students"});
    kept.push_back(line);
  }
  if (inside) out.problems.push_back({file, opened, "BEGIN HIDDEN has no END HIDDEN"});
  out.text = join_lines(kept, !text.empty() && text.back() == '\n');
  return out;
}

}  // namespace grade_exercises
