// Average pooling: literal grids for forward and backward (checked against PyTorch 1.13's
// avg_pool2d in float64), overlapping windows, uncovered pixels, gradient checks, shape errors.
#include "core_helpers.hpp"

using Catch::Matchers::Contains;
using testing::Equals;
using testing::grid;

namespace {
arma::mat one_to_sixteen() { return grid({{1, 2, 3, 4}, {5, 6, 7, 8}, {9, 10, 11, 12}, {13, 14, 15, 16}}); }
}  // namespace

SCENARIO("average pooling 1..16, 2x2 windows with stride 2", "[avgpool][lesson11][points:2][exercise:avgpool2d_backward]") {
  GIVEN("the 1x4x4 image [[1 2 3 4] [5 6 7 8] [9 10 11 12] [13 14 15 16]]") {
    const nn::Shape shape{1, 4, 4};
    nn::AvgPool2d pool(shape, 2, 2);
    const arma::vec y = pool.forward(testing::image({one_to_sixteen()}));
    THEN("each window's mean: [[3.5 5.5] [11.5 13.5]]") {
      CHECK(pool.output_shape() == nn::Shape{1, 2, 2});
      CHECK_THAT(testing::plane(y, pool.output_shape(), 0), Equals(grid({{3.5, 5.5}, {11.5, 13.5}})));
    }
    THEN("backward spreads each G / 4 over its window") {
      const arma::vec g = pool.backward(testing::image({grid({{4, 8}, {12, 16}})}));
      CHECK_THAT(testing::plane(g, shape, 0),
                 Equals(grid({{1, 1, 2, 2}, {1, 1, 2, 2}, {3, 3, 4, 4}, {3, 3, 4, 4}})));
    }
  }
}

SCENARIO("overlapping and partial windows", "[avgpool][lesson11][points:2][exercise:avgpool2d_backward]") {
  GIVEN("1..16 pooled with kernel 3, stride 1") {
    nn::AvgPool2d pool(nn::Shape{1, 4, 4}, 3, 1);
    THEN("the four 3x3 means are [[6 7] [10 11]]") {
      CHECK_THAT(testing::plane(pool.forward(testing::image({one_to_sixteen()})), pool.output_shape(), 0),
                 Equals(grid({{6, 7}, {10, 11}})));
    }
  }
  GIVEN("zeros pooled with kernel 2, stride 1, upstream ones") {
    const nn::Shape shape{1, 4, 4};
    nn::AvgPool2d pool(shape, 2, 1);
    pool.forward(arma::zeros(16, 1));
    THEN("4 x the gradient counts the windows each pixel is in: corners 1, edges 2, centre 4") {
      CHECK_THAT(testing::plane(4 * pool.backward(arma::ones(9, 1)), shape, 0),
                 Equals(grid({{1, 2, 2, 1}, {2, 4, 4, 2}, {2, 4, 4, 2}, {1, 2, 2, 1}})));
    }
  }
  GIVEN("a 1x5x5 image, kernel 2, stride 2: floor sizing drops the last row and column") {
    const nn::Shape shape{1, 5, 5};
    nn::AvgPool2d pool(shape, 2, 2);
    pool.forward(arma::linspace(1, 25, 25));
    THEN("G = [[1 2] [3 4]] gives [[.25 .25 .5 .5 0] ... [0 0 0 0 0]] (as PyTorch)") {
      CHECK_THAT(testing::plane(pool.backward(testing::image({grid({{1, 2}, {3, 4}})})), shape, 0),
                 Equals(grid({{0.25, 0.25, 0.5, 0.5, 0},
                              {0.25, 0.25, 0.5, 0.5, 0},
                              {0.75, 0.75, 1, 1, 0},
                              {0.75, 0.75, 1, 1, 0},
                              {0, 0, 0, 0, 0}})));
    }
  }
}

SCENARIO("AvgPool2d passes the gradient check", "[avgpool][lesson11][points:2][exercise:avgpool2d_backward][needs:lesson01/numeric_gradient]") {
  const auto [c, h, w, k, s, batch] = GENERATE(table<int, int, int, int, int, int>({
      {1, 4, 4, 2, 2, 1}, {2, 5, 5, 3, 2, 2}, {1, 6, 7, 3, 1, 1}, {3, 4, 6, 2, 3, 2}}));
  GIVEN("AvgPool2d(" << c << "x" << h << "x" << w << ", kernel " << k << ", stride " << s << ")") {
    nn::seed(14);
    nn::AvgPool2d pool(nn::Shape{arma::uword(c), arma::uword(h), arma::uword(w)}, k, s);
    THEN("the input gradient agrees below 1e-7") {
      for (const nn::GradientCheck& check : nn::gradient_check(pool, arma::randn<arma::mat>(c * h * w, batch))) {
        INFO(nn::describe(check));
        CHECK(check.max_relative_error < 1e-7);
      }
    }
  }
}

SCENARIO("AvgPool2d refuses wrong shapes, naming the layer and both shapes", "[avgpool][lesson11][points:0]") {
  nn::AvgPool2d pool(nn::Shape{2, 4, 4}, 2, 2);
  CHECK_THROWS_WITH(pool.backward(arma::ones(8, 1)), Contains("backward called before forward"));
  CHECK_THROWS_WITH(pool.forward(arma::ones(16, 1)),
                    Contains("AvgPool2d(2x4x4 -> 2x2x2, kernel 2, stride 2)::forward: expected input 2x4x4 (32 rows)") &&
                        Contains("got 16x1"));
  pool.forward(arma::ones(32, 3));
  CHECK_THROWS_WITH(pool.backward(arma::ones(8, 2)), Contains("expected grad_output 8x3") && Contains("got 8x2"));
  CHECK_THROWS_WITH(nn::AvgPool2d(nn::Shape{1, 3, 3}, 4, 1), Contains("kernel 4x4 is larger than the input 3x3"));
  CHECK_THROWS_WITH(nn::AvgPool2d(nn::Shape{1, 3, 3}, 2, 0), Contains("stride must be at least 1"));
}
