// Lesson 4's claims: the argmax indices of the slide example, overlapping windows that route
// gradient to one pixel several times, and the tie where the numeric derivative is 0.5.
// (The slide example's output and mask, and the tie rule, are in tests/unit/maxpool_test.cpp.)
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <sys/wait.h>

#include "helpers.hpp"

using testing::Equals;
using testing::grid;

namespace {

const nn::Shape slide_shape{1, 4, 4};

arma::mat slide_plane() {
  return grid({{0.2692, 0.4190, 0.2095, 0.9163},
               {0.2778, 0.9199, 0.5555, 0.1638},
               {0.6936, 0.2328, 0.0553, 0.1798},
               {0.3611, 0.3225, 0.9032, 0.5106}});
}

}  // namespace

SCENARIO("argmax() names the input row of each window's maximum", "[lesson04][points:0]") {
  GIVEN("the slide example pooled 2x2 with stride 2") {
    nn::MaxPool2d pool(slide_shape, 2, 2);
    pool.forward(testing::image({slide_plane()}));
    THEN("the maxima sit at rows 5 = (1,1), 2 = (2,0), 12 = (0,3), 11 = (3,2), in output order") {
      REQUIRE(pool.argmax().n_rows == 4);
      REQUIRE(pool.argmax().n_cols == 1);
      CHECK_THAT(arma::conv_to<arma::mat>::from(pool.argmax()), Equals(grid({{5}, {2}, {12}, {11}})));
    }
  }
}

SCENARIO("overlapping windows route gradient to a pixel once per window it wins",
         "[lesson04][points:3][exercise:maxpool2d_backward]") {
  GIVEN("the slide example pooled with kernel 2, stride 1 (3x3 windows)") {
    nn::MaxPool2d pool(slide_shape, 2, 1);
    const arma::vec y = pool.forward(testing::image({slide_plane()}));
    THEN("the output is [[0.9199 0.9199 0.9163] [0.9199 0.9199 0.5555] [0.6936 0.9032 0.9032]]") {
      CHECK_THAT(testing::plane(y, pool.output_shape(), 0),
                 Equals(grid({{0.9199, 0.9199, 0.9163},
                              {0.9199, 0.9199, 0.5555},
                              {0.6936, 0.9032, 0.9032}})));
    }
    THEN("upstream ones count the windows each pixel wins: 0.9199 four, 0.9032 two") {
      CHECK_THAT(testing::plane(pool.backward(arma::ones(9, 1)), slide_shape, 0),
                 Equals(grid({{0, 0, 0, 1}, {0, 4, 1, 0}, {1, 0, 0, 0}, {0, 0, 2, 0}})));
    }
    THEN("upstream [[1 2 3] [4 5 6] [7 8 9]] sums at each winner: 1+2+4+5 = 12, 8+9 = 17") {
      const arma::vec g = testing::image({grid({{1, 2, 3}, {4, 5, 6}, {7, 8, 9}})});
      CHECK_THAT(testing::plane(pool.backward(g), slide_shape, 0),
                 Equals(grid({{0, 0, 0, 3}, {0, 12, 6, 0}, {7, 0, 0, 0}, {0, 0, 17, 0}})));
    }
  }
  GIVEN("the slide example pooled with kernel 3, stride 1 (2x2 windows)") {
    nn::MaxPool2d pool(slide_shape, 3, 1);
    const arma::vec y = pool.forward(testing::image({slide_plane()}));
    THEN("0.9199 wins all four windows and collects all four gradients") {
      CHECK_THAT(testing::plane(y, pool.output_shape(), 0),
                 Equals(grid({{0.9199, 0.9199}, {0.9199, 0.9199}})));
      CHECK_THAT(testing::plane(pool.backward(arma::ones(4, 1)), slide_shape, 0),
                 Equals(grid({{0, 0, 0, 0}, {0, 4, 0, 0}, {0, 0, 0, 0}, {0, 0, 0, 0}})));
    }
  }
}

SCENARIO("at a tie the numeric derivative is 0.5, the average of the one-sided slopes",
         "[lesson04][points:3][exercise:maxpool2d_backward][needs:lesson01/numeric_gradient]") {
  GIVEN("the slide example with 0.9199 copied to (0,0): a tie with (1,1) in the first window") {
    arma::mat plane = slide_plane();
    plane(0, 0) = 0.9199;
    const arma::vec x = testing::image({plane});
    nn::MaxPool2d pool(slide_shape, 2, 2);
    pool.forward(x);
    const auto loss = [&](const arma::mat& v) { return arma::accu(pool.forward(v)); };
    const double h = 1e-5;
    // The loss is piecewise linear, so the differences below are exact but for rounding: a
    // loss of about 3.4 is rounded to ~4e-16, divided by h = 1e-5 (or 2h) that is ~1e-10 (the
    // grid's worst entry measures between 1e-11 and 1e-10). 1e-9 leaves a factor 10.
    const double rounding = 1e-9;

    THEN("analytic: all of the first window's gradient goes to (0,0), first in reading order") {
      pool.forward(x);
      CHECK_THAT(testing::plane(pool.backward(arma::ones(4, 1)), slide_shape, 0),
                 Equals(grid({{1, 0, 0, 1}, {0, 0, 0, 0}, {1, 0, 0, 0}, {0, 0, 1, 0}})));
    }
    THEN("numeric (centered): 0.5 at each tied pixel") {
      CHECK_THAT(testing::plane(nn::numeric_gradient(loss, x, h), slide_shape, 0),
                 Equals(grid({{0.5, 0, 0, 1}, {0, 0.5, 0, 0}, {1, 0, 0, 0}, {0, 0, 1, 0}}), rounding));
    }
    THEN("at (0,0) the slope is 1 from the right and 0 from the left; the same at (1,1)") {
      for (const arma::uword pixel : {arma::uword(0), arma::uword(5)}) {  // (0,0) and (1,1)
        arma::vec plus = x, minus = x;
        plus(pixel) += h;
        minus(pixel) -= h;
        CHECK((loss(plus) - loss(x)) / h == Approx(1.0).epsilon(rounding));
        CHECK((loss(x) - loss(minus)) / h == Approx(0.0).margin(rounding));
      }
    }
    THEN("gradient_check flags exactly the two tied entries as near a kink, and the rest agree") {
      const nn::GradientCheck c = nn::gradient_check(pool, x)[0];
      INFO(nn::describe(c));
      CHECK(c.what == "input");
      CHECK(c.near_kink);
      CHECK(c.kinks == 2);
      CHECK(c.max_relative_error < 1e-7);
    }
  }
}

TEST_CASE("lesson 4 runs straight through and draws its figures", "[lesson04][run][points:0]") {
  testing::check_lesson_run(4, {"pooling.png", "mask.png", "overlap-counts.png", "tie.png"});
}
