// grade_report.cpp -- what `grade run` writes: results.json (Gradescope), junit.xml, report.txt
// and the terminal table; and `grade build-failed`'s report. Written again after every lesson,
// so a run stopped from outside leaves the lessons it finished graded.
#include <algorithm>
#include <cmath>
#include <iostream>
#include <set>

#include "grade_common.hpp"
#include "grade_json.hpp"

namespace grade {

using grade_json::Value;

namespace {

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


// Per-lesson sums of the tests' scores, everything and only what students see.
std::vector<LessonRow> lesson_rows(const RunState& state, double& total, double& total_max,
                                   double& visible_total, double& visible_max) {
  const std::vector<Test>& tests = state.tests;
  std::map<int, LessonRow> rows;
  for (const auto& kv : state.events) {
    rows[kv.first].lesson = kv.first;
    rows[kv.first].events = kv.second;
  }
  total = total_max = visible_total = visible_max = 0;
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

  return ordered;
}

std::string results_json(const RunState& state, const std::vector<LessonRow>& ordered,
                         double total, double total_max, double visible_total, double visible_max) {
  const Options& opt = *state.opt;
  const std::vector<Test>& tests = state.tests;
  const std::vector<std::string>& warnings = state.warnings;
  const std::vector<std::string>& errors = state.errors;
  // results.json, in Gradescope's schema.
  Value results = Value::object();
  results.set("score", total);
  const double seconds = state.seconds;
  results.set("execution_time", std::ceil(seconds));
  std::string summary = "stepnet: " + format_points(visible_total) + " / " +
                        format_points(visible_max) + " points from the tests shown here";
  if (visible_max != total_max)
    summary += " (the total score also counts tests shown later or not at all)";
  summary += ".\n\n" + table(ordered, true, visible_total, visible_max);
  if (!opt.note.empty()) summary = trim(opt.note) + "\n\n" + summary;
  if (!state.notice.empty()) summary += "\n" + state.notice + "\n";
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

  return json;
}

std::string junit_xml(const RunState& state, const std::vector<LessonRow>& ordered) {
  const std::vector<Test>& tests = state.tests;
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

  return x.str();
}

std::string terminal_report(const RunState& state, const std::vector<LessonRow>& ordered,
                            double total, double total_max) {
  const Options& opt = *state.opt;
  const std::vector<Test>& tests = state.tests;
  const std::vector<std::string>& warnings = state.warnings;
  const std::vector<std::string>& errors = state.errors;
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
  if (!state.notice.empty()) report += "\n" + state.notice + "\n";
  report += "\nReports: " + opt.out + "/results.json (Gradescope), " + opt.out +
            "/junit.xml, per-lesson logs in " + opt.out + "/runs/\n";
  return report;
}

}  // namespace

void write_reports(const RunState& state, bool final) {
  double total, total_max, visible_total, visible_max;
  const std::vector<LessonRow> rows =
      lesson_rows(state, total, total_max, visible_total, visible_max);
  const std::string& out = state.opt->out;
  write_file(out + "/results.json",
             results_json(state, rows, total, total_max, visible_total, visible_max));
  write_file(out + "/junit.xml", junit_xml(state, rows));
  const std::string report = terminal_report(state, rows, total, total_max);
  write_file(out + "/report.txt", report);
  if (final) std::cout << report;
}


// ---- build-failed ----------------------------------------------------------------------------
int command_build_failed(const std::string& log, const std::string& out, const std::string& note) {
  fs::create_directories(out);
  // Only the tail of the log: a flood of warnings must not cost the grader its memory.
  std::string text_log = read_file(log);
  if (text_log.size() > (4u << 20)) text_log = text_log.substr(text_log.size() - (4u << 20));
  std::vector<std::string> errors;
  const std::vector<std::string> lines = lines_of(text_log);
  bool compiler = false;
  for (std::size_t i = 0; i < lines.size() && errors.size() < 40; ++i)
    if (lines[i].find(": error:") != std::string::npos || lines[i].find(": fatal error:") != std::string::npos) {
      compiler = true;
      errors.push_back(lines[i].size() > 240 ? lines[i].substr(0, 237) + "..." : lines[i]);
    }
  if (errors.empty())
    for (std::size_t i = lines.size() > 20 ? lines.size() - 20 : 0; i < lines.size(); ++i)
      errors.push_back(lines[i]);
  std::string text = (note.empty() ? "" : trim(note) + "\n\n") +
                     (compiler ? "Your code did not compile, so no test could run: score 0.\n"
                                 "The compiler said:\n"
                               : "The grader failed before any test could run (this is not "
                                 "about your code: tell your instructor). Its log ends:\n");
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

}  // namespace grade
