// grade_diagnose.cpp -- what went wrong, in a few lines: a failed check grouped into one reason,
// the end of a crashed process's output, a sanitizer's summary, the function a crash happened
// in (from tools/catch_main.cpp's backtrace, through addr2line). Used by grade run.
#include "grade_diagnose.hpp"

#include <cxxabi.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>

namespace grade {

namespace fs = std::filesystem;

// One grouped reason: where, which check, its values; never hundreds of lines.
std::string describe(const Failure& f, int failures) {
  std::string out;
  std::string path;
  for (const std::string& s : f.sections) path += (path.empty() ? "" : " / ") + s;
  if (f.kind == "exception") {
    out = "threw: " + shorten(f.message, 6, 200) + "\n";
    if (!f.original.empty()) out += "  in " + f.macro + "( " + shorten(f.original, 3, 160) + " )\n";
    out += "  at " + f.where + (path.empty() ? "" : "  (" + path + ")") + "\n";
  } else if (f.kind == "fatal") {
    out = "crashed: " + f.message + "\n  at " + f.where + (path.empty() ? "" : "  (" + path + ")") +
          "\n";
  } else if (f.kind == "explicit") {
    out = "failed: " + shorten(f.message, 6, 200) + "\n  at " + f.where +
          (path.empty() ? "" : "  (" + path + ")") + "\n";
  } else {
    out = "failed: " + f.macro + "( " + shorten(f.original, 4, 160) + " )\n";
    out += "  at " + f.where + (path.empty() ? "" : "  (" + path + ")") + "\n";
    if (!f.expanded.empty() && f.expanded != f.original)
      out += "  with expansion:\n" + indent(shorten(f.expanded, 14, 120), "    ");
  }
  for (const std::string& i : f.info) out += "  with message: " + shorten(i, 3, 160) + "\n";
  if (failures > 1)
    out += "  (and " + std::to_string(failures - 1) + " more failed check" +
           (failures > 2 ? "s" : "") + " in this test)\n";
  return trim(out);
}

// The last few lines a crashed process printed (its own stderr, e.g. "terminate called ...").
// Lines of the crash handler's backtrace are left out: the function is named separately.
std::string log_tail(const std::string& output, std::size_t count) {
  std::vector<std::string> lines;
  for (const std::string& line : lines_of(output)) {
    if (starts_with(line, "stepnet: backtrace")) break;
    if (!trim(line).empty()) lines.push_back(line);
  }
  if (lines.empty()) return "";
  std::string out;
  for (std::size_t i = lines.size() > count ? lines.size() - count : 0; i < lines.size(); ++i)
    out += "    " + (lines[i].size() > 160 ? lines[i].substr(0, 157) + "..." : lines[i]) + "\n";
  return out;
}

// What a sanitizer reported before the process died, if it did: "AddressSanitizer: SEGV on
// unknown address ..." from its SUMMARY line, or, from UndefinedBehaviorSanitizer with
// halt_on_error (which prints no summary), "UndefinedBehaviorSanitizer: store to null pointer
// ..." from its first "file:line:col: runtime error: ..." line.
std::string sanitizer_summary(const std::string& output) {
  std::string undefined;
  for (const std::string& line : lines_of(output)) {
    const std::size_t runtime = line.find(": runtime error: ");
    if (runtime != std::string::npos && undefined.empty())
      undefined = "UndefinedBehaviorSanitizer: " + line.substr(runtime + 17);
    if (line.rfind("SUMMARY: ", 0) != 0 || line.find("Sanitizer") == std::string::npos) continue;
    std::string s = line.substr(9);
    const std::size_t paren = s.find(" (");  // drop the binary's path and offset
    if (paren != std::string::npos) s = s.substr(0, paren) + s.substr(s.find(')', paren) + 1);
    return s.size() > 160 ? s.substr(0, 157) + "..." : s;
  }
  return undefined.size() > 160 ? undefined.substr(0, 157) + "..." : undefined;
}


// ---- where a crash happened ------------------------------------------------------------------
// tools/catch_main.cpp prints "stepnet: backtrace of the crash" and backtrace_symbols_fd's frames
// when a signal kills a test. The first frame in the test binary that is neither Catch2 nor
// the handler is where it happened; addr2line names it when the frame has only an offset.
namespace {

std::string demangle(const std::string& symbol) {
  int status = 0;
  char* d = abi::__cxa_demangle(symbol.c_str(), nullptr, nullptr, &status);
  std::string out = status == 0 && d ? d : symbol;
  std::free(d);
  return out;
}

std::string addr2line(const std::string& binary, const std::string& offset) {
  if (offset.empty() || offset.find_first_not_of("0123456789abcdefx+") != std::string::npos)
    return "";
  const std::string cmd = "addr2line -f -C -e '" + binary + "' " + offset + " 2>/dev/null";
  std::string out;
  if (FILE* pipe = ::popen(cmd.c_str(), "r")) {
    char buf[4096];
    if (std::fgets(buf, sizeof buf, pipe)) out = buf;
    ::pclose(pipe);
  }
  return trim(out);
}

bool uninteresting(const std::string& function) {
  for (const char* skip : {"Catch::", "stepnet_crash", "??", "__libc", "_start", "main", "C_A_T_C_H_T_E_S_T"})
    if (function.empty() || starts_with(function, skip)) return true;
  return false;
}

}  // namespace

std::string crash_function(const std::string& binary, const std::string& output) {
  const std::size_t at = output.rfind("stepnet: backtrace");
  if (at == std::string::npos) return "";
  const std::string name = fs::path(binary).filename().string();
  for (const std::string& line : lines_of(output.substr(at))) {
    // "/path/bin/stepnet_tests(_ZN2nn6Linear8backwardERK...+0x4f) [0x55d1c2]" or "(+0x1a2b3)"
    const std::size_t open = line.find('('), close = line.find(')', open);
    if (open == std::string::npos || close == std::string::npos) continue;
    if (line.substr(0, open).find(name) == std::string::npos) continue;
    const std::string inside = line.substr(open + 1, close - open - 1);
    const std::size_t plus = inside.rfind('+');
    std::string function = plus == 0 ? addr2line(binary, inside.substr(1))
                                     : demangle(inside.substr(0, plus));
    if (uninteresting(function)) continue;
    return function.size() > 120 ? function.substr(0, 117) + "..." : function;
  }
  return "";
}

}  // namespace grade
