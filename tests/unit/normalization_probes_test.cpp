// Lesson 11's library measurements and nets (nn/normalization_probes.hpp, nn/normalization_nets.hpp):
// per-layer std of a deep net worked by hand, the losses of the first minibatches and where they
// stop, the three counts of linear regions, and the parameter counts of the downsampling CNNs.
#include "core_helpers.hpp"
#include "nn/normalization_nets.hpp"
#include "nn/normalization_probes.hpp"

using Catch::Matchers::Contains;
using Catch::Matchers::WithinAbs;
using testing::grid;

namespace {

// Linear(1 -> 1) with weight w and bias 0.
void add_scale(nn::Sequential& net, double w) {
  nn::Linear& layer = net.emplace<nn::Linear>(1, 1);
  layer.weight.fill(w);
  layer.bias.zeros();
}

}  // namespace

SCENARIO("depth_profile of two ReLU layers, by hand", "[lesson11][points:0]"
         "[needs:lesson01/Linear::backward][needs:lesson02/relu_backward]") {
  GIVEN("Linear(w = 2) -> ReLU -> Linear(w = 3) -> ReLU, x = [1 -1 1 -1], G = [1 1 1 1]") {
    nn::Sequential net;
    add_scale(net, 2);
    net.emplace<nn::ReLU>();
    add_scale(net, 3);
    net.emplace<nn::ReLU>();
    const nn::DepthProfile p = nn::depth_profile(net, grid({{1, -1, 1, -1}}), grid({{1, 1, 1, 1}}), 2);
    THEN("the activations are [2 0 2 0] and [6 0 6 0]: std (n - 1) 2/sqrt(3) and 6/sqrt(3)") {
      REQUIRE(p.activation_std.n_elem == 2);
      CHECK_THAT(p.activation_std(0), WithinAbs(2 / std::sqrt(3.0), 1e-12));
      CHECK_THAT(p.activation_std(1), WithinAbs(6 / std::sqrt(3.0), 1e-12));
    }
    THEN("dL/d(layer 2 input) = 3 [1 0 1 0], dL/d(layer 1 input) = 2 * 3 [1 0 1 0]") {
      CHECK_THAT(p.gradient_std(1), WithinAbs(3 / std::sqrt(3.0), 1e-12));
      CHECK_THAT(p.gradient_std(0), WithinAbs(6 / std::sqrt(3.0), 1e-12));
    }
    THEN("3 layers of 4 modules is an error that says so") {
      REQUIRE_THROWS_WITH(nn::depth_profile(net, grid({{1}}), grid({{1}}), 3),
                          Contains("4 modules do not make 3 equal layers"));
    }
  }
}

SCENARIO("first_batch_losses: one loss per whole batch, until one is not finite", "[lesson11][points:0]"
         "[needs:lesson01/Linear::backward][needs:lesson06/SoftmaxCrossEntropy::backward]"
         "[needs:lesson08/SGD::step]") {
  GIVEN("Linear(2 -> 2) with zero weights and 5 samples") {
    nn::Sequential net;
    nn::Linear& layer = net.emplace<nn::Linear>(2, 2);
    layer.weight.zeros();
    layer.bias.zeros();
    nn::Dataset data;
    data.x = grid({{1, 2, 3, 4, 5}, {0, 0, 0, 0, 0}});
    data.y = arma::uvec{0, 1, 0, 1, 0};
    WHEN("asked for 10 batches of 2 at lr 0 (nothing moves)") {
      nn::SGD sgd(net.parameters(), 0.0);
      const std::vector<double> losses = nn::first_batch_losses(net, sgd, data, 10, 2);
      THEN("there are 2 whole batches, each with the loss of equal scores, ln 2") {
        REQUIRE(losses.size() == 2);
        CHECK_THAT(losses[0], WithinAbs(std::log(2.0), 1e-12));
        CHECK_THAT(losses[1], WithinAbs(std::log(2.0), 1e-12));
      }
    }
    WHEN("W = [1 0; -1 0] and the second batch has a sample whose scores are +-1e308") {
      layer.weight = grid({{1, 0}, {-1, 0}});
      data.x(0, 3) = 1e308;  // label 1: the loss 1e308 - (-1e308) overflows to inf
      nn::SGD sgd(net.parameters(), 0.0);
      const std::vector<double> losses = nn::first_batch_losses(net, sgd, data, 10, 2);
      THEN("only the first batch's loss is kept, and the second had no backward") {
        REQUIRE(losses.size() == 1);
        CHECK(std::isfinite(losses[0]));
        CHECK(arma::accu(arma::abs(layer.grad_weight)) == 0);  // zeroed, never refilled
      }
    }
  }
}

SCENARIO("region_counts of two crossing lines", "[lesson11][points:0]") {
  GIVEN("the ReLUs of x + y = 0 and x - y = 0 (W = [1 1; 1 -1], b = 0): four wedges") {
    const nn::RegionCounts r = nn::region_counts(grid({{1, 1}, {1, -1}}), arma::zeros(2));
    THEN("the formula, the slab grid and the uniform grid all say 1 + 2 + 1 = 4") {
      CHECK(r.formula == 4);
      CHECK(r.counted == 4);
      CHECK(r.uniform == 4);
      CHECK(r.grid_points > 0);
    }
    THEN("the one crossing, at the origin, sets the extent to 1.1 * 0 + 0.5") {
      CHECK_THAT(r.extent, WithinAbs(0.5, 1e-12));
    }
  }
}

SCENARIO("the downsampling CNNs of lesson 11 and their parameter counts", "[lesson11][points:0]") {
  THEN("max and average pooling: conv 8*9 + 8 = 80, dense 8*13*13*10 + 10 = 13530") {
    nn::Sequential max_net = nn::downsampling_cnn(nn::Downsample::max_pool);
    nn::Sequential avg_net = nn::downsampling_cnn(nn::Downsample::avg_pool);
    CHECK(nn::parameter_count(max_net) == 13610);
    CHECK(nn::parameter_count(avg_net) == 13610);
  }
  THEN("the stride-2 conv adds 8*8*9 + 8 = 584 and shrinks the dense layer to 8*12*12*10 + 10") {
    nn::Sequential net = nn::downsampling_cnn(nn::Downsample::strided_conv);
    CHECK(nn::parameter_count(net) == 80 + 584 + 11530);
  }
  THEN("bn_mlp: 784*128 + 128 + 128*128 + 128 + 128*10 + 10, and 2 * 2 * 128 more with batch norm") {
    nn::Sequential plain = nn::bn_mlp(false), normalized = nn::bn_mlp(true);
    CHECK(plain.size() == 5);
    CHECK(normalized.size() == 7);
    CHECK(nn::parameter_count(plain) == 118282);
    CHECK(nn::parameter_count(normalized) == 118282 + 512);
  }
}
