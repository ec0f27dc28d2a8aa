// check.cpp -- make check [N]: one line per exercise, from the tests that grade it.
//
//   check --tests BINARY [--root DIR] [--lesson N]...      (make check N calls it so)
//   check --table [--root DIR] [--write FILE]...            (make exercise-table)
//
// For each lesson asked for (every lesson that has an exercise, without --lesson), it runs the
// lesson's graded tests, "[lessonNN]~[run]", in BINARY with Catch2's XML reporter, and gives
// each test's points to the exercise its [exercise:NAME] tag names (docs/grading.md, "Tags").
// It prints, with --lesson:
//
//   PASS relu_backward 5/5
//   FAIL sigmoid_backward 0/6: lambda = 0.5: CHECK_THAT( ... ) with expansion ...
//        (tests/lessons/lesson02_activations_test.cpp:69)
//   TODO tanh_backward 0/4: not written yet (src/nn/activations.cpp:70); see
//        docs/lesson02.md#implement-tanh_backward
//   lesson 2: 5/15 points
//
// and without: one line per lesson. A failing test that stopped at another exercise's stub says
// "needs your numeric_gradient (lesson 1) first". The points are the grader's: a test passes or
// it counts 0. Exit status: 0 when it could run the tests (whatever they say), 1 otherwise.
// Standard C++ and POSIX only, like the grader (tools/grade.cpp).
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <regex>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "check_table.hpp"
#include "grade_case.hpp"
#include "grade_exercises.hpp"
#include "grade_xml.hpp"

namespace fs = std::filesystem;
using grade_exercises::Exercise;
using grade_xml::Element;

namespace {

std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}


using check_table::tag_key;

std::string two_digits(int n) { return (n < 10 ? "0" : "") + std::to_string(n); }

std::string format_points(double p) {
  std::ostringstream s;
  s << p;
  return s.str();
}

std::vector<Exercise> exercises_in(const fs::path& root) {
  return check_table::exercises_in(root.string());
}

// ---- one test case of the XML report --------------------------------------------------------
struct TestResult {
  std::string name, exercise;  // exercise: the tag's key, "" when the test names none
  double points = 0;
  bool passed = false, finished = false;
  std::string failure, where;  // the first failure: message, "file:line"
};

std::string one_line(std::string s, std::size_t max = 160) {
  for (char& c : s)
    if (c == '\n' || c == '\r' || c == '\t') c = ' ';
  std::string out;
  for (const char c : s)
    if (!(c == ' ' && !out.empty() && out.back() == ' ')) out += c;
  out = grade_xml::trim(out);
  if (out.size() > max) out = out.substr(0, max - 3) + "...";
  return out;
}

std::string relative_source(const std::string& file, const fs::path& root) {
  std::string f = file;
  const std::string r = root.string() + "/";
  if (f.rfind(r, 0) == 0) f = f.substr(r.size());
  return f;
}

// The first failed check of test case `c` (grade_case.hpp reads the report, as the grader does):
// the check's text and values ("lambda = 0.5: expected ... got ..." with the INFO line before
// it), and where it is, relative to the repository. False when no check failed.
bool first_failure(const Element& c, const fs::path& root, std::string& message, std::string& where) {
  const grade::CaseReport report = grade::read_case(c);
  if (report.failures == 0) return false;
  const grade::Failure& f = report.first;
  std::string text = f.message;
  if (f.kind == "expression") {
    text = f.original;
    if (!f.expanded.empty() && f.expanded != f.original) text += ": got " + f.expanded;
  }
  if (!f.info.empty() && text.find("is yours to write") == std::string::npos)
    text = f.info.back() + ": " + text;
  message = text;
  const std::size_t colon = f.where.rfind(':');
  where = colon == std::string::npos ? f.where
                                     : relative_source(f.where.substr(0, colon), root) + f.where.substr(colon);
  return true;
}

void collect(const Element& e, const fs::path& root, std::vector<TestResult>& out) {
  static const std::regex points_re(R"(\[points:([0-9]+(\.[0-9]+)?)\])", std::regex::icase);
  static const std::regex exercise_re(R"(\[exercise:([^\]]+)\])", std::regex::icase);
  for (const auto& c : e.children) {
    if (c->name != "TestCase") {
      collect(*c, root, out);
      continue;
    }
    TestResult t;
    t.name = c->attribute_or("name", "?");
    const std::string tags = c->attribute_or("tags", "");
    std::smatch m;
    if (std::regex_search(tags, m, points_re)) t.points = std::stod(m[1]);
    if (std::regex_search(tags, m, exercise_re)) t.exercise = tag_key(m[1]);
    const Element* result = c->child("OverallResult");
    t.finished = result != nullptr;
    t.passed = result && result->attribute_or("success", "false") == "true";
    if (!t.passed) {
      if (!first_failure(*c, root, t.failure, t.where))
        t.failure = t.finished ? "failed" : "did not finish (the test process crashed or hung)";
    }
    out.push_back(t);
  }
}

// ---- running ----------------------------------------------------------------------------------
int run(const std::string& command) {
  const int status = std::system(command.c_str());
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + (WIFSIGNALED(status) ? WTERMSIG(status) : 0);
}

std::string shell_quote(const std::string& s) {
  std::string out = "'";
  for (const char c : s) out += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return out + "'";
}

struct Line {
  std::string state, name, detail;
  double got = 0, max = 0;
};

struct LessonResult {
  int lesson = 0;
  std::vector<Line> lines;
  double got = 0, max = 0;
  bool ran = false;
  std::string error;
};

// Runs lesson `lesson`'s graded tests in `binary` with Catch2's XML reporter and reads the report;
// `error` says why there is no result when the binary did not run.
std::vector<TestResult> run_lesson_tests(int lesson, const std::string& binary, const fs::path& root,
                                         const fs::path& scratch, std::string& error) {
  const std::string report = (scratch / ("lesson" + two_digits(lesson) + ".xml")).string();
  fs::remove(report);
  const std::string command = "timeout -s KILL 300 " + shell_quote(binary) + " " +
                              shell_quote("[lesson" + two_digits(lesson) + "]~[run]") +
                              " -r xml -o " + shell_quote(report) +
                              " --order decl >/dev/null 2>&1 </dev/null";
  const int code = run(command);
  std::vector<TestResult> tests;
  if (fs::exists(report)) {
    auto document = grade_xml::parse(read_file(report));
    if (document) collect(*document, root, tests);
  }
  if (tests.empty() && code != 0 && code != 2) {
    // Catch2 returns the number of failed tests (capped); with no report at all it did not run.
    error = binary + " did not run (status " + std::to_string(code) + ")";
  }
  return tests;
}

// "FAIL": the first failed check, or "needs your X (lesson N) first" when it stopped at the stub
// of another exercise (one of `others`).
std::string failure_detail(const Exercise& e, const TestResult& failed,
                           const std::vector<const Exercise*>& others) {
  std::string needs;
  for (const Exercise* o : others)
    if (o != &e && failed.failure.find(grade_exercises::message(*o)) != std::string::npos)
      needs = "needs your " + grade_exercises::exercise_id(o->name) + " (lesson " +
              std::to_string(o->lesson_number) + ") first: make check " +
              std::to_string(o->lesson_number);
  return needs.empty() ? one_line(failed.failure) + " (" + failed.where + ")"
                       : needs + " (" + failed.where + ")";
}

// One exercise's line: the points of the tests tagged with its key, and its state.
Line exercise_line(const Exercise& e, const std::string& key, const std::vector<TestResult>& tests,
                   const std::vector<const Exercise*>& others) {
  Line line;
  line.name = grade_exercises::exercise_id(e.name);
  int count = 0;
  const TestResult* failed = nullptr;
  for (const auto& t : tests) {
    if (t.exercise != key) continue;
    ++count;
    line.max += t.points;
    if (t.passed) line.got += t.points;
    else if (!failed) failed = &t;
  }
  if (e.state == Exercise::State::stub) {
    line.state = "TODO";
    line.got = 0;
    line.detail = "not written yet (" + e.file + ":" + std::to_string(e.line) + "); see " +
                  grade_exercises::doc_anchor(e);
  } else if (count == 0) {
    line.state = "----";
    line.detail = "no test is tagged [exercise:" + grade_exercises::exercise_id(e.name) + "]";
  } else if (!failed) {
    line.state = "PASS";
  } else {
    line.state = "FAIL";
    line.detail = failure_detail(e, *failed, others);
  }
  return line;
}

// Points no exercise claims (docs/grading.md: every graded test names its exercise); max 0
// when there are none.
Line unclaimed_line(const std::vector<TestResult>& tests, const std::set<std::string>& named) {
  Line rest;
  rest.name = "(tests of no exercise)";
  const TestResult* failed = nullptr;
  for (const auto& t : tests) {
    if (named.count(t.exercise) || t.points == 0) continue;
    rest.max += t.points;
    if (t.passed) rest.got += t.points;
    else if (!failed) failed = &t;
  }
  if (rest.max > 0) {
    rest.state = failed ? "FAIL" : "PASS";
    if (failed) rest.detail = one_line(failed->failure) + " (" + failed->where + ")";
  }
  return rest;
}

LessonResult check_lesson(int lesson, const std::vector<Exercise>& all, const std::string& binary,
                          const fs::path& root, const fs::path& scratch) {
  LessonResult r;
  r.lesson = lesson;
  const std::vector<TestResult> tests = run_lesson_tests(lesson, binary, root, scratch, r.error);
  r.ran = r.error.empty();

  // Messages of another exercise's stub, to say "needs ... first".
  std::vector<const Exercise*> others;
  for (const auto& e : all)
    if (e.state == Exercise::State::stub) others.push_back(&e);

  std::set<std::string> named;
  for (const auto& e : all) {
    if (e.lesson_number != lesson) continue;
    const std::string key = tag_key(e.name);
    named.insert(key);
    r.lines.push_back(exercise_line(e, key, tests, others));
  }
  const Line rest = unclaimed_line(tests, named);
  if (rest.max > 0) r.lines.push_back(rest);
  for (const Line& l : r.lines) {
    r.got += l.got;
    r.max += l.max;
  }
  return r;
}

void usage() {
  std::cerr << "usage: check --tests BINARY [--root DIR] [--lesson N]...\n"
               "       check --table [--root DIR] [--write FILE]...\n";
}

// Print the exercise table, or rewrite it between the markers of each FILE.
int table_command(const fs::path& root, const std::vector<std::string>& write) {
  const check_table::Table t = check_table::table(root.string());
  for (const auto& p : t.problems) std::cerr << "check --table: " << p << "\n";
  if (write.empty()) std::cout << t.markdown;
  for (const std::string& f : write) {
    const std::string path = (root / f).string();
    const std::string text = read_file(path);
    const std::string updated = check_table::with_table(text, t.markdown);
    if (updated.empty()) {
      std::cerr << "check --table: " << f << " has no generated-table markers:\n  "
                << check_table::begin_marker() << "\n  " << check_table::end_marker() << "\n";
      return 1;
    }
    if (updated != text) {
      std::ofstream(path, std::ios::binary) << updated;
      std::cout << "updated the exercise table in " << f << "\n";
    } else {
      std::cout << f << ": the exercise table is current\n";
    }
  }
  return t.problems.empty() ? 0 : 1;
}

// ---- the command line ---------------------------------------------------------------------
struct Options {
  std::string binary, root = ".";
  std::vector<int> lessons;
  std::vector<std::string> write;
  bool table = false;
};

// False (with the message printed) when the arguments are not check's.
bool parse_options(int argc, char** argv, Options& o) {
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    if (a == "--table") {
      o.table = true;
    } else if ((a == "--tests" || a == "--root" || a == "--lesson" || a == "--write") &&
               i + 1 < argc) {
      const std::string v = argv[++i];
      if (a == "--tests") o.binary = v;
      else if (a == "--write") o.write.push_back(v);
      else if (a == "--root") o.root = v;
      else {
        char* end = nullptr;
        const long n = std::strtol(v.c_str(), &end, 10);
        if (v.empty() || *end != '\0' || n < 0 || n > 99) {
          std::cerr << "check: --lesson wants a lesson number, not '" << v << "'\n";
          return false;
        }
        o.lessons.push_back(static_cast<int>(n));
      }
    } else {
      usage();
      return false;
    }
  }
  return true;
}

// False (with the message printed) when a lesson asked for has no exercise.
bool lessons_have_exercises(const std::vector<int>& lessons, const std::set<int>& have) {
  for (const int n : lessons)
    if (!have.count(n)) {
      std::cerr << "check: lesson " << n << " has no exercise (lessons with exercises:";
      for (const int h : have) std::cerr << " " << h;
      std::cerr << ")\n";
      return false;
    }
  return true;
}

// With --lesson: one line per exercise, then the lesson's points; without: one line per lesson.
void print_lesson(int n, const LessonResult& r, bool detailed) {
  if (detailed) {
    for (const Line& l : r.lines) {
      std::cout << l.state << " " << l.name << " " << format_points(l.got) << "/"
                << format_points(l.max) << (l.detail.empty() ? "" : ": " + l.detail) << "\n";
    }
    std::cout << "lesson " << n << ": " << format_points(r.got) << "/" << format_points(r.max)
              << " points\n";
    return;
  }
  std::map<std::string, int> count;
  for (const Line& l : r.lines) ++count[l.state];
  std::string states;
  for (const char* s : {"PASS", "FAIL", "TODO", "----"})
    if (count[s]) states += std::string(states.empty() ? "" : ", ") + std::to_string(count[s]) + " " + s;
  std::cout << "lesson " << n << ": " << format_points(r.got) << "/" << format_points(r.max)
            << " points (" << states << ")\n";
}

}  // namespace

int main(int argc, char** argv) {
  Options o;
  if (!parse_options(argc, argv, o)) return 1;
  if (o.table) return table_command(fs::absolute(o.root).lexically_normal(), o.write);
  if (o.binary.empty()) {
    usage();
    return 1;
  }
  const fs::path root = fs::absolute(o.root).lexically_normal();
  const std::vector<Exercise> all = exercises_in(root);
  std::set<int> have;
  for (const auto& e : all) have.insert(e.lesson_number);
  const bool detailed = !o.lessons.empty();
  std::vector<int> lessons = o.lessons;
  if (lessons.empty()) lessons.assign(have.begin(), have.end());
  if (!lessons_have_exercises(lessons, have)) return 1;
  const fs::path scratch = fs::path(o.binary).parent_path() / "check";
  fs::create_directories(scratch);

  double got = 0, max = 0;
  for (const int n : lessons) {
    const LessonResult r = check_lesson(n, all, o.binary, root, scratch);
    if (!r.ran) {
      std::cout << "lesson " << n << ": could not run the tests: " << r.error << "\n";
      return 1;
    }
    got += r.got;
    max += r.max;
    print_lesson(n, r, detailed);
  }
  if (!detailed || lessons.size() > 1)
    std::cout << "total: " << format_points(got) << "/" << format_points(max) << " points"
              << (detailed ? "" : "   (make check N: one line per exercise of lesson N)") << "\n";
  return 0;
}
