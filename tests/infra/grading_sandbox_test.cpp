// The grader's own tests of what a submission can reach: grade collect takes only exercise
// bodies (a header redefining TEST_CASE changes nothing); hostile code inside a test process
// (tests/fixtures/grading/hostile: output floods, loops, 2 GB, a daemon, reading the hidden
// tests) earns what its tests earn and no more; and the README's hidden-test example compiles.
// The helpers (grade_once, read_results, ...) are in grading_fixtures.hpp.
#include <catch2/catch.hpp>

#include <pwd.h>
#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <fstream>
#include <map>
#include <string>

#include "../../tools/grade_xml.hpp"
#include "grading_fixtures.hpp"

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
// One grader run of the hostile suite, shared by the scenario's THEN sections (Catch2 runs a
// scenario once per section: three runs of about 8 s each before).
namespace {
struct HostileRun {
  Graded graded;
  double seconds = 0;
  bool root = false;  // root with useradd: the tests ran as an unprivileged user
  std::string secret, out;
};

const HostileRun& hostile_run() {
  static const HostileRun run = [] {
    HostileRun r;
    const fs::path work = fs::absolute(build_dir() + "/grade-selftest/hostile");
    fs::remove_all(work);
    fs::create_directories(work / "secret");
    r.secret = (work / "secret/hidden_test.cpp").string();
    std::ofstream(r.secret) << "TEST_CASE(\"the hidden test's source\")\n";
    ::chmod((work / "secret").c_str(), 0700);
    r.out = (work / "out").string();
    r.root = ::geteuid() == 0 && shell("command -v useradd", (work / "useradd.log").string()) == 0;
    const auto start = std::chrono::steady_clock::now();
    r.graded = grade_once(build_dir() + "/grade_hostile_tests", r.out, "20", "--test-timeout 3",
                          "HOSTILE_SECRET='" + r.secret + "' HOSTILE_RESULTS='" + r.out +
                              "/results.json' ");
    r.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    if (r.root) ::usleep(1500000);  // what a daemon would do after the grader wrote results.json
    return r;
  }();
  return run;
}
}  // namespace

SCENARIO("hostile code inside a test process earns what its tests earn, and no more",
         "[infra][grading]") {
  require_built(grader());
  require_built(build_dir() + "/grade_hostile_tests");
  if (kAddressSanitizer) {
    WARN("built with AddressSanitizer: the hostile suite needs the address-space limit ASan "
         "cannot run under; the plain make test runs it");
    return;
  }
  const HostileRun& h = hostile_run();
  const Graded& g = h.graded;
  const bool root = h.root;
  const std::string& secret = h.secret;
  const std::string& out = h.out;
  const double seconds = h.seconds;
  if (!root) WARN("not root (or no useradd): the tests run as this user, isolation is off");
  INFO(g.log);
  REQUIRE(g.status == 0);
  if (!root) return;  // without isolation the daemon may well rewrite results.json
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
