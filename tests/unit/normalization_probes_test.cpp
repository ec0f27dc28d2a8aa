// Lesson 11's library measurements and nets (nn/normalization_probes.hpp, nn/normalization_nets.hpp):
// per-layer std of a deep net worked by hand, the losses of the first minibatches and where they
// stop, the three counts of linear regions, and the parameter counts of the downsampling CNNs;
// the region table, stacked receptive fields, train vs eval mode on BN worked by hand, the
// per-layer rows, the deep runs, pooled panels, the dilated Toeplitz matrix and the training runs.
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

SCENARIO("region_table draws layers of 1 .. n units and counts each", "[lesson11][points:0]") {
  nn::seed(3);
  const nn::RegionTable t = nn::region_table(4);
  THEN("one row per layer; random lines are in general position: counted = 1 + n + n(n-1)/2") {
    REQUIRE(t.rows.size() == 4);
    for (arma::uword n = 1; n <= 4; ++n) {
      CHECK(t.formula(n - 1) == 1 + n + n * (n - 1) / 2);
      CHECK(t.counted(n - 1) == t.formula(n - 1));
      CHECK(t.uniform(n - 1) <= t.counted(n - 1));
      CHECK(t.rows[n - 1].counted == t.counted(n - 1));
    }
  }
  THEN("the last layer drawn is 4 x 2 and 4 biases, the draws after randn(1..3, 2) and randn(1..3)") {
    nn::seed(3);
    for (arma::uword n = 1; n <= 3; ++n) {  // the smaller layers, drawn first
      const arma::mat w_n = arma::randn(n, 2);
      const arma::vec b_n = arma::randn(n);
      CHECK(b_n.n_elem == w_n.n_rows);
    }
    const arma::mat w = arma::randn(4, 2);
    const arma::vec b = arma::randn(4);
    CHECK(arma::approx_equal(t.weight, w, "absdiff", 0));
    CHECK(arma::approx_equal(t.bias, b, "absdiff", 0));
  }
}

SCENARIO("stacked_fields: receptive fields of 3x3 stacks, plain and dilated", "[lesson11][points:0]") {
  THEN("field_side counts the rows any path reaches") {
    arma::mat paths(6, 6, arma::fill::zeros);
    paths(1, 2) = 1;
    paths(3, 4) = 2;
    CHECK(nn::field_side(paths) == 2);
  }
  const nn::StackedFields f = nn::stacked_fields(3, 33);
  THEN("plain 3, 5, 7 with 9^L paths; dilated 1-2-4 sees 3, 7, 15 and reaches every pixel") {
    CHECK(f.dilations == std::vector<arma::uword>{1, 2, 4});
    CHECK(f.plain_side(0) == 3);
    CHECK(f.plain_side(1) == 5);
    CHECK(f.plain_side(2) == 7);
    CHECK(f.plain_paths(0) == 9);
    CHECK(f.plain_paths(2) == 729);
    CHECK(f.dilated_side(1) == 7);
    CHECK(f.dilated_side(2) == 15);
    CHECK(f.dilated_reached(0) == 9);
    CHECK(f.dilated_reached(1) == 49);
    CHECK(f.dilated_reached(2) == 225);
    CHECK(f.plain[2].n_rows == 33);
  }
}

SCENARIO("compare_modes trains every batch first, then evaluates", "[lesson11][points:0]") {
  GIVEN("BatchNorm1d(2) and the batch [0 2; 0 0] twice, labels [1 0] then [0 1]") {
    nn::Sequential net;
    net.emplace<nn::BatchNorm1d>(2);
    const arma::mat x = {{0, 2}, {0, 0}};
    const std::vector<nn::ModeComparison> m =
        nn::compare_modes(net, {{x, arma::uvec{1, 0}}, {x, arma::uvec{0, 1}}});
    THEN("training mode: row 1 -> [-1 1]/sqrt(1 + eps), row 2 -> 0: argmax [1 0]") {
      REQUIRE(m.size() == 2);
      CHECK(m[0].train_accuracy == 1);
      CHECK(m[1].train_accuracy == 0);
    }
    THEN("eval mode after both: running mean 0.19, var 1.19 (0.81 on row 2); column 1 differs most") {
      const double expected = 1 / std::sqrt(1 + 1e-5) - 0.19 / std::sqrt(1.19 + 1e-5);
      CHECK_THAT(m[0].max_difference, WithinAbs(expected, 1e-12));
      CHECK_THAT(m[1].max_difference, WithinAbs(expected, 1e-12));
      CHECK(m[0].eval_accuracy == 1);
      CHECK(m[1].eval_accuracy == 0);
    }
    THEN("the net is left in training mode") { CHECK(net.training()); }
  }
}

SCENARIO("per_layer_rows: the layer, then each value to 3 digits", "[lesson11][points:0]") {
  CHECK(nn::per_layer_rows(grid({{1, 0.5}, {2.25, 1e-4}})) ==
        "    1          1        0.5\n"
        "    2       2.25     0.0001\n");
}

SCENARIO("deep_net_run: lesson 5's deep nets, plain and with batch norm", "[lesson11][points:0]") {
  const std::vector<nn::InitScheme> schemes = nn::classic_init_schemes(64);
  const nn::DeepRun plain = nn::deep_net_run(3, 64, 128, "tanh", false, schemes[0], 0);
  const nn::DeepRun bn = nn::deep_net_run(3, 64, 128, "tanh", true, schemes[0], 0);
  THEN("0.01 randn: each layer shrinks the std about 12x (sqrt(64) * 0.01 = 0.08 a layer)") {
    REQUIRE(plain.layer_outputs.size() == 3);
    CHECK(plain.profile.activation_std(1) / plain.profile.activation_std(0) == Approx(0.08).epsilon(0.15));
    CHECK(plain.profile.activation_std(2) / plain.profile.activation_std(1) == Approx(0.08).epsilon(0.15));
  }
  THEN("with BN every layer is tanh of a unit Gaussian: std 0.628 (within 0.02)") {
    for (arma::uword l = 0; l < 3; ++l) CHECK_THAT(bn.profile.activation_std(l), WithinAbs(0.628, 0.02));
  }
  THEN("layer_outputs are each layer's output after tanh: (64 x 128), in (-1, 1)") {
    CHECK(bn.layer_outputs[2].n_rows == 64);
    CHECK(bn.layer_outputs[2].n_cols == 128);
    CHECK(arma::approx_equal(bn.layer_outputs[2], bn.net.outputs()[8], "absdiff", 0));
    CHECK(arma::abs(bn.layer_outputs[0]).max() < 1);
  }
}

SCENARIO("pooled_images draws each pooled pixel as a k x k block", "[lesson11][points:0]") {
  const arma::mat toy = {{0, 0, 0, 0}, {0, 8, 0, 0}, {1, 1, 2, 2}, {1, 1, 2, 2}};
  const nn::PooledImages p = nn::pooled_images(arma::vectorise(toy), nn::Shape{1, 4, 4}, 2);
  CHECK(p.out.height == 2);
  CHECK(p.out.width == 2);
  CHECK(arma::approx_equal(p.max, arma::kron(grid({{8, 0}, {1, 2}}), arma::ones(2, 2)), "absdiff", 0));
  CHECK(arma::approx_equal(p.avg, arma::kron(grid({{2, 0}, {1, 2}}), arma::ones(2, 2)), "absdiff", 1e-15));
}

SCENARIO("dilated_toeplitz: a dilated kernel is the zero-stuffed one", "[lesson11][points:0]") {
  const arma::mat kernel = arma::reshape(arma::regspace(1, 9), 3, 3).t();  // rows 1 2 3 / 4 5 6 / 7 8 9
  const nn::DilatedToeplitz d = nn::dilated_toeplitz(kernel, 2, 7, 0);
  THEN("the stuffed kernel is 5x5 with the taps two apart") {
    CHECK(d.stuffed.n_rows == 5);
    CHECK(d.stuffed(2, 2) == 5);
    CHECK(d.stuffed(0, 4) == 3);
    CHECK(d.stuffed(1, 1) == 0);
  }
  THEN("T is 9 x 49; output 0 takes pixel (0,0) times 1 and pixel (2,0) (index 2) times 4") {
    CHECK(d.t.n_rows == 9);
    CHECK(d.t.n_cols == 49);
    CHECK(d.t(0, 0) == 1);
    CHECK(d.t(0, 1) == 0);
    CHECK(d.t(0, 2) == 4);
  }
  THEN("both matrices agree exactly, and T x is the forward") {
    CHECK(d.stuffed_difference == 0);
    CHECK(d.forward_difference < 1e-12);
  }
}

SCENARIO("the lesson's training runs on 20 random 28x28 images", "[lesson11][points:0]") {
  nn::seed(5);
  const nn::Dataset data{arma::randn(784, 20), arma::randi<arma::uvec>(20, arma::distr_param(0, 9)),
                         nn::Shape{1, 28, 28}};
  nn::TrainConfig config;
  config.epochs = 1;
  config.batch_size = 10;
  config.seed = 7;
  config.quiet = true;
  THEN("downsampling_run: 8 maps of 13x13 or 12x12 enter the dense layer; lesson 11's parameter counts") {
    const nn::DownsamplingRun pool = nn::downsampling_run(nn::Downsample::max_pool, data, data, config);
    const nn::DownsamplingRun conv = nn::downsampling_run(nn::Downsample::strided_conv, data, data, config);
    CHECK(pool.maps == 8 * 13 * 13);
    CHECK(pool.parameters == 13610);
    CHECK(conv.maps == 8 * 12 * 12);
    CHECK(conv.parameters == 12194);
    REQUIRE(pool.test_curve.n_elem == 1);
    CHECK(pool.test_curve(0) == pool.test_accuracy);  // test = train data, one epoch
  }
  THEN("train_bn_mlp and bn_mlp_first_losses seed, build and train as by hand") {
    nn::TrainedNet run = nn::train_bn_mlp(true, 0.5, data, data, config);
    nn::seed(7);
    nn::Sequential net = nn::bn_mlp(true);
    nn::SGD sgd(net.parameters(), 0.5);
    const nn::TrainResult by_hand = nn::train(net, sgd, data, config, data);
    CHECK(run.result.history.size() == 1);
    CHECK(run.result.history.back().train_loss == by_hand.history.back().train_loss);
    CHECK(arma::approx_equal(*run.net.parameters()[0].value, *net.parameters()[0].value, "absdiff", 0));
    nn::seed(7);
    nn::Sequential fresh = nn::bn_mlp(false);
    nn::SGD plain(fresh.parameters(), 0.5);
    const std::vector<double> losses = nn::first_batch_losses(fresh, plain, data, 2, 10);
    CHECK(nn::bn_mlp_first_losses(false, 0.5, data, 2, 10, 7) == losses);
    CHECK(losses.size() == 2);
  }
}
