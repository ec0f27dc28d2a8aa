// Inverted dropout: how many units it drops, that it keeps the mean, that eval mode is the
// identity, and that backward routes through the mask forward drew.
#include "core_helpers.hpp"
#include "nn/dropout.hpp"

using Catch::Matchers::Contains;
using Catch::Matchers::WithinAbs;
using testing::Equals;
using testing::grid;

SCENARIO("dropout drops a fraction p of the units and keeps the mean",
         "[dropout][lesson08][points:0]") {
  GIVEN("Dropout(0.3) in training mode and a 100x100 batch of ones, seed 7") {
    nn::seed(7);
    nn::Dropout dropout(0.3);
    const arma::mat ones(100, 100, arma::fill::ones);
    WHEN("forward") {
      const arma::mat y = dropout.forward(ones);
      const double zeros = arma::accu(y == 0) / 1e4;
      THEN("about 30% are 0: within 0.02 (4.4 standard deviations of a 10000-draw fraction, "
           "sqrt(0.3 * 0.7 / 10000) = 0.0046)") {
        CHECK_THAT(zeros, WithinAbs(0.3, 0.02));
      }
      THEN("the others are 1 / 0.7, so the mean stays 1 (within 0.03, 4.6 standard deviations)") {
        const arma::vec kept = arma::nonzeros(y);
        CHECK_THAT(kept.min(), WithinAbs(1 / 0.7, 1e-15));
        CHECK_THAT(kept.max(), WithinAbs(1 / 0.7, 1e-15));
        CHECK_THAT(arma::mean(arma::vectorise(y)), WithinAbs(1.0, 0.03));
      }
    }
    WHEN("forward runs twice") {
      const arma::mat first = dropout.forward(ones), second = dropout.forward(ones);
      THEN("each forward draws a fresh mask") { CHECK(arma::accu(first != second) > 0); }
    }
  }
  GIVEN("the same seed twice") {
    nn::seed(3);
    const arma::mat a = nn::dropout_mask(4, 5, 0.5);
    nn::seed(3);
    const arma::mat b = nn::dropout_mask(4, 5, 0.5);
    THEN("the same mask") { CHECK_THAT(a, Equals(b, 0)); }
  }
}

SCENARIO("in training mode backward uses the mask of the last forward",
         "[dropout][lesson08][points:0]") {
  GIVEN("Dropout(0.5), seed 5, X = [[1 2 3] [4 5 6]]") {
    nn::seed(5);
    nn::Dropout dropout(0.5);
    const arma::mat x = grid({{1, 2, 3}, {4, 5, 6}});
    WHEN("forward") {
      const arma::mat y = dropout.forward(x);
      THEN("the mask drawn is [[2 0 0] [0 2 0]] (kept units scaled by 1 / (1 - 0.5)) and "
           "Y = X % mask = [[2 0 0] [0 10 0]]") {
        CHECK_THAT(dropout.mask(), Equals(grid({{2, 0, 0}, {0, 2, 0}})));
        CHECK_THAT(y, Equals(grid({{2, 0, 0}, {0, 10, 0}})));
      }
      AND_WHEN("backward with G = [[1 1 1] [1 1 1]] * 0.5") {
        const arma::mat grad_x = dropout.backward(grid({{0.5, 0.5, 0.5}, {0.5, 0.5, 0.5}}));
        THEN("dX = G % mask = [[1 0 0] [0 1 0]]: dropped units pass no gradient") {
          CHECK_THAT(grad_x, Equals(grid({{1, 0, 0}, {0, 1, 0}})));
        }
      }
    }
  }
}

SCENARIO("in eval mode dropout is exactly the identity", "[dropout][lesson08][points:0]") {
  GIVEN("Dropout(0.5) switched to eval mode") {
    nn::seed(6);
    nn::Dropout dropout(0.5);
    dropout.set_training(false);
    const arma::mat x = arma::randn<arma::mat>(7, 4), g = arma::randn<arma::mat>(7, 4);
    THEN("forward(X) == X and backward(G) == G, bit for bit") {
      CHECK_THAT(dropout.forward(x), Equals(x, 0));
      CHECK_THAT(dropout.backward(g), Equals(g, 0));
      CHECK_FALSE(dropout.training());
    }
    THEN("it passes the gradient check") {
      for (const nn::GradientCheck& c : nn::gradient_check(dropout, x)) {
        INFO(nn::describe(c));
        CHECK(c.max_relative_error < 1e-7);
      }
    }
    WHEN("a Sequential holding it is switched back to training") {
      nn::Sequential net;
      net.emplace<nn::Linear>(7, 7);
      auto& inner = net.emplace<nn::Dropout>(0.5);
      inner.set_training(false);
      net.set_training(true);
      THEN("the dropout inside is training again") { CHECK(inner.training()); }
    }
  }
}

SCENARIO("dropout refuses p outside [0, 1) and a backward before forward",
         "[dropout][lesson08][points:0]") {
  THEN("p = 1, p = -0.1 and NaN throw; p = 0 keeps everything") {
    CHECK_THROWS_WITH(nn::Dropout(1.0), Contains("must be in [0, 1), got 1"));
    CHECK_THROWS_WITH(nn::Dropout(-0.1), Contains("got -0.1"));
    CHECK_THROWS_AS(nn::Dropout(arma::datum::nan), nn::Error);
    nn::Dropout none(0);
    const arma::mat x = grid({{1, -2}, {3, 4}});
    CHECK_THAT(none.forward(x), Equals(x, 0));
  }
  THEN("backward before forward, or with the wrong shape, names the module") {
    nn::Dropout dropout(0.5);
    CHECK_THROWS_WITH(dropout.backward(grid({{1}})),
                      Contains("Dropout(p = 0.5)::backward") && Contains("before forward"));
    dropout.forward(grid({{1, 2}}));
    CHECK_THROWS_WITH(dropout.backward(grid({{1}})), Contains("expected grad_output 1x2"));
  }
}
