// grade_run.cpp -- `grade run`: list each test binary's graded tests, run each lesson in its own
// sandboxed process (grade_sandbox.hpp) with time, output and memory limits, read Catch2's
// reports, score each test exactly once, and write the reports after every lesson.
#include <cxxabi.h>
#include <signal.h>
#include <sys/stat.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstring>
#include <iostream>
#include <memory>
#include <regex>
#include <set>

#include "grade_case.hpp"
#include "grade_common.hpp"
#include "grade_diagnose.hpp"
#include "grade_sandbox.hpp"

namespace grade {

namespace {

struct Listing {
  std::vector<Test> tests;  // every test with a lesson tag
  std::vector<std::string> warnings;
  std::string error;  // the binary could not be listed
};

// Runs `binary args...` (quickly: listing) and returns its stdout. The binary holds the
// student's code too: it runs in the sandbox like any test.
bool capture(const std::string& binary, const std::vector<std::string>& args, const Sandbox& box,
             std::string& output, std::string& error) {
  std::vector<std::string> argv{binary};
  argv.insert(argv.end(), args.begin(), args.end());
  Limits limits;
  limits.keep_head = true;
  limits.keep_output = 16u << 20;
  limits.max_output_bytes = 16L << 20;
  const Process p = run_process(argv, {{"OPENBLAS_NUM_THREADS", "1"}}, limits, box);
  output = p.output;
  if (!p.started) {
    error = p.error;
    return false;
  }
  if (p.stopped != Process::Stop::none) {
    error = "listing the tests took more than 60 s or printed more than 16 MB";
    return false;
  }
  if (p.signal) {
    error = "listing the tests crashed: " + signal_name(p.signal);
    return false;
  }
  if (p.exit_code == 127 || p.exit_code == 126 ||
      output.find("grade: cannot run") != std::string::npos) {
    error = trim(shorten(output, 4, 200));
    return false;
  }
  return true;
}

// Catch2 v2 lists names with --list-test-names-only; v3 with --list-tests --verbosity quiet.
bool list_names(const std::string& binary, const std::vector<std::string>& filter,
                const Sandbox& box, std::string& out, std::string& error) {
  std::vector<std::string> v2{"--list-test-names-only"}, v3{"--list-tests", "--verbosity", "quiet"};
  for (const auto& f : filter) v2.push_back(f), v3.push_back(f);
  for (const char* o : {"--order", "decl"}) v2.push_back(o), v3.push_back(o);
  if (capture(binary, v2, box, out, error) && out.find("Unrecognised token") == std::string::npos)
    return true;
  return capture(binary, v3, box, out, error);
}

std::vector<std::string> names_matching(const std::string& binary, const std::string& tag,
                                        const Sandbox& box, std::string& error) {
  std::string out;
  std::vector<std::string> names;
  if (!list_names(binary, {"[" + tag + "]"}, box, out, error)) return names;
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

std::string lower(std::string s) {
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

// Every tag `--list-tags` printed, without its brackets.
std::set<std::string> tags_in(const std::string& list_tags_output) {
  static const std::regex tag_re(R"(\[([^\]]+)\])");
  std::set<std::string> tags;
  for (const std::string& line : lines_of(list_tags_output))
    for (auto it = std::sregex_iterator(line.begin(), line.end(), tag_re);
         it != std::sregex_iterator(); ++it)
      tags.insert((*it)[1]);
  return tags;
}

// The graded tests of one binary by name, in the order the lesson tags first named them.
struct Tagged {
  std::map<std::string, Test> by_name;
  std::vector<std::string> order;
};

// Lessons first: they decide which tests are graded at all.
void add_lesson_tests(const std::string& binary, const std::string& label,
                      const std::set<std::string>& tags, const Sandbox& box, Tagged& tagged,
                      Listing& listing) {
  static const std::regex lesson_re(R"(lesson0*([0-9]+))", std::regex::icase);
  std::string error;
  for (const std::string& tag : tags) {
    std::smatch m;
    if (!std::regex_match(tag, m, lesson_re)) continue;
    const int lesson = std::stoi(m[1]);
    for (const std::string& name : names_matching(binary, tag, box, error)) {
      auto it = tagged.by_name.find(name);
      if (it != tagged.by_name.end()) {
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
      tagged.by_name[name] = t;
      tagged.order.push_back(name);
    }
  }
}

// [points:N] and [visibility:...] / [hidden] on the tests a lesson tag made graded.
void add_points_and_visibility(const std::string& binary, const std::set<std::string>& tags,
                               const Sandbox& box, Tagged& tagged, Listing& listing) {
  static const std::regex points_re(R"(points:([0-9]+(\.[0-9]+)?))", std::regex::icase);
  static const std::regex visibility_re(
      R"(visibility:(visible|hidden|after_due_date|after_published))", std::regex::icase);
  std::string error;
  for (const std::string& tag : tags) {
    std::smatch m;
    if (std::regex_match(tag, m, points_re)) {
      const double points = std::stod(m[1]);
      for (const std::string& name : names_matching(binary, tag, box, error)) {
        auto it = tagged.by_name.find(name);
        if (it == tagged.by_name.end()) {
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
      for (const std::string& name : names_matching(binary, tag, box, error)) {
        auto it = tagged.by_name.find(name);
        if (it != tagged.by_name.end()) it->second.visibility = visibility;
      }
    }
  }
}

// Declaration order: the order the binary lists (and runs) its tests in.
void add_in_declaration_order(const std::string& binary, const Sandbox& box, Tagged& tagged,
                              Listing& listing) {
  std::string all, error;
  std::map<std::string, int> position;
  if (list_names(binary, {}, box, all, error)) {
    int k = 0;
    for (const std::string& line : lines_of(all)) position[trim(line)] = k++;
  }
  for (const std::string& name : tagged.order) {
    Test t = tagged.by_name[name];
    t.order =
        position.count(name) ? position[name] : 1000000 + static_cast<int>(listing.tests.size());
    if (!t.has_points)
      listing.warnings.push_back("\"" + name + "\" (" + t.lesson_tag +
                                 ") has no [points:N] tag; it counts 0 points");
    listing.tests.push_back(t);
  }
  std::stable_sort(listing.tests.begin(), listing.tests.end(),
                   [](const Test& a, const Test& b) { return a.order < b.order; });
}

Listing list_tests(const std::string& binary, const std::string& label, const Sandbox& box) {
  Listing listing;
  std::string out, error;
  if (!fs::exists(binary)) {
    listing.error = binary + " does not exist (was it built?)";
    return listing;
  }
  if (!capture(binary, {"--list-tags"}, box, out, error)) {
    listing.error = error.empty() ? "could not list the tags of " + binary : error;
    return listing;
  }
  const std::set<std::string> tags = tags_in(out);
  Tagged tagged;
  add_lesson_tests(binary, label, tags, box, tagged, listing);
  add_points_and_visibility(binary, tags, box, tagged, listing);
  add_in_declaration_order(binary, box, tagged, listing);
  return listing;
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

std::chrono::steady_clock::time_point run_start = std::chrono::steady_clock::now();

double seconds_since_start() {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - run_start).count();
}

// Seconds left before the whole run's deadline (a large number when there is none).
double deadline_left(const Options& opt) {
  return opt.deadline > 0 ? opt.deadline - seconds_since_start() : 1e9;
}

// Catch2's report, up to the end of its root element: anything written after it (at exit, by
// code still running in the process) is not part of the report.
std::string report_until_end(const std::string& report) {
  std::size_t end = std::string::npos;
  for (const char* close : {"</Catch>", "</Catch2TestRun>"}) {
    const std::size_t at = report.find(close);
    if (at != std::string::npos) end = std::min(end, at + std::strlen(close));
  }
  return end == std::string::npos ? report : report.substr(0, end);
}

// One test process of a lesson, and what its report says.
struct Attempt {
  Process p;
  std::unique_ptr<grade_xml::Element> doc;
  std::map<std::string, std::vector<const grade_xml::Element*>> cases;  // name -> reports
  bool complete = false;  // it exited by itself, its report whole
  std::string reason;     // why it did not finish
};

std::string stop_reason(const Process& p, const Options& opt, double timeout) {
  if (!p.started) return "could not start: " + p.error;
  if (p.stopped == Process::Stop::output)
    return "printed more than " + std::to_string(opt.max_output_bytes >> 20) +
           " MB of output and was stopped";
  if (p.stopped == Process::Stop::test_timeout)
    return "timed out after " + seconds_text(std::ceil(p.running_limit)) + " s" +
           (p.running_limit < opt.test_timeout
                ? " (this test's limit: " + seconds_text(opt.solution_factor) +
                      " times what the solution took, at least " +
                      seconds_text(opt.min_test_timeout) + " s)"
                : "");
  if (p.stopped == Process::Stop::timeout) return "timed out after " + seconds_text(timeout) + " s";
  if (p.signal == SIGXFSZ)
    return "crashed: SIGXFSZ (a file it wrote grew past the " +
           std::to_string(opt.max_output_bytes >> 20) + " MB limit)";
  if (p.signal == SIGKILL && opt.max_memory_bytes > 0)
    return "crashed: SIGKILL (killed from outside, e.g. out of memory)";
  if (p.signal) return "crashed: " + signal_name(p.signal);
  return "";
}

Attempt run_attempt(const std::vector<Test*>& tests, const std::string& binary, const Options& opt,
                    const Sandbox& box, const std::string& base, double timeout) {
  Attempt a;
  // The names go to Catch2 in a file the test process may read (they are in its binary anyway).
  const std::string names =
      (box.isolated ? box.dir + "/bin/" : opt.out + "/runs/") + fs::path(base).filename().string() +
      ".names";
  {
    std::ofstream out(names);
    for (const Test* t : tests) out << '"' << spec_escape(t->name) << "\"\n";
  }
  ::chmod(names.c_str(), 0644);
  const std::vector<std::string> argv{binary,  "-f",     names, "-r",          "xml", "-o",
                                      "/dev/fd/3", "--order", "decl", "--durations", "yes"};
  std::vector<std::pair<std::string, std::string>> env{
      {"OPENBLAS_NUM_THREADS", "1"}, {"OMP_NUM_THREADS", "1"}, {"STEPNET_GRADE_PROGRESS_FD", "4"}};
  if (!box.build.empty()) env.emplace_back("STEPNET_BUILD", box.build);
  if (box.isolated)
    for (const char* k : {"HOME", "TMPDIR"}) env.emplace_back(k, box.dir + "/tmp");
  Limits limits;
  limits.timeout = timeout;
  limits.test_timeout = opt.test_timeout;
  for (const Test* t : tests) {
    const auto it = opt.solution_times.find(t->name);
    if (it != opt.solution_times.end())
      limits.test_limits[t->name] = std::min(
          opt.test_timeout, std::max(opt.min_test_timeout, opt.solution_factor * it->second));
  }
  limits.max_output_bytes = opt.max_output_bytes;
  limits.max_memory_bytes = opt.max_memory_bytes;
  limits.max_processes = opt.max_processes;
  a.p = run_process(argv, env, limits, box);
  std::remove(names.c_str());
  write_file(base + ".log", a.p.output);
  const std::string report = report_until_end(a.p.report);
  write_file(base + ".xml", report);
  a.doc = grade_xml::parse(report);
  const grade_xml::Element* root = a.doc->child("Catch");
  if (!root) root = a.doc->child("Catch2TestRun");
  const grade_xml::Element* group = root && root->child("Group") ? root->child("Group") : root;
  if (group)
    for (const auto& c : group->children)
      if (c->name == "TestCase") a.cases[trim(c->attribute_or("name", ""))].push_back(c.get());
  a.complete = root && root->closed && a.p.stopped == Process::Stop::none && a.p.signal == 0 &&
               a.p.started;
  a.reason = stop_reason(a.p, opt, timeout);
  if (a.reason.empty() && !a.complete) {
    // A sanitizer (make SANITIZE=1) reports a crash itself and exits; say what it found.
    const std::string summary = sanitizer_summary(a.p.output);
    a.reason = !summary.empty() ? "crashed: " + summary
                                : "exited early (status " + std::to_string(a.p.exit_code) +
                                      ", its report unfinished)";
  }
  return a;
}

// A test case Catch2 finished: passed or failed, with one grouped reason.
void score_finished(Test& t, const CaseReport& r) {
  t.status = r.success ? Test::Status::passed : Test::Status::failed;
  t.score = r.success ? t.points : 0;
  if (r.success) {
    t.output = "passed";
    set_junit(t, "", "", "");
    return;
  }
  t.output = describe(r.first, r.failures);
  if (!r.std_err.empty())
    t.output = trim(t.output + "\n  it wrote to std::cerr:\n" + indent(shorten(r.std_err, 4, 160), "    "));
  set_junit(t, "failure", r.first.macro.empty() ? r.first.kind : r.first.macro,
            lines_of(t.output).empty() ? "failed" : lines_of(t.output)[0]);
}

// A test case reported more than once: something in the process wrote to the report itself.
void score_forged(Test& t, std::size_t reports) {
  t.status = Test::Status::failed;
  t.score = 0;
  t.output = "not graded: its result arrived " + std::to_string(reports) +
             " times; something in the test process wrote to the grader's report itself";
  set_junit(t, "error", "forged", t.output);
}

// The test case that was running when the process died, timed out or flooded.
void score_culprit(Test& t, const Attempt& a, const CaseReport* r) {
  std::string why = a.reason;
  if (why.empty())
    why = "crashed: " + (r && !r->fatal_text.empty() ? r->fatal_text : std::string("unknown"));
  const bool timeout = a.p.stopped == Process::Stop::timeout ||
                       a.p.stopped == Process::Stop::test_timeout;
  t.status = timeout ? Test::Status::timed_out : Test::Status::crashed;
  t.score = 0;
  t.seconds = r ? r->seconds : 0;
  std::string text = why + " while running this test";
  const std::string function = timeout ? "" : crash_function(t.binary, a.p.output);
  if (!function.empty()) text += "\nin " + function;
  if (r && r->failures > 0 && r->first.kind != "fatal")
    text += "\nbefore that it " + describe(r->first, r->failures);
  const std::string tail = log_tail(a.p.output, 6);
  if (!tail.empty() && !timeout) text += "\nthe test process printed last:\n" + tail;
  t.output = trim(text);
  set_junit(t, "error",
            timeout ? "timeout" : (a.p.signal ? signal_name(a.p.signal) : "crash"), why);
}

void score_not_run(Test& t, const std::string& why) {
  t.status = Test::Status::lost;
  t.score = 0;
  t.output = "not run: " + why;
  set_junit(t, "error", "not run", t.output);
}

// Scores what one attempt reported; returns the tests still to run and sets the culprit.
std::vector<Test*> score_attempt(const std::vector<Test*>& tests, const Attempt& a, Test*& culprit) {
  std::vector<Test*> unreported;
  culprit = nullptr;
  for (Test* t : tests) {
    auto it = a.cases.find(trim(t->name));
    if (it == a.cases.end()) {
      if (!a.complete && a.p.running == t->name && !culprit) {
        culprit = t;  // started (the progress pipe says so), never reported
        score_culprit(*t, a, nullptr);
      } else
        unreported.push_back(t);
      continue;
    }
    t->reports = static_cast<int>(it->second.size());
    if (it->second.size() > 1) {
      score_forged(*t, it->second.size());
      continue;
    }
    const CaseReport r = read_case(*it->second.front());
    t->seconds = r.seconds;
    if (r.finished && !r.fatal) {
      score_finished(*t, r);
      continue;
    }
    if (culprit) {  // a second unfinished report: only one test can have been running
      score_forged(*t, 2);
      continue;
    }
    culprit = t;
    score_culprit(*t, a, &r);
  }
  return unreported;
}

LessonRun run_lesson(std::vector<Test*> tests, const Options& opt, const Sandbox& box,
                     const std::string& binary, const std::string& stem) {
  LessonRun run;
  const std::string& lesson = tests.front()->lesson_tag;
  for (int attempt = 1; !tests.empty(); ++attempt) {
    const double timeout = std::min(opt.timeout, deadline_left(opt));
    if (timeout < 1) {
      for (Test* t : tests)
        score_not_run(*t, "the grading deadline (" + seconds_text(opt.deadline) +
                              " s for the whole run) was reached before this test");
      run.events.emplace_back("the grading deadline was reached", true);
      break;
    }
    const std::string base =
        opt.out + "/runs/" + stem + (attempt > 1 ? "-" + std::to_string(attempt) : "");
    const Attempt a = run_attempt(tests, binary, opt, box, base, timeout);
    Test* culprit = nullptr;
    std::vector<Test*> unreported = score_attempt(tests, a, culprit);
    if (!a.complete && culprit == nullptr && unreported.empty()) {
      run.events.emplace_back("the test process " + a.reason + " after its last test (no points lost)",
                              true);
      break;
    }
    if (a.complete && culprit == nullptr) {
      for (Test* t : unreported) {
        score_not_run(*t, "the test binary did not run this test (is its name unique?)");
        run.events.emplace_back("\"" + t->name + "\" was not run", t->visibility == "visible");
      }
      break;
    }
    const std::string reason = a.reason.empty() ? "crashed" : a.reason;
    const std::string where = culprit ? " in \"" + culprit->name + "\"" : "";
    // The tests after the one that crashed or timed out run in a new process, while time is left.
    const bool resume = culprit && a.p.started && deadline_left(opt) > 1 && attempt < 100 &&
                        !unreported.empty();
    run.events.emplace_back(
        reason + where + (resume ? " (the rest of " + lesson + " ran in a new process)" : ""),
        !culprit || culprit->visibility == "visible");
    if (resume) {
      tests = unreported;
      continue;
    }
    for (Test* t : unreported)
      score_not_run(*t, lesson + "'s test process " + reason + where +
                            (culprit ? "" : " (no report of which test it was running)"));
    break;
  }
  return run;
}

// Every test of every binary, in grading order: lesson by lesson, the suite before the extra
// binaries, each binary's in declaration order; only the lessons asked for.
std::vector<Test> list_all(const Options& opt, const Sandbox& box, RunState& state) {
  std::vector<Test> tests;
  for (std::size_t i = 0; i < opt.binaries.size(); ++i) {
    const std::string label = fs::path(opt.binaries[i]).filename().string();
    Listing l = fs::exists(opt.binaries[i]) ? list_tests(box.binaries[i], label, box) : Listing{};
    if (!fs::exists(opt.binaries[i])) l.error = opt.binaries[i] + " does not exist (was it built?)";
    if (!l.error.empty()) state.errors.push_back(label + ": " + l.error);
    for (const std::string& w : l.warnings) state.warnings.push_back(label + ": " + w);
    for (Test& t : l.tests) {
      t.binary = opt.binaries[i];
      if (t.lesson >= opt.first_lesson && t.lesson <= opt.last_lesson) tests.push_back(t);
    }
  }
  auto rank = [&](const std::string& b) {
    return std::find(opt.binaries.begin(), opt.binaries.end(), b) - opt.binaries.begin();
  };
  std::stable_sort(tests.begin(), tests.end(), [&](const Test& a, const Test& b) {
    if (a.lesson != b.lesson) return a.lesson < b.lesson;
    return rank(a.binary) < rank(b.binary);
  });
  for (Test& t : tests)
    score_not_run(t, "the grading stopped before this lesson (a deadline, or it was killed)");
  return tests;
}

// VmHWM: this process's peak resident memory (test processes not included).
long peak_memory_mb() {
  std::ifstream status("/proc/self/status");
  for (std::string line; std::getline(status, line);)
    if (starts_with(line, "VmHWM:")) return std::atol(line.c_str() + 6) / 1024;
  return -1;
}

}  // namespace

int command_run(const Options& opt) {
  run_start = std::chrono::steady_clock::now();
  fs::remove_all(opt.out + "/runs");  // logs of an earlier grading would mislead
  fs::create_directories(opt.out + "/runs");
  if (::geteuid() == 0) ::chmod(opt.out.c_str(), 0700);  // the student user cannot look in
  for (const char* stale : {"/results.json", "/junit.xml", "/report.txt"})
    std::remove((opt.out + stale).c_str());
  const Sandbox box = open_sandbox(opt);
  RunState state;
  state.opt = &opt;
  state.notice = box.notice;
  state.tests = list_all(opt, box, state);
  write_reports(state, false);
  // Each (binary, lesson) in its own process, in order.
  std::vector<std::pair<std::string, int>> groups;
  for (const Test& t : state.tests)
    if (std::find(groups.begin(), groups.end(), std::make_pair(t.binary, t.lesson)) == groups.end())
      groups.emplace_back(t.binary, t.lesson);
  for (const auto& g : groups) {
    std::vector<Test*> members;
    for (Test& t : state.tests)
      if (t.binary == g.first && t.lesson == g.second) members.push_back(&t);
    const std::size_t index =
        std::find(opt.binaries.begin(), opt.binaries.end(), g.first) - opt.binaries.begin();
    const std::string stem = members.front()->label + "-" + lesson_key(g.second);
    std::cerr << "grade: " << members.front()->label << " " << lesson_key(g.second) << " ("
              << members.size() << " tests)\n";
    const LessonRun run = run_lesson(members, opt, box, box.binaries[index], stem);
    for (const auto& e : run.events)
      state.events[g.second].emplace_back(
          index == 0 ? e.first : members.front()->label + ": " + e.first, e.second);
    state.seconds = seconds_since_start();
    write_reports(state, false);  // a kill from outside leaves the lessons so far graded
  }
  close_sandbox(box);
  state.seconds = seconds_since_start();
  write_reports(state, true);
  std::cerr << "grade: " << seconds_text(state.seconds) << " s, the grader's own peak memory "
            << peak_memory_mb() << " MB\n";
  return 0;
}

}  // namespace grade
