// The grader's own tests on real binaries, with the real grader ($STEPNET_BUILD/tools/grade):
//   - this tree's suite scores every point;
//   - planted crashes, aborts, an endless loop and a quiet exit (tests/fixtures/grading/planted)
//     each lose their own lesson's points only, and the report is still valid JSON;
//   - the student release builds, scores 0 on every exercise and full on everything else, and
//     `make grade EXTRA_TESTS=tests/fixtures/grading/hidden` adds hidden tests with their points
//     and visibility. The release is built from this build's objects: only the files with
//     exercises recompile (unoptimized), so it costs seconds, not minutes.
// The helpers (grade_once, read_results, ...) are in grading_fixtures.hpp.
#include <catch2/catch.hpp>

#include <chrono>
#include <csignal>
#include <map>
#include <regex>
#include <set>
#include <string>

#include "../../tools/grade_exercises.hpp"
#include "../../tools/grade_xml.hpp"
#include "grading_fixtures.hpp"

namespace {

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

}  // namespace

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
      for (const auto& e : fs::directory_iterator(r.dir + "/tests/infra"))  // the grader's tests
        CHECK_THAT(e.path().filename().string(), !Contains("grading"));
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
