// Batch normalization: a 3-feature batch of 4 samples worked by hand (numbers checked against
// PyTorch 1.13 in float64), the running statistics after two steps, eval against training,
// BatchNorm2d's per-channel grouping, gradient checks over sizes, and the shape errors.
#include "core_helpers.hpp"

using Catch::Matchers::Contains;
using Catch::Matchers::WithinAbs;
using testing::Equals;
using testing::grid;
using testing::require_all_pass;

namespace {

// The worked batch: 3 features (rows) x 4 samples (columns).
//   feature 1: 0 2 0 2   mean 1, biased var 1
//   feature 2: 1 1 1 5   mean 2, biased var 3
//   feature 3: 0 0 4 4   mean 2, biased var 4
arma::mat worked_batch() { return grid({{0, 2, 0, 2}, {1, 1, 1, 5}, {0, 0, 4, 4}}); }

// 1e-6, not 1e-7: the output goes through x - mean, and the centered differences of entries a
// thousand times smaller than the largest carry ~1e-7 of round-off at 16 samples.
constexpr double batchnorm_tolerance = 1e-6;

}  // namespace

SCENARIO("batch norm of a 4-sample batch, by hand", "[batchnorm][lesson11][points:3][exercise:batchnorm_backward]") {
  GIVEN("BatchNorm1d(3) with gamma = [1 2 0.5], beta = [0 1 -1], in training mode") {
    nn::BatchNorm1d bn(3);
    bn.gamma = grid({{1}, {2}, {0.5}});
    bn.beta = grid({{0}, {1}, {-1}});
    WHEN("the worked batch goes forward") {
      const arma::mat y = bn.forward(worked_batch());
      THEN("the batch mean is [1 2 2] and the biased variance [1 3 4]") {
        CHECK_THAT(arma::mat(bn.batch_mean), Equals(grid({{1}, {2}, {2}})));
        CHECK_THAT(arma::mat(bn.batch_var), Equals(grid({{1}, {3}, {4}})));
      }
      THEN("x_hat = (x - mean)/sqrt(var + 1e-5): +-1/sqrt(1.00001), (-1 -1 -1 3)/sqrt(3.00001), "
           "+-2/sqrt(4.00001)") {
        const double a = 1 / std::sqrt(1.00001), b = 1 / std::sqrt(3.00001), c = 2 / std::sqrt(4.00001);
        CHECK_THAT(bn.cache().x_hat, Equals(grid({{-a, a, -a, a}, {-b, -b, -b, 3 * b}, {-c, -c, c, c}}), 1e-15));
      }
      THEN("y = gamma x_hat + beta, the values PyTorch gives") {
        CHECK_THAT(y, Equals(grid({{-0.99999500003749975, 0.99999500003749975, -0.99999500003749975, 0.99999500003749975},
                                   {-0.15469861388316541, -0.15469861388316541, -0.15469861388316541, 4.46409584164949624},
                                   {-1.49999937500117175, -1.49999937500117175, -0.50000062499882814, -0.50000062499882814}}),
                           1e-14));
      }
      AND_WHEN("G = [[1 0 0 0] [0 1 0 0] [1 2 3 4]] comes back") {
        const arma::mat dx = bn.backward(grid({{1, 0, 0, 0}, {0, 1, 0, 0}, {1, 2, 3, 4}}));
        THEN("feature 1: (1/4)(4G - sum G - x_hat sum(G x_hat)) = (1/4)(4[1 0 0 0] - 1 - [1 -1 1 -1]) "
             "= [0.5 0 -0.5 0] up to eps; the rest as PyTorch") {
          CHECK_THAT(dx, Equals(grid({{4.99999999981250332e-01, -2.49996250042734603e-06, -4.99995000056249417e-01, -2.49996250042734603e-06},
                                      {-3.84899217212509304e-01, 7.69799396670656000e-01, -3.84899217212509304e-01, -9.62245637412526571e-07},
                                      {-1.25000468747949234e-01, 1.24999218752636712e-01, -1.24999218752636712e-01, 1.25000468747949234e-01}}),
                              1e-14));
        }
        THEN("dgamma = sum(G % x_hat) and dbeta = sum(G), per feature") {
          CHECK_THAT(bn.grad_gamma, Equals(grid({{-0.99999500003749975}, {-0.57734930694158271}, {3.99999500000937491}}), 1e-14));
          CHECK_THAT(bn.grad_beta, Equals(grid({{1}, {1}, {10}})));
        }
        THEN("every row of dx sums to 0 (shifting a feature across the batch does not change the "
             "output) and is orthogonal to x_hat up to eps/(var + eps) ~ 1e-5 (nor does scaling it)") {
          CHECK_THAT(arma::mat(arma::sum(dx, 1)), Equals(arma::zeros(3, 1), 1e-12));
          CHECK_THAT(arma::mat(arma::sum(dx % bn.cache().x_hat, 1)), Equals(arma::zeros(3, 1), 1.1e-5));
        }
      }
    }
  }
}

SCENARIO("the running statistics after two training steps follow the formula",
         "[batchnorm][lesson11][points:0]") {
  GIVEN("BatchNorm1d(3): running mean 0, running var 1, momentum 0.1") {
    nn::BatchNorm1d bn(3);
    CHECK_THAT(arma::mat(bn.running_mean), Equals(arma::zeros(3, 1), 0));
    CHECK_THAT(arma::mat(bn.running_var), Equals(arma::ones(3, 1), 0));
    WHEN("the worked batch goes forward (means [1 2 2], unbiased variances 4/3 [1 3 4])") {
      bn.forward(worked_batch());
      THEN("running mean = 0.9*0 + 0.1*[1 2 2] = [0.1 0.2 0.2], "
           "running var = 0.9*1 + 0.1*[4/3 4 16/3] = [1.0333 1.3 1.4333]") {
        CHECK_THAT(arma::mat(bn.running_mean), Equals(grid({{0.1}, {0.2}, {0.2}}), 1e-15));
        CHECK_THAT(arma::mat(bn.running_var), Equals(grid({{0.9 + 0.4 / 3}, {1.3}, {0.9 + 1.6 / 3}}), 1e-15));
      }
      AND_WHEN("then 2X + 1 (means [3 5 5], unbiased variances [16/3 16 64/3])") {
        bn.forward(2 * worked_batch() + 1);
        THEN("running mean = [0.39 0.68 0.68], running var = [1.46333 2.77 3.42333] (as PyTorch)") {
          CHECK_THAT(arma::mat(bn.running_mean), Equals(grid({{0.39}, {0.68}, {0.68}}), 1e-15));
          CHECK_THAT(arma::mat(bn.running_var),
                     Equals(grid({{1.46333333333333337}, {2.77000000000000046}, {3.42333333333333334}}), 1e-14));
        }
        AND_WHEN("switched to eval mode, the worked batch goes forward again") {
          bn.set_training(false);
          const arma::mat y = bn.forward(worked_batch());
          THEN("it is normalized with the running statistics: (x - 0.39)/sqrt(1.46334) ... "
               "(PyTorch's numbers), and they do not move") {
            CHECK_THAT(y, Equals(grid({{-0.32239737001238911, 1.33092247620499049, -0.32239737001238911, 1.33092247620499049},
                                       {0.19226901874467775, 0.19226901874467775, 0.19226901874467775, 2.59563175305315008},
                                       {-0.36752229003548870, -0.36752229003548870, 1.79437353370267982, 1.79437353370267982}}),
                               1e-14));
            CHECK_THAT(arma::mat(bn.running_mean), Equals(grid({{0.39}, {0.68}, {0.68}}), 1e-15));
          }
        }
      }
    }
  }
}

SCENARIO("eval mode is a fixed affine map; training mode depends on the batch",
         "[batchnorm][lesson11][points:0]") {
  GIVEN("BatchNorm1d(2) trained on one batch, and one sample that appears in two batches") {
    nn::seed(11);
    nn::BatchNorm1d bn(2);
    bn.forward(arma::randn<arma::mat>(2, 8));
    const arma::vec sample = {0.5, -1.0};
    const arma::mat batch_a = arma::join_rows(sample, arma::randn<arma::mat>(2, 3));
    const arma::mat batch_b = arma::join_rows(sample, 5 + arma::randn<arma::mat>(2, 3));
    WHEN("in training mode") {
      const arma::vec ya = bn.forward(batch_a).col(0), yb = bn.forward(batch_b).col(0);
      THEN("the same sample's output depends on its batch mates") { CHECK(arma::abs(ya - yb).max() > 0.5); }
    }
    WHEN("in eval mode") {
      bn.set_training(false);
      const arma::vec running_mean = bn.running_mean, running_var = bn.running_var;
      const arma::vec ya = bn.forward(batch_a).col(0), yb = bn.forward(batch_b).col(0);
      THEN("its output is the same in both batches, (x - running_mean)/sqrt(running_var + eps), "
           "and the running statistics stay") {
        CHECK_THAT(arma::mat(ya), Equals(yb, 0));
        CHECK_THAT(arma::mat(ya), Equals((sample - running_mean) / arma::sqrt(running_var + 1e-5), 1e-15));
        CHECK_THAT(arma::mat(bn.running_mean), Equals(running_mean, 0));
        CHECK_THAT(arma::mat(bn.running_var), Equals(running_var, 0));
      }
      THEN("a single sample is fine in eval mode; in training mode it throws (one value has no "
           "variance)") {
        CHECK(bn.forward(arma::mat(sample)).n_cols == 1);
        bn.set_training(true);
        CHECK_THROWS_WITH(bn.forward(arma::mat(sample)),
                          Contains("BatchNorm1d(2)::forward: training mode needs more than 1 value per feature"));
      }
    }
  }
}

SCENARIO("BatchNorm2d normalizes each channel over the batch and every position",
         "[batchnorm][lesson11][points:0]") {
  GIVEN("2 images of 2 channels 2x2: channel 0 holds 1..4 and 5..8, channel 1 [[0 0] [0 8]] and all 2s") {
    const nn::Shape shape{2, 2, 2};
    arma::mat x(8, 2);
    x.col(0) = testing::image({grid({{1, 2}, {3, 4}}), grid({{0, 0}, {0, 8}})});
    x.col(1) = testing::image({grid({{5, 6}, {7, 8}}), grid({{2, 2}, {2, 2}})});
    nn::BatchNorm2d bn(shape);
    const arma::mat y = bn.forward(x);
    THEN("channel 0: mean 4.5, var 5.25; channel 1: mean 2, var 6 (8 values each)") {
      CHECK_THAT(arma::mat(bn.batch_mean), Equals(grid({{4.5}, {2}}), 1e-15));
      CHECK_THAT(arma::mat(bn.batch_var), Equals(grid({{5.25}, {6}}), 1e-15));
    }
    THEN("the outputs are PyTorch's: channel 0 of image 1 is [[-1.5275 -1.0911] [-0.6547 -0.2182]]") {
      CHECK_THAT(testing::plane(y.col(0), shape, 0),
                 Equals(grid({{-1.52752377686808982, -1.09108841204863571}, {-0.65465304722918138, -0.21821768240972705}}), 1e-14));
      CHECK_THAT(testing::plane(y.col(0), shape, 1),
                 Equals(grid({{-0.81649590051475918, -0.81649590051475918}, {-0.81649590051475918, 2.44948770154427731}}), 1e-14));
      CHECK_THAT(testing::plane(y.col(1), shape, 0),
                 Equals(grid({{0.21821768240972722, 0.65465304722918150}, {1.09108841204863571, 1.52752377686809004}}), 1e-14));
      CHECK_THAT(testing::plane(y.col(1), shape, 1), Equals(arma::zeros(2, 2), 1e-15));
    }
    THEN("running mean [0.45 0.2], running var [1.5 1.5857] (unbiased with N = 8: var * 8/7)") {
      CHECK_THAT(arma::mat(bn.running_mean), Equals(grid({{0.45}, {0.2}}), 1e-15));
      CHECK_THAT(arma::mat(bn.running_var), Equals(grid({{1.5}, {1.58571428571428585}}), 1e-14));
    }
    THEN("channels_as_rows and rows_as_channels are inverse regroupings") {
      CHECK_THAT(nn::channels_as_rows(x, shape), Equals(grid({{1, 3, 2, 4, 5, 7, 6, 8}, {0, 0, 0, 8, 2, 2, 2, 2}})));
      CHECK_THAT(nn::rows_as_channels(nn::channels_as_rows(x, shape), shape), Equals(x, 0));
    }
  }
}

SCENARIO("BatchNorm1d passes the gradient check in both modes", "[batchnorm][lesson11][points:3][exercise:batchnorm_backward][needs:lesson01/numeric_gradient]") {
  const auto [features, batch] = GENERATE(table<int, int>({{1, 3}, {3, 4}, {5, 7}, {8, 16}}));
  GIVEN("BatchNorm1d(" << features << ") on a batch of " << batch << " with random gamma and beta") {
    nn::seed(12);
    nn::BatchNorm1d bn(features);
    bn.gamma = 1 + 0.5 * arma::randn<arma::mat>(features, 1);
    bn.beta = arma::randn<arma::mat>(features, 1);
    const arma::mat x = 3 * arma::randn<arma::mat>(features, batch) + 2;
    THEN("training mode: input, gamma and beta gradients agree below 1e-6") { require_all_pass(bn, x, batchnorm_tolerance); }
    THEN("eval mode (running statistics of one training step) agrees too") {
      bn.forward(x);
      bn.set_training(false);
      require_all_pass(bn, x, batchnorm_tolerance);
    }
  }
}

SCENARIO("BatchNorm2d passes the gradient check", "[batchnorm][lesson11][points:2][exercise:batchnorm_backward][needs:lesson01/numeric_gradient]") {
  const auto [c, h, w, batch] = GENERATE(table<int, int, int, int>({{1, 2, 2, 1}, {2, 3, 2, 2}, {3, 4, 4, 3}}));
  GIVEN("BatchNorm2d(" << c << "x" << h << "x" << w << ") on a batch of " << batch) {
    nn::seed(13);
    nn::BatchNorm2d bn(nn::Shape{arma::uword(c), arma::uword(h), arma::uword(w)});
    bn.gamma = 1 + 0.5 * arma::randn<arma::mat>(c, 1);
    bn.beta = arma::randn<arma::mat>(c, 1);
    THEN("input, gamma and beta gradients agree below 1e-6") {
      require_all_pass(bn, arma::randn<arma::mat>(c * h * w, batch), batchnorm_tolerance);
    }
  }
}

SCENARIO("batch norm refuses wrong shapes and bad settings, naming the layer and both shapes",
         "[batchnorm][lesson11][points:0]") {
  THEN("BatchNorm1d(3) given 4 rows, a backward before forward, a wrong grad") {
    nn::BatchNorm1d bn(3);
    CHECK_THROWS_WITH(bn.backward(arma::ones(3, 2)), Contains("BatchNorm1d(3)::backward: backward called before forward"));
    CHECK_THROWS_WITH(bn.forward(arma::ones(4, 2)),
                      Contains("BatchNorm1d(3)::forward: expected input features x batch (3 rows x batch), got 4x2"));
    bn.forward(arma::randn<arma::mat>(3, 5));
    CHECK_THROWS_WITH(bn.backward(arma::ones(3, 4)), Contains("expected grad_output 3x5") && Contains("got 3x4"));
  }
  THEN("BatchNorm2d(2x3x3) given a 1x3x3 column") {
    nn::BatchNorm2d bn(nn::Shape{2, 3, 3});
    CHECK_THROWS_WITH(bn.forward(arma::ones(9, 2)),
                      Contains("BatchNorm2d(2x3x3)::forward: expected input 2x3x3 (18 rows)") && Contains("got 9x2"));
  }
  THEN("zero features, eps <= 0, momentum outside [0, 1]") {
    CHECK_THROWS_WITH(nn::BatchNorm1d(0), Contains("features must be positive"));
    CHECK_THROWS_WITH(nn::BatchNorm1d(2, 0.0), Contains("eps must be positive and finite, got 0"));
    CHECK_THROWS_WITH(nn::BatchNorm1d(2, 1e-5, 1.5), Contains("momentum must be in [0, 1], got 1.5"));
    CHECK_THROWS_WITH(nn::BatchNorm2d(nn::Shape{0, 2, 2}), Contains("zero dimension"));
  }
  THEN("non-default settings show in the name") {
    CHECK(nn::BatchNorm1d(4, 1e-3, 0.2).name() == "BatchNorm1d(4, eps = 0.001, momentum = 0.2)");
  }
}
