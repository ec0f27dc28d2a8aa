// grade_diagnose.hpp -- what went wrong, in a few lines (grade_diagnose.cpp).
#pragma once

#include <cstddef>
#include <string>

#include "grade_case.hpp"
#include "grade_common.hpp"

namespace grade {

// One grouped reason for a failed test: where, which check, its values, its INFO lines, and how
// many more checks failed; never hundreds of lines.
std::string describe(const Failure& f, int failures);
// The last `count` non-empty lines a process printed before the crash handler's backtrace.
std::string log_tail(const std::string& output, std::size_t count);
// A sanitizer's one-line summary of why the process died, or "".
std::string sanitizer_summary(const std::string& output);
// The first function of the test binary in the crash backtrace of `output` that is neither
// Catch2 nor the handler, or "".
std::string crash_function(const std::string& binary, const std::string& output);

}  // namespace grade
