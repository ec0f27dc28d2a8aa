// lesson.cpp -- the step-through runner: running the steps, pausing between them and within
// a long one, the summary at the end.
#include "course/lesson.hpp"

#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <iostream>

#include "course/pager.hpp"
#include "course/text.hpp"
#include "nn/error.hpp"
#include "nn/random.hpp"
#include "util/strings.hpp"

namespace fs = std::filesystem;

namespace nn::lesson {

using detail::page_width;
using detail::parse_long;
using detail::shown;
using detail::wrap;

// ---- a lesson: declaring -----------------------------------------------------------------

Lesson::Lesson(int number, std::string title, int argc, const char* const* argv)
    : number_(number), title_(std::move(title)), in_(&std::cin), out_(&std::cout),
      err_(&std::cerr) {
  program_ = "lesson" + std::to_string(number);
  if (argc > 0 && argv != nullptr && argv[0] != nullptr) {
    program_ = fs::path(argv[0]).filename().string();
  }
  for (int i = 1; i < argc; ++i) args_.emplace_back(argv[i]);
  output_dir_ = output_root() + "/lesson" + std::to_string(number);
}

void Lesson::step(const std::string& title, const std::string& explanation,
                  std::function<void(Step&)> body) {
  steps_.push_back({title, explanation, std::move(body)});
}

void Lesson::redirect(std::istream& in, std::ostream& out, std::ostream& err, bool interactive,
                      int terminal_rows) {
  in_ = &in;
  out_ = &out;
  err_ = &err;
  interactive_ = interactive;
  terminal_rows_ = terminal_rows;
}

// ---- a lesson: running -------------------------------------------------------------------

int Lesson::run_step(std::size_t index, plot::Plotter& plotter) {
  const StepEntry& entry = steps_[index];
  std::ostream& out = *out_;
  std::string header = "== Step " + std::to_string(index + 1) + "/" +
                       std::to_string(steps_.size()) + ": " + entry.title + " ";
  if (header.size() < page_width) header.append(page_width - header.size(), '=');
  out << "\n" << header << "\n" << wrap(entry.explanation, "  ") << "\n";

  nn::seed(seed_);
  Step step(*this, int(index + 1), out, plotter);
  std::string failure;
  try {
    entry.body(step);
  } catch (const Unwritten& e) {  // an exercise still to write: say which, and go on
    out.flush();
    skipped_.push_back({index + 1, e.id(), e.what()});
    out << "step " << index + 1 << " skipped: needs your " << e.id() << " (" << e.where()
        << "), see " << e.doc() << "; check it with: " << e.check_command() << "\n";
    out.flush();
    return 0;
  } catch (const std::exception& e) {  // nn::Error, and Armadillo's and the library's others
    failure = e.what();
  } catch (...) {
    failure = "an exception that is not a std::exception";
  }
  out.flush();
  if (failure.empty()) return 0;
  *err_ << "step " << index + 1 << " stopped: " << failure << "\n";
  return 1;
}

std::optional<std::size_t> Lesson::ask(std::size_t next) {
  std::ostream& out = *out_;
  while (true) {
    out << "\n-- Enter: step " << next + 1 << "/" << steps_.size() << " (" << steps_[next].title
        << ")   number: jump   l: list   q: quit > " << std::flush;
    std::string answer;
    if (!std::getline(*in_, answer)) {  // input closed: run the rest without pausing
      out << "\n";
      interactive_ = false;
      return next;
    }
    answer = util::trim(answer);
    if (answer.empty()) return next;
    if (answer == "q" || answer == "quit") return std::nullopt;
    if (answer == "l" || answer == "list") {
      print_list();
      continue;
    }
    long k = 0;
    if (parse_long(answer, k) && k >= 1 && std::size_t(k) <= steps_.size()) {
      return std::size_t(k - 1);
    }
    out << "  (Enter, a step number from 1 to " << steps_.size() << ", l or q)";
  }
}

void Lesson::print_skipped() const {
  if (skipped_.empty()) return;
  std::ostream& out = *out_;
  std::vector<std::string> exercises;  // in the order the steps met them, once each
  for (const auto& s : skipped_)
    if (std::find(exercises.begin(), exercises.end(), s.exercise) == exercises.end())
      exercises.push_back(s.exercise);
  out << "\nSkipped " << skipped_.size() << (skipped_.size() == 1 ? " step" : " steps")
      << ": they need exercises you have not written yet.\n";
  for (const std::string& name : exercises) {
    std::string steps, message;
    int count = 0;
    for (const auto& s : skipped_)
      if (s.exercise == name) {
        steps += (steps.empty() ? "" : ", ") + std::to_string(s.step);
        message = s.message;
        ++count;
      }
    out << "  " << (count == 1 ? "step  " : "steps ") << steps << ": " << message << "\n";
  }
  out << "Write one, check it, and run the lesson again.\n";
}

void Lesson::print_files() const {
  const auto& files = plot::files_written();
  std::ostream& out = *out_;
  if (files.empty()) {
    out << "\nFiles written: none.\n";
    return;
  }
  out << "\nFiles written (" << files.size() << "):\n";
  for (const auto& f : files) out << "  " << shown(f) << "\n";
}

// The steps in order; between two, on a terminal, the reader chooses the next (ask).
int Lesson::run_steps(plot::Plotter& plotter, Pager& pager) {
  if (only_step_ > 0) return run_step(only_step_ - 1, plotter);
  std::size_t i = 0;
  while (i < steps_.size()) {
    if (const int code = run_step(i, plotter); code != 0) return code;
    if (!*interactive_ || i + 1 == steps_.size()) {
      ++i;
      continue;
    }
    const std::optional<std::size_t> next = ask(i + 1);
    pager.new_screen();  // the reader answered: what is above has been read
    if (!next) {
      *out_ << "Stopped after step " << i + 1 << ".\n";
      break;
    }
    i = *next;
  }
  return 0;
}

int Lesson::run() {
  if (!parsed_ && !parse()) return 2;
  if (help_) {
    print_help();
    return 0;
  }
  if (list_) {
    print_list();
    return 0;
  }
  // Pause between steps when the reader is at a terminal; page within one when they also see
  // its output there (a test says both through redirect()).
  const bool pause = interactive_.has_value() ? *interactive_ && !no_pause_
                                              : isatty(STDIN_FILENO) && !no_pause_;
  const bool page = pause && (interactive_.has_value() || isatty(STDOUT_FILENO));
  interactive_ = pause;
  skipped_.clear();
  plot::forget_files_written();

  std::ostream* const terminal = out_;
  struct Restore {  // out_ points back at the terminal's stream however the run ends
    std::ostream*& out;
    std::ostream* terminal;
    ~Restore() { out = terminal; }
  } restore{out_, terminal};
  Pager pager(*terminal, *in_, page ? (terminal_rows_ > 0 ? terminal_rows_ : terminal_rows()) : 0);
  std::ostream paged(&pager);
  out_ = &paged;  // every line of the run goes through the pager, figures' text included
  plot::Plotter::Settings where = plot::current_plotter().settings();
  where.output_dir = output_dir_;
  plot::Plotter plotter(where, paged, *err_);
  const plot::Plotter::Scope current(plotter);  // lessons' plot::output_dir() and write_table

  paged << "Lesson " << number_ << ": " << title_ << "\n"
        << "(" << steps_.size() << " steps, seed " << seed_ << (quick_ ? ", quick" : "") << ")";
  if (pause && only_step_ == 0) paged << "  Enter: next step, a number: jump, l: list, q: quit";
  paged << "\n";
  const int code = run_steps(plotter, pager);
  print_skipped();
  print_files();
  paged.flush();
  return code;
}

}  // namespace nn::lesson
