// helpers.hpp -- core_helpers.hpp (grids, the matrix matcher) and running a lesson program:
// for the tests that need the whole library (nn/nn.hpp).
#pragma once

#include <sys/wait.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "core_helpers.hpp"
#include "nn/nn.hpp"

namespace testing {

// ---- running a lesson program -------------------------------------------------------------
// The build directory the suite runs from: $STEPNET_BUILD (tools/run_tests.sh sets it), else
// build/, relative to the repository root.
inline std::string build_dir() {
  const char* env = std::getenv("STEPNET_BUILD");
  std::filesystem::path build = env && *env ? env : "build";
  if (build.is_relative()) build = std::filesystem::path(nn::lesson::repository_root()) / build;
  return build.string();
}

// Where lesson N writes (out/lessonN, or under $STEPNET_OUT: nn::lesson::output_root()).
inline std::filesystem::path lesson_out(int number) {
  return std::filesystem::path(nn::lesson::output_root()) / ("lesson" + std::to_string(number));
}

struct LessonRun {
  int exit_code = -1;  // -1: did not exit normally (a signal)
  std::string output;  // stdout and stderr together
};

// Runs build/lessons/lessonN with `arguments` from the repository root, stdin from /dev/null
// (so it never waits for a key), and returns its exit code and output.
inline LessonRun run_lesson(int number, const std::string& arguments) {
  const std::string n = std::to_string(number);
  const std::string binary = build_dir() + "/lessons/lesson" + n;
  if (!std::filesystem::exists(binary)) FAIL(binary << " is missing: make " << binary << " builds it");
  // One log per test process (two processes may run the same lesson at once), read and removed.
  const std::string log = build_dir() + "/lesson" + n + "_run." + std::to_string(::getpid()) + ".log";
  const std::string command = "cd '" + nn::lesson::repository_root() + "' && '" + binary + "' " +
                              arguments + " > '" + log + "' 2>&1 < /dev/null";
  const int status = std::system(command.c_str());
  LessonRun run;
  if (status != -1 && WIFEXITED(status)) run.exit_code = WEXITSTATUS(status);
  {
    std::ifstream in(log);
    std::ostringstream text;
    text << in.rdbuf();
    run.output = text.str();
  }
  std::filesystem::remove(log);
  return run;
}

// What went wrong in a run of lesson N with `arguments`, or "" when it exited 0 and skipped no
// step: the steps that stopped and how its output ends, or (a student release) the skipped steps.
inline std::string run_problem(int number, const std::string& arguments, const LessonRun& run) {
  const std::string what = "lesson " + std::to_string(number) + " " + arguments;
  if (run.exit_code != 0) {
    std::string reasons, line;
    for (std::istringstream lines(run.output); std::getline(lines, line);)
      if (line.find(" stopped: ") != std::string::npos) reasons += line + "\n";
    const std::string& output = run.output;
    return what + " exited with " + std::to_string(run.exit_code) + ":\n" + reasons +
           "(its output ends:)\n" + output.substr(output.size() > 2000 ? output.size() - 2000 : 0);
  }
  const auto skipped = run.output.find("\nSkipped ");
  if (skipped != std::string::npos)
    return what + " ran, but" +
           run.output.substr(skipped, run.output.find("\nFiles written", skipped) - skipped);
  return "";
}

// Runs lesson N straight through (`arguments`, --no-pause --quick by default) and checks that
// it exits 0, skips no step and writes every file in `files` under out/lessonN/. Stale copies
// are removed first, so an old file cannot pass. PNGs are checked only when gnuplot is installed
// (the run and the data files always are). Returns the run, for checks of its output.
inline LessonRun check_lesson_run(int number, const std::vector<std::string>& files,
                                  const std::string& arguments = "--no-pause --quick") {
  namespace fs = std::filesystem;
  const fs::path out = lesson_out(number);
  for (const auto& f : files) fs::remove(out / f);

  const LessonRun run = run_lesson(number, arguments);
  const std::string problem = run_problem(number, arguments, run);
  if (!problem.empty()) FAIL(problem);
  const bool gnuplot = std::system("command -v gnuplot > /dev/null 2>&1") == 0;
  if (!gnuplot) WARN("gnuplot is not installed: the PNG check is skipped (the run was checked)");
  for (const auto& f : files) {
    if (!gnuplot && fs::path(f).extension() == ".png") continue;
    INFO("expected file " << (out / f).string());
    CHECK(fs::exists(out / f));
  }
  return run;
}

}  // namespace testing

// Catch prints the actual value through this.
namespace Catch {
template <>
struct StringMaker<arma::mat> {
  static std::string convert(const arma::mat& m) {
    std::ostringstream s;
    s << "\n";
    m.raw_print(s);
    return s.str();
  }
};
}  // namespace Catch
