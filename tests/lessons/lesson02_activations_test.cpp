// Lesson 2's claims: the ReLU mask, the derivatives of leaky ReLU, sigmoid and tanh at literal
// points for several gamma and lambda, saturation, dead ReLUs (a bias shift, one too-large
// step) and leaky ReLU as the fix, the gradient checks and the kink at 0.
// (tests/unit/activations_test.cpp holds the modules' basic behaviour.)
#include <sys/wait.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <memory>

#include "helpers.hpp"

using Catch::Matchers::WithinAbs;
using Catch::Matchers::WithinRel;
using testing::Equals;
using testing::grid;

namespace {

const arma::mat five = grid({{-0.5, -0.25, 0, 0.25, 0.5}});  // (1 x 5): five samples
const arma::mat points = grid({{-2, -0.5, 0, 0.5, 2}});      // (1 x 5)

}  // namespace

SCENARIO("ReLU's backward is the 0/1 mask of the units that fired", "[lesson02][points:2]"
         "[exercise:relu_backward]") {
  GIVEN("five samples x = [-0.5 -0.25 0 0.25 0.5] (1 x 5)") {
    THEN("relu_forward keeps the positive ones: [0 0 0 0.25 0.5]") {
      CHECK_THAT(nn::relu_forward(five), Equals(grid({{0, 0, 0, 0.25, 0.5}})));
    }
    THEN("with upstream ones, gradInput is the mask [0 0 0 1 1] (ReLU'(0) = 0)") {
      CHECK_THAT(nn::relu_backward(five, arma::ones(1, 5)), Equals(grid({{0, 0, 0, 1, 1}})));
    }
    THEN("with upstream [1 2 3 4 5], gradInput is upstream times the mask: [0 0 0 4 5]") {
      CHECK_THAT(nn::relu_backward(five, grid({{1, 2, 3, 4, 5}})), Equals(grid({{0, 0, 0, 4, 5}})));
    }
  }
}

SCENARIO("leaky ReLU's value and derivative for gamma = 0.01, 0.05, 0.1", "[lesson02][points:2]"
         "[exercise:leaky_relu_backward]") {
  // gamma, then y at x = [-2 -0.5 0 0.5 2], written out.
  const auto [gamma, y_at_minus_2, y_at_minus_half] = GENERATE(table<double, double, double>(
      {{0.01, -0.02, -0.005}, {0.05, -0.10, -0.025}, {0.10, -0.20, -0.050}}));
  GIVEN("gamma = " << gamma << " at x = [-2 -0.5 0 0.5 2]") {
    THEN("y = [" << y_at_minus_2 << " " << y_at_minus_half << " 0 0.5 2]") {
      CHECK_THAT(nn::leaky_relu_forward(points, gamma),
                 Equals(grid({{y_at_minus_2, y_at_minus_half, 0, 0.5, 2}}), 1e-15));
    }
    THEN("dy/dx = [gamma gamma gamma 1 1]: gamma at 0 too (the x < 0 branch's slope)") {
      CHECK_THAT(nn::leaky_relu_backward(points, arma::ones(1, 5), gamma),
                 Equals(grid({{gamma, gamma, gamma, 1, 1}}), 1e-15));
    }
  }
}

SCENARIO("the sigmoid's derivative lambda y (1 - y) for lambda = 0.5, 1, 2, 4",
         "[lesson02][points:2][exercise:sigmoid_backward]") {
  const auto [lambda, at_0, at_half, at_2] = GENERATE(table<double, double, double, double>({
      {0.5, 0.125, 0.12306704136879917, 0.09830596662074093},
      {1.0, 0.25, 0.2350037122015945, 0.10499358540350662},
      {2.0, 0.5, 0.3932238664829637, 0.035325412426582214},
      {4.0, 1.0, 0.41997434161402647, 0.0013409506830254726},
  }));
  GIVEN("lambda = " << lambda << " at x = [-2 -0.5 0 0.5 2]") {
    const arma::mat slope =
        nn::sigmoid_backward(nn::sigmoid_forward(points, lambda), arma::ones(1, 5), lambda);
    THEN("the slope is lambda/4 = " << at_0 << " at 0, " << at_half << " at +-0.5, " << at_2
                                    << " at +-2, symmetric") {
      CHECK_THAT(slope, Equals(grid({{at_2, at_half, at_0, at_half, at_2}}), 1e-14));
    }
  }
}

SCENARIO("tanh's derivative lambda (1 - y^2) for lambda = 0.5, 1, 2, 4", "[lesson02][points:2]"
         "[exercise:tanh_backward]") {
  const auto [lambda, at_half, at_2] = GENERATE(table<double, double, double>({
      {0.5, 0.470007424403189, 0.20998717080701307},
      {1.0, 0.7864477329659274, 0.07065082485316443},
      {2.0, 0.8399486832280523, 0.002681901366051731},
      {4.0, 0.2826032994126577, 1.8005623907413337e-06},
  }));
  GIVEN("lambda = " << lambda << " at x = [-2 -0.5 0 0.5 2]") {
    const arma::mat slope =
        nn::tanh_backward(nn::tanh_forward(points, lambda), arma::ones(1, 5), lambda);
    THEN("the slope is lambda at 0, " << at_half << " at +-0.5 and " << at_2 << " at +-2") {
      CHECK_THAT(slope, Equals(grid({{at_2, at_half, lambda, at_half, at_2}}), 1e-14));
    }
  }
}

SCENARIO("saturation: sigmoid and tanh pass almost no gradient at x = 5 and 10",
         "[lesson02][points:0][needs:lesson02/relu_backward][needs:lesson02/sigmoid_backward]"
         "[needs:lesson02/tanh_backward]") {
  GIVEN("lambda = 1 and x = [5 10]") {
    const arma::mat x = grid({{5, 10}});
    const arma::mat sigmoid_slope =
        nn::sigmoid_backward(nn::sigmoid_forward(x, 1), arma::ones(1, 2), 1);
    const arma::mat tanh_slope = nn::tanh_backward(nn::tanh_forward(x, 1), arma::ones(1, 2), 1);
    THEN("sigmoid' = 6.65e-3 and 4.54e-5") {
      CHECK_THAT(sigmoid_slope(0), WithinRel(0.006648056670790033, 1e-9));
      CHECK_THAT(sigmoid_slope(1), WithinRel(4.5395807735907655e-05, 1e-9));
    }
    THEN("tanh' = 1.82e-4 and 8.24e-9 (computed from y = tanh(x), so only to ~1e-7)") {
      CHECK_THAT(tanh_slope(0), WithinRel(0.0001815832309438603, 1e-9));
      CHECK_THAT(tanh_slope(1), WithinRel(8.244614546626394e-09, 1e-6));
    }
    THEN("ReLU still passes 1") {
      CHECK_THAT(nn::relu_backward(x, arma::ones(1, 2)), Equals(grid({{1, 1}})));
    }
  }
}

SCENARIO("dead ReLUs from a large negative bias; leaky ReLU has none", "[lesson02][points:0]"
         "[needs:lesson02/relu_backward][needs:lesson02/leaky_relu_backward]") {
  GIVEN("Linear(20 -> 100) on 500 inputs in [0, 1], seed 0 (lesson 2, step 6)") {
    nn::seed(0);
    const arma::mat x = arma::randu<arma::mat>(20, 500);
    nn::Linear layer(20, 100);
    auto dead_after = [&](double shift, double gamma) {
      nn::Linear shifted = layer;
      shifted.bias += shift;
      const arma::mat z = shifted.forward(x);  // (100 x 500)
      return gamma == 0 ? nn::dead_relu_share(z) : nn::dead_leaky_share(z, gamma);
    };
    THEN("dead ReLUs: 0.06 unshifted, 0.54 at -0.5, 0.97 at -1, all at -1.5 (+-0.03)") {
      CHECK_THAT(dead_after(0, 0), WithinAbs(0.06, 0.03));
      CHECK_THAT(dead_after(-0.5, 0), WithinAbs(0.54, 0.03));
      CHECK_THAT(dead_after(-1.0, 0), WithinAbs(0.97, 0.03));
      CHECK(dead_after(-1.5, 0) == 1.0);
    }
    THEN("leaky ReLU (gamma 0.1) has 0 dead units at every shift") {
      for (double shift : {0.0, -0.5, -1.0, -1.5}) CHECK(dead_after(shift, 0.1) == 0.0);
    }
  }
}

SCENARIO("one too-large step kills ReLUs for good; leaky ReLU's units come back",
         "[lesson02][points:0][needs:lesson01/Linear::backward][needs:lesson02/relu_backward]"
         "[needs:lesson02/leaky_relu_backward]") {
  GIVEN("a Linear(20 -> 100) copying another layer, lr 0.3, seed 0, 100 steps (lesson 2, step 7)") {
    // Computed once: Catch2 enters this GIVEN again for every THEN below.
    static const nn::DeadUnitRun normal = nn::copy_a_layer(0, 0, 0.3, 0.3, 100);
    static const nn::DeadUnitRun big = nn::copy_a_layer(0, 0, 2.0, 0.3, 100);
    static const nn::DeadUnitRun leaky = nn::copy_a_layer(0, 0.1, 2.0, 0.3, 100);
    INFO("ReLU, first lr 2: dead " << big.no_gradient(0) << " -> " << big.no_gradient(1) << " -> "
                                   << big.no_gradient(2) << " -> " << big.no_gradient(100));
    THEN("with lr 0.3 all along only the units dead from the start stay dead: 0.05 (+-0.02)") {
      CHECK_THAT(normal.no_gradient(0), WithinAbs(0.05, 0.02));
      CHECK(normal.no_gradient(100) == normal.no_gradient(0));
    }
    THEN("one step at lr 2 kills 0.47 of the units (+-0.03), 0.54 after the next (+-0.03)") {
      CHECK_THAT(big.no_gradient(1), WithinAbs(0.47, 0.03));
      CHECK_THAT(big.no_gradient(2), WithinAbs(0.54, 0.03));
    }
    THEN("a dead unit never fires again: the share never falls, and is flat after step 2") {
      for (int t = 1; t <= 100; ++t) CHECK(big.no_gradient(t) >= big.no_gradient(t - 1));
      CHECK(big.no_gradient(100) == big.no_gradient(2));
      CHECK(arma::all(big.silent == big.no_gradient));  // for ReLU: silent = dead
    }
    THEN("the dead layer's loss is stuck far above the healthy one's") {
      CHECK(big.loss(100) > 3 * normal.loss(100));
    }
    THEN("leaky ReLU: no unit is ever without gradient, and its silent units climb back") {
      CHECK(arma::all(leaky.no_gradient == 0));
      CHECK(leaky.silent(1) > 0.3);
      CHECK(leaky.silent(100) < 0.15);
      CHECK(leaky.loss(100) < big.loss(100));
    }
  }
}

SCENARIO("every activation passes its gradient check; ReLU at 0 is a kink, not a bug",
         "[lesson02][points:0][needs:lesson01/numeric_gradient][needs:lesson02/relu_backward]"
         "[needs:lesson02/leaky_relu_backward][needs:lesson02/sigmoid_backward]"
         "[needs:lesson02/tanh_backward]") {
  GIVEN("a random 6 x 3 input, seed 0 (lesson 2, step 8)") {
    nn::seed(0);
    const arma::mat x = arma::randn<arma::mat>(6, 3);
    const std::vector<std::unique_ptr<nn::Module>> modules = nn::lesson02_activations();
    THEN("all twelve are in the good band, < 1e-7, with no kink") {
      for (auto& m : modules) {
        const nn::GradientCheck c = nn::gradient_check(*m, x)[0];
        INFO(m->name() << ": " << nn::describe(c));
        CHECK(c.max_relative_error < 1e-7);
        CHECK_FALSE(c.near_kink);
      }
    }
  }
  GIVEN("ReLU on the five values, one of them exactly 0") {
    nn::ReLU relu;
    const nn::GradientCheck c = nn::gradient_check(relu, five)[0];
    THEN("the checker flags the kink at entry 2 and leaves it out; the rest agree") {
      CHECK(c.near_kink);
      CHECK(c.kinks == 1);
      CHECK(c.max_relative_error < 1e-7);
    }
    THEN("the centered difference at 0 is (h - 0) / 2h = 0.5 while backward says 0") {
      auto relu_sum = [](const arma::mat& v) { return arma::accu(nn::relu_forward(v)); };
      const arma::mat numeric = nn::numeric_gradient(relu_sum, five);
      CHECK_THAT(numeric, Equals(grid({{0, 0, 0.5, 1, 1}}), 1e-10));
      AND_THEN("within h of 0 it ramps: (x + h) / 2h = 0.65 at x = 3e-6") {
        CHECK_THAT(nn::numeric_gradient(relu_sum, grid({{3e-6}}))(0), WithinAbs(0.65, 1e-9));
      }
    }
  }
}

TEST_CASE("lesson 2 runs straight through and writes its figures", "[lesson02][run][points:0]") {
  std::vector<std::string> files;
  for (const char* f : {"relu", "leaky_relu", "leaky_relu_slope", "sigmoid", "sigmoid_slope", "tanh",
                        "tanh_slope", "saturation", "dead_bias", "dead_steps", "dead_loss", "kink"})
    files.push_back(std::string(f) + ".png");
  testing::check_lesson_run(2, files);
}
