// Convolution as cross-correlation, as a Toeplitz matrix (dO/dI), with dO/dW a Hankel matrix,
// and as im2col: the same numbers.
#include "core_helpers.hpp"

using testing::Equals;
using testing::grid;

SCENARIO("1-D convolution I = [1 2 3 4], W = [1 2 3] as Toeplitz matrices", "[lesson03][points:4]"
         "[exercise:conv2d_backward]") {
  GIVEN("a 1x1x4 input and one 1x3 kernel without bias") {
    const nn::Shape shape{1, 1, 4};
    nn::Conv2d conv(shape, 1, 1, 3);
    conv.set_kernel(0, 0, grid({{1, 2, 3}}));
    conv.bias.zeros();
    const arma::mat input = grid({{1}, {2}, {3}, {4}});

    WHEN("it runs forward") {
      const arma::mat output = conv.forward(input);
      THEN("O = [1*1+2*2+3*3, 1*2+2*3+3*4] = [14, 20]") {
        CHECK_THAT(output, Equals(grid({{14}, {20}})));
        CHECK(conv.output_shape() == nn::Shape{1, 1, 2});
      }
    }
    THEN("dO/dI is the Toeplitz matrix of W: [[W1 W2 W3 0], [0 W1 W2 W3]]") {
      CHECK_THAT(conv.toeplitz(), Equals(grid({{1, 2, 3, 0}, {0, 1, 2, 3}})));
    }
    THEN("dO/dW is the Hankel matrix of I, the transposed im2col: [[I1 I2 I3], [I2 I3 I4]]") {
      const arma::mat columns = nn::im2col(input, conv.spec());
      const arma::mat jacobian = columns.t();  // (2 x 3): entry (q, j) = I_{q+j}
      CHECK_THAT(jacobian, Equals(grid({{1, 2, 3}, {2, 3, 4}})));
      // Hankel: constant along anti-diagonals (q + j fixed); not Toeplitz (diagonals differ).
      CHECK(jacobian(0, 1) == jacobian(1, 0));
      CHECK(jacobian(0, 2) == jacobian(1, 1));
      CHECK(jacobian(0, 0) != jacobian(1, 1));
    }
    WHEN("dL/dO = [1, -2] flows back") {
      conv.forward(input);
      conv.zero_grad();
      const arma::mat grad_input = conv.backward(grid({{1}, {-2}}));
      THEN("dL/dW is the correlation of I with dL/dO: [1-4, 2-6, 3-8] = [-3, -4, -5]") {
        CHECK_THAT(conv.kernel_grad(0, 0), Equals(grid({{-3, -4, -5}})));
      }
      THEN("dL/dI = T' dL/dO = full convolution of dL/dO with W = [1, 0, -1, -6]") {
        CHECK_THAT(grad_input, Equals(grid({{1}, {0}, {-1}, {-6}})));
        CHECK_THAT(grad_input, Equals(conv.toeplitz().t() * grid({{1}, {-2}})));
      }
      THEN("dL/db is the sum of dL/dO over positions: -1") {
        CHECK_THAT(conv.grad_bias, Equals(grid({{-1}})));
      }
    }
  }
}

// The Torch7 slides' SpatialConvolution example.
struct SlideConvolution {
  const nn::Shape shape{2, 4, 4};
  nn::Conv2d conv{shape, 2, 2, 2};
  const arma::vec input = testing::image(
      {grid({{1, -2, 2, 2}, {2, 1, 3, -2}, {-2, 3, -3, 1}, {-1, 2, -4, 2}}),
       grid({{3, 0, 0, 0}, {-2, -2, 1, -1}, {2, -1, 3, 1}, {5, -2, 0, 1}})});
  SlideConvolution() {
    conv.set_kernel(0, 0, grid({{1, -2}, {-2, 1}}));
    conv.set_kernel(0, 1, grid({{1, 0}, {0, 1}}));
    conv.set_kernel(1, 0, grid({{3, 1}, {2, 2}}));
    conv.set_kernel(1, 1, grid({{0, 0}, {0, 4}}));
    conv.bias = grid({{0.1}, {0.2}});
  }
};

SCENARIO("the Torch7 slide example: 2x4x4 input, two 2x2x2 kernels", "[lesson03][points:4]"
         "[exercise:conv2d_backward]") {
  GIVEN("the input planes, kernels and bias (0.1, 0.2) from the slides") {
    SlideConvolution s;
    WHEN("convolved") {
      const arma::vec out = s.conv.forward(s.input);
      const nn::Shape out_shape = s.conv.output_shape();
      THEN("the output is 2x3x3") { CHECK(out_shape == nn::Shape{2, 3, 3}); }
      THEN("plane 1 is [[3.1 -3.9 -10.9] [4.1 -12.9 16.1] [-3.9 0.1 9.1]]") {
        CHECK_THAT(testing::plane(out, out_shape, 0),
                   Equals(grid({{3.1, -3.9, -10.9}, {4.1, -12.9, 16.1}, {-3.9, 0.1, 9.1}}), 1e-12));
      }
      THEN("plane 2 is [[-0.8 8.2 6.2] [5.2 18.2 7.2] [-8.8 2.2 -7.8]]") {
        CHECK_THAT(testing::plane(out, out_shape, 1),
                   Equals(grid({{-0.8, 8.2, 6.2}, {5.2, 18.2, 7.2}, {-8.8, 2.2, -7.8}}), 1e-12));
      }
      THEN("the explicit Toeplitz product T x + b gives the same 18 numbers") {
        const arma::mat t = s.conv.toeplitz();
        CHECK(t.n_rows == 18);
        CHECK(t.n_cols == 32);
        arma::vec bias_per_position = arma::join_cols(arma::vec(9).fill(0.1), arma::vec(9).fill(0.2));
        CHECK_THAT(arma::mat(t * s.input + bias_per_position), Equals(out, 1e-12));
      }
    }
    WHEN("a gradient flows back") {
      s.conv.forward(s.input);
      s.conv.zero_grad();
      arma::mat g(18, 1);
      g.imbue([n = 0]() mutable { return std::sin(++n); });
      const arma::mat grad_input = s.conv.backward(g);
      THEN("dL/dx = T' dL/dy: the transposed product and col2im are the same map") {
        CHECK_THAT(grad_input, Equals(s.conv.toeplitz().t() * g, 1e-12));
      }
    }
  }
}

SCENARIO("backward adds: a batch of 2, then a second call, worked by hand",
         "[lesson03][points:2][exercise:conv2d_backward]") {
  // Input 1x2x3, one 2x2 kernel: two output positions per sample (Ho = 1, Wo = 2).
  // dL/dW = sum over samples and positions q of g_q * (the 2x2 patch under the kernel at q);
  // dL/db = the sum of every g_q. Backward ADDS into both until zero_grad().
  GIVEN("Conv2d(1x2x3 -> 1x1x2, 2x2 kernel) and the images x1, x2, x3") {
    const nn::Shape shape{1, 2, 3};
    nn::Conv2d conv(shape, 1, 2, 2);
    conv.set_kernel(0, 0, grid({{1, -1}, {2, 0}}));
    const arma::vec x1 = testing::image({grid({{1, 0, 2}, {0, 3, 1}})});
    const arma::vec x2 = testing::image({grid({{2, 1, 0}, {1, 0, 4}})});
    const arma::vec x3 = testing::image({grid({{0, 1, 1}, {1, 1, 0}})});
    conv.zero_grad();
    WHEN("a batch [x1 x2] goes back with g1 = [1 2], g2 = [-1 3]") {
      conv.forward(arma::join_rows(x1, x2));
      conv.backward(grid({{1, -1}, {2, 3}}));  // (2 positions x 2 samples)
      THEN("dL/dW = 1 [[1 0] [0 3]] + 2 [[0 2] [3 1]] - [[2 1] [1 0]] + 3 [[1 0] [0 4]]"
           " = [[2 3] [5 17]], dL/db = 1 + 2 - 1 + 3 = 5") {
        CHECK_THAT(conv.kernel_grad(0, 0), Equals(grid({{2, 3}, {5, 17}})));
        CHECK_THAT(arma::mat(conv.grad_bias), Equals(grid({{5}})));
      }
      AND_WHEN("then x3 alone goes back with g3 = [2 -1]") {
        conv.forward(x3);
        conv.backward(grid({{2}, {-1}}));
        THEN("it adds 2 [[0 1] [1 1]] - [[1 1] [1 0]] = [[-1 1] [1 2]] and 1: dL/dW = "
             "[[1 4] [6 19]], dL/db = 6") {
          CHECK_THAT(conv.kernel_grad(0, 0), Equals(grid({{1, 4}, {6, 19}})));
          CHECK_THAT(arma::mat(conv.grad_bias), Equals(grid({{6}})));
        }
      }
    }
  }
}

SCENARIO("a shared weight's gradient is the sum over every place it sits in T",
         "[lesson03][points:3][exercise:conv2d_backward]") {
  GIVEN("a 1x3x3 input and a 2x2 kernel (each weight is used at 4 positions)") {
    nn::seed(7);
    nn::Conv2d conv(nn::Shape{1, 3, 3}, 1, 2, 2);
    const arma::mat x = arma::randn<arma::mat>(9, 1);
    arma::mat g = arma::randn<arma::mat>(4, 1);
    conv.forward(x);
    conv.zero_grad();
    conv.backward(g);
    THEN("dL/dW(i,j) = sum over output positions q of g_q * (the input under W(i,j) at q)") {
      for (arma::uword i = 0; i < 2; ++i)
        for (arma::uword j = 0; j < 2; ++j) {
          // Mark weight (i, j) alone and see where it lands in T.
          nn::Conv2d marker(nn::Shape{1, 3, 3}, 1, 2, 2);
          arma::mat k(2, 2, arma::fill::zeros);
          k(i, j) = 1;
          marker.set_kernel(0, 0, k);
          const arma::mat places = marker.toeplitz();  // 1 wherever W(i,j) is used
          CHECK(arma::accu(places) == 4);
          const double sum_over_uses = arma::accu((places * x) % g);
          CHECK(conv.kernel_grad(0, 0)(i, j) == Approx(sum_over_uses).epsilon(1e-12));
        }
    }
  }
}

SCENARIO("stride and zero padding set the output size", "[lesson03][points:0]") {
  const auto [h, w, k, s, p, ho, wo] = GENERATE(table<int, int, int, int, int, int, int>({
      {28, 28, 7, 1, 0, 22, 22},
      {5, 5, 3, 2, 1, 3, 3},
      {4, 6, 2, 2, 0, 2, 3},
      {5, 7, 3, 1, 1, 5, 7},
      {6, 6, 3, 3, 0, 2, 2},
  }));
  GIVEN("a " << h << "x" << w << " image, kernel " << k << ", stride " << s << ", padding " << p) {
    nn::Conv2d conv(nn::Shape{1, arma::uword(h), arma::uword(w)}, 3, k, k, s, p);
    THEN("the output is 3x" << ho << "x" << wo) {
      CHECK(conv.output_shape() == nn::Shape{3, arma::uword(ho), arma::uword(wo)});
      CHECK(conv.forward(arma::mat(h * w, 2, arma::fill::ones)).n_rows == arma::uword(3 * ho * wo));
    }
  }
}

SCENARIO("padding is zeros around the image", "[lesson03][points:0]") {
  GIVEN("a 1x2x2 image [[1 2] [3 4]], an all-ones 3x3 kernel, padding 1") {
    nn::Conv2d conv(nn::Shape{1, 2, 2}, 1, 3, 3, 1, 1);
    conv.set_kernel(0, 0, arma::ones(3, 3));
    conv.bias.zeros();
    THEN("every output sums the whole image: [[10 10] [10 10]]") {
      const arma::vec out = conv.forward(testing::image({grid({{1, 2}, {3, 4}})}));
      CHECK_THAT(testing::plane(out, conv.output_shape(), 0), Equals(grid({{10, 10}, {10, 10}})));
    }
  }
  GIVEN("a rectangular 1x2 kernel [1 -1] over a 1x2x3 image with stride 1") {
    nn::Conv2d conv(nn::Shape{1, 2, 3}, 1, 1, 2);
    conv.set_kernel(0, 0, grid({{1, -1}}));
    conv.bias.zeros();
    THEN("it takes horizontal differences: [[1-2, 2-4], [5-3, 3-0]]") {
      const arma::vec out = conv.forward(testing::image({grid({{1, 2, 4}, {5, 3, 0}})}));
      CHECK_THAT(testing::plane(out, conv.output_shape(), 0), Equals(grid({{-1, -2}, {2, 3}})));
    }
  }
}

// The lecture's convolution notebook (Arjun Jain, "ConvNets and Babysitting the Learning
// Process"): a random 1x4 input, a 1x3 kernel with bias, random dL/dO; it prints
// O = 0.1897 0.1130, dL/dI = 0.0781 0.1019 -0.2249 0.2193 and dL/dW = 0.6464 0.8428 0.5257,
// but not W, b or dL/dO. They follow: dL/dW = [[I1 I2], [I2 I3], [I3 I4]] dL/dO gives dL/dO
// (two of its three equations; the third checks), dL/dI = T' dL/dO gives W, O - X W gives b:
//   dL/dO = [0.3317 0.9073], W = [0.2355 -0.3368 0.2417], b = 0.1373.
SCENARIO("The lecture notebook's 1-D convolution, reproduced", "[lesson03][points:1][exercise:conv2d_backward]") {
  GIVEN("I = [0.3347 0.5901 0.7132 0.3187], W = [0.2355 -0.3368 0.2417], b = 0.1373") {
    nn::Conv2d conv(nn::Shape{1, 1, 4}, 1, 1, 3);
    conv.set_kernel(0, 0, grid({{0.2355, -0.3368, 0.2417}}));
    conv.bias.fill(0.1373);
    const arma::mat input = grid({{0.3347}, {0.5901}, {0.7132}, {0.3187}});
    THEN("the solved dL/dO reproduces the printed dL/dW from two equations and checks the third") {
      const arma::mat a = grid({{0.3347, 0.5901}, {0.5901, 0.7132}});
      const arma::vec g = arma::solve(a, arma::vec{0.6464, 0.8428});
      CHECK_THAT(arma::mat(g), Equals(grid({{0.3317}, {0.9073}}), 5e-5));
      CHECK(std::abs(0.7132 * g[0] + 0.3187 * g[1] - 0.5257) < 5e-5);
    }
    WHEN("it runs forward, and dL/dO = [0.3317 0.9073] flows back") {
      const arma::mat output = conv.forward(input);
      conv.zero_grad();
      const arma::mat grad_input = conv.backward(grid({{0.3317}, {0.9073}}));
      THEN("O = 0.1897 0.1130, as printed (to the 4 printed decimals)") {
        CHECK_THAT(output, Equals(grid({{0.1897}, {0.1130}}), 1e-4));
      }
      THEN("dL/dW = 0.6464 0.8428 0.5257, as printed") {
        CHECK_THAT(conv.kernel_grad(0, 0), Equals(grid({{0.6464, 0.8428, 0.5257}}), 1e-4));
      }
      THEN("dL/dI = 0.0781 0.1019 -0.2249 0.2193, as printed (within 6e-4: W is rounded)") {
        CHECK_THAT(grad_input, Equals(grid({{0.0781}, {0.1019}, {-0.2249}, {0.2193}}), 6e-4));
      }
    }
  }
}
