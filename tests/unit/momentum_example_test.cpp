// Lesson 8's worked examples (src/nn/momentum_example.hpp): two steps on L = 2 w^2 and the
// valley L = 0.5 (w1^2 + 100 w2^2), checked against first steps worked out by hand.
#include "core_helpers.hpp"
#include "nn/momentum_example.hpp"

using Catch::Matchers::WithinAbs;

SCENARIO("two_steps and valley_run: lesson 8's worked examples", "[lesson08][points:0]") {
  GIVEN("w = 1 under plain SGD at lr 0.1 on L = 2 w^2") {
    arma::mat w = {1.0}, grad = {0.0};
    nn::SGD sgd({{"w", &w, &grad}}, 0.1);
    const arma::rowvec trace = nn::two_steps(sgd, w, grad);
    THEN("w is multiplied by 0.6 each step; the last gradient written was 4 * 0.6") {
      CHECK(arma::approx_equal(trace, arma::rowvec{1, 0.6, 0.36}, "absdiff", 1e-15));
      CHECK_THAT(w(0), WithinAbs(0.36, 1e-15));
      CHECK_THAT(grad(0), WithinAbs(2.4, 1e-15));
    }
  }
  GIVEN("the valley from (1, 1) at lr 0.015") {
    const nn::ValleyRun plain = nn::valley_run(0, 3), heavy = nn::valley_run(0.9, 2);
    THEN("plain SGD: L0 = 50.5, then w = (0.985, -0.5) and L1 = 0.5 (0.985^2 + 25) = 12.98511") {
      REQUIRE(plain.loss.n_elem == 4);
      REQUIRE(plain.path.n_cols == 4);
      CHECK(plain.loss(0) == 50.5);
      CHECK_THAT(plain.path(0, 1), WithinAbs(0.985, 1e-15));
      CHECK_THAT(plain.path(1, 1), WithinAbs(-0.5, 1e-15));
      CHECK_THAT(plain.loss(1), WithinAbs(12.9851125, 1e-12));
      CHECK_THAT(plain.path(1, 3), WithinAbs(-0.125, 1e-15));  // w2 x (1 - 1.5) per step
    }
    THEN("momentum 0.9: v2 = 0.9 (0.015, 1.5) + 0.015 (0.985, -50), so w2 = (0.956725, -1.1)") {
      CHECK_THAT(heavy.path(0, 2), WithinAbs(0.956725, 1e-15));
      CHECK_THAT(heavy.path(1, 2), WithinAbs(-1.1, 1e-14));
    }
  }
}
