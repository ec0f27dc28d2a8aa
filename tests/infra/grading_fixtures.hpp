// The grader's own tests share these: the build directory, running a command, reading a
// results.json strictly, and one grader run (grade_once). Included by tests/infra/grading_*.cpp
// only. The suite compiles tests/infra/ as one translation unit (the Makefile's TEST_GROUPS),
// so what two of those files share is defined here, once; the helpers are inline so that a
// file compiled on its own does not warn about the ones it leaves unused.
#pragma once

#include <catch2/catch.hpp>

#include <sys/wait.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <utility>

#include "../../tools/grade_json.hpp"

namespace {

namespace fs = std::filesystem;
using Catch::Matchers::Contains;
using grade_json::Value;

inline std::string build_dir() {
  const char* b = std::getenv("STEPNET_BUILD");
  return b && *b ? b : "build";
}

inline std::string slurp(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

// Runs a shell command with its output in `log`; returns its exit status (128+N for signal N).
inline int shell(const std::string& command, const std::string& log) {
  const int status = std::system((command + " > '" + log + "' 2>&1 < /dev/null").c_str());
  if (status == -1) return -1;
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

inline std::string tail(const std::string& text, std::size_t lines) {
  std::size_t at = text.size();
  for (std::size_t n = 0; n <= lines && at > 0;) {
    at = text.rfind('\n', at - 1);
    if (at == std::string::npos) return text;
    ++n;
  }
  return text.substr(at);
}

inline std::string grader() { return build_dir() + "/tools/grade"; }

// The grader and what it grades are built with the suite (mk/grade.mk); say so when missing.
inline void require_built(const std::string& path) {
  INFO(path << " is missing: `make " << build_dir() << "/stepnet_tests` builds it (mk/grade.mk)");
  REQUIRE(fs::exists(path));
}

// Parses results.json strictly; every test has Gradescope's fields.
inline Value read_results(const std::string& path) {
  INFO("reading " << path);
  REQUIRE(fs::exists(path));
  Value results;
  REQUIRE_NOTHROW(results = grade_json::parse(slurp(path)));
  REQUIRE(results.is_object());
  REQUIRE(results["score"].is_number());
  REQUIRE(results["output"].is_string());
  REQUIRE(results["tests"].is_array());
  for (const Value& t : results["tests"].items()) {
    CHECK(t["name"].is_string());
    CHECK(t["score"].is_number());
    CHECK(t["max_score"].is_number());
    CHECK(t["output"].is_string());
    const std::string visibility = t["visibility"].as_string();
    CHECK((visibility == "visible" || visibility == "hidden" || visibility == "after_due_date" ||
           visibility == "after_published"));
  }
  return results;
}

inline const Value* find_test(const Value& results, const std::string& name) {
  for (const Value& t : results["tests"].items())
    if (t["name"].as_string() == name) return &t;
  return nullptr;
}

// (score, max_score) of one lesson's tests.
inline std::pair<double, double> lesson_points(const Value& results, const std::string& lesson) {
  double score = 0, max = 0;
  for (const Value& t : results["tests"].items())
    if (t["tags"][0].as_string() == lesson) {
      score += t["score"].as_number();
      max += t["max_score"].as_number();
    }
  return {score, max};
}

// AddressSanitizer reserves terabytes of address space for its shadow memory, so a test binary
// built with it aborts at start under the grader's address-space limit (RLIMIT_AS). Under
// make test SANITIZE=1 the grader therefore runs without that limit, as make grade does then
// (mk/grade.mk), and the hostile suite, whose 2 GB allocation needs the limit, is left to the
// plain make test.
#ifdef __SANITIZE_ADDRESS__
constexpr bool kAddressSanitizer = true;
#else
constexpr bool kAddressSanitizer = false;
#endif

// A grader run, done once per test binary run however many sections look at it.
struct Graded {
  int status = -1;
  std::string log;
  std::string results_path;
};

inline Graded grade_once(const std::string& binary, const std::string& out,
                         const std::string& timeout, const std::string& extra = "",
                         const std::string& env = "") {
  fs::create_directories(out);
  Graded g;
  const std::string memory = kAddressSanitizer ? " --max-memory-mb 0" : "";
  g.status = shell(env + grader() + " run " + extra + memory + " --out " + out + " --timeout " +
                       timeout + " " + binary,
                   out + "/../" + fs::path(out).filename().string() + "-grade.log");
  g.log = tail(slurp(out + "/../" + fs::path(out).filename().string() + "-grade.log"), 40);
  g.results_path = out + "/results.json";
  return g;
}

}  // namespace
