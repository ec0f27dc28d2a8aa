// Dilated convolution: the kernel's taps spread d pixels apart (Yu and Koltun; PyTorch's
// Conv2d(dilation=d), Torch's SpatialDilatedConvolution). Same weights, wider view.
#include "core_helpers.hpp"

using testing::Equals;
using testing::grid;

namespace {

// The 5x6 image x(r, c) = 5c + r + 1, written as it prints.
const arma::mat kImage = grid({{1, 6, 11, 16, 21, 26},
                               {2, 7, 12, 17, 22, 27},
                               {3, 8, 13, 18, 23, 28},
                               {4, 9, 14, 19, 24, 29},
                               {5, 10, 15, 20, 25, 30}});

// The same kernel with d-1 zeros stuffed between its taps: (d(kh-1)+1 x d(kw-1)+1).
arma::mat zero_stuffed(const arma::mat& kernel, arma::uword d) {
  arma::mat wide((kernel.n_rows - 1) * d + 1, (kernel.n_cols - 1) * d + 1, arma::fill::zeros);
  for (arma::uword j = 0; j < kernel.n_cols; ++j)
    for (arma::uword i = 0; i < kernel.n_rows; ++i) wide(i * d, j * d) = kernel(i, j);
  return wide;
}

}  // namespace

SCENARIO("a 3x3 kernel with dilation 2 reads every other pixel of a 5x5 window",
         "[lesson11][points:0]") {
  GIVEN("the 1x5x6 image x(r, c) = 5c + r + 1 and an all-ones 3x3 kernel, dilation 2") {
    nn::Conv2d conv(nn::Shape{1, 5, 6}, 1, 3, 3, 1, 0, 2);
    conv.set_kernel(0, 0, arma::ones(3, 3));
    conv.bias.zeros();
    const arma::vec input = testing::image({kImage});

    THEN("the output is 1x1x2: floor((5 - 2*2 - 1)/1) + 1 = 1 row, floor((6 - 5)/1) + 1 = 2 cols") {
      CHECK(conv.output_shape() == nn::Shape{1, 1, 2});
    }
    WHEN("it runs forward") {
      const arma::vec output = conv.forward(input);
      THEN("each output sums the 9 pixels at rows 0 2 4: [[117 162]]") {
        // 1+11+21 + 3+13+23 + 5+15+25 = 117; one column right adds 5 to each of the 9: 162.
        CHECK_THAT(testing::plane(output, conv.output_shape(), 0), Equals(grid({{117, 162}})));
      }
    }
    WHEN("dL/dO = [1 -2] flows back") {
      conv.forward(input);
      conv.zero_grad();
      const arma::vec grad_input = conv.backward(grid({{1}, {-2}}));
      THEN("only the pixels a tap touched get a gradient: rows 0 2 4, alternating 1 and -2") {
        CHECK_THAT(testing::plane(grad_input, conv.spec().input, 0),
                   Equals(grid({{1, -2, 1, -2, 1, -2},
                                {0, 0, 0, 0, 0, 0},
                                {1, -2, 1, -2, 1, -2},
                                {0, 0, 0, 0, 0, 0},
                                {1, -2, 1, -2, 1, -2}})));
      }
      THEN("dL/dW(i, j) = x(2i, 2j) - 2 x(2i, 2j+1) = -10j - 2i - 11") {
        CHECK_THAT(conv.kernel_grad(0, 0),
                   Equals(grid({{-11, -21, -31}, {-13, -23, -33}, {-15, -25, -35}})));
        CHECK_THAT(conv.grad_bias, Equals(grid({{-1}})));
      }
    }
  }
}

SCENARIO("dilation sets the output size as PyTorch does: floor((H + 2p - d(k-1) - 1)/s) + 1",
         "[lesson11][points:0]") {
  const auto [h, w, k, s, p, d, ho, wo] = GENERATE(table<int, int, int, int, int, int, int, int>({
      {28, 28, 3, 1, 0, 2, 24, 24},
      {7, 9, 3, 2, 1, 3, 2, 3},
      {10, 10, 3, 1, 4, 4, 10, 10},
      {5, 5, 2, 1, 0, 4, 1, 1},
      {6, 8, 3, 1, 0, 1, 4, 6},
  }));
  GIVEN("a " << h << "x" << w << " image, kernel " << k << ", stride " << s << ", padding " << p
             << ", dilation " << d) {
    nn::Conv2d conv(nn::Shape{1, arma::uword(h), arma::uword(w)}, 2, k, k, s, p, d);
    THEN("the output is 2x" << ho << "x" << wo) {
      CHECK(conv.output_shape() == nn::Shape{2, arma::uword(ho), arma::uword(wo)});
      CHECK(conv.forward(arma::mat(h * w, 3, arma::fill::ones)).n_rows ==
            arma::uword(2 * ho * wo));
    }
  }
}

SCENARIO("a dilated kernel is the same as an undilated one with zeros stuffed between its taps",
         "[lesson11][points:0]") {
  const auto [h, w, k, s, p, d] = GENERATE(table<int, int, int, int, int, int>({
      {7, 7, 3, 1, 0, 2},
      {8, 9, 2, 2, 1, 3},
      {9, 6, 3, 1, 2, 2},
      {11, 11, 3, 2, 0, 4},
  }));
  GIVEN("a 2-channel " << h << "x" << w << " batch of 3, 3 output channels, kernel " << k
                       << ", stride " << s << ", padding " << p << ", dilation " << d) {
    nn::seed(7);
    const nn::Shape shape{2, arma::uword(h), arma::uword(w)};
    nn::Conv2d dilated(shape, 3, k, k, s, p, d);
    const arma::uword extent = arma::uword((k - 1) * d + 1);
    nn::Conv2d stuffed(shape, 3, extent, extent, s, p);
    for (arma::uword out = 0; out < 3; ++out)
      for (arma::uword in = 0; in < 2; ++in)
        stuffed.set_kernel(out, in, zero_stuffed(dilated.kernel(out, in), d));
    stuffed.bias = dilated.bias;
    const arma::mat x = arma::randn(shape.size(), 3);

    THEN("both give the same output, and the Toeplitz matrix reproduces it: y = T x + b") {
      REQUIRE(dilated.output_shape() == stuffed.output_shape());
      const arma::mat y = dilated.forward(x);
      CHECK_THAT(y, Equals(stuffed.forward(x), 1e-12));
      const arma::uword positions = dilated.output_shape().height * dilated.output_shape().width;
      const arma::mat bias_per_row = arma::repelem(dilated.bias, positions, 1);
      arma::mat expected = dilated.toeplitz() * x;
      expected.each_col() += arma::vec(bias_per_row);
      CHECK_THAT(y, Equals(expected, 1e-12));
    }
    THEN("the input gradient and the taps' gradients agree with the zero-stuffed kernel's") {
      const arma::mat g = arma::randn(dilated.output_shape().size(), 3);
      dilated.forward(x);
      stuffed.forward(x);
      dilated.zero_grad();
      stuffed.zero_grad();
      CHECK_THAT(dilated.backward(g), Equals(stuffed.backward(g), 1e-12));
      for (arma::uword out = 0; out < 3; ++out)
        for (arma::uword in = 0; in < 2; ++in) {
          const arma::mat wide = stuffed.kernel_grad(out, in);
          const arma::mat taps = wide.submat(arma::regspace<arma::uvec>(0, d, extent - 1),
                                             arma::regspace<arma::uvec>(0, d, extent - 1));
          CHECK_THAT(dilated.kernel_grad(out, in), Equals(taps, 1e-12));
        }
    }
    THEN("the gradient check passes for the input, the weights and the bias (< 1e-7)") {
      for (const nn::GradientCheck& c : nn::gradient_check(dilated, x)) {
        INFO(c.what << ": relative error " << c.max_relative_error);
        CHECK(c.max_relative_error < 1e-7);
      }
    }
  }
}

SCENARIO("a bad dilation is an nn::Error that says why", "[lesson11][points:0]") {
  CHECK_THROWS_WITH(nn::Conv2d(nn::Shape{1, 5, 5}, 1, 3, 3, 1, 0, 0),
                    Catch::Contains("dilation must be at least 1, got 0"));
  CHECK_THROWS_WITH(nn::Conv2d(nn::Shape{1, 5, 5}, 1, 3, 3, 1, 0, 3),
                    Catch::Contains("kernel extent 7x7 is larger than the padded input 5x5"));
  CHECK_NOTHROW(nn::Conv2d(nn::Shape{1, 5, 5}, 1, 3, 3, 1, 1, 3));  // 7x7 fits the padded 7x7
}
