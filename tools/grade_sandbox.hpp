// grade_sandbox.hpp -- running a test process so that nothing it does can reach the verdict.
//
// When the grader runs as root (Gradescope, CI), every test process runs as an unprivileged
// user (`stepnet-student`, created when missing) in a directory of its own: a copy of the test
// binaries (execute-only), the lesson programs, data/ and the course's src/ (public anyway), and
// out/, tmp/ and build/ it may write (build/ sticky: it cannot replace the grader's files). The
// grader's reports, the course tree and the hidden tests are elsewhere, in directories that user
// cannot enter. After each run every process of that user is killed (kill(-1) as that user), so
// a detached process cannot outlive its lesson.
//
// The process gets three pipes, never files: stdout+stderr (fd 1, 2; the grader keeps only the
// tail and stops the process past the output limit), Catch2's XML report (fd 3, `-o /dev/fd/3`)
// and a progress line per test case (fd 4, written by tools/catch_main.cpp's listener), so the
// grader knows which test is running and for how long. Nothing is left on disk for code in the
// process, or one it started, to rewrite afterwards.
//
// Not root (a developer's `make grade`): the same pipes and limits, but the tests run as the
// developer: isolation is off, and the report says so.
#pragma once

#include <sys/types.h>

#include <map>
#include <string>
#include <utility>
#include <vector>

#include "grade_common.hpp"

namespace grade {

struct Sandbox {
  bool isolated = false;
  uid_t uid = 0;
  gid_t gid = 0;
  std::string dir;     // where test processes run (their working directory); "" = here
  std::string build;   // STEPNET_BUILD for them
  std::string notice;  // one line for the report: who ran the tests
  std::vector<std::string> binaries;  // the test binaries as the sandbox holds them
};

// Prepares the sandbox for these test binaries (copies them in when isolated).
Sandbox open_sandbox(const Options& opt);
// Kills every process of the student user, then removes the sandbox's directory.
void close_sandbox(const Sandbox& box);
// Kills every process of the student user (nothing when not isolated).
void kill_user_processes(const Sandbox& box);

struct Limits {
  double timeout = 60;        // the whole process
  double test_timeout = 0;    // one test case (needs the progress pipe); 0: none
  std::map<std::string, double> test_limits;  // per test case, where known (else test_timeout)
  long max_output_bytes = 256L << 20;
  long max_memory_bytes = 0;  // RLIMIT_AS; 0: none
  int max_processes = 64;     // RLIMIT_NPROC of the student user (isolated only)
  std::size_t keep_output = 64 << 10;  // bytes of output kept: the first ones (listing) or the tail
  bool keep_head = false;
};

struct Process {
  bool started = false;
  int exit_code = -1;  // when it exited
  int signal = 0;      // when a signal ended it
  enum class Stop { none, timeout, test_timeout, output } stopped = Stop::none;
  double seconds = 0;
  std::string error;        // why it could not start
  std::string report;       // what arrived on fd 3 (up to 64 MB)
  long output_bytes = 0;    // how much it printed
  std::string output;       // the first or last keep_output bytes of it
  std::string running;      // the test case running when it ended (from the progress pipe)
  double running_limit = 0; // the time limit that test had
  std::vector<std::string> started_tests;  // every test case it started, in order
};

// Runs argv in its own process group, stdin from /dev/null, with the limits above.
Process run_process(const std::vector<std::string>& argv,
                    const std::vector<std::pair<std::string, std::string>>& env,
                    const Limits& limits, const Sandbox& box);

}  // namespace grade
