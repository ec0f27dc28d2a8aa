// Lesson 3's claims: shared weights sum their gradients; dL/dI is a full convolution with the
// flipped kernel; T's bands and zeros; padding; correlation versus convolution. (The slide
// example and the 1-D Jacobians are in tests/unit/convolution_test.cpp.)
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <sys/wait.h>

#include "helpers.hpp"

using testing::Equals;
using testing::grid;

SCENARIO("a shared weight's gradient and update are the sums over its uses", "[lesson03]"
         "[points:0][needs:lesson01/numeric_gradient][needs:lesson01/Linear::backward]") {
  GIVEN("y = w x1 + w x2 with w = 0.5, x1 = 3, x2 = 1, L = 0.5 (y - 1)^2, as two tied Linear(1 -> 1)") {
    nn::Linear use1(1, 1), use2(1, 1);
    for (nn::Linear* use : {&use1, &use2}) {
      use->weight.fill(0.5);
      use->bias.zeros();
      use->zero_grad();
    }
    const arma::mat y = use1.forward(arma::mat{3.0}) + use2.forward(arma::mat{1.0});
    nn::MSELoss mse;
    const double loss = mse.forward(y, arma::mat{1.0});
    const arma::mat grad_y = mse.backward();
    use1.backward(grad_y);
    use2.backward(grad_y);
    THEN("y = 2, L = 0.5, dL/dy = 1") {
      CHECK(y(0) == 2.0);
      CHECK(loss == 0.5);
      CHECK(grad_y(0) == 1.0);
    }
    THEN("the partial gradients are dL/dy x1 = 3 and dL/dy x2 = 1") {
      CHECK_THAT(use1.grad_weight, Equals(grid({{3}})));
      CHECK_THAT(use2.grad_weight, Equals(grid({{1}})));
    }
    THEN("their sum, 4, is the numeric derivative of L(w) = 0.5 (4w - 1)^2") {
      const auto loss_of_w = [](const arma::mat& w) {
        return 0.5 * (w(0) * 3 + w(0) * 1 - 1) * (w(0) * 3 + w(0) * 1 - 1);
      };
      const arma::mat numeric = nn::numeric_gradient(loss_of_w, arma::mat{0.5});
      CHECK_THAT(numeric, Equals(grid({{4}}), 1e-8));
      CHECK_THAT(arma::mat(use1.grad_weight + use2.grad_weight), Equals(numeric, 1e-8));
    }
    THEN("one SGD step (lr 0.1) with the sum moves w to 0.1; the partials alone would untie it") {
      const double summed = use1.grad_weight(0) + use2.grad_weight(0);
      CHECK(0.5 - 0.1 * summed == Approx(0.1).epsilon(1e-15));
      CHECK(0.5 - 0.1 * use1.grad_weight(0) == Approx(0.2).epsilon(1e-15));
      CHECK(0.5 - 0.1 * use2.grad_weight(0) == Approx(0.4).epsilon(1e-15));
    }
  }
  GIVEN("one Linear(1 -> 1) layer used twice, backward after each use") {
    nn::Linear shared(1, 1);
    shared.weight.fill(0.5);
    shared.bias.zeros();
    shared.zero_grad();
    WHEN("dL/dy = 1 flows back through both uses (x1 = 3, then x2 = 1)") {
      shared.forward(arma::mat{3.0});
      shared.backward(arma::mat{1.0});
      shared.forward(arma::mat{1.0});
      shared.backward(arma::mat{1.0});
      THEN("backward adds: grad_weight holds the sum, 4") {
        CHECK_THAT(shared.grad_weight, Equals(grid({{4}})));
      }
    }
  }
}

// Slides `kernel` (1 x k) along `signal` with the library's Conv2d: a 1-D correlation.
static arma::mat correlate(const arma::vec& signal, const arma::mat& kernel) {
  nn::Conv2d conv(nn::Shape{1, 1, signal.n_elem}, 1, 1, kernel.n_elem);
  conv.set_kernel(0, 0, kernel);
  conv.bias.zeros();
  return conv.forward(signal).t();  // (1 x n-k+1)
}

SCENARIO("1-D backward: correlation for dL/dW, full convolution with the flipped kernel for dL/dI",
         "[lesson03][points:1][exercise:conv2d_backward]") {
  GIVEN("I = [1 2 3 4], W = [1 2 3], dL/dO = [1 -2]") {
    const arma::vec input{1, 2, 3, 4}, grad_output{1, -2};
    WHEN("Conv2d(1x1x4, one 1x3 kernel W) runs forward on I and backward with dL/dO") {
      nn::Conv2d conv(nn::Shape{1, 1, 4}, 1, 1, 3);
      conv.set_kernel(0, 0, grid({{1, 2, 3}}));
      conv.bias.zeros();
      conv.zero_grad();
      conv.forward(input);
      const arma::mat grad_input = conv.backward(grad_output);
      THEN("its dL/dW is [-3 -4 -5], dL/db = 1 - 2 = -1, and dL/dI = [1 0 -1 -6]: the two "
           "correlations below") {
        CHECK_THAT(conv.kernel_grad(0, 0), Equals(grid({{-3, -4, -5}})));
        CHECK_THAT(arma::mat(conv.grad_bias), Equals(grid({{-1}})));
        CHECK_THAT(arma::mat(grad_input.t()), Equals(grid({{1, 0, -1, -6}})));
      }
    }
    THEN("dL/dW = correlation of I with dL/dO = [-3 -4 -5]") {
      CHECK_THAT(correlate(input, grad_output.t()), Equals(grid({{-3, -4, -5}})));
    }
    THEN("dL/dI = correlation of [0 0 1 -2 0 0] with the flipped kernel [3 2 1] = [1 0 -1 -6]") {
      const arma::vec padded = arma::join_cols(arma::zeros(2), grad_output, arma::zeros(2));
      CHECK_THAT(correlate(padded, grid({{3, 2, 1}})), Equals(grid({{1, 0, -1, -6}})));
    }
    THEN("arma::conv, a true full convolution of dL/dO with W, gives the same [1 0 -1 -6]") {
      CHECK_THAT(arma::mat(arma::conv(grad_output, arma::vec{1, 2, 3}).t()),
                 Equals(grid({{1, 0, -1, -6}})));
    }
  }
}

SCENARIO("T for a small case: a 1x3x3 image and the 2x2 kernel [[1 2] [3 4]]", "[lesson03]"
         "[points:0]") {
  GIVEN("the image [[1 2 3] [4 5 6] [7 8 9]]") {
    nn::Conv2d conv(nn::Shape{1, 3, 3}, 1, 2, 2);
    conv.set_kernel(0, 0, grid({{1, 2}, {3, 4}}));
    conv.bias.zeros();
    const arma::vec x = testing::image({grid({{1, 2, 3}, {4, 5, 6}, {7, 8, 9}})});
    THEN("T repeats the kernel (column-major: 1 3 . 2 4) shifted along every row") {
      CHECK_THAT(conv.toeplitz(), Equals(grid({{1, 3, 0, 2, 4, 0, 0, 0, 0},
                                               {0, 1, 3, 0, 2, 4, 0, 0, 0},
                                               {0, 0, 0, 1, 3, 0, 2, 4, 0},
                                               {0, 0, 0, 0, 1, 3, 0, 2, 4}})));
    }
    THEN("im2col holds one patch per column, and weight * cols is the output [[37 47] [67 77]]") {
      const arma::mat cols = nn::im2col(x, conv.spec());
      CHECK_THAT(cols, Equals(grid({{1, 4, 2, 5}, {4, 7, 5, 8}, {2, 5, 3, 6}, {5, 8, 6, 9}})));
      CHECK_THAT(arma::mat(conv.weight * cols), Equals(grid({{37, 67, 47, 77}})));
      CHECK_THAT(testing::plane(conv.forward(x), conv.output_shape(), 0),
                 Equals(grid({{37, 47}, {67, 77}})));
    }
  }
}

SCENARIO("T's band structure: a 3x3 kernel over a 1x5x5 image, 2 output channels",
         "[lesson03][points:0]") {
  GIVEN("kernel 1 = [[1 2 3] [4 5 6] [7 8 9]], kernel 2 its negative") {
    nn::Conv2d conv(nn::Shape{1, 5, 5}, 2, 3, 3);
    const arma::mat kernel = grid({{1, 2, 3}, {4, 5, 6}, {7, 8, 9}});
    conv.set_kernel(0, 0, kernel);
    conv.set_kernel(1, 0, -kernel);
    const arma::mat t = conv.toeplitz();
    THEN("T is 18x25, every row holds the 9 weights once, and 64% of T is zero") {
      REQUIRE(t.n_rows == 18);
      REQUIRE(t.n_cols == 25);
      CHECK(arma::all(arma::vectorise(arma::sum(t != 0, 1)) == 9));
      CHECK(arma::accu(t == 0) == 18 * 25 - 18 * 9);
    }
    THEN("in 3x5 blocks (output column x input column), block (c_out, c_in) is nonzero only "
         "for c_in - c_out in {0, 1, 2}") {
      arma::mat nonzero_blocks(6, 5);  // both channels: 2 x 3 block rows
      for (arma::uword br = 0; br < 6; ++br)
        for (arma::uword bc = 0; bc < 5; ++bc)
          nonzero_blocks(br, bc) = arma::any(arma::vectorise(t.submat(br * 3, bc * 5, br * 3 + 2, bc * 5 + 4) != 0));
      CHECK_THAT(nonzero_blocks, Equals(grid({{1, 1, 1, 0, 0},
                                              {0, 1, 1, 1, 0},
                                              {0, 0, 1, 1, 1},
                                              {1, 1, 1, 0, 0},
                                              {0, 1, 1, 1, 0},
                                              {0, 0, 1, 1, 1}})));
    }
    THEN("each nonzero block is the 1-D Toeplitz matrix of one kernel column") {
      const arma::mat column0 = grid({{1, 4, 7, 0, 0}, {0, 1, 4, 7, 0}, {0, 0, 1, 4, 7}});
      const arma::mat column1 = grid({{2, 5, 8, 0, 0}, {0, 2, 5, 8, 0}, {0, 0, 2, 5, 8}});
      const arma::mat column2 = grid({{3, 6, 9, 0, 0}, {0, 3, 6, 9, 0}, {0, 0, 3, 6, 9}});
      CHECK_THAT(arma::mat(t.submat(0, 0, 2, 4)), Equals(column0));
      CHECK_THAT(arma::mat(t.submat(0, 5, 2, 9)), Equals(column1));
      CHECK_THAT(arma::mat(t.submat(0, 10, 2, 14)), Equals(column2));
      CHECK_THAT(arma::mat(t.submat(3, 10, 5, 14)), Equals(column1));  // shifted one block right
      CHECK_THAT(arma::mat(t.submat(15, 20, 17, 24)), Equals(arma::mat(-column2)));  // channel 2
    }
  }
}

SCENARIO("zero padding: an all-ones 3x3 kernel sums each neighbourhood", "[lesson03][points:0]") {
  GIVEN("the image [[1 2 3] [4 5 6] [7 8 9]] and padding 1") {
    const arma::vec x = testing::image({grid({{1, 2, 3}, {4, 5, 6}, {7, 8, 9}})});
    WHEN("the stride is 1") {
      nn::Conv2d conv(nn::Shape{1, 3, 3}, 1, 3, 3, 1, 1);
      conv.set_kernel(0, 0, arma::ones(3, 3));
      conv.bias.zeros();
      THEN("the output keeps the size 3x3: [[12 21 16] [27 45 33] [24 39 28]]") {
        CHECK_THAT(testing::plane(conv.forward(x), conv.output_shape(), 0),
                   Equals(grid({{12, 21, 16}, {27, 45, 33}, {24, 39, 28}})));
      }
      THEN("T's rows hold 4 weights at corners, 6 at edges, 9 in the middle: padding drops columns") {
        const arma::vec per_row = arma::sum(conv.toeplitz(), 1);
        CHECK_THAT(testing::plane(per_row, conv.output_shape(), 0),
                   Equals(grid({{4, 6, 4}, {6, 9, 6}, {4, 6, 4}})));
      }
    }
    WHEN("the stride is 2") {
      nn::Conv2d conv(nn::Shape{1, 3, 3}, 1, 3, 3, 2, 1);
      conv.set_kernel(0, 0, arma::ones(3, 3));
      conv.bias.zeros();
      THEN("the output is floor((3 + 2 - 3) / 2) + 1 = 2 per side: the corners [[12 16] [24 28]]") {
        CHECK(conv.output_shape() == nn::Shape{1, 2, 2});
        CHECK_THAT(testing::plane(conv.forward(x), conv.output_shape(), 0),
                   Equals(grid({{12, 16}, {24, 28}})));
      }
    }
  }
}

SCENARIO("true convolution is correlation with the kernel rotated 180 degrees", "[lesson03]"
         "[points:0]") {
  GIVEN("plane 1 of the slide input and the kernel [[3 1] [2 2]]") {
    const arma::mat x = grid({{1, -2, 2, 2}, {2, 1, 3, -2}, {-2, 3, -3, 1}, {-1, 2, -4, 2}});
    const arma::mat kernel = grid({{3, 1}, {2, 2}});
    const auto correlate2 = [&](const arma::mat& k) {
      nn::Conv2d conv(nn::Shape{1, 4, 4}, 1, 2, 2);
      conv.set_kernel(0, 0, k);
      conv.bias.zeros();
      return testing::plane(conv.forward(testing::image({x})), conv.output_shape(), 0);
    };
    THEN("Conv2d (correlation) gives [[7 4 10] [9 6 3] [-1 2 -12]]") {
      CHECK_THAT(correlate2(kernel), Equals(grid({{7, 4, 10}, {9, 6, 3}, {-1, 2, -12}})));
    }
    THEN("arma::conv2 flips: its 'full' 5x5 result's valid part is [[3 10 5] [13 2 2] [7 -10 -2]]") {
      const arma::mat full = arma::conv2(x, kernel);
      REQUIRE(full.n_rows == 5);
      CHECK_THAT(arma::mat(full.submat(1, 1, 3, 3)),
                 Equals(grid({{3, 10, 5}, {13, 2, 2}, {7, -10, -2}})));
    }
    THEN("correlation with the rotated kernel [[2 2] [1 3]] gives that same valid part") {
      const arma::mat rotated = arma::flipud(arma::fliplr(kernel));
      CHECK_THAT(rotated, Equals(grid({{2, 2}, {1, 3}})));
      CHECK_THAT(correlate2(rotated), Equals(grid({{3, 10, 5}, {13, 2, 2}, {7, -10, -2}})));
    }
  }
}

TEST_CASE("lesson 3 runs straight through and draws its figures", "[lesson03][run][points:0]") {
  testing::check_lesson_run(3, {"slide-example.png", "toeplitz.png"});
}
