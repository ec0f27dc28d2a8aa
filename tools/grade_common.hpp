// grade_common.hpp -- what the grader's subcommands share: small text utilities, the model of a
// graded test, the options of `grade run`, and each subcommand's entry point.
//
//   grade_collect.cpp  collect: a submission's exercise bodies spliced into the course's tree
//   grade_sandbox.cpp  running a test process: another user, limits, pipes, a time limit
//   grade_run.cpp      run: list the tests, run each lesson, read Catch2's reports
//   grade_report.cpp   results.json, junit.xml, report.txt; build-failed
//   grade_student.cpp  student (the release), exercises
//   grade.cpp          main: the command line
#pragma once

#include <signal.h>

#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include "grade_exercises.hpp"
#include "grade_xml.hpp"

namespace grade {

namespace fs = std::filesystem;

// ---- small utilities -----------------------------------------------------------------------
inline std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

// Written to a temporary name and renamed, so a reader never sees half a report.
inline void write_file(const std::string& path, const std::string& text) {
  const std::string tmp = path + ".tmp";
  {
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    if (!out) throw std::runtime_error("cannot write " + tmp);
    out << text;
    if (!out) throw std::runtime_error("cannot write " + tmp);
  }
  fs::rename(tmp, path);
}

inline std::string trim(const std::string& s) { return grade_xml::trim(s); }

inline std::vector<std::string> lines_of(const std::string& text) {
  return grade_exercises::split_lines(text);
}

inline std::string format_points(double p) {
  char buf[32];
  if (p == std::floor(p))
    std::snprintf(buf, sizeof buf, "%.0f", p);
  else
    std::snprintf(buf, sizeof buf, "%.2f", p);
  return buf;
}

inline std::string seconds_text(double s) {
  char buf[32];
  std::snprintf(buf, sizeof buf, s == std::floor(s) ? "%.0f" : "%.1f", s);
  return buf;
}

// At most max_lines lines of at most max_width characters each.
inline std::string shorten(const std::string& text, std::size_t max_lines, std::size_t max_width) {
  const std::vector<std::string> lines = lines_of(text);
  std::string out;
  for (std::size_t i = 0; i < lines.size() && i < max_lines; ++i) {
    std::string line = lines[i];
    if (line.size() > max_width) line = line.substr(0, max_width - 3) + "...";
    out += (i ? "\n" : "") + line;
  }
  if (lines.size() > max_lines)
    out += "\n... (" + std::to_string(lines.size() - max_lines) + " more lines)";
  return out;
}

inline std::string indent(const std::string& text, const std::string& pad) {
  std::string out;
  for (const std::string& line : lines_of(text)) out += pad + line + "\n";
  return out;
}

inline std::string signal_name(int sig) {
  switch (sig) {
    case SIGSEGV: return "SIGSEGV";
    case SIGABRT: return "SIGABRT";
    case SIGFPE: return "SIGFPE";
    case SIGILL: return "SIGILL";
    case SIGBUS: return "SIGBUS";
    case SIGKILL: return "SIGKILL";
    case SIGTERM: return "SIGTERM";
    case SIGINT: return "SIGINT";
    case SIGPIPE: return "SIGPIPE";
    case SIGTRAP: return "SIGTRAP";
    case SIGXFSZ: return "SIGXFSZ";
    case SIGXCPU: return "SIGXCPU";
    case SIGSYS: return "SIGSYS";
    default: return "signal " + std::to_string(sig);
  }
}

// "lesson03" for lesson 3, whatever the tag's spelling was.
inline std::string lesson_key(int number) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "lesson%02d", number);
  return buf;
}


inline bool starts_with(const std::string& s, const std::string& prefix) {
  return s.rfind(prefix, 0) == 0;
}

inline bool is_cpp(const std::string& rel) {
  const std::string ext = fs::path(rel).extension().string();
  return ext == ".cpp" || ext == ".hpp" || ext == ".h" || ext == ".cc" || ext == ".hh" ||
         ext == ".cxx" || ext == ".ipp";
}

// ---- the model -------------------------------------------------------------------------------
// ---- what a test binary holds ----------------------------------------------------------------
struct Test {
  // From the listing.
  std::string binary, label;  // path, and its file name ("stepnet_tests", "extra_tests")
  std::string name;
  std::string lesson_tag;  // as spelled in the tags: "lesson03"
  int lesson = -1;         // 3; -1 when the test has no lesson tag
  double points = 0;
  bool has_points = false;
  std::string visibility = "visible";
  int order = 0;  // declaration order within its binary
  int reports = 0;  // how many times its report arrived (exactly once, or it is not trusted)
  // From the run.
  enum class Status { not_run, passed, failed, crashed, timed_out, lost } status = Status::not_run;
  double score = 0;
  double seconds = 0;
  std::string output;      // for results.json: short, one grouped reason
  std::string junit_kind;  // "failure" or "error" (nothing when it passed)
  std::string junit_type, junit_message;
};

struct Listing {
  std::vector<Test> tests;  // every test with a lesson tag
  std::vector<std::string> warnings;
  std::string error;  // the binary could not be listed
};

struct Options {
  std::string out = "build/grade";
  std::string build;
  double timeout = 60;        // seconds one test process may run (a lesson, or what is left of it)
  double test_timeout = 20;   // seconds one test case may run
  double deadline = 0;        // seconds for the whole run (0: none); lessons past it are not run
  long max_output_bytes = 256L << 20;  // stdout+stderr of one test process
  long max_memory_bytes = 1024L << 20; // address space of one test process (0: no limit)
  int max_processes = 64;              // processes and threads of the student user
  bool isolate = true;        // run the tests as an unprivileged user when the grader is root
  std::string user = "stepnet-student";
  std::string sandbox_parent = "/tmp";  // where the test processes' directory is made
  int first_lesson = 0, last_lesson = 1000;  // --lessons A-B: grade only these
  // --solution-times junit.xml (the solution's run, from make autograder): each test may take
  // solution_factor times what it took there, at least min_test_timeout, at most test_timeout.
  std::map<std::string, double> solution_times;
  double solution_factor = 10, min_test_timeout = 3;
  std::string note;  // shown first in the report (the autograder's word on the submission)
  std::vector<std::string> binaries;
};


// What `grade run` knows so far; the reports are written from it after every lesson.
struct RunState {
  const Options* opt = nullptr;
  std::vector<Test> tests;
  std::vector<std::string> warnings, errors;
  std::map<int, std::vector<std::pair<std::string, bool>>> events;  // lesson -> (text, visible)
  std::string notice;  // who ran the tests (isolation on or off)
  double seconds = 0;
};

// results.json, junit.xml and report.txt in opt.out; final: also print the report.
void write_reports(const RunState& state, bool final);

// ---- the subcommands -------------------------------------------------------------------------
int command_run(const Options& opt);
int command_build_failed(const std::string& log, const std::string& out, const std::string& note);
int command_student(const std::string& from, const std::string& to, bool for_autograder);
int command_exercises(const std::string& root, const std::string& results_path, bool markdown,
                      bool remaining);
int command_collect(const std::string& course, const std::string& submission,
                    const std::string& into, const std::string& note_path);

}  // namespace grade
