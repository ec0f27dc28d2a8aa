// Reliability: the same numbers for 1 and 2 BLAS threads, and no silent NaN at the edges.
#include <dlfcn.h>

#include <algorithm>
#include <map>

#include "helpers.hpp"

using Catch::Matchers::Contains;

namespace {

// OpenBLAS's thread switch, looked up at run time: Debian may route libblas to another BLAS.
using SetThreads = void (*)(int);
SetThreads openblas_threads() {
  return reinterpret_cast<SetThreads>(dlsym(RTLD_DEFAULT, "openblas_set_num_threads"));
}

struct Results {
  arma::mat conv_out, conv_grad_input, conv_grad_weight, linear_out, linear_grad_weight;
};

Results run_network() {
  nn::seed(31);
  nn::Conv2d conv(nn::Shape{1, 28, 28}, 16, 7, 7);
  nn::Linear linear(conv.output_shape().size(), 10);
  const arma::mat x = arma::randn<arma::mat>(784, 64);
  Results r;
  r.conv_out = conv.forward(x);                        // (7744 x 64)
  r.linear_out = linear.forward(r.conv_out);           // (10 x 64)
  const arma::mat g = arma::randn<arma::mat>(10, 64);
  conv.zero_grad();
  linear.zero_grad();
  r.conv_grad_input = conv.backward(linear.backward(g));
  r.conv_grad_weight = conv.grad_weight;
  r.linear_grad_weight = linear.grad_weight;
  return r;
}

}  // namespace

SCENARIO("OpenBLAS with 1 or 2 threads gives the same numbers", "[reliability]") {
  SetThreads set_threads = openblas_threads();
  if (!set_threads) {
    WARN("libblas is not OpenBLAS here: nothing to compare");
    return;
  }
  GIVEN("a conv + linear forward and backward on a batch of 64 images") {
    set_threads(1);
    const Results one = run_network();
    set_threads(2);
    const Results two = run_network();
    set_threads(1);
    THEN("every output and gradient agrees within 1e-12") {
      CHECK_THAT(two.conv_out, testing::Equals(one.conv_out, 1e-12));
      CHECK_THAT(two.linear_out, testing::Equals(one.linear_out, 1e-12));
      CHECK(arma::approx_equal(two.conv_grad_input, one.conv_grad_input, "absdiff", 1e-12));
      CHECK(arma::approx_equal(two.conv_grad_weight, one.conv_grad_weight, "absdiff", 1e-12));
      CHECK(arma::approx_equal(two.linear_grad_weight, one.linear_grad_weight, "absdiff", 1e-12));
    }
  }
}

SCENARIO("the same seed gives bit-identical weights and data", "[reliability]") {
  GIVEN("two networks built after nn::seed(5)") {
    nn::seed(5);
    nn::Conv2d a(nn::Shape{2, 6, 6}, 3, 3, 3);
    const arma::mat xa = arma::randn<arma::mat>(72, 2);
    nn::seed(5);
    nn::Conv2d b(nn::Shape{2, 6, 6}, 3, 3, 3);
    const arma::mat xb = arma::randn<arma::mat>(72, 2);
    THEN("weights, inputs and outputs are equal to the bit") {
      CHECK(arma::approx_equal(a.weight, b.weight, "absdiff", 0));
      CHECK(arma::approx_equal(xa, xb, "absdiff", 0));
      CHECK(arma::approx_equal(a.forward(xa), b.forward(xb), "absdiff", 0));
    }
  }
}

SCENARIO("numerical edges give numbers or clear errors, never a silent NaN", "[reliability]") {
  THEN("softmax of +-1000 is finite and sums to 1") {
    const arma::mat p = nn::softmax(testing::grid({{1000, -1000}, {-1000, -1000}, {0, 1000}}));
    CHECK(p.is_finite());
    CHECK(arma::accu(p.col(0)) == Approx(1.0).epsilon(1e-15));
    CHECK(p(0, 0) == Approx(1.0));
  }
  THEN("tanh and sigmoid of +-1000 saturate without NaN, forward and backward") {
    nn::Sigmoid s(3);
    nn::Tanh t(3);
    const arma::mat x = testing::grid({{-1000}, {1000}});
    CHECK(s.forward(x).is_finite());
    CHECK(s.backward(arma::ones(2, 1)).is_finite());
    CHECK(t.forward(x).is_finite());
    CHECK(t.backward(arma::ones(2, 1)).is_finite());
  }
  THEN("a NaN reaching a loss is named, with the advice to lower the learning rate") {
    nn::SoftmaxCrossEntropy ce;
    arma::mat z(3, 1, arma::fill::zeros);
    z(1) = arma::datum::nan;
    CHECK_THROWS_WITH(ce.forward(z, {0}), Contains("NaN or Inf") && Contains("learning rate"));
    nn::MSELoss mse;
    CHECK_THROWS_WITH(mse.forward(z, arma::zeros(3, 1)), Contains("NaN or Inf"));
  }
  THEN("cosine distance to a zero vector is 0.5 by definition") {
    CHECK(nn::cosine_distance(arma::zeros(4), arma::ones(4)) == 0.5);
  }
}

// Every .tsv a lesson wrote, by file name. In the trainer's histories the two timing columns
// (seconds, images_per_second) are wall-clock measurements and are left out; everything else
// is kept byte for byte.
static std::map<std::string, std::string> lesson_tables(const std::string& dir) {
  std::map<std::string, std::string> tables;
  for (const auto& entry : std::filesystem::directory_iterator(dir)) {
    if (entry.path().extension() != ".tsv") continue;
    std::ifstream in(entry.path());
    std::string line, kept;
    std::vector<bool> drop;
    while (std::getline(in, line)) {
      std::vector<std::string> cells;
      std::istringstream fields(line);
      for (std::string cell; std::getline(fields, cell, '\t');) cells.push_back(cell);
      if (drop.empty() && !cells.empty() && cells[0] == "epoch")
        for (const auto& c : cells) drop.push_back(c == "seconds" || c == "images_per_second");
      for (std::size_t i = 0; i < cells.size(); ++i)
        if (i >= drop.size() || !drop[i]) kept += cells[i] + "\t";
      kept += "\n";
    }
    tables[entry.path().filename().string()] = kept;
  }
  return tables;
}

SCENARIO("a lesson's training run gives bit-identical tables for the same seed", "[reliability][runs-lesson]") {
  GIVEN("lesson 6 (training runs with the trainer's TSV histories, a random search), --quick") {
    const std::string out = testing::lesson_out(6).string();
    WHEN("it runs twice with --seed 7, and once with --seed 8") {
      const testing::LessonRun first = testing::run_lesson(6, "--no-pause --quick --seed 7");
      REQUIRE(first.exit_code == 0);
      const auto a = lesson_tables(out);
      const testing::LessonRun second = testing::run_lesson(6, "--no-pause --quick --seed 7");
      REQUIRE(second.exit_code == 0);
      const auto b = lesson_tables(out);
      const testing::LessonRun other = testing::run_lesson(6, "--no-pause --quick --seed 8");
      REQUIRE(other.exit_code == 0);
      const auto c = lesson_tables(out);
      THEN("every table of the two seed-7 runs is identical, and seed 8 differs") {
        REQUIRE(a.size() >= 5);
        CHECK(a.count("best-history.tsv") == 1);
        CHECK(a.count("overfit-history.tsv") == 1);
        REQUIRE(b.size() == a.size());
        for (const auto& [name, text] : a) {
          INFO(name);
          REQUIRE(b.count(name) == 1);
          CHECK(b.at(name) == text);
        }
        CHECK(c.at("best-history.tsv") != a.at("best-history.tsv"));
      }
      THEN("no temporary file is left behind") {
        for (const auto& entry : std::filesystem::directory_iterator(out)) {
          INFO(entry.path().string());
          CHECK(entry.path().filename().string().find(".tmp") == std::string::npos);
        }
      }
    }
  }
}

SCENARIO("every lesson refuses a bad command line with its usage line and exit code 2",
         "[reliability][runs-lesson]") {
  std::vector<int> lessons;
  for (const auto& entry : std::filesystem::directory_iterator(nn::lesson::repository_root() + "/lessons")) {
    const std::string name = entry.path().filename().string();  // lessonNN_topic.cpp
    if (name.rfind("lesson", 0) == 0 && entry.path().extension() == ".cpp")
      lessons.push_back(std::stoi(name.substr(6, 2)));
  }
  std::sort(lessons.begin(), lessons.end());
  REQUIRE(lessons.size() >= 8);
  for (const int n : lessons) {
    const std::string program = "lesson" + std::to_string(n);
    GIVEN(program) {
      WHEN("it gets an unknown option") {
        const testing::LessonRun run = testing::run_lesson(n, "--no-pause --bogus");
        THEN("it names the option, prints its usage line and exits with 2") {
          CHECK(run.exit_code == 2);
          CHECK_THAT(run.output, Contains(program + ": unknown option '--bogus'") &&
                                     Contains("usage: " + program + " ["));
        }
      }
      WHEN("a number option gets something else") {
        const testing::LessonRun run = testing::run_lesson(n, "--no-pause --seed x");
        THEN("it says what it wanted and exits with 2") {
          CHECK(run.exit_code == 2);
          CHECK_THAT(run.output, Contains("--seed wants a whole number >= 0, got 'x'") &&
                                     Contains("usage: " + program));
        }
      }
      WHEN("it is asked for a step that does not exist") {
        const testing::LessonRun run = testing::run_lesson(n, "--no-pause --step 999");
        THEN("it exits with 2 and does not run") {
          CHECK(run.exit_code == 2);
          CHECK_THAT(run.output, Contains("999"));
        }
      }
    }
  }
}
