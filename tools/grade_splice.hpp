// grade_splice.hpp -- only exercise regions come from a submission.
//
// The autograder grades the course's own tree, stubs and all, with one change: the body of each
// exercise region is taken from the student's copy of that file. Everything else (every header,
// test, Makefile, and every line of a .cpp outside its regions) stays the course's.
//
// A region in the course's (stubbed) file is its TODO line, its kept lines and its throw:
//
//       <STUB>(lesson02): relu_backward          <- the region starts here (<STUB>: the stub
//       // HINT: ...                                 marker, see course/exercises.hpp)
//       throw nn::Error("lesson 2 exercise: ...");  <- and ends here (grade_exercises.hpp)
//
// In the student's file the same region is found by its TODO line (or, in a file that still has
// them, between its BEGIN SOLUTION and END SOLUTION markers, as the course's solution has), and
// it ends where the course's next lines resume (matched line by line, ignoring indentation),
// its braces balanced. A body whose braces would close its function, or that holds a
// preprocessor line, `asm` or `__attribute__`, is refused: the exercise stays the stub. So the
// student's code can only ever run inside the functions it was asked to write.
#pragma once

#include <algorithm>
#include <cctype>
#include <regex>
#include <string>
#include <vector>

#include "grade_exercises.hpp"
#include "grade_xml.hpp"

namespace grade_splice {

using Lines = std::vector<std::string>;

struct Region {
  std::string lesson, name;    // "lesson02", "relu_backward"
  std::size_t begin = 0, end = 0;  // the course's lines [begin, end): the stub
};

inline bool is_todo(const std::string& line, const std::string& lesson, const std::string& name) {
  nn::lesson::StubLine stub;
  return nn::lesson::parse_stub_line(line, stub) && stub.lesson == lesson && stub.name == name;
}

inline bool is_begin(const std::string& line, const std::string& lesson, const std::string& name) {
  std::smatch m;
  return std::regex_match(line, m, grade_exercises::begin_marker()) && m[2] == lesson &&
         grade_exercises::unescape_name(m[4]) == name;
}

// The stubs of a course file that the release (or make autograder) stubbed.
inline std::vector<Region> stub_regions(const Lines& course) {
  std::vector<Region> regions;
  for (std::size_t i = 0; i < course.size(); ++i) {
    nn::lesson::StubLine stub;
    if (!nn::lesson::parse_stub_line(course[i], stub)) continue;
    std::size_t k = i + 1;
    while (k < course.size() && std::regex_match(course[k], grade_exercises::kept_line())) ++k;
    if (k >= course.size() || course[k].find("throw") == std::string::npos) continue;
    regions.push_back({stub.lesson, stub.name, i, k + 1});
    i = k;
  }
  return regions;
}

// Why a body may not be spliced, or "" when it may: its braces must stay balanced inside the
// function (never closing it), and it may not hold what acts outside the function.
inline std::string unsafe(const std::string& body) {
  int depth = 0;
  const std::size_t n = body.size();
  bool line_start = true;
  for (std::size_t i = 0; i < n; ++i) {
    const char c = body[i];
    const char next = i + 1 < n ? body[i + 1] : '\0';
    if (c == '\n') { line_start = true; continue; }
    if (line_start && (c == ' ' || c == '\t')) continue;
    if (line_start && (c == '#' || (c == '%' && next == ':')))
      return "a preprocessor line is not allowed in an exercise region";
    line_start = false;
    if (c == '/' && next == '/') { while (i < n && body[i] != '\n') ++i; --i; continue; }
    if (c == '/' && next == '*') {
      const std::size_t end = body.find("*/", i + 2);
      if (end == std::string::npos) return "an unclosed /* comment";
      i = end + 1;
      continue;
    }
    if (c == 'R' && next == '"') {  // a raw string: R"delim( ... )delim"
      const std::size_t open = body.find('(', i + 2);
      if (open == std::string::npos) return "a malformed raw string";
      const std::string close = ")" + body.substr(i + 2, open - i - 2) + "\"";
      const std::size_t end = body.find(close, open);
      if (end == std::string::npos) return "an unclosed raw string";
      i = end + close.size() - 1;
      continue;
    }
    if (c == '\'' && i > 0 && std::isalnum(static_cast<unsigned char>(body[i - 1]))) {
      std::size_t t = i;  // a digit separator (1'000), or a prefixed character (u8'x')?
      while (t > 0 && (std::isalnum(static_cast<unsigned char>(body[t - 1])) || body[t - 1] == '_')) --t;
      if (std::isdigit(static_cast<unsigned char>(body[t]))) continue;
    }
    if (c == '"' || c == '\'') {
      std::size_t j = i + 1;
      while (j < n && body[j] != c && body[j] != '\n') j += body[j] == '\\' ? 2 : 1;
      if (j >= n || body[j] != c) return "an unclosed string or character literal";
      i = j;
      continue;
    }
    if (std::isalpha(static_cast<unsigned char>(c)) || c == '_') {
      std::size_t j = i;
      while (j < n && (std::isalnum(static_cast<unsigned char>(body[j])) || body[j] == '_')) ++j;
      const std::string word = body.substr(i, j - i);
      if (word == "asm" || word == "__asm__" || word == "__asm" || word == "__attribute__" ||
          word == "_Pragma")
        return "`" + word + "` is not allowed in an exercise region";
      i = j - 1;
      continue;
    }
    const bool open = c == '{' || (c == '<' && next == '%');
    const bool close = c == '}' || (c == '%' && next == '>');
    if (open) ++depth;
    if (close && --depth < 0) return "its braces close the function it belongs to";
  }
  if (depth != 0) return "its braces do not balance";
  return "";
}

inline std::string squeeze(const std::string& line) { return grade_xml::trim(line); }

// The first non-blank lines of the course after a region (up to the next region): where the
// student's body must end.
inline Lines context_after(const Lines& course, std::size_t from, std::size_t until) {
  Lines context;
  for (std::size_t i = from; i < until && context.size() < 3; ++i)
    if (!squeeze(course[i]).empty()) context.push_back(squeeze(course[i]));
  return context;
}

inline bool context_at(const Lines& sub, std::size_t at, const Lines& context) {
  std::size_t k = 0;
  for (std::size_t i = at; i < sub.size() && k < context.size(); ++i) {
    if (squeeze(sub[i]).empty()) continue;
    if (squeeze(sub[i]) != context[k]) return false;
    ++k;
  }
  return k == context.size();
}

struct Body {
  bool found = false;
  Lines lines;            // what the student wrote in the region
  std::size_t begin = 0, end = 0;  // the region in the submission, markers included
  std::string problem;    // why it is not taken ("" when it is)
};

// The student's body of `region` in their file `sub`, searched from line `from` on.
inline Body submitted_body(const Lines& sub, std::size_t from, const Region& region,
                           const Lines& course, std::size_t next_region) {
  Body body;
  for (std::size_t i = from; i < sub.size() && !body.found; ++i) {
    if (is_begin(sub[i], region.lesson, region.name)) {  // BEGIN ... END SOLUTION
      std::size_t k = i + 1;
      while (k < sub.size() && !std::regex_match(sub[k], grade_exercises::end_marker())) ++k;
      if (k >= sub.size()) return body.problem = "its BEGIN SOLUTION has no END SOLUTION", body;
      body = {true, Lines(sub.begin() + i + 1, sub.begin() + k), i, k + 1, ""};
    } else if (is_todo(sub[i], region.lesson, region.name)) {  // TODO line ... course resumes
      // The first place the course's lines resume with a safe body in between (or, when
      // there is none, the first place they resume at all: that body's problem is reported).
      const Lines context = context_after(course, region.end, next_region);
      std::size_t first = sub.size() + 1;
      for (std::size_t k = i + 1; k <= sub.size() && !body.found; ++k) {
        if (context.empty()) k = sub.size();
        else if (!context_at(sub, k, context)) continue;
        first = std::min(first, k);
        Lines lines(sub.begin() + i + 1, sub.begin() + k);
        if (unsafe(grade_exercises::join_lines(lines, true)).empty()) body = {true, lines, i, k, ""};
      }
      if (!body.found && first <= sub.size())
        body = {true, Lines(sub.begin() + i + 1, sub.begin() + first), i, first, ""};
      if (!body.found) return body.problem = "where it ends could not be found (the lines "
                                             "after it differ from the course's)", body;
    }
  }
  if (body.found) body.problem = unsafe(grade_exercises::join_lines(body.lines, true));
  return body;
}

struct Spliced {
  Lines lines;                       // the course's file with the student's bodies
  int written = 0, stubs = 0;        // exercises taken, exercises left as stubs
  std::vector<std::string> notes;    // one per exercise not taken, and outside changes
  bool outside_changed = false;      // the student changed lines outside the regions
};

// The course's file `course` with each region's body taken from the student's `sub`.
inline Spliced splice(const Lines& course, const Lines& sub) {
  Spliced out;
  const std::vector<Region> regions = stub_regions(course);
  Lines sub_outside;  // the submission without its regions, to compare with the course's
  std::size_t copied = 0, sub_at = 0;
  for (std::size_t r = 0; r < regions.size(); ++r) {
    const Region& region = regions[r];
    const std::size_t next = r + 1 < regions.size() ? regions[r + 1].begin : course.size();
    out.lines.insert(out.lines.end(), course.begin() + copied, course.begin() + region.begin);
    copied = region.end;
    const Body body = submitted_body(sub, sub_at, region, course, next);
    const Lines stub(course.begin() + region.begin + 1, course.begin() + region.end);
    if (body.found) {
      sub_outside.insert(sub_outside.end(), sub.begin() + sub_at, sub.begin() + body.begin);
      sub_at = body.end;
    }
    if (!body.found || !body.problem.empty() || body.lines == stub) {
      if (body.found && !body.problem.empty())
        out.notes.push_back(region.name + ": not graded, " + body.problem + "; the stub was used");
      else if (!body.found)
        out.notes.push_back(region.name + ": not found in your file" +
                            (body.problem.empty() ? "" : " (" + body.problem + ")") +
                            "; the stub was used");
      out.lines.insert(out.lines.end(), course.begin() + region.begin, course.begin() + region.end);
      ++out.stubs;
      continue;
    }
    out.lines.push_back(course[region.begin]);  // the TODO line: find_exercises says "written"
    out.lines.insert(out.lines.end(), body.lines.begin(), body.lines.end());
    ++out.written;
  }
  out.lines.insert(out.lines.end(), course.begin() + copied, course.end());
  sub_outside.insert(sub_outside.end(), sub.begin() + std::min(sub_at, sub.size()), sub.end());
  Lines course_outside;
  copied = 0;
  for (const Region& region : regions) {
    course_outside.insert(course_outside.end(), course.begin() + copied, course.begin() + region.begin);
    copied = region.end;
  }
  course_outside.insert(course_outside.end(), course.begin() + copied, course.end());
  // Blank lines, and the lines the release adds above its stubs, do not count as changes.
  auto strip = [](const Lines& lines) {
    Lines kept;
    for (const std::string& l : lines) {
      const std::string t = squeeze(l);
      if (t.empty() || std::regex_match(l, grade_exercises::end_marker())) continue;
      if (t.rfind("#pragma GCC diagnostic ignored", 0) == 0 ||
          t.rfind("// Student release: the stubs", 0) == 0 ||
          t.rfind("// until you write them", 0) == 0 ||
          t.rfind("#include \"nn/error.hpp\"  // the exercise stubs", 0) == 0)
        continue;
      kept.push_back(t);
    }
    return kept;
  };
  out.outside_changed = strip(course_outside) != strip(sub_outside);
  return out;
}

}  // namespace grade_splice
