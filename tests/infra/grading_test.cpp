// The grader's own tests: make grade's reports, make student's release, crashes and loops.
//
// The cheap ones check the pieces (strict JSON, a Catch2 report cut off anywhere, solution
// regions turned into stubs). The others run the real grader ($STEPNET_BUILD/tools/grade) on
// real binaries:
//   - this tree's suite scores every point;
//   - planted crashes, aborts, an endless loop and a quiet exit (tests/fixtures/grading/planted)
//     each lose their own lesson's points only, and the report is still valid JSON;
//   - the student release builds, scores 0 on every exercise and full on everything else, and
//     `make grade EXTRA_TESTS=tests/fixtures/grading/hidden` adds hidden tests with their points
//     and visibility. The release is built from this build's objects: only the files with
//     exercises recompile (unoptimized), so it costs seconds, not minutes.
// The grader's sources are header-only where the tests need them, so they are included here.
#include <catch2/catch.hpp>

#include <pwd.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <csignal>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <regex>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "../../tools/grade_exercises.hpp"
#include "../../tools/grade_json.hpp"
#include "../../tools/grade_splice.hpp"
#include "../../tools/grade_xml.hpp"

namespace {

namespace fs = std::filesystem;
using Catch::Matchers::Contains;
using grade_json::Value;

std::string build_dir() {
  const char* b = std::getenv("STEPNET_BUILD");
  return b && *b ? b : "build";
}

std::string slurp(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

// Runs a shell command with its output in `log`; returns its exit status (128+N for signal N).
int shell(const std::string& command, const std::string& log) {
  const int status = std::system((command + " > '" + log + "' 2>&1 < /dev/null").c_str());
  if (status == -1) return -1;
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

std::string tail(const std::string& text, std::size_t lines) {
  std::size_t at = text.size();
  for (std::size_t n = 0; n <= lines && at > 0;) {
    at = text.rfind('\n', at - 1);
    if (at == std::string::npos) return text;
    ++n;
  }
  return text.substr(at);
}

std::string grader() { return build_dir() + "/tools/grade"; }

// The grader and what it grades are built with the suite (mk/grade.mk); say so when missing.
void require_built(const std::string& path) {
  INFO(path << " is missing: `make " << build_dir() << "/stepnet_tests` builds it (mk/grade.mk)");
  REQUIRE(fs::exists(path));
}

// Parses results.json strictly; every test has Gradescope's fields.
Value read_results(const std::string& path) {
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

const Value* find_test(const Value& results, const std::string& name) {
  for (const Value& t : results["tests"].items())
    if (t["name"].as_string() == name) return &t;
  return nullptr;
}

// (score, max_score) of one lesson's tests.
std::pair<double, double> lesson_points(const Value& results, const std::string& lesson) {
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

Graded grade_once(const std::string& binary, const std::string& out, const std::string& timeout,
                  const std::string& extra = "", const std::string& env = "") {
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

const Graded& solution_graded() {
  static const Graded g =
      grade_once(build_dir() + "/stepnet_tests", build_dir() + "/grade-selftest/solution", "120",
                 "--build " + build_dir());
  return g;
}

// The planted lessons' time limit: short, since one of them loops forever, but long enough that
// a lesson's process still has time left after a crash on a loaded machine under the
// sanitizers (the tests after a crash run in a new process only while time is left).
const std::string planted_limit = "4";

const Graded& planted_graded() {
  static const Graded g = grade_once(build_dir() + "/grade_planted_tests",
                                     build_dir() + "/grade-selftest/planted", planted_limit);
  return g;
}

// The student release: written, seeded with this build's objects, built and graded, once.
struct Release {
  std::string dir, work;
  int written = -1, seeded = -1, made = -1;
  std::string written_log, make_command, make_log, results_path;
};

const Release& student_release() {
  static const Release r = [] {
    Release r;
    const std::string build = build_dir();
    r.work = build + "/grade-selftest";
    r.dir = r.work + "/student";
    fs::create_directories(r.work);
    r.written = shell(grader() + " student --from . --to " + r.dir, r.work + "/student.log");
    r.written_log = slurp(r.work + "/student.log");
    if (r.written != 0) return r;
    // The release's files keep their time stamps and the stubbed ones are new: make recompiles
    // only those (unoptimized) and relinks.
    fs::create_directories(r.dir + "/" + build);
    const std::string to = r.dir + "/" + build;
    r.seeded = shell("cp -a '" + build + "/obj' '" + to + "/' && { [ ! -d '" + build +
                         "/pch' ] || cp -a '" + build + "/pch' '" + to + "/'; } && rm -rf '" + to +
                         "/obj/extra' '" + to + "/obj/grade_planted'",
                     r.work + "/seed.log");
    // The make variables this build used (mk/grade.mk wrote them): "BUILD=.. SANITIZE=.. CXX=..".
    const std::string vars = grade_xml::trim(slurp(build + "/tools/grade.vars"));
    const bool sanitize = vars.find("SANITIZE=1") != std::string::npos;
    const std::size_t cxx_at = vars.find(" CXX=");
    const std::string cxx = cxx_at == std::string::npos ? "" : vars.substr(cxx_at + 5);
    r.make_command = "env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL make -C '" + r.dir +
                     "' -j2 --no-print-directory grade BUILD='" + build + "'" +
                     (sanitize ? " SANITIZE=1" : "") + (cxx.empty() ? "" : " CXX='" + cxx + "'") +
                     " OPT=-O0 GRADE_TIMEOUT=60" + " EXTRA_TESTS='" + fs::current_path().string() +
                     "/tests/fixtures/grading/hidden'";
    r.made = shell(r.make_command, r.work + "/student-make.log");
    r.make_log = tail(slurp(r.work + "/student-make.log"), 60);
    r.results_path = r.dir + "/" + build + "/grade/results.json";
    return r;
  }();
  return r;
}

const char* const catch_report = R"(<?xml version="1.0" encoding="UTF-8"?>
<Catch name="stepnet_tests" filters="[lesson02]">
  <Group name="stepnet_tests">
    <TestCase name="Scenario: ReLU" tags="[lesson02][points:3]" filename="tests/a.cpp" line="8">
      <Section name="Given: x" filename="tests/a.cpp" line="9">
        <Expression success="false" type="CHECK_THAT" filename="tests/a.cpp" line="17">
          <Original>
            g, Equals(grid({{0}, {1}}))
          </Original>
          <Expanded>
            0 &lt; 1 &amp;&amp; &quot;x&quot;
          </Expanded>
        </Expression>
        <OverallResults successes="0" failures="1" expectedFailures="0"/>
      </Section>
      <OverallResult success="false" durationInSeconds="0.001"/>
    </TestCase>
    <TestCase name="Scenario: tanh" tags="[lesson02][points:2]" filename="tests/a.cpp" line="30">
      <FatalErrorCondition filename="tests/a.cpp" line="30">
        SIGSEGV - Segmentation violation signal
      </FatalErrorCondition>
      <OverallResult success="false"/>
    </TestCase>
    <OverallResults successes="0" failures="2" expectedFailures="0"/>
  </Group>
  <OverallResults successes="0" failures="2" expectedFailures="0"/>
</Catch>
)";

}  // namespace

// ---- the pieces ------------------------------------------------------------------------------
SCENARIO("results.json is written and read as strict JSON", "[infra][grading]") {
  GIVEN("a report with what a program printed: invalid UTF-8, control bytes") {
    Value report = Value::object();
    report.set("score", 2.5);
    report.set("output", std::string("tab\there, quote \" backslash \\ bell \a bad \xff\xfe byte"));
    Value tests = Value::array();
    tests.push(Value::object());
    report.set("tests", tests);
    THEN("it round-trips, with the bad bytes replaced by U+FFFD") {
      const Value back = grade_json::parse(grade_json::dump(report));
      CHECK(back["score"].as_number() == 2.5);
      CHECK(back["output"].as_string() ==
            "tab\there, quote \" backslash \\ bell \a bad \xEF\xBF\xBD\xEF\xBF\xBD byte");
      CHECK(back["tests"].size() == 1);
    }
  }
  THEN("what is not JSON is refused, with where") {
    for (const char* bad :
         {"{\"a\": 1,}", "[1 2]", "{\"a\": 01}", "\"\x01\"", "\"\xff\"", "{\"a\": 1} {", "NaN",
          "{\"a\": 1, \"a\": 2}", "[1.]", "", "\"\\ud800\""}) {
      INFO("input: " << bad);
      CHECK_THROWS_WITH(grade_json::parse(bad), Contains("invalid JSON"));
    }
  }
}

SCENARIO("a Catch2 report cut off anywhere still reads", "[infra][grading]") {
  const std::string full = catch_report;
  GIVEN("the whole report") {
    const auto doc = grade_xml::parse(full);
    const auto* group = doc->child("Catch")->child("Group");
    REQUIRE(group != nullptr);
    THEN("both test cases are finished, entities decoded, text trimmed") {
      CHECK(doc->child("Catch")->closed);
      const auto* relu = group->children[0].get();
      CHECK(relu->attribute_or("name", "") == "Scenario: ReLU");
      CHECK(relu->closed);
      const auto* expanded = relu->child("Section")->child("Expression")->child("Expanded");
      CHECK(grade_xml::trim(expanded->text) == "0 < 1 && \"x\"");
    }
  }
  GIVEN("every prefix of it, as a killed process leaves it") {
    THEN("each parses, and a test case counts as finished only once its end tag is there") {
      const std::size_t second = full.find("<TestCase name=\"Scenario: tanh\"");
      const std::size_t second_open = full.find('>', second) + 1;  // its start tag, whole
      const std::size_t second_end = full.find("</TestCase>", second);
      for (std::size_t n = 0; n <= full.size(); ++n) {
        std::unique_ptr<grade_xml::Element> doc;
        REQUIRE_NOTHROW(doc = grade_xml::parse(full.substr(0, n)));
        const auto* root = doc->child("Catch");
        const auto* group = root ? root->child("Group") : nullptr;
        if (n >= second_open && group) {
          REQUIRE(group->children.size() >= 2);
          INFO("cut after " << n << " bytes");
          CHECK(group->children[1]->closed == (n >= second_end + 11));
        }
      }
    }
  }
}

SCENARIO("solution regions become stubs that throw; hidden tests are cut", "[infra][grading]") {
  GIVEN("a function whose body is an exercise, with a hint and a snippet marker inside") {
    const std::string source =
        "#include \"nn/activations.hpp\"\n"
        "arma::mat relu_backward(const arma::mat& x, const arma::mat& grad_y) {\n"
        "  // BEGIN SOLUTION lesson02 \"relu_backward (the \\\"mask\\\")\"\n"
        "  // HINT: ReLU'(0) = 0.\n"
        "  // [snippet inner]\n"
        "  const arma::mat mask = arma::conv_to<arma::mat>::from(x > 0);\n"
        "  // [/snippet]\n"
        "  return grad_y % mask;\n"
        "  // END SOLUTION\n"
        "}\n";
    const auto stripped = grade_exercises::strip_solutions(source, "src/nn/activations.cpp");
    THEN("the body is a TODO line, the hint, the markers and a throw naming lesson and doc") {
      CHECK(stripped.problems.empty());
      REQUIRE(stripped.exercises.size() == 1);
      CHECK(stripped.exercises[0].name == "relu_backward (the \"mask\")");
      CHECK(stripped.text ==
            "#include \"nn/activations.hpp\"\n"
            "#include \"nn/error.hpp\"  // the exercise stubs throw nn::Error\n"
            "\n"
            "// Student release: the stubs below leave parameters (and helpers) unused\n"
            "// until you write them; once every one is written, delete the two pragmas.\n"
            "#pragma GCC diagnostic ignored \"-Wunused-parameter\"\n"
            "#pragma GCC diagnostic ignored \"-Wunused-function\"\n"
            "arma::mat relu_backward(const arma::mat& x, const arma::mat& grad_y) {\n"
            "  // TODO(lesson02): relu_backward (the \"mask\")\n"
            "  // HINT: ReLU'(0) = 0.\n"
            "  // [snippet inner]\n"
            "  // [/snippet]\n"
            "  throw nn::Unwritten(2, \"relu_backward (the \\\"mask\\\")\", "
            "\"src/nn/activations.cpp\", __LINE__);\n"
            "}\n");
    }
    THEN("the release's stub is found again as still to write") {
      const auto found = grade_exercises::find_exercises(stripped.text, "src/nn/activations.cpp");
      REQUIRE(found.size() == 1);
      CHECK(found[0].state == grade_exercises::Exercise::State::stub);
      CHECK(found[0].hints == std::vector<std::string>{"// HINT: ReLU'(0) = 0."});
      CHECK(found[0].line == 13);  // the throw, whose __LINE__ the lessons print
    }
  }
  GIVEN("regions that are not closed, nested or malformed") {
    THEN("each is a problem with its line, and no release is written from it") {
      CHECK(
          grade_exercises::strip_solutions("  // BEGIN SOLUTION lesson01 \"x\"\n  return 1;\n", "f")
              .problems.size() == 1);
      CHECK(grade_exercises::strip_solutions("  // END SOLUTION\n", "f").problems.size() == 1);
      CHECK(grade_exercises::strip_solutions("  // BEGIN SOLUTION lesson1 x\n", "f")
                .problems.size() == 1);
      const auto nested = grade_exercises::strip_solutions(
          "// BEGIN SOLUTION lesson01 \"a\"\n// BEGIN SOLUTION lesson01 \"b\"\n// END SOLUTION\n",
          "f");
      REQUIRE(nested.problems.size() == 1);
      CHECK(nested.problems[0].line == 2);
    }
  }
  GIVEN("a test file with a hidden region, and one with a stray hidden tag") {
    const std::string tests =
        "TEST_CASE(\"shown\", \"[lesson01][points:1]\") {}\n"
        "// BEGIN HIDDEN\n"
        "TEST_CASE(\"secret\", \"[lesson01][points:2][hidden]\") {}\n"
        "// END HIDDEN\n";
    THEN("the region goes, and a hidden tag outside a region stops the release") {
      const auto cut = grade_exercises::strip_hidden(tests, "tests/a_test.cpp");
      CHECK(cut.problems.empty());
      CHECK(cut.regions == 1);
      CHECK(cut.text == "TEST_CASE(\"shown\", \"[lesson01][points:1]\") {}\n");
      const auto stray = grade_exercises::strip_hidden(
          "TEST_CASE(\"x\", \"[lesson01][points:1][visibility:hidden]\") {}\n", "tests/b_test.cpp");
      REQUIRE(stray.problems.size() == 1);
      CHECK(stray.problems[0].line == 1);
    }
  }
}

// ---- the grader on real binaries ---------------------------------------------------------------
SCENARIO("the solution tree scores every point", "[infra][grading][.][e2e]") {
  require_built(grader());
  require_built(build_dir() + "/stepnet_tests");
  WHEN("make grade's grader runs the suite lesson by lesson") {
    const Graded& g = solution_graded();
    INFO(g.log);
    REQUIRE(g.status == 0);
    const Value results = read_results(g.results_path);
    THEN("every graded test passes and the score is the maximum") {
      REQUIRE(results["tests"].size() > 0);
      for (const Value& t : results["tests"].items()) {
        INFO(t["name"].as_string() << ": " << t["output"].as_string());
        CHECK(t["score"].as_number() == t["max_score"].as_number());
      }
      CHECK(results["score"].as_number() == results["extra_data"]["max_score"].as_number());
      CHECK(results["score"].as_number() > 0);
    }
    THEN("junit.xml holds the same test cases, none failed") {
      const auto doc = grade_xml::parse(slurp(build_dir() + "/grade-selftest/solution/junit.xml"));
      const auto* suites = doc->child("testsuites");
      REQUIRE(suites != nullptr);
      CHECK(suites->closed);
      std::size_t cases = 0, failed = 0;
      for (const auto& suite : suites->children)
        for (const auto& c : suite->children)
          if (c->name == "testcase") {
            ++cases;
            failed += c->child("failure") || c->child("error");
          }
      CHECK(cases == results["tests"].size());
      CHECK(failed == 0);
    }
  }
  THEN("every exercise region in src/ is a complete solution here") {
    for (const auto& e : nn::lesson::find_exercises_in_tree(".")) {
      INFO(e.file << ":" << e.line << " " << e.name);
      CHECK(e.state == grade_exercises::Exercise::State::solution);
    }
  }
}

SCENARIO("a crash, an abort or an endless loop costs only its own lesson's points",
         "[infra][grading]") {
  require_built(grader());
  require_built(build_dir() + "/grade_planted_tests");
  WHEN("the planted tests are graded with a " + planted_limit + " s limit per lesson") {
    const Graded& g = planted_graded();
    INFO(g.log);
    THEN("the report is written, valid JSON, and make grade would exit 0") {
      CHECK(g.status == 0);
      const Value results = read_results(g.results_path);
      CHECK(results["score"].as_number() == 10);
    }
    THEN("each lesson keeps exactly the points of the tests its trouble did not touch") {
      const Value results = read_results(g.results_path);
      const std::map<std::string, std::pair<double, double>> expected{{"lesson90", {3, 8}},
                                                                      {"lesson91", {3, 5}},
                                                                      {"lesson92", {1, 3}},
                                                                      {"lesson93", {1, 4}},
                                                                      {"lesson94", {2, 3}}};
      for (const auto& [lesson, points] : expected) {
        INFO(lesson);
        CHECK(lesson_points(results, lesson) == points);
      }
    }
    THEN("each test says why, in one short grouped reason") {
      const Value results = read_results(g.results_path);
      auto output = [&](const std::string& name) {
        const Value* t = find_test(results, "planted: " + name);
        REQUIRE(t != nullptr);
        return (*t)["output"].as_string();
      };
      // (Under make SANITIZE=1 a sanitizer catches the null store first and says so: UBSan
      // with halt_on_error, as .ci/run sets it, else AddressSanitizer.)
      CHECK_THAT(output("a segfault"),
                 Contains("crashed: SIGSEGV") || Contains("crashed: AddressSanitizer: SEGV") ||
                     Contains("crashed: UndefinedBehaviorSanitizer: store to null pointer"));
      CHECK(output("after the segfault") == "passed");
      CHECK_THAT(output("an endless loop"), Contains("timed out after " + planted_limit + " s"));
      CHECK(output("after the endless loop") == "passed");  // a timeout resumes, as a crash does
      CHECK_THAT(output("std::terminate"),
                 Contains("crashed: SIGABRT") && Contains("terminate called"));
      CHECK_THAT(output("an nn::Error escapes"), Contains("threw: lesson 93 exercise: planted"));
      CHECK_THAT(output("std::_Exit(0) mid-report"), Contains("exited early (status 0"));
      CHECK(output("after the quiet exit") == "passed");
      CHECK_THAT(
          output("fifty failed checks are one reason"),
          Contains("CHECK( i < 0 )") && Contains("0 < 0") && Contains("and 49 more failed checks"));
      CHECK_THAT(output("a hidden test that fails with a matrix"),
                 Contains("approx_equal") && Contains("the diagonal was doubled on purpose"));
      for (const Value& t : results["tests"].items()) CHECK(t["output"].as_string().size() < 2000);
    }
    THEN("visibility comes from the tags, and the summary shows only what students may see") {
      const Value results = read_results(g.results_path);
      CHECK((*find_test(results, "planted: a hidden test that fails with a matrix"))["visibility"]
                .as_string() == "hidden");
      CHECK((*find_test(results, "planted: shown after the due date"))["visibility"].as_string() ==
            "after_due_date");
      CHECK((*find_test(results, "planted: a segfault"))["visibility"].as_string() == "visible");
      CHECK_THAT(results["output"].as_string(), Contains("lesson90        2 / 4"));
      CHECK_THAT(results["output"].as_string(), !Contains("hidden test that fails"));
    }
    THEN("junit.xml reports the crash and the timeout as errors") {
      const std::string junit = slurp(build_dir() + "/grade-selftest/planted/junit.xml");
      CHECK_THAT(junit, (Contains("type=\"SIGSEGV\"") || Contains("type=\"crash\"")) &&
                            Contains("type=\"timeout\""));
      CHECK(grade_xml::parse(junit)->child("testsuites")->closed);
    }
  }
}

SCENARIO("the student release builds, scores 0 on every exercise and full on the rest",
         "[infra][grading][.][e2e]") {
  const std::string build = build_dir();
  require_built(grader());
  if (kAddressSanitizer) {  // rebuilding the release under ASan was a third of CI's time
    WARN("built with AddressSanitizer: the release is built and graded by the plain make test "
         "and by make check-loop");
    return;
  }
  if (fs::path(build).is_absolute()) {
    WARN("STEPNET_BUILD=" << build
                          << " is absolute; the release test needs a build directory "
                             "relative to the tree, and is skipped");
    return;
  }
  const auto solutions = nn::lesson::find_exercises_in_tree(".");
  REQUIRE(!solutions.empty());
  WHEN("make student's release is written") {
    const Release& r = student_release();
    INFO(r.written_log);
    REQUIRE(r.written == 0);
    THEN("every exercise is a stub, no solution marker is left, nothing instructor-only ships") {
      const auto stubs = nn::lesson::find_exercises_in_tree(r.dir);
      CHECK(stubs.size() == solutions.size());
      for (const auto& e : stubs) {
        INFO(e.file << ":" << e.line << " " << e.name);
        CHECK(e.state == grade_exercises::Exercise::State::stub);
      }
      for (const auto& e : fs::recursive_directory_iterator(r.dir)) {
        const std::string ext = e.path().extension().string();
        if (!e.is_regular_file() || (ext != ".cpp" && ext != ".hpp")) continue;
        const std::string rel = fs::relative(e.path(), r.dir).generic_string();
        if (rel.rfind(build + "/", 0) == 0) continue;  // the objects copied in below
        const std::string text = slurp(e.path().string());
        for (const std::string& line : grade_exercises::split_lines(text)) {
          INFO(e.path().string() << ": " << line);
          CHECK_FALSE(std::regex_match(line, grade_exercises::any_begin_marker()));
          CHECK_FALSE(std::regex_match(line, grade_exercises::end_marker()));
        }
        if (rel.rfind("tests/", 0) == 0) CHECK_THAT(text, !Contains("[visibility:hidden]"));
      }
      CHECK_FALSE(fs::exists(r.dir + "/tests/grading_test.cpp"));
      CHECK_FALSE(fs::exists(r.dir + "/tests/fixtures/grading"));
      CHECK(fs::exists(r.dir + "/.stepnet-release"));
      CHECK_THAT(slurp(r.dir + "/README.md"), Contains("yours to write") && Contains("make grade"));
    }
    AND_WHEN("it is built (reusing this build's objects) and graded with hidden tests") {
      INFO(r.make_command << "\n" << r.make_log);
      REQUIRE(r.seeded == 0);
      REQUIRE(r.made == 0);
      const Value results = read_results(r.results_path);

      THEN("every test that fails, fails at an exercise; every exercise is reached") {
        std::set<std::string> reached;
        int failed = 0;
        for (const Value& t : results["tests"].items()) {
          if (t["status"].as_string() == "passed") continue;
          ++failed;
          const std::string output = t["output"].as_string();
          INFO(t["name"].as_string() << ":\n" << output);
          CHECK_THAT(output, Contains("is yours to write"));
          CHECK(t["score"].as_number() == 0);
          for (const auto& e : solutions)
            if (output.find(grade_exercises::message(e)) != std::string::npos)
              reached.insert(e.name);
        }
        CHECK(failed > 0);
        CHECK(results["score"].as_number() < results["extra_data"]["max_score"].as_number());
        for (const auto& e : solutions)
          if (!reached.count(e.name))
            WARN("no test stops at exercise \"" << e.name << "\" (" << e.file << ":" << e.line
                                                << ") in the student release: nothing grades it");
      }
      THEN("the hidden tests count, with their own points and visibility") {
        const Value* relu = find_test(results, "hidden: ReLU's backward pass on a 2x2 batch");
        REQUIRE(relu != nullptr);
        CHECK((*relu)["visibility"].as_string() == "hidden");
        CHECK((*relu)["max_score"].as_number() == 2);
        CHECK((*relu)["score"].as_number() == 0);
        CHECK_THAT((*relu)["output"].as_string(), Contains("relu_backward is yours to write"));
        const Value* linear =
            find_test(results, "hidden: Linear's forward pass, shown after the due date");
        REQUIRE(linear != nullptr);
        CHECK((*linear)["visibility"].as_string() == "after_due_date");
        CHECK((*linear)["score"].as_number() == 1);
      }
      THEN("no lesson crashes with every exercise unwritten (make check-loop runs each to its end)") {
        double budget = 40;  // seconds for all lessons together
        const std::string lessons = r.dir + "/" + build + "/lessons";
        if (!fs::exists(lessons)) return;
        for (const auto& e : fs::directory_iterator(lessons)) {
          if (budget <= 0) break;
          const std::string lesson = e.path().filename().string();
          const std::string log = fs::absolute(r.work + "/" + lesson + ".log").string();
          const auto start = std::chrono::steady_clock::now();
          const int code = shell("cd '" + r.dir + "' && timeout -s KILL 15 " + build + "/lessons/" +
                                     lesson + " --no-pause",
                                 log);
          budget -= std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
          const std::string text = slurp(log);
          INFO(lesson << " exited with " << code << ":\n" << tail(text, 12));
          if (code == 128 + SIGKILL) continue;  // still running after 15 s: no exercise on its way
          CHECK(code < 128);
          if (code != 0) CHECK_THAT(text, Contains("is yours to write"));
        }
      }
    }
  }
}

// ---- only exercise regions come from a submission ----------------------------------------------
SCENARIO("a submission's exercise bodies are spliced into the course's file, nothing else",
         "[infra][grading]") {
  const std::string course =
      "#include \"nn/x.hpp\"\n"
      "namespace nn {\n"
      "arma::mat twice(const arma::mat& x) {\n"
      "  // TODO(lesson02): twice\n"
      "  // HINT: two of it.\n"
      "  throw nn::Error(\"lesson 2 exercise: twice is yours to write; see docs/lesson02.md\");\n"
      "}\n"
      "\n"
      "double half(double v) {\n"
      "  // TODO(lesson02): half\n"
      "  throw nn::Error(\"lesson 2 exercise: half is yours to write; see docs/lesson02.md\");\n"
      "}\n"
      "}  // namespace nn\n";
  const auto course_lines = grade_exercises::split_lines(course);
  GIVEN("a student's file: one body written, code added outside the functions") {
    const std::string sub =
        "#include \"nn/x.hpp\"\n"
        "#include <cstdlib>\n"
        "static int planted = (std::system(\"id\"), 0);\n"
        "namespace nn {\n"
        "arma::mat twice(const arma::mat& x) {\n"
        "  // TODO(lesson02): twice\n"
        "  if (x.n_rows > 0) {\n"
        "    return 2 * x;\n"
        "  }\n"
        "  return x;\n"
        "}\n"
        "\n"
        "double half(double v) {\n"
        "  // TODO(lesson02): half\n"
        "  throw nn::Error(\"lesson 2 exercise: half is yours to write; see docs/lesson02.md\");\n"
        "}\n"
        "}  // namespace nn\n";
    const auto s = grade_splice::splice(course_lines, grade_exercises::split_lines(sub));
    THEN("the written body is taken, the stub stays, the outside code is dropped and noticed") {
      CHECK(s.written == 1);
      CHECK(s.stubs == 1);
      CHECK(s.outside_changed);
      const std::string text = grade_exercises::join_lines(s.lines, true);
      CHECK(text ==
            "#include \"nn/x.hpp\"\n"
            "namespace nn {\n"
            "arma::mat twice(const arma::mat& x) {\n"
            "  // TODO(lesson02): twice\n"
            "  if (x.n_rows > 0) {\n"
            "    return 2 * x;\n"
            "  }\n"
            "  return x;\n"
            "}\n"
            "\n"
            "double half(double v) {\n"
            "  // TODO(lesson02): half\n"
            "  throw nn::Error(\"lesson 2 exercise: half is yours to write; see docs/lesson02.md\");\n"
            "}\n"
            "}  // namespace nn\n");
    }
  }
  GIVEN("bodies that try to reach outside their function") {
    THEN("each is refused with its reason") {
      CHECK_THAT(grade_splice::unsafe("  return 1;\n}\nstatic int x = f();\nvoid g() {\n"),
                 Contains("close the function"));
      CHECK_THAT(grade_splice::unsafe("#define TEST_CASE(...) void f()\n"), Contains("preprocessor"));
      CHECK_THAT(grade_splice::unsafe("  %:define X\n"), Contains("preprocessor"));
      CHECK_THAT(grade_splice::unsafe("  asm(\".globl x\");\n"), Contains("asm"));
      CHECK_THAT(grade_splice::unsafe("  int a = 1'0; } int b = 2'0; {\n"), Contains("close"));
      CHECK_THAT(grade_splice::unsafe("  return 1; %> int y; <%\n"), Contains("close"));
      CHECK(grade_splice::unsafe("  const char* s = \"}\"; // }\n  /* } */ return '}';\n").empty());
      CHECK(grade_splice::unsafe("  auto f = [] { return R\"x(})x\"; };\n").empty());
    }
  }
  GIVEN("a body from the course's solution, between BEGIN and END SOLUTION markers") {
    const std::string sub =
        "arma::mat twice(const arma::mat& x) {\n"
        "  // BEGIN SOLUTION lesson02 \"twice\"\n"
        "  return 2 * x;\n"
        "  // END SOLUTION\n"
        "}\n";
    const auto s = grade_splice::splice(course_lines, grade_exercises::split_lines(sub));
    THEN("it is taken too") {
      CHECK(s.written == 1);
      CHECK(grade_exercises::join_lines(s.lines, true).find("  return 2 * x;\n") != std::string::npos);
    }
  }
}

SCENARIO("grade collect keeps the course's headers: a TEST_CASE redefined there changes nothing",
         "[infra][grading]") {
  require_built(grader());
  const fs::path work = fs::absolute(build_dir() + "/grade-selftest/collect");
  fs::remove_all(work);
  for (const char* d : {"course/src/nn", "sub/src/nn", "into"}) fs::create_directories(work / d);
  const std::string header = "#pragma once\nnamespace nn { double half(double v); }\n";
  const std::string cpp =
      "#include \"nn/x.hpp\"\nnamespace nn {\ndouble half(double v) {\n  // TODO(lesson02): half\n"
      "  throw nn::Error(\"lesson 2 exercise: half is yours to write; see docs/lesson02.md\");\n}\n}\n";
  std::ofstream(work / "course/src/nn/x.hpp") << header;
  std::ofstream(work / "course/src/nn/x.cpp") << cpp;
  std::ofstream(work / "course/src/nn/y.cpp") << "int y() { return 1; }\n";
  std::ofstream(work / "sub/src/nn/x.hpp")
      << header << "#undef TEST_CASE\n#define TEST_CASE(...) static void f()\n";
  std::string written = cpp;
  written.replace(written.find("  throw"), written.find("\n}\n}") - written.find("  throw"),
                  "  return v / 2;");
  std::ofstream(work / "sub/src/nn/x.cpp") << written;
  std::ofstream(work / "sub/src/nn/evil.cpp") << "int evil() { return 0; }\n";
  fs::copy(work / "course", work / "into", fs::copy_options::recursive);
  const auto y_time = fs::last_write_time(work / "into/src/nn/y.cpp");
  const int status = shell(grader() + " collect --course " + (work / "course").string() +
                               " --submission " + (work / "sub").string() + " --into " +
                               (work / "into").string() + " --note-file " + (work / "note.txt").string(),
                           (work / "collect.log").string());
  REQUIRE(status == 0);
  THEN("the header is the course's, the body is the student's, and the note says what was ignored") {
    CHECK(slurp((work / "into/src/nn/x.hpp").string()) == header);
    CHECK_THAT(slurp((work / "into/src/nn/x.cpp").string()), Contains("return v / 2;") && !Contains("throw"));
    CHECK_FALSE(fs::exists(work / "into/src/nn/evil.cpp"));
    CHECK(fs::last_write_time(work / "into/src/nn/y.cpp") == y_time);  // not recompiled
    const std::string note = slurp((work / "note.txt").string());
    CHECK_THAT(note, Contains("1 exercises written") && Contains("Ignored: src/nn/evil.cpp, src/nn/x.hpp"));
  }
}

// How many processes the user `name` has (from /proc).
static int processes_of(const std::string& name) {
  const passwd* pw = ::getpwnam(name.c_str());
  if (!pw) return -1;
  int count = 0;
  for (const auto& e : fs::directory_iterator("/proc")) {
    const std::string pid = e.path().filename().string();
    if (pid.find_first_not_of("0123456789") != std::string::npos) continue;
    std::ifstream status(e.path() / "status");
    for (std::string line; std::getline(status, line);)
      if (line.rfind("Uid:", 0) == 0) {
        count += std::stoul(line.substr(4)) == pw->pw_uid;
        break;
      }
  }
  return count;
}

// ---- hostile submissions -----------------------------------------------------------------------
SCENARIO("hostile code inside a test process earns what its tests earn, and no more",
         "[infra][grading]") {
  require_built(grader());
  require_built(build_dir() + "/grade_hostile_tests");
  if (kAddressSanitizer) {
    WARN("built with AddressSanitizer: the hostile suite needs the address-space limit ASan "
         "cannot run under; the plain make test runs it");
    return;
  }
  const fs::path work = fs::absolute(build_dir() + "/grade-selftest/hostile");
  fs::remove_all(work);
  fs::create_directories(work / "secret");
  const std::string secret = (work / "secret/hidden_test.cpp").string();
  std::ofstream(secret) << "TEST_CASE(\"the hidden test's source\")\n";
  ::chmod((work / "secret").c_str(), 0700);
  const std::string out = (work / "out").string();
  const bool root = ::geteuid() == 0 && shell("command -v useradd", (work / "useradd.log").string()) == 0;
  if (!root) WARN("not root (or no useradd): the tests run as this user, isolation is off");
  const auto start = std::chrono::steady_clock::now();
  const Graded g = grade_once(build_dir() + "/grade_hostile_tests", out, "20",
                              "--test-timeout 3", "HOSTILE_SECRET='" + secret +
                              "' HOSTILE_RESULTS='" + out + "/results.json' ");
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  INFO(g.log);
  REQUIRE(g.status == 0);
  if (!root) return;  // without isolation the daemon may well rewrite results.json
  ::usleep(1500000);  // what a daemon would do after the grader wrote results.json
  const Value results = read_results(g.results_path);
  THEN("each attack's lesson scores what its honest tests earn") {
    const std::map<std::string, std::pair<double, double>> expected{
        {"lesson80", {1, 3}}, {"lesson81", {1, 3}}, {"lesson82", {2, 2}}, {"lesson83", {1, 1}},
        {"lesson84", {2, 2}}, {"lesson85", {1, 3}}, {"lesson86", {1, 3}}, {"lesson87", {1, 3}}};
    for (const auto& [lesson, points] : expected) {
      INFO(lesson);
      CHECK(lesson_points(results, lesson) == points);
    }
    CHECK(results["score"].as_number() == 10);
    CHECK(seconds < 60);
  }
  THEN("the reasons name the flood, the loop and the allocation") {
    auto output = [&](const std::string& name) {
      const Value* t = find_test(results, "hostile: " + name);
      REQUIRE(t != nullptr);
      return (*t)["output"].as_string();
    };
    CHECK_THAT(output("prints 300 MB"), Contains("more than 256 MB of output"));
    CHECK_THAT(output("an endless loop"), Contains("timed out after 3 s"));
    CHECK_THAT(output("allocates and touches 2 GB"), Contains("bad_alloc"));
    CHECK(output("after the flood") == "passed");
  }
  if (root) {
    THEN("the hidden test's source was neither read nor written, no process of the student is left") {
      CHECK(slurp(secret) == "TEST_CASE(\"the hidden test's source\")\n");
      for (const auto& e : fs::directory_iterator(out + "/runs"))
        CHECK_THAT(slurp(e.path().string()), !Contains("the hidden test's source"));
      // The user this run had (stepnet-student, or stepnet-studentN beside another grading).
      const std::string text = results["output"].as_string();
      const std::size_t at = text.find("unprivileged user ");
      REQUIRE(at != std::string::npos);
      const std::string user = text.substr(at + 18, text.find(',', at) - at - 18);
      INFO("user " << user);
      CHECK(processes_of(user) == 0);
    }
  }
}

// ---- the README's example of a hidden test ---------------------------------------------------
SCENARIO("README's hidden-test example compiles", "[infra][grading]") {
  const std::string readme = slurp("README.md");
  const std::size_t section = readme.find("## Hidden tests");
  REQUIRE(section != std::string::npos);
  const std::size_t open = readme.find("```cpp\n", section);
  const std::size_t close = readme.find("```", open + 7);
  REQUIRE(open != std::string::npos);
  REQUIRE(close != std::string::npos);
  const fs::path work = fs::absolute(build_dir() + "/grade-selftest/readme");
  fs::create_directories(work);
  std::ofstream(work / "readme_hidden_test.cpp") << readme.substr(open + 7, close - open - 7);
  const std::string vars = grade_xml::trim(slurp(build_dir() + "/tools/grade.vars"));
  const std::size_t cxx_at = vars.find(" CXX=");
  const std::string cxx = cxx_at == std::string::npos ? "g++" : vars.substr(cxx_at + 5);
  const std::string log = (work / "compile.log").string();
  // Catch2 v3 has no catch2/catch.hpp: the Makefile's compat header stands in (as for the suite).
  const std::string compat =
      fs::exists("/usr/include/catch2/catch.hpp") ? "" : " -Itools/catch2_compat";
  const int status = shell(cxx + " -std=c++17 -fsyntax-only -Isrc -Itests" + compat + " " +
                               (work / "readme_hidden_test.cpp").string(), log);
  INFO(slurp(log));
  CHECK(status == 0);
}
