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
// would mark this comment). The student release keeps the region's "// HINT:" lines and any
// snippet markers inside it, and replaces everything else between the markers by
//
//       // TODO(lesson02): relu_backward
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

namespace grade_exercises {

struct Exercise {
  enum class State { solution, stub, written };
  std::string file;       // relative to the tree's root, e.g. "src/nn/conv2d.cpp"
  int line = 0;           // the BEGIN marker's line; a stub's throw; 1-based
  std::string lesson;     // the lesson tag as written: "lesson03"
  int lesson_number = 0;  // 3
  std::string name;       // "conv2d_backward (weight, bias and input gradients)"
  std::vector<std::string> hints;
  State state = State::solution;
};

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

inline std::vector<std::string> split_lines(const std::string& text) {
  std::vector<std::string> lines;
  std::string line;
  std::istringstream in(text);
  while (std::getline(in, line)) lines.push_back(line);
  return lines;
}

inline std::string join_lines(const std::vector<std::string>& lines, bool final_newline) {
  std::string out;
  for (std::size_t i = 0; i < lines.size(); ++i) {
    out += lines[i];
    if (i + 1 < lines.size() || final_newline) out += '\n';
  }
  return out;
}

// ---- the markers ---------------------------------------------------------------------------
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
inline const std::regex& todo_marker() {
  static const std::regex r(R"(^[ \t]*// TODO\((lesson([0-9]+))\): (.+?)[ \t]*\r?$)");
  return r;
}
inline bool is_hint(const std::string& line) {
  static const std::regex r(R"(^[ \t]*// HINT\b.*$)");
  return std::regex_match(line, r);
}

inline std::string unescape_name(const std::string& quoted_body) {
  std::string out;
  for (std::size_t i = 0; i < quoted_body.size(); ++i) {
    if (quoted_body[i] == '\\' && i + 1 < quoted_body.size()) ++i;
    out += quoted_body[i];
  }
  return out;
}

// ---- solution regions -> stubs -------------------------------------------------------------
struct Stripped {
  std::string text;
  std::vector<Exercise> exercises;
  std::vector<Problem> problems;
};

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
      kept.push_back(indent + "// TODO(" + current.lesson + "): " + current.name);
      for (const std::string& k : kept_inside) {
        kept.push_back(k);
        if (is_hint(k)) current.hints.push_back(k.substr(k.find("//")));
      }
      kept.push_back(indent + "throw nn::Unwritten(" + std::to_string(current.lesson_number) +
                     ", " + cpp_string_literal(current.name) + ", " + cpp_string_literal(file) +
                     ", __LINE__);");
      current.state = Exercise::State::solution;
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
  if (!out.exercises.empty()) {
    // After the includes: the stubs throw nn::Error (make sure the file can name it), and
    // leave the function's parameters unused until written (no warning for each).
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

// ---- finding exercises in a tree (solution or student) ---------------------------------------
// Solution regions, and the stubs a release put in their place: a TODO(lessonNN) line followed
// (after its hints) by the throw is still to write; a TODO line without the throw is written.
inline std::vector<Exercise> find_exercises(const std::string& text, const std::string& file) {
  std::vector<Exercise> found;
  const std::vector<std::string> lines = split_lines(text);
  for (std::size_t i = 0; i < lines.size(); ++i) {
    std::smatch m;
    Exercise e;
    e.file = file;
    e.line = static_cast<int>(i + 1);
    if (std::regex_match(lines[i], m, begin_marker())) {
      e.lesson = m[2];
      e.lesson_number = std::stoi(m[3]);
      e.name = unescape_name(m[4]);
      e.state = Exercise::State::solution;
      for (std::size_t k = i + 1; k < lines.size() && !std::regex_match(lines[k], end_marker());
           ++k)
        if (is_hint(lines[k])) e.hints.push_back(lines[k].substr(lines[k].find("//")));
      found.push_back(e);
    } else if (std::regex_match(lines[i], m, todo_marker())) {
      e.lesson = m[1];
      e.lesson_number = std::stoi(m[2]);
      e.name = m[3];
      std::size_t k = i + 1;
      while (k < lines.size() && std::regex_match(lines[k], kept_line())) {
        if (is_hint(lines[k])) e.hints.push_back(lines[k].substr(lines[k].find("//")));
        ++k;
      }
      const bool stub = k < lines.size() && lines[k].find("throw") != std::string::npos &&
                        (lines[k].find("nn::Unwritten(") != std::string::npos ||
                         lines[k].find("is yours to write") != std::string::npos);
      e.state = stub ? Exercise::State::stub : Exercise::State::written;
      // A stub is where it throws: the line nn::Unwritten names, which the lessons print too.
      if (stub) e.line = static_cast<int>(k + 1);
      found.push_back(e);
    }
  }
  return found;
}

}  // namespace grade_exercises
