// error.hpp -- the exceptions stepnet throws.
//
// Contract: every bad input that reaches the library (a wrong shape, backward before
// forward, a corrupt file, a bad constructor argument) throws nn::Error with a message that
// names the place ("Conv2d::forward", "train-images.gz at byte 16") and both the expected
// and the actual value. Never an Armadillo abort, never a silent NaN.
//
// nn::Unwritten is the one nn::Error that is not a mistake: the student release (make student)
// replaces each exercise's solution by a stub that throws it. It names the exercise, where to
// write it and where it is explained; the lesson runner skips a step that meets it and goes on.
//   what(): "lesson 1 exercise: numeric_gradient is yours to write (src/nn/gradcheck.cpp:18);
//            see docs/lesson01.md#implement-numeric_gradient; check it with: make check 1"
#pragma once

#include <cctype>
#include <stdexcept>
#include <string>

namespace nn {

class Error : public std::runtime_error {
public:
  explicit Error(const std::string& message) : std::runtime_error(message) {}
};

class Unwritten : public Error {
public:
  // lesson: its number (1..11); name: as in the BEGIN SOLUTION marker ("conv2d_backward (weight, bias and
  // input gradients)"); file, line: the stub, relative to the repository root.
  Unwritten(int lesson, const std::string& name, const std::string& file, int line)
      : Error(describe(lesson, name, file, line)), lesson_(lesson), name_(name), file_(file),
        line_(line) {}

  int lesson() const { return lesson_; }
  const std::string& name() const { return name_; }
  const std::string& file() const { return file_; }
  int line() const { return line_; }
  std::string id() const { return id_of(name_); }  // "conv2d_backward"
  std::string where() const { return file_ + ":" + std::to_string(line_); }
  std::string doc() const { return doc_of(lesson_, name_); }
  std::string check_command() const { return "make check " + std::to_string(lesson_); }

  // The name without its parenthesized remark: "conv2d_backward (weight, ...)" -> "conv2d_backward".
  static std::string id_of(const std::string& name) {
    const auto paren = name.find(" (");
    return paren == std::string::npos ? name : name.substr(0, paren);
  }
  // "docs/lesson01.md#implement-numeric_gradient": the doc's "### Implement <id>" heading, with
  // the anchor a Markdown renderer gives it (lower case; letters, digits, '_' and '-' kept;
  // spaces become '-').
  static std::string doc_of(int lesson, const std::string& name) {
    std::string anchor = "implement-";
    for (const char c : id_of(name)) {
      const unsigned char u = static_cast<unsigned char>(c);
      if (std::isalnum(u) || c == '_' || c == '-') anchor += static_cast<char>(std::tolower(u));
      else if (c == ' ') anchor += '-';
    }
    const std::string n = std::to_string(lesson);
    return "docs/lesson" + std::string(n.size() < 2 ? "0" : "") + n + ".md#" + anchor;
  }

private:
  static std::string describe(int lesson, const std::string& name, const std::string& file,
                              int line) {
    return "lesson " + std::to_string(lesson) + " exercise: " + name + " is yours to write (" +
           file + ":" + std::to_string(line) + "); see " + doc_of(lesson, name) +
           "; check it with: make check " + std::to_string(lesson);
  }
  int lesson_;
  std::string name_, file_;
  int line_;
};

}  // namespace nn
