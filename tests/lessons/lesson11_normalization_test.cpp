// Lesson 11's claims: batch norm keeps lesson 5's deep nets at unit statistics under a bad
// init; dilated stacks grow their receptive field as 2^(L+1) - 1 without gaps; a dilated
// convolution is the undilated one with a zero-stuffed kernel; a stride-2 convolution's sizes
// and parameter counts; and the linear regions of a random ReLU layer on the plane number
// exactly 1 + n + n(n-1)/2 for every n (counted on the slab grid). The BatchNorm and AvgPool
// layers themselves are tested in tests/unit/batchnorm_test.cpp and tests/unit/avgpool_test.cpp.
#include "helpers.hpp"

using Catch::Matchers::Contains;
using Catch::Matchers::WithinAbs;
using testing::Equals;
using testing::grid;

namespace {

// The std of every layer's activations (the output of each nonlinearity).
std::vector<double> activation_stds(bool batchnorm, const std::string& activation, double scale) {
  nn::seed(5);
  const arma::uword width = 64;
  nn::Sequential net = nn::normalized_deep_net(10, width, activation, batchnorm);
  for (std::size_t i = 0; i < net.size(); ++i)
    if (auto* linear = dynamic_cast<nn::Linear*>(&net[i])) nn::init::small_random(linear->weight, scale);
  const std::vector<nn::Stats> stats = nn::forward_statistics(net, arma::randn(width, 256));
  std::vector<double> stds;
  const std::size_t per_layer = batchnorm ? 3 : 2;
  for (std::size_t l = 0; l < 10; ++l) stds.push_back(stats[per_layer * l + per_layer - 1].std);
  return stds;
}

}  // namespace

SCENARIO("batch norm keeps a 10-layer net's activations at unit-Gaussian statistics under a bad init",
         "[lesson11][points:0]") {
  GIVEN("lesson 5's 10-layer nets, 64 units, weights 0.01 randn (the signal dies)") {
    WHEN("tanh without batch norm") {
      const std::vector<double> plain = activation_stds(false, "tanh", 0.01);
      THEN("layer 10's std has fallen below 1e-8 (sqrt(64 * 1e-4) = 0.08 per layer)") {
        CHECK(plain[9] < 1e-8);
      }
    }
    WHEN("tanh with a BatchNorm1d before every tanh") {
      const std::vector<double> stds = activation_stds(true, "tanh", 0.01);
      THEN("every layer's std is that of tanh(N(0, 1)), 0.628, within 0.03") {
        for (const double s : stds) CHECK_THAT(s, WithinAbs(0.628, 0.03));
      }
    }
    WHEN("ReLU with batch norm, and the weights 100x larger (1.0 randn)") {
      const std::vector<double> small = activation_stds(true, "relu", 0.01);
      const std::vector<double> large = activation_stds(true, "relu", 1.0);
      THEN("every layer's std is that of relu(N(0, 1)), 0.584, within 0.03, and the scale of the "
           "weights makes almost no difference (BN(a W x) = BN(W x) up to eps/var ~ 0.3%)") {
        for (std::size_t l = 0; l < 10; ++l) {
          CHECK_THAT(small[l], WithinAbs(0.584, 0.03));
          CHECK_THAT(large[l], WithinAbs(small[l], 5e-3));
        }
      }
    }
  }
}

SCENARIO("stacked 3x3 convolutions: dilation 1 grows the field by 2 per layer, dilations 1-2-4 double it",
         "[lesson11][points:0][needs:lesson03/conv2d_backward]") {
  GIVEN("one 3x3 layer with dilation 2 on a 7x7 image, all-ones kernel") {
    THEN("the centre output sees 9 pixels two apart") {
      CHECK_THAT(nn::receptive_field({2}, 7), Equals(grid({{0, 0, 0, 0, 0, 0, 0},
                                                           {0, 1, 0, 1, 0, 1, 0},
                                                           {0, 0, 0, 0, 0, 0, 0},
                                                           {0, 1, 0, 1, 0, 1, 0},
                                                           {0, 0, 0, 0, 0, 0, 0},
                                                           {0, 1, 0, 1, 0, 1, 0},
                                                           {0, 0, 0, 0, 0, 0, 0}})));
    }
  }
  GIVEN("three 3x3 layers, dilation 1, on 9x9") {
    const arma::mat field = nn::receptive_field({1, 1, 1}, 9);
    THEN("the field is 7x7 and counts paths: the outer product of the trinomial row 1 3 6 7 6 3 1") {
      const arma::vec row = {0, 1, 3, 6, 7, 6, 3, 1, 0};
      CHECK_THAT(field, Equals(row * row.t()));
    }
  }
  GIVEN("dilations 1, 2, 4 on 17x17") {
    const arma::mat field = nn::receptive_field({1, 2, 4}, 17);
    THEN("the field is 15x15 = 2^4 - 1, every pixel in it is reached (no gaps), none outside") {
      CHECK(arma::accu(field > 0) == 225);
      CHECK(arma::accu(field.submat(1, 1, 15, 15) > 0) == 225);
      CHECK(arma::accu(field) == 729);  // 3^6 paths in all: 27 taps per axis, squared
    }
  }
  GIVEN("dilations 1, 4 (not doubling)") {
    THEN("the 11x11 field has holes: offsets a + 4b (a, b in {-1, 0, 1}) skip +-2") {
      const arma::mat field = nn::receptive_field({1, 4}, 11);
      CHECK(arma::accu(field > 0) == 81);  // 9 offsets per axis, not 11
      CHECK(field(5, 3) == 0);              // 2 pixels left of the centre
    }
  }
  THEN("a field that does not fit is refused") {
    CHECK_THROWS_WITH(nn::receptive_field({1, 2, 4}, 13), Contains("a field of 15 pixels does not fit in 13x13"));
  }
}

SCENARIO("a dilated convolution is the undilated one with a zero-stuffed kernel", "[lesson11][points:0]") {
  GIVEN("the kernel [[1 2 3] [4 5 6] [7 8 9]] with dilation 2 on a 7x7 image") {
    nn::Conv2d dilated(nn::Shape{1, 7, 7}, 1, 3, 3, 1, 0, 2);
    dilated.set_kernel(0, 0, grid({{1, 2, 3}, {4, 5, 6}, {7, 8, 9}}));
    nn::Conv2d stuffed(nn::Shape{1, 7, 7}, 1, 5, 5);
    stuffed.set_kernel(0, 0, grid({{1, 0, 2, 0, 3}, {0, 0, 0, 0, 0}, {4, 0, 5, 0, 6}, {0, 0, 0, 0, 0}, {7, 0, 8, 0, 9}}));
    THEN("both give 3x3 outputs and the same 9 x 49 Toeplitz matrix; its first row holds the taps "
         "at pixels 0, 2, 4 (image column 0), 14, 16, 18, 28, 30, 32") {
      CHECK(dilated.output_shape() == nn::Shape{1, 3, 3});
      const arma::mat t = dilated.toeplitz();
      CHECK_THAT(t, Equals(stuffed.toeplitz()));
      const arma::uvec taps = arma::find(t.row(0));
      CHECK_THAT(arma::conv_to<arma::mat>::from(taps), Equals(arma::mat({0, 2, 4, 14, 16, 18, 28, 30, 32}).t()));
      CHECK_THAT(arma::mat(arma::mat(t.row(0)).cols(taps)), Equals(grid({{1, 4, 7, 2, 5, 8, 3, 6, 9}})));
    }
  }
}

SCENARIO("replacing 2x2 pooling by a 3x3 stride-2 convolution: sizes and parameters", "[lesson11][points:0]") {
  GIVEN("8 maps of 26x26 (Conv2d(1x28x28, 8 filters 3x3))") {
    nn::Conv2d first(nn::Shape{1, 28, 28}, 8, 3, 3);
    const nn::Shape maps = first.output_shape();
    nn::MaxPool2d pool(maps, 2, 2);
    nn::Conv2d strided(maps, 8, 3, 3, 2);
    THEN("pooling gives 8x13x13 with no parameters; the strided conv 8x12x12 with 8*8*9 + 8 = 584") {
      CHECK(maps == nn::Shape{8, 26, 26});
      CHECK(pool.output_shape() == nn::Shape{8, 13, 13});
      CHECK(strided.output_shape() == nn::Shape{8, 12, 12});
      arma::uword count = 0;
      for (const nn::Parameter& p : strided.parameters()) count += p.value->n_elem;
      CHECK(count == 584);
    }
  }
}

SCENARIO("n lines in general position cut the plane into 1 + n + n(n-1)/2 regions",
         "[lesson11][points:0]") {
  THEN("arrangement_regions(n, 2) for n = 1..10 is 2 4 7 11 16 22 29 37 46 56; in R^1, n + 1") {
    const std::vector<arma::uword> expected = {2, 4, 7, 11, 16, 22, 29, 37, 46, 56};
    for (arma::uword n = 1; n <= 10; ++n) CHECK(nn::arrangement_regions(n, 2) == expected[n - 1]);
    CHECK(nn::arrangement_regions(5, 1) == 6);
    CHECK(nn::arrangement_regions(3, 5) == 8);  // d >= n: every pattern, 2^n
  }
  GIVEN("three lines by hand: y = 0, y = x, y = 1 - x (a triangle)") {
    const arma::mat weight = grid({{0, 1}, {-1, 1}, {1, 1}});
    const arma::vec bias = {0, 0, -1};
    const nn::SampleGrid g = nn::region_sample_grid(weight, bias);
    THEN("the vertices are (0, 0), (1, 0) and (0.5, 0.5); the slab grid finds all 7 regions") {
      CHECK_THAT(g.vertices, Equals(grid({{0, 1, 0.5}, {0, 0, 0.5}}), 1e-15));
      CHECK_THAT(arma::mat(g.xs), Equals(arma::mat({-1, 0.25, 0.75, 2}).t()));
      CHECK(nn::count_regions(weight, bias, g.xs, g.ys) == 7);
    }
    THEN("inside the triangle, at (0.5, 0.2), only unit 1 (y > 0) fires: pattern 0b001; at (0, 2) "
         "all three: 0b111") {
      CHECK(nn::activation_pattern(weight, bias, 0.5, 0.2) == 0b001);
      CHECK(nn::activation_pattern(weight, bias, 0.0, 2.0) == 0b111);
    }
  }
  GIVEN("lines that are parallel or vertical") {
    THEN("they are refused: not in general position") {
      CHECK_THROWS_WITH(nn::region_sample_grid(grid({{1, 1}, {2, 2}}), arma::vec{0, 1}), Contains("parallel"));
      CHECK_THROWS_WITH(nn::region_sample_grid(grid({{1, 0}}), arma::vec{0}), Contains("vertical"));
    }
  }
}

SCENARIO("a random ReLU layer R^2 -> R^n has exactly 1 + n + n(n-1)/2 linear regions, n = 1..10",
         "[lesson11][points:0]") {
  const std::uint64_t seed = GENERATE(0, 1, 2, 3, 4, 5, 6, 7);
  GIVEN("seed " << seed << ": W (n x 2) and b (n) drawn randn for n = 1, 2, ..., 10 in turn, as the lesson does") {
    nn::seed(seed);
    for (arma::uword n = 1; n <= 10; ++n) {
      const arma::mat weight = arma::randn(n, 2);
      const arma::vec bias = arma::randn(n);
      const nn::SampleGrid g = nn::region_sample_grid(weight, bias);
      INFO("n = " << n);
      THEN("the slab grid meets every region: the count is the formula's") {
        CHECK(nn::count_regions(weight, bias, g.xs, g.ys) == nn::arrangement_regions(n, 2));
      }
      THEN("a uniform 100x100 grid over the crossings never sees more") {
        const double extent = g.vertices.is_empty() ? 2.0 : 1.1 * arma::abs(g.vertices).max() + 0.5;
        CHECK(nn::region_image(weight, bias, extent, 100).max() + 1 <= nn::arrangement_regions(n, 2));
      }
    }
  }
}

TEST_CASE("lesson 11 runs straight through and draws its figures", "[lesson11][run][points:0]") {
  testing::check_lesson_run(11, {"bn-deep-std.png", "bn-deep-grad.png", "bn-deep-histograms.png",
                                 "bn-fashion-loss.png", "bn-fashion-accuracy.png", "bn-fashion-first-steps.png", "pooling.png",
                                 "downsampling-accuracy.png", "receptive-fields.png", "dilated-toeplitz.png",
                                 "linear-regions.png", "regions-10.png", "regions-10-zoom.png"});
}
