// Hyper-parameter search (src/nn/search.hpp): uniform draws, grid and random layouts over two
// log10 axes, scoring, the winner by validation loss, and grid against random search.
#include <set>

#include "core_helpers.hpp"
#include "nn/search.hpp"

using Catch::Matchers::Contains;
using Catch::Matchers::WithinAbs;

namespace {

struct Settings {  // a trial as a lesson keeps it: its settings and its evaluations
  nn::Evaluation validation;
  int id = 0;
};

}  // namespace

SCENARIO("uniform01 draws 53 bits from nn::rng(), reproducibly", "[lesson08][points:0]") {
  nn::seed(3);
  const double a = nn::uniform01(), b = nn::uniform01();
  nn::seed(3);
  CHECK(nn::uniform01() == a);
  CHECK(nn::uniform01() == b);
  double sum = 0;
  for (int i = 0; i < 10000; ++i) {
    const double u = nn::uniform01();
    REQUIRE(u >= 0);
    REQUIRE(u < 1);
    sum += u;
  }
  CHECK_THAT(sum / 10000, WithinAbs(0.5, 0.015));  // std of the mean 0.0029
}

SCENARIO("grid and random layouts over a log10 box", "[lesson08][points:0]") {
  const nn::LogBox box{-4, -0.5, -5, -2};
  GIVEN("a 3 x 3 grid") {
    const std::vector<nn::LogPoint> g = nn::grid_layout(3, box);
    THEN("the centres of the tiling, x-major: only 3 distinct x values") {
      REQUIRE(g.size() == 9);
      CHECK_THAT(g[0].x, WithinAbs(-4 + 3.5 / 6, 1e-15));
      CHECK_THAT(g[0].y, WithinAbs(-4.5, 1e-15));
      CHECK_THAT(g[1].y, WithinAbs(-3.5, 1e-15));
      CHECK_THAT(g[3].x, WithinAbs(-2.25, 1e-15));
      CHECK_THAT(g[8].x, WithinAbs(-0.5 - 3.5 / 6, 1e-15));
      CHECK_THAT(g[8].y, WithinAbs(-2.5, 1e-15));
      std::set<double> xs;
      for (const auto& p : g) xs.insert(p.x);
      CHECK(xs.size() == 3);
    }
  }
  GIVEN("nine random draws") {
    nn::seed(1);
    const std::vector<nn::LogPoint> r = nn::random_layout(9, box);
    THEN("every point is inside the box, with 9 distinct x values, drawn x then y") {
      std::set<double> xs;
      for (const auto& p : r) {
        CHECK(p.x >= -4);
        CHECK(p.x < -0.5);
        CHECK(p.y >= -5);
        CHECK(p.y < -2);
        xs.insert(p.x);
      }
      CHECK(xs.size() == 9);
      nn::seed(1);
      CHECK(r[0].x == -4 + 3.5 * nn::uniform01());
      CHECK(r[0].y == -5 + 3.0 * nn::uniform01());
    }
  }
}

SCENARIO("scoring a layout and picking its best", "[lesson08][points:0]") {
  std::vector<nn::LogPoint> points = nn::grid_layout(2, nn::LogBox{0, 2, 0, 2});
  nn::score_layout(points, [](const nn::LogPoint& p) {
    return p.x > 1 && p.y > 1 ? arma::datum::nan : p.x + 0.1 * p.y;
  });
  THEN("a non-finite score counts as 0; the highest wins, the first of a tie") {
    CHECK(points[3].score == 0);
    CHECK_THAT(points[2].score, WithinAbs(1.55, 1e-15));  // (1.5, 0.5)
    CHECK(nn::best_score(points) == 2);
    points[1].score = points[2].score;
    CHECK(nn::best_score(points) == 1);
    CHECK_THROWS_WITH(nn::best_score({}), Contains("best_score"));
  }
  THEN("lowest_validation_loss picks the smallest validation loss, the first of a tie") {
    std::vector<Settings> trials(4);
    const double losses[] = {0.9, 0.4, 0.7, 0.4};
    for (int i = 0; i < 4; ++i) trials[i].validation.loss = losses[i];
    CHECK(nn::lowest_validation_loss(trials) == 1);
  }
}

SCENARIO("grid against random search when only x matters", "[lesson08][points:0]") {
  GIVEN("a score that peaks at x = -1.7 whatever y is, 3 repeats of 3 x 3 trials") {
    std::vector<std::uint64_t> seeds;
    const nn::GridRandomComparison c = nn::compare_grid_random(
        3, 3, nn::LogBox{-4, -0.5, -5, -2}, 10, 0.0005, [&](const nn::LogPoint& p, std::uint64_t seed) {
          seeds.push_back(seed);
          return 1 - std::abs(p.x + 1.7);
        });
    THEN("each repeat scores 18 points at its own seed; repeat 0's layouts are kept") {
      REQUIRE(seeds.size() == 54);
      CHECK(seeds.front() == 10);
      CHECK(seeds[18] == 110);
      CHECK(seeds.back() == 210);
      CHECK(c.grid.size() == 9);
      CHECK(c.random.size() == 9);
      REQUIRE(c.repeats.size() == 3);
    }
    THEN("the grid's best is its centre rate -2.25 (0.55 away) every time; wins and ties add up") {
      for (const auto& r : c.repeats) CHECK_THAT(r.grid_best.x, WithinAbs(-2.25, 1e-15));
      int ties = 0;
      for (const auto& r : c.repeats) ties += r.winner == 0;
      CHECK(c.random_wins + c.grid_wins + ties == 3);
      CHECK(c.random_wins >= 2);  // P(one of nine draws lands within 0.55 of -1.7) = 0.97
    }
  }
  THEN("no repeats is refused") {
    CHECK_THROWS_WITH(nn::compare_grid_random(0, 3, {}, 0, 0, {}), Contains("compare_grid_random"));
  }
}

SCENARIO("image_mlp and decay_weights_only: lesson 8's nets", "[lesson08][points:0]") {
  GIVEN("image_mlp(50), image_mlp(20, tanh, 0.5)") {
    nn::seed(0);
    nn::Sequential relu = nn::image_mlp(50);
    nn::Sequential tanh = nn::image_mlp(20, "tanh", 0.5);
    THEN("784 -> 50 -> ReLU -> 10; the dropout net has a fifth module; biases start at 0") {
      REQUIRE(relu.size() == 3);
      REQUIRE(tanh.size() == 4);
      CHECK(relu.forward(arma::zeros(784, 2)).n_rows == 10);
      const nn::Linear& out = dynamic_cast<const nn::Linear&>(relu[2]);
      CHECK(arma::abs(out.bias).max() == 0);
      CHECK_THAT(arma::stddev(arma::vectorise(out.weight)), WithinAbs(0.01, 0.002));  // 500 draws
      CHECK(tanh.forward(arma::zeros(784, 2)).n_rows == 10);
    }
    THEN("another activation is refused by name") {
      CHECK_THROWS_WITH(nn::image_mlp(5, "sigmoid"), Contains("sigmoid"));
    }
    WHEN("decay_weights_only(sgd, 0.1) and every bias set to 1") {
      nn::SGD sgd(relu.parameters(), 0.01);
      nn::decay_weights_only(sgd, 0.1);
      double weights = 0;
      for (const nn::Parameter& p : relu.parameters()) {
        if (p.name.find("bias") != std::string::npos) p.value->ones();
        else weights += arma::accu(arma::square(*p.value));
      }
      THEN("the penalty is 0.5 lambda ||W||^2 over the weights alone") {
        CHECK_THAT(sgd.l2_penalty(), WithinAbs(0.05 * weights, 1e-12 * weights));
      }
    }
  }
}
