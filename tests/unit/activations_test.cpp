// ReLU, leaky ReLU, sigmoid and tanh with slope: values, derivatives, stability.
#include "core_helpers.hpp"

using Catch::Matchers::WithinAbs;
using testing::Equals;
using testing::grid;

SCENARIO("ReLU on five values in [-0.5, 0.5] with upstream ones", "[lesson02][points:3]"
         "[exercise:relu_backward]") {
  GIVEN("x = [-0.5 -0.25 0 0.25 0.5]") {
    const arma::mat x = grid({{-0.5}, {-0.25}, {0}, {0.25}, {0.5}});
    nn::ReLU relu;
    WHEN("forward then backward with ones") {
      const arma::mat y = relu.forward(x);
      const arma::mat g = relu.backward(arma::ones(5, 1));
      THEN("y = [0 0 0 0.25 0.5] and gradInput is the 0/1 mask [0 0 0 1 1] (ReLU'(0) = 0)") {
        CHECK_THAT(y, Equals(grid({{0}, {0}, {0}, {0.25}, {0.5}})));
        CHECK_THAT(g, Equals(grid({{0}, {0}, {0}, {1}, {1}})));
      }
    }
  }
}

SCENARIO("leaky ReLU lets gamma of the gradient through below zero", "[lesson02][points:2]"
         "[exercise:leaky_relu_backward]") {
  const double gamma = GENERATE(0.01, 0.05, 0.1);
  GIVEN("gamma = " << gamma << " and x = [-2 -0.5 0 3]") {
    nn::LeakyReLU leaky(gamma);
    const arma::mat x = grid({{-2}, {-0.5}, {0}, {3}});
    THEN("y = [-2 gamma, -0.5 gamma, 0, 3] and the slope is [gamma gamma gamma 1]") {
      CHECK_THAT(leaky.forward(x), Equals(grid({{-2 * gamma}, {-0.5 * gamma}, {0}, {3}})));
      CHECK_THAT(leaky.backward(arma::ones(4, 1)), Equals(grid({{gamma}, {gamma}, {gamma}, {1}})));
    }
  }
}

SCENARIO("sigmoid and tanh with slope lambda", "[lesson02][points:0]"
         "[needs:lesson02/sigmoid_backward][needs:lesson02/tanh_backward]") {
  GIVEN("lambda = 2") {
    nn::Sigmoid sigmoid(2);
    nn::Tanh tanh_layer(2);
    const arma::mat x = grid({{0}, {0.5}, {-1}});
    THEN("sigmoid(0) = 0.5 with slope lambda/4 = 0.5; sigmoid(0.5) = 1/(1+e^-1)") {
      const arma::mat y = sigmoid.forward(x);
      CHECK_THAT(y(0), WithinAbs(0.5, 1e-15));
      CHECK_THAT(y(1), WithinAbs(1 / (1 + std::exp(-1.0)), 1e-15));
      const arma::mat g = sigmoid.backward(arma::ones(3, 1));
      CHECK_THAT(g(0), WithinAbs(0.5, 1e-15));
      CHECK_THAT(g(2), WithinAbs(2 * y(2) * (1 - y(2)), 1e-15));
    }
    THEN("tanh(lambda x) has slope lambda (1 - y^2): 2 at 0, 2 (1 - tanh(1)^2) at 0.5") {
      tanh_layer.forward(x);
      const arma::mat g = tanh_layer.backward(arma::ones(3, 1));
      CHECK_THAT(g(0), WithinAbs(2, 1e-15));
      CHECK_THAT(g(1), WithinAbs(2 * (1 - std::pow(std::tanh(1.0), 2)), 1e-15));
    }
  }
  GIVEN("inputs of +-1000") {
    const arma::mat x = grid({{-1000}, {1000}});
    THEN("sigmoid gives exactly 0 and 1, no NaN, and zero slope (saturation)") {
      nn::Sigmoid s;
      CHECK_THAT(s.forward(x), Equals(grid({{0}, {1}})));
      CHECK_THAT(s.backward(arma::ones(2, 1)), Equals(grid({{0}, {0}})));
    }
  }
}
