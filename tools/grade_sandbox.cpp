// grade_sandbox.cpp -- see grade_sandbox.hpp.
#include "grade_sandbox.hpp"

#include <fcntl.h>
#include <grp.h>
#include <poll.h>
#include <pwd.h>
#include <signal.h>
#include <sys/file.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <cstring>

namespace grade {

namespace {

std::string current_user() {
  const passwd* pw = ::getpwuid(::geteuid());
  return pw ? pw->pw_name : "uid " + std::to_string(::geteuid());
}

// The student user: found, or created (a system account without a home or a shell).
const passwd* student_user(const std::string& name) {
  if (const passwd* pw = ::getpwnam(name.c_str())) return pw;
  const std::string cmd = "useradd --system --no-create-home --home-dir /nonexistent "
                          "--shell /usr/sbin/nologin '" + name + "' > /dev/null 2>&1";
  if (std::system(cmd.c_str()) != 0) return nullptr;
  return ::getpwnam(name.c_str());
}

void copy_tree(const fs::path& from, const fs::path& to) {
  if (!fs::exists(from)) return;
  fs::copy(from, to, fs::copy_options::recursive | fs::copy_options::copy_symlinks);
}

// Directories 0755 and files 0644 (0755 when executable), owned by root: readable, not writable.
void make_read_only(const fs::path& top) {
  if (!fs::exists(top)) return;
  ::chmod(top.c_str(), 0755);
  for (const auto& e : fs::recursive_directory_iterator(top)) {
    if (e.is_symlink()) continue;
    const bool exec = e.is_directory() ||
                      (fs::status(e.path()).permissions() & fs::perms::owner_exec) != fs::perms::none;
    ::chmod(e.path().c_str(), exec ? 0755 : 0644);
  }
}

void make_owned_dir(const fs::path& dir, uid_t uid, gid_t gid) {
  fs::create_directories(dir);
  if (::chown(dir.c_str(), uid, gid) != 0 || ::chmod(dir.c_str(), 0700) != 0)
    throw std::runtime_error("cannot prepare " + dir.string() + ": " + std::strerror(errno));
}

// The layout the tests see: bin/ (the test binaries, execute-only), build/ (sticky: logs may be
// added, nothing replaced; lessons/ inside), data/, src/, and out/, tmp/ of the student's own.
void fill_sandbox(Sandbox& box, const Options& opt) {
  const fs::path dir = box.dir;
  fs::create_directories(dir / "bin");
  box.binaries.clear();
  for (const std::string& b : opt.binaries) {
    const fs::path to = dir / "bin" / fs::path(b).filename();
    fs::copy_file(b, to, fs::copy_options::overwrite_existing);
    ::chmod(to.c_str(), 0711);
    box.binaries.push_back(to.string());
  }
  ::chmod((dir / "bin").c_str(), 0755);
  fs::create_directories(dir / "build");
  const fs::path build = opt.build.empty() ? fs::path("build") : fs::path(opt.build);
  copy_tree(build / "lessons", dir / "build" / "lessons");
  copy_tree("data", dir / "data");
  copy_tree("src", dir / "src");
  for (const char* d : {"build/lessons", "data", "src"}) make_read_only(dir / d);
  ::chmod((dir / "build").c_str(), 01777);
  make_owned_dir(dir / "out", box.uid, box.gid);
  make_owned_dir(dir / "tmp", box.uid, box.gid);
  ::chmod(dir.c_str(), 0755);
  box.build = (dir / "build").string();
}

}  // namespace

Sandbox open_sandbox(const Options& opt) {
  Sandbox box;
  box.binaries = opt.binaries;
  box.build = opt.build;
  if (!opt.isolate) {
    box.notice = "Isolation is off (--no-isolate): the tests ran as " + current_user() + ".";
    return box;
  }
  if (::geteuid() != 0) {
    box.notice = "Isolation is off: the grader is not root, so the tests ran as " +
                 current_user() + " and could read and write whatever it can (as root, e.g. on "
                 "Gradescope, they run as the unprivileged user " + opt.user + ").";
    return box;
  }
  // One user per concurrent grading on this machine (kill(-1) must not reach another run's
  // tests): stepnet-student, else stepnet-student1, 2, ..., whichever lock is free.
  std::string user;
  for (int i = 0; i < 8 && user.empty(); ++i) {
    const std::string name = opt.user + (i ? std::to_string(i) : "");
    const int lock = ::open(("/tmp/.stepnet-grade-" + name + ".lock").c_str(),
                            O_RDWR | O_CREAT | O_CLOEXEC, 0600);
    if (lock >= 0 && ::flock(lock, LOCK_EX | LOCK_NB) == 0) user = name;  // held until exit
    else if (lock >= 0) ::close(lock);
  }
  const passwd* pw = user.empty() ? nullptr : student_user(user);
  if (!pw) {
    box.notice = "Isolation is off: no free student user (" + opt.user + "...), or useradd failed.";
    return box;
  }
  box.isolated = true;
  box.uid = pw->pw_uid;
  box.gid = pw->pw_gid;
  kill_user_processes(box);  // anything an earlier run left
  std::string pattern = opt.sandbox_parent + "/stepnet-grade-XXXXXX";
  if (!::mkdtemp(pattern.data()))
    throw std::runtime_error("cannot make a directory in " + opt.sandbox_parent + ": " +
                             std::strerror(errno));
  box.dir = pattern;
  fill_sandbox(box, opt);
  box.notice = "The tests ran as the unprivileged user " + user +
               ", which cannot read the tests' sources or write the reports.";
  return box;
}

void kill_user_processes(const Sandbox& box) {
  if (!box.isolated) return;
  for (int round = 0; round < 50; ++round) {
    const pid_t pid = ::fork();
    if (pid < 0) return;
    if (pid == 0) {  // as the student: kill(-1) reaches every process of that user, and only those
      if (::setgid(box.gid) != 0 || ::setuid(box.uid) != 0) ::_exit(2);
      const int killed = ::kill(-1, SIGKILL);
      ::_exit(killed == 0 ? 1 : 0);  // 0: there was nothing left to kill
    }
    int status = 0;
    ::waitpid(pid, &status, 0);
    if (WIFEXITED(status) && WEXITSTATUS(status) != 1) return;
    ::usleep(2000);
  }
}

void close_sandbox(const Sandbox& box) {
  kill_user_processes(box);
  if (!box.isolated || box.dir.empty()) return;
  std::error_code ec;
  fs::remove_all(box.dir, ec);
}

namespace {

struct Pipe {
  int read = -1, write = -1;
};

Pipe make_pipe() {
  int fds[2];
  if (::pipe2(fds, O_CLOEXEC) != 0) throw std::runtime_error(std::string("pipe: ") + std::strerror(errno));
  return {fds[0], fds[1]};
}

void set_limit(int resource, rlim_t value) {
  struct rlimit limit;
  limit.rlim_cur = limit.rlim_max = value;
  ::setrlimit(resource, &limit);
}

// In the child, before exec: only async-signal-safe calls, plus setenv.
[[noreturn]] void exec_child(const std::vector<std::string>& argv,
                             const std::vector<std::pair<std::string, std::string>>& env,
                             const Limits& limits, const Sandbox& box, const Pipe& out,
                             const Pipe& report, const Pipe& progress) {
  ::setpgid(0, 0);
  // Out of the way of 0-4 first, then into place (dup2 clears close-on-exec).
  const int o = ::fcntl(out.write, F_DUPFD, 10), r = ::fcntl(report.write, F_DUPFD, 10),
            g = ::fcntl(progress.write, F_DUPFD, 10);
  const int null_fd = ::open("/dev/null", O_RDONLY);
  ::dup2(null_fd, 0);
  ::dup2(o, 1);
  ::dup2(o, 2);
  ::dup2(r, 3);
  ::dup2(g, 4);
  ::close(o), ::close(r), ::close(g), ::close(null_fd);
  for (const auto& kv : env) ::setenv(kv.first.c_str(), kv.second.c_str(), 1);
  set_limit(RLIMIT_FSIZE, static_cast<rlim_t>(limits.max_output_bytes));
  set_limit(RLIMIT_CORE, 0);
  if (limits.max_memory_bytes > 0) set_limit(RLIMIT_AS, static_cast<rlim_t>(limits.max_memory_bytes));
  ::signal(SIGPIPE, SIG_DFL);
  if (!box.dir.empty() && ::chdir(box.dir.c_str()) != 0) ::_exit(126);
  if (box.isolated) {
    set_limit(RLIMIT_NPROC, static_cast<rlim_t>(limits.max_processes));
    // The pipes become the student's, so /dev/fd/3 can be opened by name (Catch2's -o).
    for (int fd = 1; fd <= 4; ++fd)
      if (fd != 2 && ::fchown(fd, box.uid, box.gid) != 0) ::_exit(126);
    if (::setgroups(0, nullptr) != 0 || ::setgid(box.gid) != 0 || ::setuid(box.uid) != 0)
      ::_exit(126);
  }
  std::vector<char*> args;
  for (const std::string& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  ::execv(args[0], args.data());
  const std::string msg = std::string("grade: cannot run ") + args[0] + ": " + std::strerror(errno) + "\n";
  if (::write(2, msg.data(), msg.size()) < 0) {}
  ::_exit(127);
}

// What the grader keeps of a stream: all of it up to a cap, or only its tail.
void keep(std::string& kept, const char* data, std::size_t n, const Limits& limits) {
  if (limits.keep_head) {
    if (kept.size() < limits.keep_output) kept.append(data, std::min(n, limits.keep_output - kept.size()));
    return;
  }
  kept.append(data, n);
  if (kept.size() > 2 * limits.keep_output) kept.erase(0, kept.size() - limits.keep_output);
}

void read_progress(Process& p, std::string& pending, double now, double& test_started,
                   const Limits& limits) {
  for (std::size_t nl; (nl = pending.find('\n')) != std::string::npos;) {
    const std::string line = pending.substr(0, nl);
    pending.erase(0, nl + 1);
    if (starts_with(line, "S ")) {
      p.running = line.substr(2);
      p.started_tests.push_back(p.running);
      const auto it = limits.test_limits.find(p.running);
      p.running_limit = it != limits.test_limits.end() ? it->second : limits.test_timeout;
      test_started = now;
    } else if (starts_with(line, "E ")) {
      p.running.clear();
      test_started = -1;
    }
  }
  if (pending.size() > 65536) pending.clear();
}

// Reads whatever the pipes hold now (waiting up to wait_ms); false once all are closed.
bool drain(int fds[3], Process& p, std::string& progress, const Limits& limits, int wait_ms,
           double now, double& test_started) {
  pollfd polls[3];
  int open = 0;
  for (int i = 0; i < 3; ++i) {
    polls[i] = {fds[i], POLLIN, 0};
    open += fds[i] >= 0;
  }
  if (open == 0) return false;
  if (::poll(polls, 3, wait_ms) <= 0) return true;
  static char buf[1 << 16];
  for (int i = 0; i < 3; ++i) {
    if (fds[i] < 0 || !(polls[i].revents & (POLLIN | POLLHUP | POLLERR))) continue;
    const ssize_t n = ::read(fds[i], buf, sizeof buf);
    if (n <= 0) {
      if (n < 0 && errno == EINTR) continue;
      ::close(fds[i]);
      fds[i] = -1;
      continue;
    }
    if (i == 0) {
      p.output_bytes += n;
      keep(p.output, buf, static_cast<std::size_t>(n), limits);
    } else if (i == 1) {
      if (p.report.size() < (64u << 20)) p.report.append(buf, static_cast<std::size_t>(n));
    } else {
      progress.append(buf, static_cast<std::size_t>(n));
      read_progress(p, progress, now, test_started, limits);
    }
  }
  return true;
}

// Why the process must stop now, if it must: too much output, the whole run's time, or the
// running test's own limit (t: seconds since the start).
Process::Stop stop_reason(const Process& p, const Limits& limits, double t, double test_started) {
  if (p.output_bytes > limits.max_output_bytes) return Process::Stop::output;
  if (t > limits.timeout) return Process::Stop::timeout;
  if (p.running_limit > 0 && test_started >= 0 && t - test_started > p.running_limit)
    return Process::Stop::test_timeout;
  return Process::Stop::none;
}

}  // namespace

Process run_process(const std::vector<std::string>& argv,
                    const std::vector<std::pair<std::string, std::string>>& env,
                    const Limits& limits, const Sandbox& box) {
  Process p;
  const auto start = std::chrono::steady_clock::now();
  auto elapsed = [&] {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  };
  const Pipe out = make_pipe(), report = make_pipe(), progress = make_pipe();
  const pid_t pid = ::fork();
  if (pid < 0) {
    p.error = std::string("fork failed: ") + std::strerror(errno);
    for (int fd : {out.read, out.write, report.read, report.write, progress.read, progress.write})
      ::close(fd);
    return p;
  }
  if (pid == 0) exec_child(argv, env, limits, box, out, report, progress);
  ::setpgid(pid, pid);  // also here, so that killpg works even before the child ran
  ::close(out.write), ::close(report.write), ::close(progress.write);
  p.started = true;
  int fds[3] = {out.read, report.read, progress.read};
  std::string pending;
  double test_started = -1, stop_at = -1;
  int status = 0;
  for (;;) {
    const double t = elapsed();
    drain(fds, p, pending, limits, 20, t, test_started);
    const pid_t r = ::waitpid(pid, &status, WNOHANG);
    if (r == pid) break;
    if (r < 0 && errno != EINTR) {
      p.error = std::strerror(errno);
      break;
    }
    const Process::Stop why = stop_reason(p, limits, t, test_started);
    if (p.stopped == Process::Stop::none && why != Process::Stop::none) {
      p.stopped = why;
      stop_at = t;
      // SIGTERM first: Catch2 then reports the test it was in. A flood is stopped at once.
      ::killpg(pid, why == Process::Stop::output ? SIGKILL : SIGTERM);
    } else if (p.stopped != Process::Stop::none && t > stop_at + 3) {
      ::killpg(pid, SIGKILL);
    }
  }
  ::killpg(pid, SIGKILL);  // what it left running in its group
  kill_user_processes(box);  // and anywhere else, when isolated
  p.seconds = elapsed();
  // What is still in the pipes (a process that escaped the kill, when not isolated, holds
  // them open: stop waiting after a second).
  for (double until = elapsed() + 1; elapsed() < until;)
    if (!drain(fds, p, pending, limits, 20, elapsed(), test_started)) break;
  for (int fd : fds)
    if (fd >= 0) ::close(fd);
  if (WIFEXITED(status)) p.exit_code = WEXITSTATUS(status);
  if (WIFSIGNALED(status)) p.signal = WTERMSIG(status);
  return p;
}

}  // namespace grade
