// The step-through lesson runner: its command line, pausing, errors, output, snippet lookup
// (the marker scanners themselves: scanners_test.cpp).
#include <catch2/catch.hpp>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include "course/lesson.hpp"
#include "course/pager.hpp"
#include "nn/nn.hpp"

using Catch::Matchers::Contains;
namespace fs = std::filesystem;

namespace {

// A three-step lesson 99 with the command line `words`, its streams captured, recording
// which steps ran.
struct Fixture {
  std::vector<std::string> words;  // argv as main receives it: the program name first
  std::vector<const char*> argv;
  std::istringstream in;
  std::ostringstream out, err;
  std::vector<int> ran;
  nn::lesson::Lesson lesson;

  Fixture(std::vector<std::string> options, bool interactive = false, std::string answers = "")
      : words(with_program(std::move(options))), argv(pointers(words)), in(std::move(answers)),
        lesson(99, "A test lesson", int(argv.size()), argv.data()) {
    lesson.redirect(in, out, err, interactive);
    lesson.option("--epochs", "N", "epochs to train", 5, 1);
    lesson.option("--lr", "RATE", "learning rate", 0.1);
    lesson.flag("--full", "train on every image");
    lesson.option("--batch", "N", "samples per batch", arma::uword(32));
    lesson.option("--decay", "WD", "weight decay", 1e-3, 0.0);
    lesson.option("--gamma", "F", "kernel width factor", 2.0, 0.0, nn::lesson::Lesson::Bound::above);
    for (int k = 1; k <= 3; ++k) {
      lesson.step("Step number " + std::to_string(k), "Explains step " + std::to_string(k) + ".",
                  [this, k](nn::lesson::Step&) { ran.push_back(k); });
    }
  }

  static std::vector<std::string> with_program(std::vector<std::string> options) {
    options.insert(options.begin(), "build/lessons/lesson99");
    return options;
  }
  static std::vector<const char*> pointers(const std::vector<std::string>& w) {
    std::vector<const char*> p;
    for (const auto& s : w) p.push_back(s.c_str());
    return p;
  }
};

}  // namespace

SCENARIO("a lesson reads its command line", "[infra]") {
  GIVEN("lesson 99 with --epochs N (default 5, at least 1), --lr RATE (default 0.1) and a --full flag") {
    WHEN("run with no options") {
      Fixture f({});
      REQUIRE(f.lesson.parse());
      THEN("the defaults hold: 5 epochs, rate 0.1, not full, seed 0, not quick") {
        CHECK(f.lesson.integer("--epochs") == 5);
        CHECK(f.lesson.integer("--batch") == 32);
        CHECK(f.lesson.number("--lr") == 0.1);
        CHECK_FALSE(f.lesson.is_set("--full"));
        CHECK_FALSE(f.lesson.given("--epochs"));
        CHECK_FALSE(f.lesson.given("--full"));
        CHECK(f.lesson.seed() == 0);
        CHECK_FALSE(f.lesson.quick());
      }
    }
    WHEN("run with --epochs 7 --lr=0.5 --full --seed 42 --quick") {
      Fixture f({"--epochs", "7", "--lr=0.5", "--full", "--seed", "42", "--quick"});
      REQUIRE(f.lesson.parse());
      THEN("every value arrives, in both the '--name value' and '--name=value' forms") {
        CHECK(f.lesson.integer("--epochs") == 7);
        CHECK(f.lesson.number("--lr") == 0.5);
        CHECK(f.lesson.is_set("--full"));
        CHECK(f.lesson.given("--epochs"));
        CHECK(f.lesson.given("--lr"));
        CHECK_FALSE(f.lesson.given("--batch"));
        CHECK_THROWS_WITH(f.lesson.given("--epoch"), Contains("--epoch was never declared"));
        CHECK(f.lesson.seed() == 42);
        CHECK(f.lesson.quick());
      }
    }
    WHEN("run with a misspelt option, --epoch 3") {
      Fixture f({"--epoch", "3"});
      const int code = f.lesson.run();
      THEN("it names the option, prints the usage line on stderr, runs nothing, exits 2") {
        CHECK(code == 2);
        CHECK_THAT(f.err.str(), Contains("unknown option '--epoch' (did you mean --epochs?)"));
        CHECK_THAT(f.err.str(), Contains("usage: lesson99 [--list] [--step K]"));
        CHECK_THAT(f.err.str(), Contains("[--epochs N]"));
        CHECK(f.ran.empty());
      }
    }
    WHEN("a value is not a number of the right kind") {
      const std::vector<std::string> bad =
          GENERATE(std::vector<std::string>{"--epochs", "2.5"},
                   std::vector<std::string>{"--epochs"},
                   std::vector<std::string>{"--lr", "fast"},
                   std::vector<std::string>{"--step", "4"},
                   std::vector<std::string>{"--step", "0"},
                   std::vector<std::string>{"--seed", "-1"},
                   std::vector<std::string>{"--quick=yes"},
                   std::vector<std::string>{"stray"});
      Fixture f(bad);
      THEN("exit code 2 with the usage line: " << bad[0]) {
        CHECK(f.lesson.run() == 2);
        CHECK_THAT(f.err.str(), Contains("usage: lesson99"));
        CHECK(f.ran.empty());
      }
    }
    WHEN("an integer option is given below its minimum: --epochs 0 (at least 1)") {
      Fixture f({"--epochs", "0"});
      THEN("exit code 2 naming the minimum, and no step runs") {
        CHECK(f.lesson.run() == 2);
        CHECK_THAT(f.err.str(), Contains("--epochs wants a whole number >= 1, got '0'"));
        CHECK(f.ran.empty());
      }
    }
    WHEN("a number option is given outside its bound: --decay -0.5 (>= 0), --gamma 0 (> 0)") {
      Fixture below({"--decay", "-0.5"});
      Fixture at({"--gamma", "0"});
      THEN("exit code 2 naming the bound, and no step runs") {
        CHECK(below.lesson.run() == 2);
        CHECK_THAT(below.err.str(), Contains("--decay wants a number >= 0, got '-0.5'"));
        CHECK(at.lesson.run() == 2);
        CHECK_THAT(at.err.str(), Contains("--gamma wants a number > 0, got '0'"));
        CHECK(below.ran.empty());
        CHECK(at.ran.empty());
      }
    }
    WHEN("a number option is given at or inside its bound: --decay 0 --gamma 0.25") {
      Fixture f({"--decay", "0", "--gamma", "0.25", "--no-pause"});
      THEN("the steps run and read the values given") {
        CHECK(f.lesson.run() == 0);
        CHECK(f.lesson.number("--decay") == 0.0);
        CHECK(f.lesson.number("--gamma") == 0.25);
        CHECK(f.ran == std::vector<int>{1, 2, 3});
      }
    }
    WHEN("an option's default is below its minimum") {
      Fixture f({});
      THEN("declaring it is an error that names the option") {
        CHECK_THROWS_WITH(f.lesson.option("--units", "N", "hidden units", 0, 1),
                          Contains("--units's default 0 is below its minimum 1"));
        CHECK_THROWS_WITH(f.lesson.option("--width", "F", "width", 0.0, 0.0, nn::lesson::Lesson::Bound::above),
                          Contains("--width's default 0 is outside its bound (> 0)"));
      }
    }
    WHEN("run with --help") {
      Fixture f({"--help"});
      THEN("it explains every option, the lesson's own with their defaults, and exits 0") {
        CHECK(f.lesson.run() == 0);
        CHECK_THAT(f.out.str(), Contains("--step K"));
        CHECK_THAT(f.out.str(), Contains("epochs to train (default 5)"));
        CHECK_THAT(f.out.str(), Contains("--full"));
        CHECK(f.ran.empty());
      }
    }
  }
}

SCENARIO("--list and --step K choose what runs", "[infra]") {
  GIVEN("a lesson of three steps") {
    WHEN("run with --list") {
      Fixture f({"--list"});
      THEN("it lists the steps by number and runs none") {
        CHECK(f.lesson.run() == 0);
        CHECK_THAT(f.out.str(), Contains(" 1. Step number 1\n   2. Step number 2\n"));
        CHECK(f.ran.empty());
      }
    }
    WHEN("run with --step 2") {
      Fixture f({"--step", "2"});
      THEN("only step 2 runs, under its header") {
        CHECK(f.lesson.run() == 0);
        CHECK(f.ran == std::vector<int>{2});
        CHECK_THAT(f.out.str(), Contains("== Step 2/3: Step number 2 ==="));
        CHECK_THAT(f.out.str(), Contains("  Explains step 2."));
      }
    }
  }
}

SCENARIO("pausing between steps, only on a terminal", "[infra]") {
  GIVEN("no terminal on stdin") {
    Fixture f({}, false);
    THEN("every step runs in order, nothing is read, the run exits 0 and lists its files") {
      CHECK(f.lesson.run() == 0);
      CHECK(f.ran == std::vector<int>{1, 2, 3});
      CHECK_THAT(f.out.str(), !Contains("q: quit >"));
      CHECK_THAT(f.out.str(), Contains("Files written: none."));
    }
  }
  GIVEN("a terminal, where the reader answers Enter, then 1, then q") {
    Fixture f({}, true, "\n1\nq\n");
    THEN("step 1 runs, Enter gives step 2, '1' jumps back to step 1, q quits with 0") {
      CHECK(f.lesson.run() == 0);
      CHECK(f.ran == std::vector<int>{1, 2, 1});
      CHECK_THAT(f.out.str(), Contains("Stopped after step 1."));
    }
  }
  GIVEN("a terminal, where the reader types nonsense, then 3") {
    Fixture f({}, true, "x\n3\n");
    THEN("it asks again, then jumps to step 3, the last") {
      CHECK(f.lesson.run() == 0);
      CHECK(f.ran == std::vector<int>{1, 3});
      CHECK_THAT(f.out.str(), Contains("(Enter, a step number from 1 to 3, l or q)"));
    }
  }
  GIVEN("a terminal whose input ends after one answer") {
    Fixture f({}, true, "\n");
    THEN("the rest runs without pausing") {
      CHECK(f.lesson.run() == 0);
      CHECK(f.ran == std::vector<int>{1, 2, 3});
    }
  }
  GIVEN("a terminal and --no-pause") {
    Fixture f({"--no-pause"}, true, "q\n");
    THEN("it runs straight through, reading nothing") {
      CHECK(f.lesson.run() == 0);
      CHECK(f.ran == std::vector<int>{1, 2, 3});
    }
  }
}

SCENARIO("an error inside a step stops the lesson cleanly", "[infra]") {
  GIVEN("a lesson whose step 2 throws nn::Error") {
    std::istringstream in;
    std::ostringstream out, err;
    const char* argv[] = {"lesson98"};
    nn::lesson::Lesson lesson(98, "Failing", 1, argv);
    lesson.redirect(in, out, err, false);
    std::vector<int> ran;
    lesson.step("fine", "Runs.", [&](nn::lesson::Step&) { ran.push_back(1); });
    lesson.step("broken", "Throws.", [&](nn::lesson::Step&) {
      ran.push_back(2);
      throw nn::Error("Conv2d::forward: expected input 1x28x28 (784 rows), got 1x28x27 (756 rows)");
    });
    lesson.step("never", "Does not run.", [&](nn::lesson::Step&) { ran.push_back(3); });
    WHEN("it runs") {
      const int code = lesson.run();
      THEN("stderr says which step stopped and why, step 3 does not run, the exit code is 1") {
        CHECK(code == 1);
        CHECK_THAT(err.str(), Contains("step 2 stopped: Conv2d::forward: expected input 1x28x28"));
        CHECK(ran == std::vector<int>{1, 2});
      }
    }
  }
}

SCENARIO("an unwritten exercise skips its step; the lesson goes on and exits 0", "[infra]") {
  GIVEN("the release's stub for numeric_gradient, as it throws") {
    const nn::Unwritten stub(1, "numeric_gradient", "src/nn/gradcheck.cpp", 18);
    THEN("its message says what to write, where, where it is explained and how to check it") {
      CHECK(std::string(stub.what()) ==
            "lesson 1 exercise: numeric_gradient is yours to write (src/nn/gradcheck.cpp:18); "
            "see docs/lesson01.md#implement-numeric_gradient; check it with: make check 1");
      CHECK(nn::Unwritten::doc_of(3, "conv2d_backward (weight, bias and input gradients)") ==
            "docs/lesson03.md#implement-conv2d_backward");
      CHECK(nn::Unwritten::doc_of(8, "SGD::step (momentum and weight decay)") ==
            "docs/lesson08.md#implement-sgdstep");
      CHECK(nn::Unwritten::doc_of(9, "guided ReLU backward") ==
            "docs/lesson09.md#implement-guided-relu-backward");
    }
  }
  GIVEN("a lesson whose step 2 meets that stub halfway and whose step 3 needs a written one") {
    std::istringstream in;
    std::ostringstream out, err;
    const char* argv[] = {"lesson94"};
    nn::lesson::Lesson lesson(94, "Skipping", 1, argv);
    lesson.redirect(in, out, err, false);
    std::vector<int> ran;
    lesson.step("fine", "Runs.", [&](nn::lesson::Step&) { ran.push_back(1); });
    lesson.step("unwritten", "Meets a stub.", [&](nn::lesson::Step&) {
      ran.push_back(2);
      throw nn::Unwritten(1, "numeric_gradient", "src/nn/gradcheck.cpp", 18);
    });
    lesson.step("written", "Needs what this tree has.", [&](nn::lesson::Step& s) {
      s.needs({"numeric_gradient", "conv2d_backward"});  // solutions here: both written
      ran.push_back(3);
    });
    WHEN("it runs") {
      const int code = lesson.run();
      THEN("step 2 is one line naming the exercise, every step runs, a summary ends it, exit 0") {
        CHECK(code == 0);
        CHECK(ran == std::vector<int>{1, 2, 3});
        CHECK_THAT(out.str(), Contains("step 2 skipped: needs your numeric_gradient "
                                       "(src/nn/gradcheck.cpp:18), see docs/lesson01.md"
                                       "#implement-numeric_gradient; check it with: make check 1\n"));
        CHECK_THAT(out.str(), Contains("Skipped 1 step: they need exercises you have not written "
                                       "yet.\n  step  2: lesson 1 exercise: numeric_gradient is "
                                       "yours to write (src/nn/gradcheck.cpp:18)"));
        CHECK(err.str().empty());
      }
    }
  }
  GIVEN("a step that needs an exercise no source file holds") {
    std::istringstream in;
    std::ostringstream out, err;
    const char* argv[] = {"lesson93"};
    nn::lesson::Lesson lesson(93, "Misspelled", 1, argv);
    lesson.redirect(in, out, err, false);
    lesson.step("typo", "Needs a name that is not there.",
                [](nn::lesson::Step& s) { s.needs({"numeric_gradiant"}); });
    THEN("that is the lesson's mistake: the step stops with exit 1, naming the name") {
      CHECK(lesson.run() == 1);
      CHECK_THAT(err.str(), Contains("step 1 stopped: Step::needs: no exercise named "
                                     "'numeric_gradiant'"));
    }
  }
  GIVEN("a tree with a stub, a written stub and a solution") {
    const fs::path root =
        fs::temp_directory_path() / ("stepnet_runner_" + std::to_string(::getpid()));
    fs::create_directories(root / "src/nn");
    std::ofstream(root / "src/nn/a.cpp") << "int f() {\n"
                                            "  // TODO(lesson02): relu_backward\n"
                                            "  // HINT: a hint\n"
                                            "  throw nn::Unwritten(2, \"relu_backward\", "
                                            "\"src/nn/a.cpp\", __LINE__);\n"
                                            "}\n"
                                            "int g() {\n"
                                            "  // TODO(lesson02): tanh_backward\n"
                                            "  return 1;\n"
                                            "}\n";
    std::ofstream(root / "src/nn/b.cpp")
        << "  // BEGIN SOLUTION lesson03 \"conv2d_backward (all)\"\n"
           "  // END SOLUTION\n";
    WHEN("its exercises are scanned") {
      const auto& found = nn::lesson::exercises_in(root.string());
      THEN("the stub is unwritten at its throw's line; the others are written") {
        REQUIRE(found.size() == 3);
        CHECK(found[0].name == "relu_backward");
        CHECK(found[0].lesson == 2);
        CHECK(found[0].unwritten);
        CHECK(found[0].line == 4);
        CHECK(found[0].file == "src/nn/a.cpp");
        CHECK(found[1].name == "tanh_backward");
        CHECK_FALSE(found[1].unwritten);
        CHECK(found[2].name == "conv2d_backward (all)");
        CHECK(found[2].lesson == 3);
        CHECK_FALSE(found[2].unwritten);
      }
    }
    fs::remove_all(root);
  }
}

SCENARIO("a long step pauses every screenful on a terminal", "[infra]") {
  GIVEN("a pager for a 6-row terminal: 3 lines a screen, then a prompt above them") {
    std::ostringstream out;
    std::istringstream answers("\n\n");
    nn::lesson::Pager pager(out, answers, 6);
    std::ostream paged(&pager);
    WHEN("seven lines are written") {
      paged << "1\n2\n3\n4\n5\n6\n7\n" << std::flush;
      THEN("it waits for Enter before the 4th and the 7th; not after the last line") {
        CHECK(out.str() == "1\n2\n3\n-- more: Enter --4\n5\n6\n-- more: Enter --7\n");
        CHECK(pager.pauses() == 2);
      }
    }
    WHEN("the input is closed before the reader answers") {
      std::istringstream none("");
      nn::lesson::Pager closed(out, none, 6);
      std::ostream to_closed(&closed);
      to_closed << "1\n2\n3\n4\n5\n6\n7\n" << std::flush;
      THEN("it pauses once, then runs straight through") {
        CHECK(out.str() == "1\n2\n3\n-- more: Enter --\n4\n5\n6\n7\n");
      }
    }
  }
  GIVEN("a lesson whose one step says 30 lines, on a 20-row terminal") {
    const char* argv[] = {"lesson99"};
    auto lesson_with = [&](std::istream& in, std::ostream& out, std::ostream& err,
                           bool interactive) {
      auto lesson = std::make_unique<nn::lesson::Lesson>(99, "Paging", 1, argv);
      lesson->redirect(in, out, err, interactive, 20);
      lesson->step("Long", "Thirty lines.", [](nn::lesson::Step& s) {
        for (int k = 1; k <= 30; ++k) s.say("line " + std::to_string(k));
      });
      return lesson;
    };
    WHEN("it runs interactively") {
      std::istringstream in("\n\n\n\n");
      std::ostringstream out, err;
      REQUIRE(lesson_with(in, out, err, true)->run() == 0);
      THEN("no screenful between two prompts is longer than 17 lines, and every line is there") {
        const std::string text = out.str();
        std::size_t pauses = 0, longest = 0, lines = 0;
        for (std::size_t i = 0; i < text.size(); ++i) {
          if (text.compare(i, 17, "-- more: Enter --") == 0) {
            ++pauses;
            longest = std::max(longest, lines);
            lines = 0;
          }
          if (text[i] == '\n') ++lines;
        }
        CHECK(pauses >= 2);
        CHECK(longest <= 17);
        CHECK_THAT(text, Contains("  line 30\n"));
      }
    }
    WHEN("it runs without a terminal (CI, a pipe)") {
      std::istringstream in("");
      std::ostringstream out, err;
      REQUIRE(lesson_with(in, out, err, false)->run() == 0);
      THEN("it never pauses") { CHECK(out.str().find("-- more") == std::string::npos); }
    }
  }
}

SCENARIO("every step starts from the lesson's seed", "[infra]") {
  GIVEN("two steps that each draw one uniform number") {
    auto draws = [](std::vector<std::string> words) {
      std::istringstream in;
      std::ostringstream out, err;
      std::vector<const char*> argv{"lesson97"};
      for (const auto& w : words) argv.push_back(w.c_str());
      nn::lesson::Lesson lesson(97, "Seeds", int(argv.size()), argv.data());
      lesson.redirect(in, out, err, false);
      std::vector<double> values;
      for (int k = 0; k < 2; ++k) {
        lesson.step("draw", "One number.",
                    [&](nn::lesson::Step&) { values.push_back(arma::randu()); });
      }
      REQUIRE(lesson.run() == 0);
      return values;
    };
    WHEN("the lesson runs with the default seed, and again with --seed 3") {
      const auto plain = draws({}), seeded = draws({"--seed", "3"}), again = draws({"--seed", "3"});
      THEN("both steps draw the same number, so --step K reproduces step K of a full run") {
        CHECK(plain[0] == plain[1]);
        CHECK(seeded[0] == seeded[1]);
      }
      THEN("another seed draws another number, and the same seed the same one") {
        CHECK(plain[0] != seeded[0]);
        CHECK(again == seeded);
      }
    }
  }
}

SCENARIO("a step shows matrices aligned, with fixed decimals", "[infra]") {
  GIVEN("W = [1 -2.5; 0.25 1e-9]") {
    const arma::mat w = {{1, -2.5}, {0.25, 1e-9}};
    THEN("4 decimals, right-aligned, and a tiny value prints as 0.0000, never -0.0000") {
      CHECK(nn::plot::matrix_text(w) == "     1.0000 -2.5000\n"
                                       "     0.2500  0.0000\n");
      CHECK(nn::plot::matrix_text(-w) == "    -1.0000  2.5000\n"
                                        "    -0.2500  0.0000\n");
    }
  }
  GIVEN("a matrix of integers") {
    THEN("no decimals") {
      CHECK(nn::plot::matrix_text(arma::mat{{1, 2}, {3, 40}}) == "     1  2\n"
                                                                "     3 40\n");
    }
  }
  GIVEN("a step that shows a 2x3 matrix, a scalar, a 30x40 matrix and an image cube") {
    std::istringstream in;
    std::ostringstream out, err;
    const char* argv[] = {"lesson96"};
    nn::lesson::Lesson lesson(96, "Showing", 1, argv);
    lesson.redirect(in, out, err, false);
    lesson.step("show", "Shows.", [](nn::lesson::Step& s) {
      s.show("Y = W X", arma::mat{{1.5, 2, 3}, {4, 5, 6}});
      s.show("loss", 0.693147);
      s.show("big", arma::mat(30, 40, arma::fill::value(0.5)));
      s.show("image", arma::cube(2, 2, 2, arma::fill::ones));
    });
    REQUIRE(lesson.run() == 0);
    THEN("each has its caption and size; the large one shows a corner and its statistics") {
      CHECK_THAT(out.str(), Contains("  Y = W X  (2x3)\n"
                                     "    1.5000 2.0000 3.0000\n"
                                     "    4.0000 5.0000 6.0000\n"));
      CHECK_THAT(out.str(), Contains("  loss = 0.6931\n"));
      CHECK_THAT(out.str(),
                 Contains("  big  (30x40; top-left 8x10 shown; min 0.5  max 0.5  mean 0.5)"));
      CHECK_THAT(out.str(), Contains("0.5000  ...\n"));
      CHECK_THAT(out.str(), Contains("  image  (2x2x2: height x width x channels)\n"
                                     "  channel 0  (2x2)"));
    }
  }
}

// [snippet runner-test-fixture]
constexpr int fixture_line = __LINE__;  // the marker is the line above
// [/snippet]

SCENARIO("a step names its code by snippet marker", "[infra]") {
  GIVEN("this test file, which marks 'runner-test-fixture'") {
    std::string problem;
    WHEN("the marker is looked up") {
      const std::string where =
          nn::lesson::locate_snippet("tests/unit/runner_test.cpp", "runner-test-fixture", problem);
      THEN("it is found at its line, relative to the repository root") {
        CHECK(where == "tests/unit/runner_test.cpp:" + std::to_string(fixture_line - 1));
        CHECK(problem.empty());
      }
    }
    WHEN("a marker that does not exist is looked up") {
      const std::string where =
          nn::lesson::locate_snippet("tests/unit/runner_test.cpp", "no-such-snippet", problem);
      THEN("nothing is found and the problem says what is missing where") {
        CHECK(where.empty());
        CHECK(problem == "no marker '// [snippet no-such-snippet]' in tests/unit/runner_test.cpp");
      }
    }
    WHEN("a file that does not exist is looked up") {
      nn::lesson::locate_snippet("src/nn/no_such_file.cpp", "x", problem);
      THEN("the problem names the file") {
        CHECK_THAT(problem, Contains("no file src/nn/no_such_file.cpp"));
      }
    }
  }
  GIVEN("a step citing a marker that is gone") {
    std::istringstream in;
    std::ostringstream out, err;
    const char* argv[] = {"lesson95"};
    nn::lesson::Lesson lesson(95, "Sources", 1, argv);
    lesson.redirect(in, out, err, false);
    lesson.step("cite", "Cites.", [](nn::lesson::Step& s) {
      s.source("tests/unit/runner_test.cpp", "gone");
      s.code("tests/unit/runner_test.cpp", "runner-test-fixture");
    });
    THEN("the step warns and goes on; the code listing shows real line numbers") {
      CHECK(lesson.run() == 0);
      CHECK_THAT(out.str(), Contains("  code: tests/unit/runner_test.cpp  (warning: no marker"));
      CHECK_THAT(out.str(), Contains(std::to_string(fixture_line) +
                                     " | constexpr int fixture_line = __LINE__;"));
    }
  }
  GIVEN("the repository root") {
    THEN("it holds src/nn/nn.hpp") {
      CHECK(fs::exists(nn::lesson::repository_root() + "/src/nn/nn.hpp"));
    }
  }
}
