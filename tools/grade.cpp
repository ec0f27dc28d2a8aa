// grade.cpp -- stepnet's grader (make grade), student release (make student) and friends.
//
//   grade run [--out DIR] [--timeout S] [--build DIR] [--note-file F] BINARY [BINARY...]
//       Grades Catch2 test binaries lesson by lesson. Each test case counts its [points:N] for
//       its [lessonNN]; each lesson of each binary runs in its own process group with a time
//       limit, so a crash or an endless loop costs only that lesson's points. Writes
//       DIR/results.json (Gradescope's schema), DIR/junit.xml and DIR/report.txt, prints the
//       table, and exits 0 once the report is written, whatever the score.
//   grade student --from ROOT --to DIR [--for-autograder]
//       Writes the student release: solution regions become stubs, hidden tests go. For the
//       autograder, the hidden tests stay and no student README is written.
//   grade exercises [--root ROOT] [--results results.json] [--markdown | --remaining]
//       Lists the exercises (solution, still a stub, or written) and, given a student
//       release's results.json, the points of the tests that stop at each; --remaining lists
//       only the stubs still to write.
//   grade build-failed --log FILE --out DIR [--note-file F]
//       The report for a build that failed: score 0, and the compiler's first errors.
//   grade check-json FILE
//       Parses FILE as strict JSON; prints its score.
//
// Standard C++17 and POSIX only: it has to build and run on a bare grading machine.

#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <fcntl.h>
#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <memory>
#include <regex>
#include <set>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "grade_exercises.hpp"
#include "grade_json.hpp"
#include "grade_xml.hpp"

namespace fs = std::filesystem;
using grade_json::Value;

namespace {

// ---- small utilities -----------------------------------------------------------------------
std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

// Written to a temporary name and renamed, so a reader never sees half a report.
void write_file(const std::string& path, const std::string& text) {
  const std::string tmp = path + ".tmp";
  {
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    if (!out) throw std::runtime_error("cannot write " + tmp);
    out << text;
    if (!out) throw std::runtime_error("cannot write " + tmp);
  }
  fs::rename(tmp, path);
}

std::string trim(const std::string& s) { return grade_xml::trim(s); }

std::vector<std::string> lines_of(const std::string& text) {
  return grade_exercises::split_lines(text);
}

std::string format_points(double p) {
  char buf[32];
  if (p == std::floor(p))
    std::snprintf(buf, sizeof buf, "%.0f", p);
  else
    std::snprintf(buf, sizeof buf, "%.2f", p);
  return buf;
}

std::string seconds_text(double s) {
  char buf[32];
  std::snprintf(buf, sizeof buf, s == std::floor(s) ? "%.0f" : "%.1f", s);
  return buf;
}

// At most max_lines lines of at most max_width characters each.
std::string shorten(const std::string& text, std::size_t max_lines, std::size_t max_width) {
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

std::string indent(const std::string& text, const std::string& pad) {
  std::string out;
  for (const std::string& line : lines_of(text)) out += pad + line + "\n";
  return out;
}

std::string signal_name(int sig) {
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
std::string lesson_key(int number) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "lesson%02d", number);
  return buf;
}

// ---- running a process with a time limit -----------------------------------------------------
struct Process {
  bool started = false;
  int exit_code = -1;  // when it exited
  int signal = 0;      // when a signal ended it
  bool timed_out = false;
  double seconds = 0;
  std::string error;  // why it could not start
};

// Runs argv with stdin from /dev/null and stdout+stderr into log_path, in its own process
// group. After timeout seconds the group gets SIGTERM (Catch2 then reports the test it was
// in), and SIGKILL 3 s later. Whatever the group left behind is killed at the end.
Process run_process(const std::vector<std::string>& argv, const std::string& log_path,
                    double timeout, const std::vector<std::pair<std::string, std::string>>& env,
                    long max_output_bytes) {
  Process p;
  const auto start = std::chrono::steady_clock::now();
  const int log_fd = ::open(log_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (log_fd < 0) {
    p.error = "cannot write " + log_path + ": " + std::strerror(errno);
    return p;
  }
  std::vector<char*> args;
  for (const std::string& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  const pid_t pid = ::fork();
  if (pid < 0) {
    p.error = std::string("fork failed: ") + std::strerror(errno);
    ::close(log_fd);
    return p;
  }
  if (pid == 0) {  // the child: only async-signal-safe calls until exec, plus setenv
    ::setpgid(0, 0);
    const int null_fd = ::open("/dev/null", O_RDONLY);
    if (null_fd >= 0) ::dup2(null_fd, 0);
    ::dup2(log_fd, 1);
    ::dup2(log_fd, 2);
    for (const auto& kv : env) ::setenv(kv.first.c_str(), kv.second.c_str(), 1);
    if (max_output_bytes > 0) {
      struct rlimit limit;
      limit.rlim_cur = limit.rlim_max = static_cast<rlim_t>(max_output_bytes);
      ::setrlimit(RLIMIT_FSIZE, &limit);
    }
    ::signal(SIGPIPE, SIG_DFL);
    ::execv(args[0], args.data());
    const std::string msg =
        std::string("grade: cannot run ") + args[0] + ": " + std::strerror(errno) + "\n";
    if (::write(2, msg.data(), msg.size()) < 0) {}
    ::_exit(127);
  }
  ::setpgid(pid, pid);  // also here, so that killpg works even before the child ran
  ::close(log_fd);
  p.started = true;
  auto elapsed = [&] {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  };
  int status = 0;
  bool done = false;
  double killed_at = -1;
  int pause_ms = 1;
  while (!done) {
    const pid_t r = ::waitpid(pid, &status, WNOHANG);
    if (r == pid) {
      done = true;
      break;
    }
    if (r < 0 && errno != EINTR) {
      p.error = std::strerror(errno);
      break;
    }
    const double t = elapsed();
    if (!p.timed_out && t > timeout) {
      p.timed_out = true;
      killed_at = t;
      ::killpg(pid, SIGTERM);
    } else if (p.timed_out && t > killed_at + 3) {
      ::killpg(pid, SIGKILL);
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(pause_ms));
    pause_ms = std::min(pause_ms * 2, 20);
  }
  ::killpg(pid, SIGKILL);  // grandchildren it left running
  p.seconds = elapsed();
  if (done) {
    if (WIFEXITED(status)) p.exit_code = WEXITSTATUS(status);
    if (WIFSIGNALED(status)) p.signal = WTERMSIG(status);
  }
  return p;
}

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
  double timeout = 60;
  long max_output_bytes = 256L << 20;
  std::string note;  // shown first in the report (the autograder's word on the submission)
  std::vector<std::string> binaries;
};

// Runs `binary args...` (quickly: listing) and returns its stdout.
bool capture(const std::string& binary, const std::vector<std::string>& args,
             const std::string& scratch, std::string& output, std::string& error) {
  std::vector<std::string> argv{binary};
  argv.insert(argv.end(), args.begin(), args.end());
  const Process p = run_process(argv, scratch, 60, {}, 64L << 20);
  output = read_file(scratch);
  if (!p.started) {
    error = p.error;
    return false;
  }
  if (p.timed_out) {
    error = "listing the tests took more than 60 s";
    return false;
  }
  if (p.signal) {
    error = "listing the tests crashed: " + signal_name(p.signal);
    return false;
  }
  if (p.exit_code == 127 || output.find("grade: cannot run") != std::string::npos) {
    error = trim(output);
    return false;
  }
  return true;
}

std::vector<std::string> names_matching(const std::string& binary, const std::string& tag,
                                        const std::string& scratch, std::string& error) {
  std::string out;
  std::vector<std::string> names;
  if (!capture(binary, {"--list-test-names-only", "[" + tag + "]", "--order", "decl"}, scratch, out,
               error))
    return names;
  for (std::string line : lines_of(out)) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (line.empty()) continue;
    // Catch2 quotes names that start with '#'.
    if (line.size() >= 3 && line[0] == '"' && line[1] == '#' && line.back() == '"')
      line = line.substr(1, line.size() - 2);
    names.push_back(trim(line));
  }
  return names;
}

Listing list_tests(const std::string& binary, const std::string& scratch) {
  Listing listing;
  const std::string label = fs::path(binary).filename().string();
  std::string out, error;
  if (!fs::exists(binary)) {
    listing.error = binary + " does not exist (was it built?)";
    return listing;
  }
  if (!capture(binary, {"--list-tags"}, scratch, out, error)) {
    listing.error = error.empty() ? "could not list the tags of " + binary : error;
    return listing;
  }
  static const std::regex tag_re(R"(\[([^\]]+)\])");
  static const std::regex lesson_re(R"(lesson0*([0-9]+))", std::regex::icase);
  static const std::regex points_re(R"(points:([0-9]+(\.[0-9]+)?))", std::regex::icase);
  static const std::regex visibility_re(
      R"(visibility:(visible|hidden|after_due_date|after_published))", std::regex::icase);
  std::set<std::string> tags;
  for (const std::string& line : lines_of(out))
    for (auto it = std::sregex_iterator(line.begin(), line.end(), tag_re);
         it != std::sregex_iterator(); ++it)
      tags.insert((*it)[1]);

  std::map<std::string, Test> by_name;
  std::vector<std::string> order;
  auto lower = [](std::string s) {
    for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return s;
  };
  // Lessons first: they decide which tests are graded at all.
  for (const std::string& tag : tags) {
    std::smatch m;
    if (!std::regex_match(tag, m, lesson_re)) continue;
    const int lesson = std::stoi(m[1]);
    for (const std::string& name : names_matching(binary, tag, scratch, error)) {
      auto it = by_name.find(name);
      if (it != by_name.end()) {
        if (it->second.lesson != lesson)
          listing.warnings.push_back("\"" + name + "\" has two lesson tags ([" +
                                     it->second.lesson_tag + "] and [" + tag +
                                     "]); it counts for " + it->second.lesson_tag + " only");
        continue;
      }
      Test t;
      t.binary = binary;
      t.label = label;
      t.name = name;
      t.lesson_tag = lower(tag);
      t.lesson = lesson;
      by_name[name] = t;
      order.push_back(name);
    }
  }
  for (const std::string& tag : tags) {
    std::smatch m;
    if (std::regex_match(tag, m, points_re)) {
      const double points = std::stod(m[1]);
      for (const std::string& name : names_matching(binary, tag, scratch, error)) {
        auto it = by_name.find(name);
        if (it == by_name.end()) {
          listing.warnings.push_back("\"" + name + "\" has [" + tag +
                                     "] but no [lessonNN] tag; it is not graded");
          continue;
        }
        if (it->second.has_points && it->second.points != points)
          listing.warnings.push_back("\"" + name + "\" has two points tags; it counts " +
                                     format_points(it->second.points));
        else {
          it->second.points = points;
          it->second.has_points = true;
        }
      }
    } else if (std::regex_match(tag, m, visibility_re) || lower(tag) == "hidden") {
      const std::string visibility = lower(tag) == "hidden" ? "hidden" : lower(m[1]);
      for (const std::string& name : names_matching(binary, tag, scratch, error)) {
        auto it = by_name.find(name);
        if (it != by_name.end()) it->second.visibility = visibility;
      }
    }
  }
  // Declaration order: the order the binary lists (and runs) its tests in.
  std::string all;
  std::map<std::string, int> position;
  if (capture(binary, {"--list-test-names-only", "--order", "decl"}, scratch, all, error)) {
    int k = 0;
    for (const std::string& line : lines_of(all)) position[trim(line)] = k++;
  }
  for (const std::string& name : order) {
    Test t = by_name[name];
    t.order =
        position.count(name) ? position[name] : 1000000 + static_cast<int>(listing.tests.size());
    if (!t.has_points)
      listing.warnings.push_back("\"" + name + "\" (" + t.lesson_tag +
                                 ") has no [points:N] tag; it counts 0 points");
    listing.tests.push_back(t);
  }
  std::stable_sort(listing.tests.begin(), listing.tests.end(),
                   [](const Test& a, const Test& b) { return a.order < b.order; });
  return listing;
}

// ---- reading one test case's report --------------------------------------------------------
struct Failure {
  std::string kind;   // "expression", "exception", "fatal", "explicit"
  std::string macro;  // CHECK_THAT, REQUIRE, ...
  std::string where;  // file:line
  std::string original, expanded, message;
  std::vector<std::string> sections, info;
};

struct CaseReport {
  bool finished = false;  // Catch2 wrote its OverallResult
  bool success = false;
  double seconds = 0;
  int failures = 0;
  bool fatal = false;  // a FatalErrorCondition: a signal arrived during the test
  std::string fatal_text;
  Failure first;
  std::string std_err;
};

void collect_failures(const grade_xml::Element& e, std::vector<std::string>& sections,
                      CaseReport& report) {
  std::vector<std::string> info;  // Info elements come just before the assertion they belong to
  for (const auto& child_ptr : e.children) {
    const grade_xml::Element& c = *child_ptr;
    auto where = [&](const grade_xml::Element& x) {
      return x.attribute_or("filename", "?") + ":" + x.attribute_or("line", "?");
    };
    Failure f;
    f.sections = sections;
    f.info = info;
    bool failed = false;
    if (c.name == "Info") {
      info.push_back(trim(c.text));
      continue;
    } else if (c.name == "Section") {
      sections.push_back(c.attribute_or("name", "?"));
      collect_failures(c, sections, report);
      sections.pop_back();
    } else if (c.name == "Expression" && c.attribute_or("success", "true") == "false") {
      failed = true;
      f.kind = "expression";
      f.macro = c.attribute_or("type", "CHECK");
      f.where = where(c);
      if (const auto* o = c.child("Original")) f.original = trim(o->text);
      if (const auto* x = c.child("Expanded")) f.expanded = trim(x->text);
      if (const auto* x = c.child("Exception")) {
        f.kind = "exception";
        f.message = trim(x->text);
      }
      if (const auto* x = c.child("FatalErrorCondition")) {
        f.kind = "fatal";
        f.message = trim(x->text);
      }
      if (const auto* x = c.child("Failure")) {
        f.kind = "explicit";
        f.message = trim(x->text);
      }
    } else if (c.name == "Exception") {
      failed = true;
      f.kind = "exception";
      f.where = where(c);
      f.message = trim(c.text);
    } else if (c.name == "FatalErrorCondition") {
      failed = true;
      f.kind = "fatal";
      f.where = where(c);
      f.message = trim(c.text);
    } else if (c.name == "Failure") {
      failed = true;
      f.kind = "explicit";
      f.where = where(c);
      f.message = trim(c.text);
    }
    if (c.name != "Info") info.clear();
    if (!failed) continue;
    if (f.kind == "fatal") {
      report.fatal = true;
      report.fatal_text = f.message;
    }
    if (report.failures++ == 0) report.first = f;
  }
}

CaseReport read_case(const grade_xml::Element& test_case) {
  CaseReport r;
  std::vector<std::string> sections;
  collect_failures(test_case, sections, r);
  if (const auto* result = test_case.child("OverallResult")) {
    r.finished = true;
    r.success = result->attribute_or("success", "false") == "true";
    try {
      r.seconds = std::stod(result->attribute_or("durationInSeconds", "0"));
    } catch (...) {}
    if (const auto* err = result->child("StdErr")) r.std_err = trim(err->text);
  }
  return r;
}

// One grouped reason: where, which check, its values; never hundreds of lines.
std::string describe(const Failure& f, int failures) {
  std::string out;
  std::string path;
  for (const std::string& s : f.sections) path += (path.empty() ? "" : " / ") + s;
  if (f.kind == "exception") {
    out = "threw: " + shorten(f.message, 6, 200) + "\n";
    if (!f.original.empty()) out += "  in " + f.macro + "( " + shorten(f.original, 3, 160) + " )\n";
    out += "  at " + f.where + (path.empty() ? "" : "  (" + path + ")") + "\n";
  } else if (f.kind == "fatal") {
    out = "crashed: " + f.message + "\n  at " + f.where + (path.empty() ? "" : "  (" + path + ")") +
          "\n";
  } else if (f.kind == "explicit") {
    out = "failed: " + shorten(f.message, 6, 200) + "\n  at " + f.where +
          (path.empty() ? "" : "  (" + path + ")") + "\n";
  } else {
    out = "failed: " + f.macro + "( " + shorten(f.original, 4, 160) + " )\n";
    out += "  at " + f.where + (path.empty() ? "" : "  (" + path + ")") + "\n";
    if (!f.expanded.empty() && f.expanded != f.original)
      out += "  with expansion:\n" + indent(shorten(f.expanded, 14, 120), "    ");
  }
  for (const std::string& i : f.info) out += "  with message: " + shorten(i, 3, 160) + "\n";
  if (failures > 1)
    out += "  (and " + std::to_string(failures - 1) + " more failed check" +
           (failures > 2 ? "s" : "") + " in this test)\n";
  return trim(out);
}

// The last few lines a crashed process printed (its own stderr, e.g. "terminate called ...").
std::string log_tail(const std::string& log_path, std::size_t count) {
  std::vector<std::string> lines;
  for (const std::string& line : lines_of(read_file(log_path)))
    if (!trim(line).empty()) lines.push_back(line);
  if (lines.empty()) return "";
  std::string out;
  for (std::size_t i = lines.size() > count ? lines.size() - count : 0; i < lines.size(); ++i)
    out += "    " + (lines[i].size() > 160 ? lines[i].substr(0, 157) + "..." : lines[i]) + "\n";
  return out;
}

// What a sanitizer reported before the process died, if it did: "AddressSanitizer: SEGV on
// unknown address ..." from its SUMMARY line, or, from UndefinedBehaviorSanitizer with
// halt_on_error (which prints no summary), "UndefinedBehaviorSanitizer: store to null pointer
// ..." from its first "file:line:col: runtime error: ..." line.
std::string sanitizer_summary(const std::string& log_path) {
  std::string undefined;
  for (const std::string& line : lines_of(read_file(log_path))) {
    const std::size_t runtime = line.find(": runtime error: ");
    if (runtime != std::string::npos && undefined.empty())
      undefined = "UndefinedBehaviorSanitizer: " + line.substr(runtime + 17);
    if (line.rfind("SUMMARY: ", 0) != 0 || line.find("Sanitizer") == std::string::npos) continue;
    std::string s = line.substr(9);
    const std::size_t paren = s.find(" (");  // drop the binary's path and offset
    if (paren != std::string::npos) s = s.substr(0, paren) + s.substr(s.find(')', paren) + 1);
    return s.size() > 160 ? s.substr(0, 157) + "..." : s;
  }
  return undefined.size() > 160 ? undefined.substr(0, 157) + "..." : undefined;
}

// ---- running one lesson of one binary ------------------------------------------------------
struct LessonRun {
  // "crashed: SIGSEGV in \"...\"", for the table; false when it names a test students do not see.
  std::vector<std::pair<std::string, bool>> events;
};

std::string spec_escape(const std::string& name) {
  std::string out;
  for (const char c : name) {
    if (std::strchr("\\,\"[]~*", c)) out += '\\';
    out += c;
  }
  return out;
}

void set_junit(Test& t, const std::string& kind, const std::string& type, const std::string& msg) {
  t.junit_kind = kind;
  t.junit_type = type;
  t.junit_message = msg;
}

LessonRun run_lesson(std::vector<Test*> tests, const Options& opt, const std::string& stem) {
  LessonRun run;
  std::vector<std::pair<std::string, std::string>> env;
  if (!opt.build.empty()) env.emplace_back("STEPNET_BUILD", opt.build);
  double budget = opt.timeout;
  const std::string& lesson = tests.front()->lesson_tag;
  for (int attempt = 1; !tests.empty(); ++attempt) {
    const std::string base =
        opt.out + "/runs/" + stem + (attempt > 1 ? "-" + std::to_string(attempt) : "");
    {
      std::ofstream names(base + ".names");
      for (const Test* t : tests) names << '"' << spec_escape(t->name) << "\"\n";
    }
    const std::vector<std::string> argv{
        tests.front()->binary, "-f",      base + ".names", "-r",          "xml", "-o",
        base + ".xml",         "--order", "decl",          "--durations", "yes"};
    std::remove((base + ".xml").c_str());
    const Process p = run_process(argv, base + ".log", budget, env, opt.max_output_bytes);
    budget -= p.seconds;
    const auto doc = grade_xml::parse(read_file(base + ".xml"));
    const grade_xml::Element* catch_root = doc->child("Catch");
    const grade_xml::Element* group = catch_root ? catch_root->child("Group") : nullptr;
    std::map<std::string, const grade_xml::Element*> cases;
    if (group)
      for (const auto& c : group->children)
        if (c->name == "TestCase") cases[trim(c->attribute_or("name", ""))] = c.get();

    const bool complete =
        catch_root && catch_root->closed && !p.timed_out && p.signal == 0 && p.started;
    std::string reason;  // why the process did not finish
    if (!p.started)
      reason = "could not start: " + p.error;
    else if (p.timed_out)
      reason = "timed out after " + seconds_text(opt.timeout) + " s";
    else if (p.signal)
      reason = "crashed: " + signal_name(p.signal);
    else if (!complete) {
      // A sanitizer (make SANITIZE=1) reports a crash itself and exits; say what it found.
      const std::string summary = sanitizer_summary(base + ".log");
      reason = !summary.empty() ? "crashed: " + summary
                                : "exited early (status " + std::to_string(p.exit_code) +
                                      ", its report unfinished)";
    }

    Test* culprit = nullptr;
    std::vector<Test*> unreported;
    for (Test* t : tests) {
      auto it = cases.find(trim(t->name));
      if (it == cases.end()) {
        unreported.push_back(t);
        continue;
      }
      const CaseReport r = read_case(*it->second);
      t->seconds = r.seconds;
      if (r.finished && !r.fatal) {
        t->status = r.success ? Test::Status::passed : Test::Status::failed;
        t->score = r.success ? t->points : 0;
        if (r.success)
          t->output = "passed";
        else {
          t->output = describe(r.first, r.failures);
          if (!r.std_err.empty())
            t->output = trim(t->output + "\n  it wrote to std::cerr:\n" +
                             indent(shorten(r.std_err, 4, 160), "    "));
          set_junit(*t, "failure", r.first.macro.empty() ? r.first.kind : r.first.macro,
                    lines_of(t->output).empty() ? "failed" : lines_of(t->output)[0]);
        }
        continue;
      }
      // It was running when the process died (Catch2 reports the signal it caught, if any).
      culprit = t;
      std::string why = reason;
      if (why.empty())
        why = "crashed: " + (r.fatal_text.empty() ? std::string("unknown") : r.fatal_text);
      t->status = p.timed_out ? Test::Status::timed_out : Test::Status::crashed;
      t->score = 0;
      std::string text = why + " while running this test";
      if (r.failures > 0 && !(r.first.kind == "fatal"))
        text += "\nbefore that it " + describe(r.first, r.failures);
      const std::string tail = log_tail(base + ".log", 6);
      if (!tail.empty() && !p.timed_out) text += "\nthe test process printed last:\n" + tail;
      t->output = trim(text);
      set_junit(*t, "error", p.timed_out ? "timeout" : (p.signal ? signal_name(p.signal) : "crash"),
                why);
    }
    if (!complete && culprit == nullptr && unreported.empty()) {
      run.events.emplace_back("the test process " +
                                  (reason.empty() ? std::string("crashed") : reason) +
                                  " after its last test (no points lost)",
                              true);
      break;
    }
    if (complete && culprit == nullptr) {
      for (Test* t : unreported) {
        t->status = Test::Status::lost;
        t->output = "not run: the test binary did not run this test (is its name unique?)";
        set_junit(*t, "error", "not run", t->output);
        run.events.emplace_back("\"" + t->name + "\" was not run", t->visibility == "visible");
      }
      break;
    }
    if (reason.empty()) reason = "crashed";
    const std::string where = culprit ? " in \"" + culprit->name + "\"" : "";
    // The tests after the one that crashed run in a new process, while time is left.
    const bool resume = culprit && !p.timed_out && p.started && budget > 0.5 && attempt < 100 &&
                        !unreported.empty();
    run.events.emplace_back(
        reason + where + (resume ? " (the rest of " + lesson + " ran in a new process)" : ""),
        !culprit || culprit->visibility == "visible");
    if (resume) {
      tests = unreported;
      continue;
    }
    for (Test* t : unreported) {
      t->status = Test::Status::lost;
      t->score = 0;
      t->output = "not run: " + lesson + "'s test process " + reason + where +
                  (culprit ? "" : " (no report of which test it was running)");
      set_junit(*t, "error", "not run", t->output);
    }
    break;
  }
  return run;
}

// ---- the reports ---------------------------------------------------------------------------
std::string xml_escape(const std::string& raw) {
  const std::string s = grade_json::valid_utf8(raw);
  std::string out;
  for (const char ch : s) {
    const unsigned char c = static_cast<unsigned char>(ch);
    switch (c) {
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '&': out += "&amp;"; break;
      case '"': out += "&quot;"; break;
      default:
        if (c < 0x20 && c != '\n' && c != '\t' && c != '\r')
          out += "?";  // not allowed in XML 1.0
        else
          out += ch;
    }
  }
  return out;
}

struct LessonRow {
  int lesson = 0;
  double score = 0, max_score = 0, visible_score = 0, visible_max = 0;
  int tests = 0, passed = 0, failed = 0, lost = 0;  // lost: crashed, timed out or not run
  int visible_tests = 0, visible_passed = 0, visible_failed = 0, visible_lost = 0;
  std::vector<std::pair<std::string, bool>> events;  // (text, names only what students see)
};

std::string table(const std::vector<LessonRow>& rows, bool visible_only, double total,
                  double total_max) {
  std::ostringstream s;
  char line[512];
  std::snprintf(line, sizeof line, "%-10s %10s %8s  %s\n", "lesson", "points", "tests", "status");
  s << line;
  for (const LessonRow& r : rows) {
    const int tests = visible_only ? r.visible_tests : r.tests;
    if (tests == 0) continue;
    const double score = visible_only ? r.visible_score : r.score;
    const double max = visible_only ? r.visible_max : r.max_score;
    const int passed = visible_only ? r.visible_passed : r.passed;
    const int failed = visible_only ? r.visible_failed : r.failed;
    const int lost = visible_only ? r.visible_lost : r.lost;
    std::vector<std::string> parts;
    for (const auto& e : r.events)  // a crash in a hidden test stays hidden
      if (!visible_only || e.second) parts.push_back(e.first);
    if (failed > 0) parts.push_back(std::to_string(failed) + " failed");
    if (lost > 0) parts.push_back(std::to_string(lost) + " lost");
    std::string status;
    for (const std::string& p : parts) status += (status.empty() ? "" : "; ") + p;
    if (status.empty()) status = "ok";
    const std::string points = format_points(score) + " / " + format_points(max);
    const std::string counts = std::to_string(passed) + "/" + std::to_string(tests);
    std::snprintf(line, sizeof line, "%-10s %10s %8s  ", lesson_key(r.lesson).c_str(),
                  points.c_str(), counts.c_str());
    s << line << status << "\n";
  }
  const std::string points = format_points(total) + " / " + format_points(total_max);
  std::snprintf(line, sizeof line, "%-10s %10s\n", "total", points.c_str());
  s << line;
  return s.str();
}

std::string status_word(Test::Status s) {
  switch (s) {
    case Test::Status::passed: return "passed";
    case Test::Status::failed: return "failed";
    case Test::Status::crashed: return "crashed";
    case Test::Status::timed_out: return "timed out";
    case Test::Status::lost: return "not run";
    default: return "not run";
  }
}

int command_run(const Options& opt) {
  const auto start = std::chrono::steady_clock::now();
  fs::remove_all(opt.out + "/runs");  // logs of an earlier grading would mislead
  fs::create_directories(opt.out + "/runs");
  for (const char* stale : {"/results.json", "/junit.xml", "/report.txt"})
    std::remove((opt.out + stale).c_str());
  std::vector<Test> tests;
  std::vector<std::string> warnings, errors;
  for (const std::string& binary : opt.binaries) {
    Listing l = list_tests(binary, opt.out + "/runs/listing.log");
    if (!l.error.empty()) errors.push_back(fs::path(binary).filename().string() + ": " + l.error);
    for (const std::string& w : l.warnings)
      warnings.push_back(fs::path(binary).filename().string() + ": " + w);
    for (Test& t : l.tests) tests.push_back(t);
  }
  // Lesson by lesson, the suite's tests before the extra ones, each binary's in its order.
  std::stable_sort(tests.begin(), tests.end(), [&](const Test& a, const Test& b) {
    if (a.lesson != b.lesson) return a.lesson < b.lesson;
    return std::find(opt.binaries.begin(), opt.binaries.end(), a.binary) <
           std::find(opt.binaries.begin(), opt.binaries.end(), b.binary);
  });
  // Run each (binary, lesson) in its own process.
  std::map<int, LessonRow> rows;
  std::vector<std::pair<std::string, int>> groups;  // (binary, lesson) in order
  for (const Test& t : tests)
    if (std::find(groups.begin(), groups.end(), std::make_pair(t.binary, t.lesson)) == groups.end())
      groups.emplace_back(t.binary, t.lesson);
  std::stable_sort(groups.begin(), groups.end(), [&](const auto& a, const auto& b) {
    if (a.second != b.second) return a.second < b.second;
    return std::find(opt.binaries.begin(), opt.binaries.end(), a.first) <
           std::find(opt.binaries.begin(), opt.binaries.end(), b.first);
  });
  for (const auto& g : groups) {
    std::vector<Test*> members;
    for (Test& t : tests)
      if (t.binary == g.first && t.lesson == g.second) members.push_back(&t);
    const std::string stem = members.front()->label + "-" + lesson_key(g.second);
    std::cerr << "grade: " << members.front()->label << " " << lesson_key(g.second) << " ("
              << members.size() << " tests)\n";
    const LessonRun run = run_lesson(members, opt, stem);
    LessonRow& row = rows[g.second];
    row.lesson = g.second;
    for (const auto& e : run.events)
      row.events.emplace_back(
          g.first == opt.binaries.front() ? e.first : members.front()->label + ": " + e.first,
          e.second);
  }
  // Totals.
  double total = 0, total_max = 0, visible_total = 0, visible_max = 0;
  for (const Test& t : tests) {
    LessonRow& row = rows[t.lesson];
    row.lesson = t.lesson;
    const bool passed = t.status == Test::Status::passed;
    const bool failed = t.status == Test::Status::failed;
    const bool lost = !passed && !failed;
    row.score += t.score;
    row.max_score += t.points;
    ++row.tests;
    row.passed += passed;
    row.failed += failed;
    row.lost += lost;
    total += t.score;
    total_max += t.points;
    if (t.visibility == "visible") {
      row.visible_score += t.score;
      row.visible_max += t.points;
      ++row.visible_tests;
      row.visible_passed += passed;
      row.visible_failed += failed;
      row.visible_lost += lost;
      visible_total += t.score;
      visible_max += t.points;
    }
  }
  std::vector<LessonRow> ordered;
  for (const auto& r : rows) ordered.push_back(r.second);

  // results.json, in Gradescope's schema.
  Value results = Value::object();
  results.set("score", total);
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  results.set("execution_time", std::ceil(seconds));
  std::string summary = "stepnet: " + format_points(visible_total) + " / " +
                        format_points(visible_max) + " points from the tests shown here";
  if (visible_max != total_max)
    summary += " (the total score also counts tests shown later or not at all)";
  summary += ".\n\n" + table(ordered, true, visible_total, visible_max);
  if (!opt.note.empty()) summary = trim(opt.note) + "\n\n" + summary;
  for (const std::string& e : errors) summary += "\nerror: " + e;
  results.set("output", summary);
  results.set("visibility", "visible");
  results.set("stdout_visibility", "hidden");
  Value list = Value::array();
  std::map<int, int> numbering;
  std::set<std::string> used_names;
  for (const Test& t : tests) {
    Value v = Value::object();
    std::string name = t.name;
    if (used_names.count(name)) name += " (" + t.label + ")";
    used_names.insert(name);
    v.set("name", name);
    v.set("number", std::to_string(t.lesson) + "." + std::to_string(++numbering[t.lesson]));
    v.set("score", t.score);
    v.set("max_score", t.points);
    v.set("status", t.status == Test::Status::passed ? "passed" : "failed");
    v.set("output", t.output.empty() ? status_word(t.status) : t.output);
    v.set("visibility", t.visibility);
    Value tags = Value::array();
    tags.push(lesson_key(t.lesson));
    v.set("tags", tags);
    list.push(v);
  }
  results.set("tests", list);
  Value extra = Value::object();
  extra.set("max_score", total_max);
  extra.set("binaries", [&] {
    Value b = Value::array();
    for (const std::string& x : opt.binaries) b.push(x);
    return b;
  }());
  Value warn = Value::array();
  for (const std::string& w : warnings) warn.push(w);
  for (const std::string& e : errors) warn.push("error: " + e);
  extra.set("warnings", warn);
  results.set("extra_data", extra);
  const std::string json = grade_json::dump(results);
  grade_json::parse(json);  // never hand on a report that does not parse
  write_file(opt.out + "/results.json", json);

  // junit.xml: one testsuite per lesson, as Catch2's JUnit reporter would write for each run.
  std::ostringstream x;
  x << "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites>\n";
  for (const LessonRow& r : ordered) {
    int failures = 0, errs = 0;
    double time = 0;
    for (const Test& t : tests)
      if (t.lesson == r.lesson) {
        failures += t.junit_kind == "failure";
        errs += t.junit_kind == "error";
        time += t.seconds;
      }
    x << "  <testsuite name=\"" << lesson_key(r.lesson) << "\" errors=\"" << errs
      << "\" failures=\"" << failures << "\" tests=\"" << r.tests << "\" time=\"" << time
      << "\">\n";
    x << "    <properties>\n      <property name=\"points\" value=\"" << format_points(r.score)
      << "\"/>\n      <property name=\"max_points\" value=\"" << format_points(r.max_score)
      << "\"/>\n    </properties>\n";
    for (const Test& t : tests) {
      if (t.lesson != r.lesson) continue;
      x << "    <testcase classname=\"" << xml_escape(t.label + "." + lesson_key(t.lesson))
        << "\" name=\"" << xml_escape(t.name) << "\" time=\"" << t.seconds << "\"";
      if (t.junit_kind.empty()) {
        x << " status=\"run\"/>\n";
        continue;
      }
      x << " status=\"run\">\n      <" << t.junit_kind << " message=\""
        << xml_escape(t.junit_message) << "\" type=\"" << xml_escape(t.junit_type) << "\">\n"
        << xml_escape(t.output) << "\n      </" << t.junit_kind << ">\n    </testcase>\n";
    }
    x << "  </testsuite>\n";
  }
  x << "</testsuites>\n";
  write_file(opt.out + "/junit.xml", x.str());

  // The terminal: the table with every test, then one line per lost point.
  std::string report = (opt.note.empty() ? "" : trim(opt.note) + "\n\n") +
                       "stepnet grade: " + format_points(total) + " / " + format_points(total_max) +
                       " points\n\n" + table(ordered, false, total, total_max);
  bool any = false;
  for (const Test& t : tests) {
    if (t.status == Test::Status::passed) continue;
    if (!any) report += "\nPoints lost:\n";
    any = true;
    const std::vector<std::string> first = lines_of(t.output);
    report += "  " + lesson_key(t.lesson) + "  -" + format_points(t.points) + "  " + t.name +
              (t.visibility != "visible" ? "  [" + t.visibility + "]" : "") + "\n      " +
              (first.empty() ? status_word(t.status) : first[0]) + "\n";
  }
  for (const std::string& w : warnings) report += "\nwarning: " + w;
  for (const std::string& e : errors) report += "\nerror: " + e;
  if (!warnings.empty() || !errors.empty()) report += "\n";
  report += "\nReports: " + opt.out + "/results.json (Gradescope), " + opt.out +
            "/junit.xml, per-lesson logs in " + opt.out + "/runs/\n";
  write_file(opt.out + "/report.txt", report);
  std::cout << report;
  return 0;
}

// ---- build-failed ----------------------------------------------------------------------------
int command_build_failed(const std::string& log, const std::string& out, const std::string& note) {
  fs::create_directories(out);
  std::vector<std::string> errors;
  const std::vector<std::string> lines = lines_of(read_file(log));
  for (std::size_t i = 0; i < lines.size() && errors.size() < 40; ++i)
    if (lines[i].find("error") != std::string::npos || lines[i].find("Error") != std::string::npos)
      errors.push_back(lines[i].size() > 240 ? lines[i].substr(0, 237) + "..." : lines[i]);
  if (errors.empty())
    for (std::size_t i = lines.size() > 40 ? lines.size() - 40 : 0; i < lines.size(); ++i)
      errors.push_back(lines[i]);
  std::string text = (note.empty() ? "" : trim(note) + "\n\n") +
                     "The build failed, so no test could run: score 0.\nThe compiler said:\n";
  for (const std::string& e : errors) text += "  " + e + "\n";
  Value results = Value::object();
  results.set("score", 0);
  results.set("output", text);
  results.set("visibility", "visible");
  results.set("stdout_visibility", "hidden");
  results.set("tests", Value::array());
  const std::string json = grade_json::dump(results);
  grade_json::parse(json);
  write_file(out + "/results.json", json);
  write_file(
      out + "/junit.xml",
      "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites>\n  <testsuite name=\"build\" "
      "errors=\"1\" failures=\"0\" tests=\"1\">\n    <testcase classname=\"build\" "
      "name=\"build\">\n"
      "      <error message=\"the build failed\" type=\"build\">\n" +
          xml_escape(text) + "      </error>\n    </testcase>\n  </testsuite>\n</testsuites>\n");
  write_file(out + "/report.txt", text);
  std::cout << text;
  return 0;
}

// ---- the student release -----------------------------------------------------------------------
bool starts_with(const std::string& s, const std::string& prefix) {
  return s.rfind(prefix, 0) == 0;
}

// Instructor-only paths: never in the release.
bool instructor_only(const std::string& rel) {
  static const char* prefixes[] = {".git/",
                                   "build/",
                                   "out/",
                                   "dist/",
                                   "tests/hidden/",
                                   "tests/fixtures/grading/",
                                   "tools/autograder/",
                                   "tools/student"};
  for (const char* p : prefixes)
    if (starts_with(rel, p)) return true;
  return rel == "tests/grading_test.cpp" || rel == ".git";
}

bool is_cpp(const std::string& rel) {
  const std::string ext = fs::path(rel).extension().string();
  return ext == ".cpp" || ext == ".hpp" || ext == ".h" || ext == ".cc" || ext == ".hh" ||
         ext == ".cxx" || ext == ".ipp";
}

// The files of the repository: what git tracks plus what it would add (untracked, not ignored);
// without git, every file but the build products.
std::vector<std::string> repository_files(const std::string& root) {
  std::vector<std::string> files;
  const std::string cmd =
      "git -C '" + root + "' ls-files -z --cached --others --exclude-standard 2>/dev/null";
  if (FILE* pipe = ::popen(cmd.c_str(), "r")) {
    std::string all;
    char buf[65536];
    std::size_t n;
    while ((n = std::fread(buf, 1, sizeof buf, pipe)) > 0) all.append(buf, n);
    const int status = ::pclose(pipe);
    if (status == 0 && !all.empty()) {
      std::string cur;
      for (const char c : all) {
        if (c == '\0') {
          if (!cur.empty()) files.push_back(cur);
          cur.clear();
        } else
          cur += c;
      }
      std::sort(files.begin(), files.end());
      files.erase(std::unique(files.begin(), files.end()), files.end());
      return files;
    }
  }
  for (auto it = fs::recursive_directory_iterator(root); it != fs::recursive_directory_iterator();
       ++it) {
    const std::string rel = fs::relative(it->path(), root).generic_string();
    if (it->is_directory() && instructor_only(rel + "/")) {
      it.disable_recursion_pending();
      continue;
    }
    if (it->is_regular_file()) files.push_back(rel);
  }
  std::sort(files.begin(), files.end());
  return files;
}

std::string exercise_table_markdown(const std::vector<grade_exercises::Exercise>& exercises,
                                    const std::map<std::string, double>* points) {
  std::string out = "| lesson | exercise | where |" + std::string(points ? " points |" : "") + "\n";
  out += "|---|---|---|" + std::string(points ? "---|" : "") + "\n";
  for (const auto& e : exercises) {
    out += "| " + std::to_string(e.lesson_number) + " | " + e.name + " | `" + e.file + ":" +
           std::to_string(e.line) + "` |";
    if (points) {
      auto it = points->find(e.name);
      out += " " + (it == points->end() ? std::string("-") : format_points(it->second)) + " |";
    }
    out += "\n";
  }
  return out;
}

std::string git_commit(const std::string& root) {
  std::string out;
  const std::string cmd = "git -C '" + root + "' rev-parse --short HEAD 2>/dev/null";
  if (FILE* pipe = ::popen(cmd.c_str(), "r")) {
    char buf[128];
    while (std::fgets(buf, sizeof buf, pipe)) out += buf;
    if (::pclose(pipe) != 0) out.clear();
  }
  return trim(out);
}

// for_autograder: the course's own tree for Gradescope: solutions stubbed (a submission that
// lacks a file gets the stub, never the solution) but hidden tests kept, no student README.
int command_student(const std::string& from, const std::string& to, bool for_autograder) {
  const fs::path root = fs::absolute(from).lexically_normal();
  const fs::path dest = fs::absolute(to).lexically_normal();
  if (fs::exists(root / ".stepnet-release")) {
    std::cerr << "grade student: " << root.string()
              << " is already a student release: it has no solutions to strip\n";
    return 1;
  }
  if (!fs::exists(root / "Makefile") || !fs::exists(root / "src")) {
    std::cerr << "grade student: " << root.string() << " is not a stepnet tree\n";
    return 1;
  }
  // Only ever delete a previous release, or an empty directory.
  if (fs::exists(dest)) {
    const bool empty =
        fs::is_directory(dest) && fs::directory_iterator(dest) == fs::directory_iterator();
    if (!empty && !fs::exists(dest / ".stepnet-release")) {
      std::cerr << "grade student: " << dest.string()
                << " exists and is not a student release; remove it first\n";
      return 1;
    }
    const std::string rel = fs::relative(root, dest).generic_string();
    if (dest == root || (rel.rfind("..", 0) != 0 && rel != "")) {
      std::cerr << "grade student: refusing to replace " << dest.string() << "\n";
      return 1;
    }
    fs::remove_all(dest);
  }
  std::vector<grade_exercises::Exercise> exercises;
  std::vector<grade_exercises::Problem> problems;
  int copied = 0, hidden_regions = 0, skipped = 0;
  for (const std::string& rel : repository_files(root.string())) {
    if (instructor_only(rel)) {
      ++skipped;
      continue;
    }
    const fs::path src = root / rel;
    if (!fs::is_regular_file(src)) continue;  // deleted but still tracked
    const fs::path dst = dest / rel;
    fs::create_directories(dst.parent_path());
    std::string text;
    bool changed = false;
    if (is_cpp(rel)) {
      text = read_file(src.string());
      auto stripped = grade_exercises::strip_solutions(text, rel);
      problems.insert(problems.end(), stripped.problems.begin(), stripped.problems.end());
      exercises.insert(exercises.end(), stripped.exercises.begin(), stripped.exercises.end());
      if (!stripped.exercises.empty()) {
        text = stripped.text;
        changed = true;
      }
      if (starts_with(rel, "tests/") && !for_autograder) {
        auto hidden = grade_exercises::strip_hidden(text, rel);
        problems.insert(problems.end(), hidden.problems.begin(), hidden.problems.end());
        if (hidden.regions > 0) {
          text = hidden.text;
          changed = true;
          hidden_regions += hidden.regions;
        }
      }
    }
    if (changed) {
      write_file(dst.string(), text);
      fs::permissions(dst, fs::status(src).permissions());
    } else {
      // Same bytes, same time stamp: make treats it as unchanged (objects can be reused).
      fs::copy_file(src, dst, fs::copy_options::overwrite_existing);
      fs::last_write_time(dst, fs::last_write_time(src));
    }
    ++copied;
  }
  if (!problems.empty()) {
    for (const auto& p : problems)
      std::cerr << p.file << ":" << p.line << ": " << p.message << "\n";
    std::cerr << "grade student: " << problems.size() << " problem(s); no release written\n";
    fs::remove_all(dest);
    return 1;
  }
  const std::string commit = git_commit(root.string());
  if (for_autograder) {
    write_file((dest / ".stepnet-release").string(),
               "the course's tree for the autograder, made by `make autograder` from " +
                   (commit.empty() ? std::string("an unversioned tree") : "commit " + commit) +
                   "\n");
    std::cout << "autograder tree in " << to << ": " << copied << " files, " << exercises.size()
              << " exercises stubbed, hidden tests kept.\n";
    return 0;
  }
  // The README: what to do first, then the project's own README.
  std::string intro = read_file((root / "tools/student_README.md").string());
  if (intro.empty()) intro = "# stepnet: your copy\n\n{{EXERCISES}}\n";
  auto replace = [&](const std::string& key, const std::string& value) {
    for (std::size_t at; (at = intro.find(key)) != std::string::npos;)
      intro.replace(at, key.size(), value);
  };
  // Line numbers of the stubs as they are in the release.
  std::vector<grade_exercises::Exercise> stubs;
  std::set<std::string> seen;
  for (const auto& e : exercises)
    if (seen.insert(e.file).second)
      for (const auto& s :
           grade_exercises::find_exercises(read_file((dest / e.file).string()), e.file))
        stubs.push_back(s);
  std::stable_sort(stubs.begin(), stubs.end(),
                   [](const auto& a, const auto& b) { return a.lesson_number < b.lesson_number; });
  replace("{{EXERCISES}}", exercise_table_markdown(stubs, nullptr));
  replace("{{COUNT}}", std::to_string(stubs.size()));
  replace("{{COMMIT}}", commit.empty() ? "an unversioned tree" : "commit " + commit);
  const std::string readme = intro + "\n---\n\n" + read_file((root / "README.md").string());
  write_file((dest / "README.md").string(), readme);
  write_file((dest / ".stepnet-release").string(),
             "student release of stepnet, made by `make student` from " +
                 (commit.empty() ? std::string("an unversioned tree") : "commit " + commit) + "\n");
  // Nothing of a solution may remain.
  for (const auto& e : stubs)
    if (e.state != grade_exercises::Exercise::State::stub) {
      std::cerr << "grade student: " << e.file << ":" << e.line
                << " is not a stub in the release\n";
      return 1;
    }
  std::map<int, int> per_lesson;
  for (const auto& e : stubs) ++per_lesson[e.lesson_number];
  std::cout << "student release in " << to << ": " << copied << " files, " << stubs.size()
            << " exercises (";
  bool first = true;
  for (const auto& kv : per_lesson) {
    std::cout << (first ? "" : ", ") << "lesson " << kv.first << ": " << kv.second;
    first = false;
  }
  std::cout << ")";
  if (hidden_regions) std::cout << ", " << hidden_regions << " hidden test region(s) removed";
  std::cout << ", " << skipped << " instructor-only files left out.\n";
  return 0;
}

// ---- exercises -----------------------------------------------------------------------------
int command_exercises(const std::string& root, const std::string& results_path, bool markdown,
                      bool remaining) {
  std::vector<grade_exercises::Exercise> all;
  for (const char* dir : {"src", "lessons"}) {
    if (!fs::exists(fs::path(root) / dir)) continue;
    std::vector<std::string> files;
    for (const auto& e : fs::recursive_directory_iterator(fs::path(root) / dir))
      if (e.is_regular_file() && is_cpp(e.path().string()))
        files.push_back(fs::relative(e.path(), root).generic_string());
    std::sort(files.begin(), files.end());
    for (const std::string& f : files)
      for (const auto& x :
           grade_exercises::find_exercises(read_file((fs::path(root) / f).string()), f))
        all.push_back(x);
  }
  std::stable_sort(all.begin(), all.end(),
                   [](const auto& a, const auto& b) { return a.lesson_number < b.lesson_number; });
  // Points: in a student release's results, each failed test names the exercise it stopped at.
  std::map<std::string, double> points;
  std::map<std::string, int> tests;
  if (!results_path.empty()) {
    const Value results = grade_json::parse(read_file(results_path));
    for (const Value& t : results["tests"].items())
      for (const auto& e : all)
        if (t["output"].as_string().find(grade_exercises::message(e)) != std::string::npos) {
          points[e.name] += t["max_score"].as_number();
          ++tests[e.name];
          break;
        }
  }
  if (markdown) {
    std::cout << exercise_table_markdown(all, results_path.empty() ? nullptr : &points);
    return 0;
  }
  if (remaining) {  // the student's view: what is still a stub
    std::vector<const grade_exercises::Exercise*> left;
    for (const auto& e : all)
      if (e.state == grade_exercises::Exercise::State::stub) left.push_back(&e);
    if (left.empty()) {
      std::printf("Every exercise is written (%zu).\n", all.size());
      return 0;
    }
    std::printf("Exercises still to write: %zu of %zu\n", left.size(), all.size());
    for (const auto* e : left)
      std::printf("  lesson %-3d %-52s %s:%d\n", e->lesson_number, e->name.c_str(), e->file.c_str(),
                  e->line);
    return 0;
  }
  int left = 0;
  for (const auto& e : all) {
    const char* state = e.state == grade_exercises::Exercise::State::solution ? "solution"
                        : e.state == grade_exercises::Exercise::State::stub   ? "to write"
                                                                              : "written";
    left += e.state == grade_exercises::Exercise::State::stub;
    std::printf("  lesson %-3d %-9s %-58s %s:%d", e.lesson_number, state, e.name.c_str(),
                e.file.c_str(), e.line);
    if (!results_path.empty())
      std::printf("  %s points in %d tests", format_points(points[e.name]).c_str(), tests[e.name]);
    std::printf("\n");
  }
  std::printf("%zu exercises", all.size());
  if (left) std::printf(", %d still to write", left);
  std::printf(".\n");
  return 0;
}

int usage() {
  std::cerr
      << "usage:\n"
         "  grade run [--out DIR] [--timeout S] [--build DIR] [--max-output-mb N] [--note-file F]\n"
         "            BINARY...\n"
         "  grade student --from ROOT --to DIR [--for-autograder]\n"
         "  grade exercises [--root ROOT] [--results results.json] [--markdown | --remaining]\n"
         "  grade build-failed --log FILE --out DIR [--note-file F]\n"
         "  grade check-json FILE\n";
  return 2;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) return usage();
  const std::string command = argv[1];
  std::vector<std::string> args(argv + 2, argv + argc);
  auto value = [&](std::size_t& i) -> std::string {
    if (i + 1 >= args.size()) throw std::runtime_error(args[i] + " needs a value");
    return args[++i];
  };
  try {
    if (command == "run") {
      Options opt;
      for (std::size_t i = 0; i < args.size(); ++i) {
        if (args[i] == "--out")
          opt.out = value(i);
        else if (args[i] == "--timeout")
          opt.timeout = std::stod(value(i));
        else if (args[i] == "--build")
          opt.build = value(i);
        else if (args[i] == "--max-output-mb")
          opt.max_output_bytes = std::stol(value(i)) << 20;
        else if (args[i] == "--note-file")
          opt.note = read_file(value(i));
        else if (!args[i].empty() && args[i][0] == '-')
          return usage();
        else
          opt.binaries.push_back(args[i]);
      }
      if (opt.binaries.empty()) return usage();
      if (!(opt.timeout > 0))
        throw std::runtime_error("--timeout must be a positive number of seconds");
      return command_run(opt);
    }
    if (command == "student") {
      std::string from = ".", to;
      bool for_autograder = false;
      for (std::size_t i = 0; i < args.size(); ++i) {
        if (args[i] == "--from")
          from = value(i);
        else if (args[i] == "--to")
          to = value(i);
        else if (args[i] == "--for-autograder")
          for_autograder = true;
        else
          return usage();
      }
      if (to.empty()) return usage();
      return command_student(from, to, for_autograder);
    }
    if (command == "exercises") {
      std::string root = ".", results;
      bool markdown = false, remaining = false;
      for (std::size_t i = 0; i < args.size(); ++i) {
        if (args[i] == "--root")
          root = value(i);
        else if (args[i] == "--results")
          results = value(i);
        else if (args[i] == "--markdown")
          markdown = true;
        else if (args[i] == "--remaining")
          remaining = true;
        else
          return usage();
      }
      return command_exercises(root, results, markdown, remaining);
    }
    if (command == "build-failed") {
      std::string log, out, note;
      for (std::size_t i = 0; i < args.size(); ++i) {
        if (args[i] == "--log")
          log = value(i);
        else if (args[i] == "--out")
          out = value(i);
        else if (args[i] == "--note-file")
          note = read_file(value(i));
        else
          return usage();
      }
      if (out.empty()) return usage();
      return command_build_failed(log, out, note);
    }
    if (command == "check-json") {
      if (args.size() != 1) return usage();
      const Value v = grade_json::parse(read_file(args[0]));
      std::cout << args[0] << ": valid JSON";
      if (v.is_object() && v.has("score") && v["score"].is_number())
        std::cout << ", score " << format_points(v["score"].as_number());
      std::cout << "\n";
      return 0;
    }
  } catch (const std::exception& e) {
    std::cerr << "grade " << command << ": " << e.what() << "\n";
    return 3;
  }
  return usage();
}
