// grade.cpp -- stepnet's grader (make grade), student release (make student) and friends.
//
//   grade collect --course DIR --submission DIR --into DIR [--note-file F]
//       Splices the bodies of the exercise regions of a submission into the course's tree
//       (a copy of it in DIR): every other line, header, test and Makefile stays the course's.
//       Writes only the files whose exercises changed (the rest keep their time stamps, so
//       make recompiles only those) and appends what it took and what it ignored to F.
//   grade run [--out DIR] [--timeout S] [--test-timeout S] [--deadline S | --deadline-at T]
//             [--build DIR]
//             [--lessons A-B] [--max-output-mb N] [--max-memory-mb N] [--no-isolate]
//             [--solution-times junit.xml] [--note-file F] BINARY [BINARY...]
//       Grades Catch2 test binaries lesson by lesson. Each test case counts its [points:N] for
//       its [lessonNN]; each lesson of each binary runs in its own sandboxed process
//       (grade_sandbox.hpp), so a crash, a loop or a flood costs only its own test. Writes
//       DIR/results.json (Gradescope's schema), DIR/junit.xml and DIR/report.txt after every
//       lesson, prints the table, and exits 0 once the report is written, whatever the score.
//       --solution-times: each test may take 10x its time in the solution's junit.xml (>= 3 s).
//   grade student --from ROOT --to DIR [--for-autograder]
//       Writes the student release: solution regions become stubs, hidden tests go. For the
//       autograder, the hidden tests stay and no student README is written.
//   grade exercises [--root ROOT] [--results results.json] [--markdown | --remaining]
//       Lists the exercises (solution, still a stub, or written) and, given a student
//       release's results.json, the points of the tests that stop at each.
//   grade build-failed --log FILE --out DIR [--note-file F]
//       The report for a build that failed: score 0, and the compiler's first errors (or, when
//       no compiler error is there, that the grader itself failed).
//   grade check-json FILE
//       Parses FILE as strict JSON; prints its score.
//
// Standard C++17 and POSIX only: it has to build and run on a bare grading machine.
#include <algorithm>
#include <cstdlib>
#include <ctime>
#include <iostream>

#include "grade_common.hpp"
#include "grade_json.hpp"

namespace {

using namespace grade;
using Args = std::vector<std::string>;

int usage() {
  std::cerr
      << "usage:\n"
         "  grade collect --course DIR --submission DIR --into DIR [--note-file F]\n"
         "  grade run [--out DIR] [--timeout S] [--test-timeout S] [--deadline S | --deadline-at T]\n"
         "            [--build DIR]\n"
         "            [--lessons A-B] [--max-output-mb N] [--max-memory-mb N] [--no-isolate]\n"
         "            [--solution-times junit.xml] [--note-file F] BINARY...\n"
         "  grade student --from ROOT --to DIR [--for-autograder]\n"
         "  grade exercises [--root ROOT] [--results results.json] [--markdown | --remaining]\n"
         "  grade build-failed --log FILE --out DIR [--note-file F]\n"
         "  grade check-json [--full-marks] FILE\n";
  return 2;
}

std::string value(const Args& args, std::size_t& i) {
  if (i + 1 >= args.size()) throw std::runtime_error(args[i] + " needs a value");
  return args[++i];
}

double seconds_value(const Args& args, std::size_t& i) {
  const double s = std::stod(value(args, i));
  if (!(s >= 0)) throw std::runtime_error(args[i - 1] + " must be a number of seconds");
  return s;
}

// "3" or "1-3"
void parse_lessons(const std::string& text, Options& opt) {
  const std::size_t dash = text.find('-');
  opt.first_lesson = std::stoi(text.substr(0, dash));
  opt.last_lesson = dash == std::string::npos ? opt.first_lesson : std::stoi(text.substr(dash + 1));
}

// Each test case's time in a junit.xml the grader wrote for the solution (make autograder).
void read_solution_times(const std::string& path, Options& opt) {
  const auto doc = grade_xml::parse(read_file(path));
  const grade_xml::Element* suites = doc->child("testsuites");
  if (!suites) return;
  for (const auto& suite : suites->children)
    for (const auto& c : suite->children)
      if (c->name == "testcase")
        opt.solution_times[c->attribute_or("name", "")] = std::atof(c->attribute_or("time", "0").c_str());
}

int run(const Args& args) {
  Options opt;
  for (std::size_t i = 0; i < args.size(); ++i) {
    const std::string& a = args[i];
    if (a == "--out") opt.out = value(args, i);
    else if (a == "--timeout") opt.timeout = seconds_value(args, i);
    else if (a == "--test-timeout") opt.test_timeout = seconds_value(args, i);
    else if (a == "--deadline") opt.deadline = seconds_value(args, i);
    else if (a == "--deadline-at")  // seconds since the epoch: the build's time already counted
      opt.deadline = std::max(1.0, std::stod(value(args, i)) - static_cast<double>(std::time(nullptr)));
    else if (a == "--build") opt.build = value(args, i);
    else if (a == "--lessons") parse_lessons(value(args, i), opt);
    else if (a == "--max-output-mb") opt.max_output_bytes = std::stol(value(args, i)) << 20;
    else if (a == "--max-memory-mb") opt.max_memory_bytes = std::stol(value(args, i)) << 20;
    else if (a == "--no-isolate") opt.isolate = false;
    else if (a == "--solution-times") read_solution_times(value(args, i), opt);
    else if (a == "--note-file") opt.note = read_file(value(args, i));
    else if (!a.empty() && a[0] == '-') return usage();
    else opt.binaries.push_back(a);
  }
  if (opt.binaries.empty()) return usage();
  if (!(opt.timeout > 0)) throw std::runtime_error("--timeout must be a positive number of seconds");
  return command_run(opt);
}

int collect(const Args& args) {
  std::string course, submission, into, note;
  for (std::size_t i = 0; i < args.size(); ++i) {
    if (args[i] == "--course") course = value(args, i);
    else if (args[i] == "--submission") submission = value(args, i);
    else if (args[i] == "--into") into = value(args, i);
    else if (args[i] == "--note-file") note = value(args, i);
    else return usage();
  }
  if (course.empty() || submission.empty() || into.empty()) return usage();
  return command_collect(course, submission, into, note);
}

int student(const Args& args) {
  std::string from = ".", to;
  bool for_autograder = false;
  for (std::size_t i = 0; i < args.size(); ++i) {
    if (args[i] == "--from") from = value(args, i);
    else if (args[i] == "--to") to = value(args, i);
    else if (args[i] == "--for-autograder") for_autograder = true;
    else return usage();
  }
  if (to.empty()) return usage();
  return command_student(from, to, for_autograder);
}

int exercises(const Args& args) {
  std::string root = ".", results;
  bool markdown = false, remaining = false;
  for (std::size_t i = 0; i < args.size(); ++i) {
    if (args[i] == "--root") root = value(args, i);
    else if (args[i] == "--results") results = value(args, i);
    else if (args[i] == "--markdown") markdown = true;
    else if (args[i] == "--remaining") remaining = true;
    else return usage();
  }
  return command_exercises(root, results, markdown, remaining);
}

int build_failed(const Args& args) {
  std::string log, out, note;
  for (std::size_t i = 0; i < args.size(); ++i) {
    if (args[i] == "--log") log = value(args, i);
    else if (args[i] == "--out") out = value(args, i);
    else if (args[i] == "--note-file") note = read_file(value(args, i));
    else return usage();
  }
  if (out.empty()) return usage();
  return command_build_failed(log, out, note);
}

// --full-marks: exit 1 unless the score is extra_data.max_score (make autograder's check).
int check_json(const Args& args) {
  const bool full = !args.empty() && args[0] == "--full-marks";
  if (args.size() != (full ? 2u : 1u)) return usage();
  const std::string& file = args.back();
  const grade_json::Value v = grade_json::parse(read_file(file));
  std::cout << file << ": valid JSON";
  double score = -1, max = -1;
  if (v.is_object() && v.has("score") && v["score"].is_number()) {
    score = v["score"].as_number();
    std::cout << ", score " << format_points(score);
  }
  if (v.is_object() && v.has("extra_data") && v["extra_data"].has("max_score")) {
    max = v["extra_data"]["max_score"].as_number();
    std::cout << " of " << format_points(max);
  }
  std::cout << "\n";
  return full && !(score == max && max > 0) ? 1 : 0;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) return usage();
  const std::string command = argv[1];
  const Args args(argv + 2, argv + argc);
  try {
    if (command == "run") return run(args);
    if (command == "collect") return collect(args);
    if (command == "student") return student(args);
    if (command == "exercises") return exercises(args);
    if (command == "build-failed") return build_failed(args);
    if (command == "check-json") return check_json(args);
  } catch (const std::exception& e) {
    std::cerr << "grade " << command << ": " << e.what() << "\n";
    return 3;
  }
  return usage();
}
