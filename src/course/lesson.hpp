// lesson.hpp -- the step-through lesson runner, and the snippet markers lessons and docs cite.
//
// A lesson is a list of steps. Each step prints its title and a short explanation, then runs:
// it names the library code it exercises (step.source -> "src/nn/conv2d.cpp:42"), shows the
// matrices it computes (step.show) and draws its figures (step.plot, see plot.hpp).
//
//   nn::lesson::Lesson lesson(3, "Shared weights and convolution", argc, argv);
//   lesson.option("--epochs", "N", "epochs to train", 5);
//   lesson.step("1-D convolution", "I = [1 2 3 4], W = [1 2 3] ...", [&](nn::lesson::Step& s) {
//     s.source("src/nn/conv2d.cpp", "conv2d-forward");
//     s.show("output", out);
//   });
//   return lesson.run();
//
// Contract of run()
//   - On a terminal (stdin is a tty) it waits after each step: Enter = next, a number = jump
//     to that step, l = list the steps, q = quit. Without a terminal, or with --no-pause, it
//     runs straight through and returns 0, so CI and graders can run every lesson.
//   - Within a step, on a terminal (stdin and stdout ttys, no --no-pause), output longer than
//     the terminal's rows minus 3 pauses with "-- more: Enter --", so no prose scrolls away
//     unread (rows from the terminal, 45 when it does not say). Never without a terminal.
//   - Options: --list, --step K (run only step K), --seed N (default 0), --quick (small, fast
//     settings; make test uses it), --no-pause, --help, and the lesson's own options.
//     --name value and --name=value both work. An unknown option or a bad number prints the
//     usage line on stderr and returns 2.
//   - nn::seed(seed) runs before every step, so "--step 4" computes what step 4 computes in a
//     full run. A step therefore must not rely on state an earlier step left behind: compute
//     it again (cheaply), or keep it in a lazily built cache the steps share.
//   - An exercise the student has not written yet (the release's stubs throw nn::Unwritten, or
//     the step declared it with s.needs(...) and its source still holds the stub) skips the step
//     with one line, "step 3 skipped: needs your numeric_gradient (src/nn/gradcheck.cpp:18), see
//     docs/lesson01.md#implement-numeric_gradient; check it with: make check 1", and the lesson
//     goes on. It ends with a summary of the skipped steps and returns 0.
//   - Any other nn::Error (or any std::exception) thrown in a step prints "step 3 stopped:
//     <message>" on stderr and run() returns 1: no crash, no abort.
//   - Figures go to out/lessonN/ under the repository root; the run ends by listing every file
//     it wrote.
#pragma once

#include <armadillo>
#include <cstdint>
#include <functional>
#include <initializer_list>
#include <iosfwd>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "plot/plot.hpp"

namespace nn::lesson {

class Lesson;
class Pager;  // course/pager.hpp

// ---- a step ------------------------------------------------------------------------------
// What a step's body receives: everything it prints goes through here.
class Step {
public:
  // The code this step runs, by snippet marker: prints "code: src/nn/conv2d.cpp:42". A missing
  // file or marker prints a warning and the step goes on.
  void source(const std::string& file, const std::string& snippet);
  // Same, and prints the snippet's code with its line numbers.
  void code(const std::string& file, const std::string& snippet);
  // The exercises this step calls, by name as in their BEGIN SOLUTION marker, without the
  // parenthesized remark: s.needs({"numeric_gradient", "Linear::backward"}). The first line of
  // a step's body: when one of them is still the release's stub (its source file says so), the
  // step is skipped before it prints anything. A name no source file holds is an nn::Error.
  void needs(std::initializer_list<std::string> exercises);
  // More explanation between results (wrapped to 100 columns).
  void say(const std::string& text);
  // A matrix with its caption and size, aligned, fixed decimals (-1: 0 decimals when every
  // entry is an integer, else 4). Large matrices show their top-left corner and min/max/mean.
  void show(const std::string& caption, const arma::mat& m, int decimals = -1);
  void show(const std::string& caption, const arma::umat& m);
  void show(const std::string& caption, const arma::cube& c, int decimals = -1);  // by slice
  void show(const std::string& caption, double value, int decimals = 4);
  // Draw a figure (see plot.hpp): writes out/lessonN/<name>.tsv and .png, renders it on a
  // terminal, and prints where the files are.
  void plot(const plot::Lines& figure);
  void plot(const plot::Scatter& figure);
  void plot(const plot::Histograms& figure);
  void plot(const plot::Heatmap& figure);
  void plot(const plot::Images& figure);
  void plot(const plot::Bars& figure);

  int number() const { return number_; }  // 1-based
  const Lesson& lesson() const { return lesson_; }

private:
  friend class Lesson;
  Step(const Lesson& lesson, int number, std::ostream& out, plot::Plotter& plotter)
      : lesson_(lesson), number_(number), out_(out), plotter_(plotter) {}
  void figure_written(const std::vector<std::string>& paths);
  const Lesson& lesson_;
  int number_;
  std::ostream& out_;        // the runner's stream (paged on a terminal)
  plot::Plotter& plotter_;   // the runner's: out/lessonN/, its text through out_
};

// ---- a lesson ----------------------------------------------------------------------------
// A step's words, as the runner prints them: its title, then its explanation. A lesson keeps
// each beside its step function (lessons/lesson00_tour.cpp shows the pattern).
struct StepText {
  const char* title;
  const char* explanation;
};

class Lesson {
public:
  // number: N in lessonN (output goes to out/lessonN/). argv is read by run(), not here.
  Lesson(int number, std::string title, int argc, const char* const* argv);

  // The lesson's own options, declared before run(), each with a help line:
  //   --epochs N    epochs to train (default 5)
  // An integer default makes an integer option ("--epochs 2.5" is then an error).
  void option(const std::string& name, const std::string& metavar, const std::string& help,
              long default_value);
  // An integer option with a smallest value: "--epochs 0" is then a usage error (exit 2),
  // never a magic "choose for me".
  void option(const std::string& name, const std::string& metavar, const std::string& help,
              long default_value, long minimum);
  void option(const std::string& name, const std::string& metavar, const std::string& help,
              int default_value, int minimum) {
    option(name, metavar, help, static_cast<long>(default_value), static_cast<long>(minimum));
  }
  void option(const std::string& name, const std::string& metavar, const std::string& help,
              int default_value) {
    option(name, metavar, help, static_cast<long>(default_value));
  }
  void option(const std::string& name, const std::string& metavar, const std::string& help,
              arma::uword default_value) {
    option(name, metavar, help, static_cast<long>(default_value));
  }
  void option(const std::string& name, const std::string& metavar, const std::string& help,
              double default_value);
  // A number option with a bound: "--weight-decay -1" is then a usage error (exit 2). With
  // Bound::above the bound itself is refused too ("--kernel-gamma wants a number > 0").
  enum class Bound { at_least, above };
  void option(const std::string& name, const std::string& metavar, const std::string& help,
              double default_value, double bound, Bound kind = Bound::at_least);
  void flag(const std::string& name, const std::string& help);  // --full: on or off

  // Values, inside steps (after run() has parsed the command line).
  long integer(const std::string& name) const;
  double number(const std::string& name) const;
  bool is_set(const std::string& name) const;  // a flag was given
  // An option of any kind was given on the command line: a default that depends on other
  // options (--epochs: 3, or 5 with --full) is chosen by the lesson, never by a magic 0.
  bool given(const std::string& name) const;
  bool quick() const { return quick_; }
  std::uint64_t seed() const { return seed_; }

  void step(const std::string& title, const std::string& explanation,
            std::function<void(Step&)> body);
  // A named step function: body(s), or body(context, s) over what the lesson's steps share.
  void step(const StepText& text, void (*body)(Step&)) {
    step(text.title, text.explanation, std::function<void(Step&)>(body));
  }
  template <class Context>
  void step(const StepText& text, Context& context, void (*body)(Context&, Step&)) {
    step(text.title, text.explanation, [&context, body](Step& s) { body(context, s); });
  }

  // Parse the command line, then list, help or run the steps. Returns the exit code:
  // 0 done (or quit), 1 a step stopped with an error, 2 a usage error.
  int run();

  // Parse only: false (after printing the usage line on err) when the command line is wrong.
  // run() calls it; tests call it directly.
  bool parse();

  int lesson_number() const { return number_; }
  const std::string& title() const { return title_; }
  std::size_t size() const { return steps_.size(); }
  const std::string& output_dir() const { return output_dir_; }  // <root>/out/lessonN

  // For tests: read answers from `in` and print to `out` and `err` instead of the terminal;
  // `interactive` says whether to pause (normally: stdin and stdout are terminals and no
  // --no-pause); `terminal_rows` is the height paging assumes (0: the terminal's, else 45).
  void redirect(std::istream& in, std::ostream& out, std::ostream& err, bool interactive,
                int terminal_rows = 0);

private:
  struct Option {
    std::string metavar, help;
    enum class Kind { integer, number, flag } kind;
    double value;
    bool set = false;
    double minimum = -1e300;  // the smallest value the command line may give
    bool exclusive = false;   // number options: the minimum itself is refused too
  };
  struct StepEntry {
    std::string title, explanation;
    std::function<void(Step&)> body;
  };
  const Option& find(const std::string& name, Option::Kind kind) const;
  bool usage_error(const std::string& message);
  bool set_option(const std::string& name, const std::string& value);
  std::string nearest_option(const std::string& name) const;
  void print_usage(std::ostream& os) const;
  void print_help() const;
  void print_list() const;
  int run_steps(plot::Plotter& plotter, Pager& pager);  // 0 ok, 1 a step stopped
  int run_step(std::size_t index, plot::Plotter& plotter);  // 0 ok (or skipped), 1 stopped
  void print_skipped() const;
  std::optional<std::size_t> ask(std::size_t next);  // the next step to run, or none: quit
  void print_files() const;

  int number_;
  std::string title_, program_;
  std::vector<std::string> args_;
  std::map<std::string, Option> options_;
  std::vector<std::string> option_order_;
  std::vector<StepEntry> steps_;
  std::string output_dir_;
  bool parsed_ = false, list_ = false, help_ = false, no_pause_ = false, quick_ = false;
  std::size_t only_step_ = 0;  // 0: every step
  std::uint64_t seed_ = 0;
  std::istream* in_;
  std::ostream* out_;
  std::ostream* err_;
  std::optional<bool> interactive_;
  int terminal_rows_ = 0;  // 0: ask the terminal
  struct Skipped {
    std::size_t step;  // 1-based
    std::string exercise, message;  // the exercise's id, nn::Unwritten's what()
  };
  std::vector<Skipped> skipped_;
};

// ---- exercises ---------------------------------------------------------------------------
// An exercise as its source file says: `file` relative to the repository root, `line` of the
// stub's throw (or of the solution's BEGIN marker), `unwritten` while the stub is still there.
struct ExerciseState {
  int lesson = 0;
  std::string name, file;
  int line = 0;
  bool unwritten = false;
};
// Every exercise in src/ and lessons/ under `root`, scanned once per root; empty when the sources
// are not there (a lesson binary run away from its tree).
const std::vector<ExerciseState>& exercises_in(const std::string& root);

// ---- where things are --------------------------------------------------------------------
// The repository root: the first directory holding src/nn/nn.hpp, walking up from the current
// directory, then from the running program's directory (/proc/self/exe); else the current
// directory. Computed once.
const std::string& repository_root();
// Where lessons write their figures and tables (lesson N: <it>/lessonN): $STEPNET_OUT when set
// (relative to the repository root), else out/ in the repository root. make test gives one of
// its processes a directory of its own, so two runs of a lesson never share files.
std::string output_root();
// Walk up from `start` to the first directory holding `marker`; "" when there is none.
std::string find_upwards(const std::string& start, const std::string& marker);

// ---- snippets ----------------------------------------------------------------------------
// Sources mark the code that lessons and docs show:
//     // [snippet relu-backward]
//     ...
//     // [/snippet]
// A marker is a line of its own ('#' comments work too, for shell and make files). Names are
// letters, digits, '-', '_' and '.', unique within a file. Snippets may nest; "[/snippet]"
// closes the innermost one ("[/snippet name]" says which, and is checked).
struct Snippet {
  std::string name;
  std::size_t line = 0;      // 1-based line of the opening marker
  std::size_t end_line = 0;  // line of the closing marker
  std::vector<std::string> code;          // the lines between, nested markers left out
  std::vector<std::size_t> code_lines;    // the line number of each line of code
};

struct SnippetFile {
  bool readable = false;
  std::vector<Snippet> snippets;
  std::vector<std::string> problems;  // "src/nn/x.cpp:12: snippet 'a' is opened but never closed"
  const Snippet* find(const std::string& name) const;
};

// Scan a file; `shown_as` is how messages name it (a path relative to the root).
SnippetFile scan_snippets(const std::string& path, const std::string& shown_as);
// Where the snippet starts: "src/nn/conv2d.cpp:42", or "" with `problem` set.
std::string locate_snippet(const std::string& file, const std::string& name,
                           std::string& problem);

// Docs cite a snippet on a line of its own, invisible in rendered markdown:
//     <!-- snippet src/nn/activations.cpp relu-backward -->
struct Citation {
  std::string file, name;
};
// nullopt when the line is not a citation; a line that starts like one but is malformed sets
// `problem`.
std::optional<Citation> parse_citation(const std::string& line, std::string& problem);

}  // namespace nn::lesson
