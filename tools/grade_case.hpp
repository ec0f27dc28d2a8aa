// grade_case.hpp -- one Catch2 test case's XML report, read: whether it finished and passed, how
// many checks failed, and the first failure (its kind, macro, file:line, the check's text and
// values, the INFO lines before it and the sections around it). One reader for the grader
// (grade run: the report's reasons) and for make check (tools/check.cpp: its FAIL lines).
// Header-only: make check's tool is compiled on its own.
#pragma once

#include <string>
#include <vector>

#include "grade_xml.hpp"

namespace grade {

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

// The kind of failure a Catch2 element reports: "exception", "fatal" (a signal), "explicit"
// (FAIL), or "" for any other element.
inline std::string failure_kind(const std::string& element) {
  if (element == "Exception") return "exception";
  if (element == "FatalErrorCondition") return "fatal";
  if (element == "Failure") return "explicit";
  return "";
}

// Fills f's kind, macro, place, text and values when `c` is a failed assertion (a failed
// Expression, or an Exception, FatalErrorCondition or Failure of its own); false when it is not.
inline bool read_failure(const grade_xml::Element& c, Failure& f) {
  const std::string where = c.attribute_or("filename", "?") + ":" + c.attribute_or("line", "?");
  if (c.name == "Expression") {
    if (c.attribute_or("success", "true") != "false") return false;
    f.kind = "expression";
    f.macro = c.attribute_or("type", "CHECK");
    f.where = where;
    if (const auto* o = c.child("Original")) f.original = grade_xml::trim(o->text);
    if (const auto* x = c.child("Expanded")) f.expanded = grade_xml::trim(x->text);
    for (const char* inner : {"Exception", "FatalErrorCondition", "Failure"})  // the last one wins
      if (const auto* x = c.child(inner)) {
        f.kind = failure_kind(inner);
        f.message = grade_xml::trim(x->text);
      }
    return true;
  }
  f.kind = failure_kind(c.name);
  if (f.kind.empty()) return false;
  f.where = where;
  f.message = grade_xml::trim(c.text);
  return true;
}

// Counts the failed assertions below `e` (sections included) into report, keeping the first.
inline void collect_failures(const grade_xml::Element& e, std::vector<std::string>& sections,
                             CaseReport& report) {
  std::vector<std::string> info;  // Info elements come just before the assertion they belong to
  for (const auto& child_ptr : e.children) {
    const grade_xml::Element& c = *child_ptr;
    if (c.name == "Info") {
      info.push_back(grade_xml::trim(c.text));
      continue;
    }
    Failure f;
    f.sections = sections;
    f.info = info;
    info.clear();
    if (c.name == "Section") {
      sections.push_back(c.attribute_or("name", "?"));
      collect_failures(c, sections, report);
      sections.pop_back();
      continue;
    }
    if (!read_failure(c, f)) continue;
    if (f.kind == "fatal") {
      report.fatal = true;
      report.fatal_text = f.message;
    }
    if (report.failures++ == 0) report.first = f;
  }
}

inline CaseReport read_case(const grade_xml::Element& test_case) {
  CaseReport r;
  std::vector<std::string> sections;
  collect_failures(test_case, sections, r);
  if (const auto* result = test_case.child("OverallResult")) {
    r.finished = true;
    r.success = result->attribute_or("success", "false") == "true";
    try {
      r.seconds = std::stod(result->attribute_or("durationInSeconds", "0"));
    } catch (...) {}
    if (const auto* err = result->child("StdErr")) r.std_err = grade_xml::trim(err->text);
  }
  return r;
}

}  // namespace grade
