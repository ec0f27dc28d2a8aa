// check_table.hpp -- the exercise table, from the tests' tags: the points listed are the points
// awarded.
//
// Every graded test names the one exercise its points go to, and the exercises of earlier lessons
// it calls without carrying their points:
//
//     SCENARIO("ReLU's backward ...", "[lesson02][points:2][exercise:relu_backward]")
//     SCENARIO("... gradient check", "[lesson02][points:3][exercise:tanh_backward]"
//                                    "[needs:lesson01/numeric_gradient]")
//
// NAME is the exercise's name from its BEGIN SOLUTION marker without the parenthesized remark,
// spaces as '_' ("conv2d_backward", "SGD::step", "guided_ReLU_backward"); case does not matter.
// A test whose points no exercise claims passes on untouched stubs, so it carries 0 points.
//
// table(root) reads src/, lessons/ and tests/{unit,lessons,infra}/*.cpp (the sources, nothing built) and gives the
// markdown table plus the problems: a test with points and no [exercise:], a name no marker has,
// an exercise of another lesson, a [needs:] on a later lesson. docs/grading.md and
// tools/student_README.md hold the table between the markers below; `make exercise-table`
// rewrites them and make test checks they are current (tests/infra/exercise_table_test.cpp).
#pragma once

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <map>
#include <regex>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "grade_exercises.hpp"

namespace check_table {

inline const char* begin_marker() {
  return "<!-- BEGIN GENERATED exercise table: from the tests' tags by `make exercise-table`; "
         "make test checks it -->";
}
inline const char* end_marker() { return "<!-- END GENERATED exercise table -->"; }

// How a tag spells an exercise: lower case, spaces as '_'.
inline std::string tag_key(const std::string& name) {
  std::string key = grade_exercises::exercise_id(name);
  for (char& c : key) {
    c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    if (c == ' ') c = '_';
  }
  return key;
}

struct TestTags {
  std::string file, name, exercise;  // exercise: the tag's key, "" without one
  int line = 0, lesson = 0;
  double points = 0;
  std::vector<std::string> needs;  // "lesson01/numeric_gradient"
};

inline std::string read_text(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

// The TEST_CASE / SCENARIO declarations of one file, adjacent string literals joined.
inline std::vector<TestTags> tests_in(const std::string& text, const std::string& file) {
  static const std::regex decl(
      R"re((?:TEST_CASE|SCENARIO)\s*\(\s*((?:"(?:[^"\\]|\\.)*"\s*)+),\s*((?:"[^"]*"\s*)+)\))re");
  static const std::regex literal(R"re("((?:[^"\\]|\\.)*)")re");
  static const std::regex tag(R"(\[([^\]]+)\])");
  static const std::regex lesson_re(R"(lesson0*([0-9]+))", std::regex::icase);
  static const std::regex points_re(R"(points:([0-9]+(\.[0-9]+)?))", std::regex::icase);
  static const std::regex exercise_re(R"(exercise:(.+))", std::regex::icase);
  static const std::regex needs_re(R"(needs:(.+))", std::regex::icase);
  auto join = [](const std::string& literals) {
    std::string out;
    for (auto it = std::sregex_iterator(literals.begin(), literals.end(), literal);
         it != std::sregex_iterator(); ++it)
      out += (*it)[1];
    return out;
  };
  std::vector<TestTags> found;
  for (auto it = std::sregex_iterator(text.begin(), text.end(), decl);
       it != std::sregex_iterator(); ++it) {
    TestTags t;
    t.file = file;
    t.line = 1 + static_cast<int>(std::count(text.begin(), text.begin() + it->position(), '\n'));
    t.name = join((*it)[1]);
    const std::string tags = join((*it)[2]);
    for (auto k = std::sregex_iterator(tags.begin(), tags.end(), tag); k != std::sregex_iterator();
         ++k) {
      const std::string v = (*k)[1];
      std::smatch m;
      if (std::regex_match(v, m, lesson_re)) t.lesson = std::stoi(m[1]);
      else if (std::regex_match(v, m, points_re)) t.points = std::stod(m[1]);
      else if (std::regex_match(v, m, exercise_re)) t.exercise = tag_key(m[1]);
      else if (std::regex_match(v, m, needs_re)) t.needs.push_back(m[1]);
    }
    found.push_back(t);
  }
  return found;
}

struct Table {
  std::string markdown;
  std::vector<std::string> problems;
};

inline std::string format_points(double p) {
  std::ostringstream s;
  s << p;
  return s.str();
}

// Every exercise in src/ and lessons/ (solutions, stubs, written stubs), in lesson order.
inline std::vector<grade_exercises::Exercise> exercises_in(const std::string& root) {
  std::vector<grade_exercises::Exercise> exercises = nn::lesson::find_exercises_in_tree(root);
  std::stable_sort(exercises.begin(), exercises.end(), [](const auto& a, const auto& b) {
    return a.lesson_number < b.lesson_number;
  });
  return exercises;
}

// The suite's test files, relative to root: the .cpp files in the folders below tests/
// (unit/, lessons/, infra/), except the fixtures and the fuzzers (their tags are not the course's)
// and the grader's own tests, tests/infra/grading*.cpp (their tests are fixtures, in strings).
// In name order.
inline std::vector<std::string> test_files_in(const std::string& root) {
  namespace fs = std::filesystem;
  std::vector<std::string> files;
  const fs::path base = fs::path(root) / "tests";
  if (!fs::is_directory(base)) return files;
  for (auto e = fs::recursive_directory_iterator(base); e != fs::recursive_directory_iterator();
       ++e) {
    const std::string name = e->path().filename().string();
    if (e->is_directory() && (name == "fixtures" || name == "fuzz")) {
      e.disable_recursion_pending();
      continue;
    }
    const std::string rel = fs::relative(e->path(), root).generic_string();
    if (e->is_regular_file() && e->path().extension() == ".cpp" &&
        rel.rfind("tests/infra/grading", 0) != 0)
      files.push_back(rel);
  }
  std::sort(files.begin(), files.end());
  return files;
}

// What the tests' tags give each exercise (by tag_key): points, test count, the exercises it
// needs first; with the problems found on the way.
struct Tally {
  std::map<std::string, double> points;
  std::map<std::string, int> count;
  std::map<std::string, std::set<std::string>> needs;
};

using ExerciseIndex = std::map<std::string, const grade_exercises::Exercise*>;

inline void tally_needs(const TestTags& t, const std::string& at, const ExerciseIndex& by_key,
                        Tally& tally, std::vector<std::string>& problems) {
  for (const auto& n : t.needs) {
    const auto slash = n.find('/');
    const std::string key = tag_key(slash == std::string::npos ? n : n.substr(slash + 1));
    auto d = by_key.find(key);
    if (d == by_key.end()) {
      problems.push_back(at + ": [needs:" + n + "] is no exercise's name");
      continue;
    }
    if (d->second->lesson_number > t.lesson)
      problems.push_back(at + " needs " + key + " of the later lesson " +
                         std::to_string(d->second->lesson_number));
    tally.needs[t.exercise].insert(grade_exercises::exercise_id(d->second->name));
  }
}

inline Tally tally(const std::vector<TestTags>& tests, const ExerciseIndex& by_key,
                   std::vector<std::string>& problems) {
  Tally out;
  for (const auto& t : tests) {
    const std::string at = t.file + ":" + std::to_string(t.line) + ": \"" + t.name + "\"";
    if (t.lesson == 0) continue;  // not graded
    if (t.exercise.empty()) {
      if (t.points > 0)
        problems.push_back(at + " carries " + format_points(t.points) +
                           " points but names no [exercise:NAME]");
      continue;
    }
    auto e = by_key.find(t.exercise);
    if (e == by_key.end()) {
      problems.push_back(at + ": [exercise:" + t.exercise + "] is no exercise's name");
      continue;
    }
    if (e->second->lesson_number != t.lesson)
      problems.push_back(at + " is a lesson " + std::to_string(t.lesson) +
                         " test but grades lesson " + std::to_string(e->second->lesson_number) +
                         "'s " + t.exercise);
    out.points[t.exercise] += t.points;
    ++out.count[t.exercise];
    tally_needs(t, at, by_key, out, problems);
  }
  return out;
}

inline Table table(const std::string& root) {
  namespace fs = std::filesystem;
  Table out;
  const std::vector<grade_exercises::Exercise> exercises = exercises_in(root);
  std::vector<TestTags> tests;
  for (const auto& f : test_files_in(root)) {
    const std::string text =
        grade_exercises::strip_hidden(read_text((fs::path(root) / f).string()), f).text;
    for (const auto& t : tests_in(text, f)) tests.push_back(t);
  }
  ExerciseIndex by_key;
  for (const auto& e : exercises) by_key[tag_key(e.name)] = &e;
  Tally tallied = tally(tests, by_key, out.problems);

  std::ostringstream md;
  md << "| lesson | exercise | file | points | tests | needs first |\n"
     << "|---|---|---|---|---|---|\n";
  double total = 0;
  for (const auto& e : exercises) {
    const std::string key = tag_key(e.name);
    std::string first;
    for (const auto& n : tallied.needs[key]) first += (first.empty() ? "" : ", ") + n;
    md << "| " << e.lesson_number << " | " << grade_exercises::exercise_id(e.name) << " | `"
       << e.file << "` | " << format_points(tallied.points[key]) << " | " << tallied.count[key]
       << " | " << (first.empty() ? "-" : first) << " |\n";
    total += tallied.points[key];
    if (tallied.count[key] == 0)
      out.problems.push_back(e.file + ":" + std::to_string(e.line) + ": exercise " +
                             grade_exercises::exercise_id(e.name) + " has no test tagged " +
                             "[exercise:" + key + "]");
  }
  md << "|  | **total** |  | **" << format_points(total) << "** |  |  |\n";
  out.markdown = md.str();
  return out;
}

// `text` with the block between the markers replaced by `table`; "" when the markers are missing.
inline std::string with_table(const std::string& text, const std::string& table_markdown) {
  const auto begin = text.find(begin_marker());
  const auto end = text.find(end_marker());
  if (begin == std::string::npos || end == std::string::npos || end < begin) return "";
  const auto after_begin = begin + std::string(begin_marker()).size();
  return text.substr(0, after_begin) + "\n" + table_markdown + text.substr(end);
}

}  // namespace check_table
