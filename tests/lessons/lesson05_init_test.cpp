// Lesson 5: weight initialization, judged by per-layer statistics of a 10-layer net.
// The classic experiment (Arjun Jain's lecture, after cs231n): X (500 x 1000) ~ N(0, 1), 10 x [Linear(500 -> 500), bias 0,
// tanh or ReLU], seed 0. The numbers below are what lessons/lesson05_init.cpp prints.
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <sys/wait.h>

#include "helpers.hpp"
#include "nn/stats.hpp"

using testing::Equals;
using testing::grid;

namespace {

// Scheme k of nn::classic_init_schemes(500), run once per test binary (a run is ~15 GFLOP).
const nn::InitExperiment& classic(std::size_t k) {
  static std::map<std::size_t, nn::InitExperiment> cache;
  if (cache.find(k) == cache.end())
    cache[k] = nn::run_init_experiment(nn::classic_init_schemes(500)[k], 10, 500, 1000, 0);
  return cache.at(k);
}
enum Scheme : std::size_t { small_tanh, unit_tanh, xavier_tanh, xavier_relu, he_relu,
                            orthogonal_relu, lsuv_tanh };

std::vector<double> activation_std(const nn::InitExperiment& e) {
  std::vector<double> s;
  for (const nn::Stats& h : e.activation) s.push_back(h.std);
  return s;
}

}  // namespace

// ---- the initializers themselves ---------------------------------------------------------------
SCENARIO("xavier draws weights of std 1/sqrt(fan_in)", "[lesson05][points:2]"
         "[exercise:init::xavier]") {
  GIVEN("a 500 x 500 and a 100 x 400 weight matrix (fan_in = number of columns)") {
    arma::mat square(500, 500), wide(100, 400);
    nn::seed(0);
    WHEN("filled by init::xavier") {
      nn::init::xavier(square);
      nn::init::xavier(wide);
      THEN("their std is 1/sqrt(500) = 0.0447 and 1/sqrt(400) = 0.05, within 1%, mean ~0") {
        CHECK(arma::stddev(arma::vectorise(square)) == Approx(1 / std::sqrt(500.0)).epsilon(0.01));
        CHECK(arma::stddev(arma::vectorise(wide)) == Approx(0.05).epsilon(0.01));
        CHECK(std::abs(arma::mean(arma::vectorise(square))) < 0.001);
      }
    }
  }
}

SCENARIO("he draws weights of std sqrt(2/fan_in)", "[lesson05][points:2]"
         "[exercise:init::he]") {
  GIVEN("a 500 x 500 and a 100 x 400 weight matrix (fan_in = number of columns)") {
    arma::mat square(500, 500), wide(100, 400);
    nn::seed(0);
    WHEN("filled by init::he") {
      nn::init::he(square);
      nn::init::he(wide);
      THEN("their std is sqrt(2/500) = 0.0632 and sqrt(2/400) = 0.0707, within 1%") {
        CHECK(arma::stddev(arma::vectorise(square)) == Approx(std::sqrt(2 / 500.0)).epsilon(0.01));
        CHECK(arma::stddev(arma::vectorise(wide)) == Approx(std::sqrt(2 / 400.0)).epsilon(0.01));
        CHECK(std::abs(arma::mean(arma::vectorise(square))) < 0.001);
      }
    }
  }
}

SCENARIO("small_random and unit_gaussian draw the std they say; every scheme refuses an empty "
         "matrix",
         "[lesson05][points:0]") {
  GIVEN("a 500 x 500 weight matrix") {
    arma::mat square(500, 500);
    nn::seed(0);
    WHEN("filled by small_random (scale 0.01)") {
      nn::init::small_random(square);
      THEN("the std is 0.01") {
        CHECK(arma::stddev(arma::vectorise(square)) == Approx(0.01).epsilon(0.01));
      }
    }
    WHEN("filled by unit_gaussian") {
      nn::init::unit_gaussian(square);
      THEN("the std is 1") {
        CHECK(arma::stddev(arma::vectorise(square)) == Approx(1).epsilon(0.01));
      }
    }
  }
  GIVEN("an empty matrix") {
    arma::mat empty;
    THEN("every scheme refuses it") {
      REQUIRE_THROWS_WITH(nn::init::xavier(empty), Catch::Contains("empty"));
      REQUIRE_THROWS_WITH(nn::init::he(empty), Catch::Contains("empty"));
      REQUIRE_THROWS_WITH(nn::init::orthogonal(empty), Catch::Contains("empty"));
    }
  }
}

SCENARIO("orthogonal gives W W' = I (square, wide) or W'W = I (tall), to 1e-12",
         "[lesson05][points:0]") {
  nn::seed(0);
  GIVEN("square, wide and tall weight matrices") {
    THEN("W W' = I when rows <= columns (orthonormal rows); W'W = I when taller") {
      for (const auto& [rows, cols] : std::vector<std::pair<arma::uword, arma::uword>>{
               {500, 500}, {64, 64}, {3, 5}, {20, 50}, {1, 7}, {5, 3}, {50, 20}}) {
        arma::mat w(rows, cols);
        nn::init::orthogonal(w);
        INFO(rows << " x " << cols);
        if (rows <= cols) CHECK_THAT(arma::mat(w * w.t()), Equals(arma::eye(rows, rows), 1e-12));
        else CHECK_THAT(arma::mat(w.t() * w), Equals(arma::eye(cols, cols), 1e-12));
      }
    }
  }
  GIVEN("400 draws of a 4x4 orthogonal matrix, seeds 0 .. 399") {
    // Householder QR (LAPACK) makes R(0,0) = -sign(a) |column 0| for the Gaussian's first
    // entry a, so Q(0,0) = a / R(0,0) is always negative: without the sign fix on diag(R),
    // W(0,0) < 0 in every draw. With it, Q is uniform over the orthogonal matrices (Haar) and
    // W(0,0) > 0 with probability 1/2.
    int positive = 0;
    for (std::uint64_t s = 0; s < 400; ++s) {
      nn::seed(s);
      arma::mat w(4, 4);
      nn::init::orthogonal(w);
      positive += w(0, 0) > 0;
    }
    THEN("W(0,0) is positive in about half of them: 200 +- 40 (4 standard deviations, sqrt(400/4) = 10)") {
      INFO(positive << " of 400 draws have W(0,0) > 0");
      CHECK(positive >= 160);
      CHECK(positive <= 240);
    }
  }
  GIVEN("a gain of sqrt 2") {
    arma::mat w(100, 100);
    nn::init::orthogonal(w, std::sqrt(2.0));
    THEN("W W' = 2 I: every sample's squared norm doubles, exactly") {
      CHECK_THAT(arma::mat(w * w.t()), Equals(2 * arma::eye(100, 100), 1e-12));
      const arma::vec x = arma::randn(100);
      CHECK(arma::norm(w * x) == Approx(std::sqrt(2.0) * arma::norm(x)).epsilon(1e-12));
    }
  }
}

SCENARIO("LSUV rescales every layer to unit output variance on its batch", "[lesson05][points:0]"
         "[needs:lesson01/Linear::backward][needs:lesson02/tanh_backward]") {
  GIVEN("a 10-layer tanh net of 500 units and a batch of 1000 samples") {
    nn::seed(0);
    nn::Sequential net = nn::deep_net(10, 500, "tanh");
    const arma::mat batch = arma::randn(500, 1000);
    WHEN("init::lsuv runs with its default tolerance 0.02") {
      const std::vector<int> passes = nn::init::lsuv(net, batch);
      const std::vector<nn::Stats> stats = nn::forward_statistics(net, batch);
      THEN("each of the 10 Linear layers took at most 10 passes to reach output std 1 +-0.02") {
        REQUIRE(passes.size() == 10);
        for (std::size_t l = 0; l < 10; ++l) {
          INFO("layer " << l + 1 << ": " << passes[l] << " passes, output std "
                        << stats[2 * l].std);
          CHECK((passes[l] >= 0 && passes[l] <= 10));
          CHECK(std::abs(stats[2 * l].std - 1) < 0.02);
        }
      }
    }
  }
  GIVEN("the lesson's LSUV / tanh scheme, measured on a batch it was not calibrated on") {
    const nn::InitExperiment& e = classic(lsuv_tanh);
    THEN("the pre-activations have std 1 within 0.01 and the activations 0.628 (tanh of N(0, 1))") {
      for (std::size_t l = 0; l < 10; ++l) {
        INFO("layer " << l + 1);
        CHECK(e.pre_activation[l].std == Approx(1).margin(0.01));
        CHECK(e.activation[l].std == Approx(0.628).margin(0.005));
      }
    }
    THEN("layer 1 needed no pass (orthogonal on unit-variance input is already within 0.02)") {
      REQUIRE(e.lsuv_passes.size() == 10);
      CHECK(e.lsuv_passes[0] == 0);
    }
  }
}

// ---- the classic experiment --------------------------------------------------------------------
SCENARIO("0.01 * randn with tanh: the activations vanish", "[lesson05][points:0]"
         "[needs:lesson01/Linear::backward][needs:lesson02/tanh_backward]") {
  GIVEN("the experiment with weights 0.01 randn (gain2 = 500 * 1e-4 = 0.05)") {
    const std::vector<double> std_dev = activation_std(classic(small_tanh));
    THEN("layer std is 0.213, 0.0476, 0.0106, 0.0024 (a factor sqrt 0.05 = 0.224 each), +-3%") {
      CHECK(std_dev[0] == Approx(0.213).epsilon(0.03));
      CHECK(std_dev[1] == Approx(0.0476).epsilon(0.03));
      CHECK(std_dev[2] == Approx(0.0106).epsilon(0.03));
      CHECK(std_dev[3] == Approx(0.0024).epsilon(0.03));
    }
    THEN("by layer 10 it is below 1e-6: the output forgets the input") {
      CHECK(std_dev[9] < 1e-6);
    }
    THEN("the gradient vanishes too on its way down: 0.224 at layer 10's input, < 1e-6 at 1's") {
      CHECK(classic(small_tanh).input_gradient[9].std == Approx(0.224).epsilon(0.03));
      CHECK(classic(small_tanh).input_gradient[0].std < 1e-6);
    }
  }
}

SCENARIO("1.0 * randn with tanh: every layer saturates", "[lesson05][points:0]"
         "[needs:lesson01/Linear::backward][needs:lesson02/tanh_backward]") {
  GIVEN("the experiment with weights randn (gain2 = 500: pre-activations of std ~22)") {
    const nn::InitExperiment& e = classic(unit_tanh);
    THEN("every layer has std 0.98 +-0.01 and more than 85% of its units at |h| > 0.99") {
      for (std::size_t l = 0; l < 10; ++l) {
        INFO("layer " << l + 1);
        CHECK(e.activation[l].std == Approx(0.98).margin(0.01));
        CHECK(e.activation[l].saturated_fraction > 0.85);
        CHECK(e.pre_activation[l].std > 20);
      }
    }
    THEN("the few unsaturated units pass on a gradient that grows ~3.5x per layer going down") {
      CHECK(e.input_gradient[9].std == Approx(3.48).epsilon(0.05));
      CHECK(e.input_gradient[0].std > 1e5);
    }
  }
}

SCENARIO("Xavier with tanh: a slow decay", "[lesson05][points:2][exercise:init::xavier]"
         "[needs:lesson01/Linear::backward][needs:lesson02/tanh_backward]") {
  GIVEN("the experiment with Xavier weights (gain2 = 1) and tanh") {
    const std::vector<double> std_dev = activation_std(classic(xavier_tanh));
    THEN("layer std is 0.628, 0.486, 0.408, 0.357, ... +-0.01") {
      CHECK(std_dev[0] == Approx(0.628).margin(0.01));
      CHECK(std_dev[1] == Approx(0.486).margin(0.01));
      CHECK(std_dev[2] == Approx(0.408).margin(0.01));
      CHECK(std_dev[3] == Approx(0.357).margin(0.01));
    }
    THEN("every layer is within 2% of the mean-field prediction, down to 0.23 at layer 10") {
      const nn::MeanField theory = nn::mean_field("tanh", 1, 10);
      for (std::size_t l = 0; l < 10; ++l) {
        INFO("layer " << l + 1);
        CHECK(std_dev[l] == Approx(theory.std(l)).epsilon(0.02));
      }
      CHECK(std_dev[9] == Approx(0.23).margin(0.01));
    }
  }
}

SCENARIO("Xavier with ReLU: the variance halves at every layer", "[lesson05][points:2]"
         "[exercise:init::xavier][needs:lesson01/Linear::backward][needs:lesson02/relu_backward]") {
  GIVEN("the experiment with Xavier weights and ReLU") {
    const nn::InitExperiment& e = classic(xavier_relu);
    const std::vector<double> std_dev = activation_std(e);
    THEN("layer 1 has std 0.584 = sqrt(1/2 - 1/(2 pi)) and half its units at 0") {
      CHECK(std_dev[0] == Approx(0.584).margin(0.01));
      CHECK(e.activation[0].zero_fraction == Approx(0.5).margin(0.01));
    }
    THEN("each layer's std is 1/sqrt 2 = 0.707 of the previous one, within 0.1") {
      for (std::size_t l = 1; l < 10; ++l) {
        INFO("layer " << l + 1 << " / layer " << l);
        CHECK(std_dev[l] / std_dev[l - 1] == Approx(1 / std::sqrt(2.0)).margin(0.1));
      }
    }
    THEN("layer 10 ends near 0.584 * 2^-4.5 = 0.026 (measured 0.0294; the lecture's draw: 0.026076)") {
      CHECK(0.584 * std::pow(2.0, -4.5) == Approx(0.0258).margin(1e-4));
      CHECK(std_dev[9] == Approx(0.0294).epsilon(0.03));
      // the lecture's 0.026076 and ours are both draws in the seeds' range 0.020 .. 0.030
      CHECK((std_dev[9] > 0.020 && std_dev[9] < 0.032));
      CHECK((0.026076 > 0.020 && 0.026076 < 0.032));
    }
  }
}

SCENARIO("He with ReLU: stable through 10 layers", "[lesson05][points:2][exercise:init::he]"
         "[needs:lesson01/Linear::backward][needs:lesson02/relu_backward]") {
  GIVEN("the experiment with He weights (gain2 = 2) and ReLU") {
    const nn::InitExperiment& e = classic(he_relu);
    THEN("every layer's std stays within [0.7, 1.0] (theory sqrt 2 * 0.584 = 0.826; 0.81-0.94)") {
      for (std::size_t l = 0; l < 10; ++l) {
        INFO("layer " << l + 1 << " std " << e.activation[l].std);
        CHECK((e.activation[l].std >= 0.7 && e.activation[l].std <= 1.0));
      }
      CHECK(e.activation[0].std == Approx(0.826).margin(0.01));
    }
    THEN("the gradient keeps std 1 within 10% at every layer's input") {
      for (std::size_t l = 0; l < 10; ++l) {
        INFO("layer " << l + 1);
        CHECK(e.input_gradient[l].std == Approx(1).margin(0.1));
      }
    }
  }
  GIVEN("orthogonal weights with gain sqrt 2 and ReLU") {
    const nn::InitExperiment& e = classic(orthogonal_relu);
    THEN("the same stability: std within [0.7, 1.0], pre-activation std sqrt 2 at layer 1") {
      for (std::size_t l = 0; l < 10; ++l) {
        INFO("layer " << l + 1 << " std " << e.activation[l].std);
        CHECK((e.activation[l].std >= 0.7 && e.activation[l].std <= 1.0));
      }
      CHECK(e.pre_activation[0].std == Approx(std::sqrt(2.0)).margin(0.01));
    }
  }
}

// ---- the helpers the lesson reads its numbers with ---------------------------------------------
SCENARIO("statistics: mean, std, zeros and saturation over every entry", "[lesson05][points:0]") {
  GIVEN("the 2x2 matrix [[0 1] [-1 2]]") {
    const nn::Stats s = nn::statistics(grid({{0, 1}, {-1, 2}}));
    THEN("mean 0.5, std sqrt(5/3) = 1.291 (n - 1, as arma::stddev), 1/4 zeros, 3/4 |v| > 0.99") {
      CHECK(s.mean == Approx(0.5));
      CHECK(s.std == Approx(std::sqrt(5.0 / 3.0)));
      CHECK(s.zero_fraction == 0.25);
      CHECK(s.saturated_fraction == 0.75);
    }
  }
  GIVEN("an empty matrix") {
    THEN("it throws") { REQUIRE_THROWS_AS(nn::statistics(arma::mat()), nn::Error); }
  }
}

SCENARIO("backward_statistics runs the same backward as Sequential::backward",
         "[lesson05][points:1][exercise:init::xavier][needs:lesson01/Linear::backward]"
         "[needs:lesson02/tanh_backward]") {
  GIVEN("a 3-layer, 6-unit tanh net with Xavier weights and a forward pass") {
    nn::seed(1);
    nn::Sequential net = nn::deep_net(3, 6, "tanh");
    for (std::size_t i = 0; i < net.size(); i += 2)
      nn::init::xavier(dynamic_cast<nn::Linear&>(net[i]).weight);
    const arma::mat x = arma::randn(6, 4), g = arma::randn(6, 4);
    THEN("backward before any forward throws") {
      nn::Sequential fresh = nn::deep_net(2, 3, "relu");
      REQUIRE_THROWS_WITH(nn::backward_statistics(fresh, arma::randn(3, 2)),
                          Catch::Contains("before forward"));
    }
    net.forward(x);
    net.zero_grad();
    const arma::mat grad_input = net.backward(g);
    const arma::mat grad_weight = dynamic_cast<nn::Linear&>(net[0]).grad_weight;
    WHEN("backward_statistics runs on the same forward") {
      net.zero_grad();
      const std::vector<nn::Stats> stats = nn::backward_statistics(net, g);
      THEN("entry 0 describes net.backward's dL/dx, and the parameter gradients are the same") {
        REQUIRE(stats.size() == net.size());
        CHECK(stats[0].std == Approx(nn::statistics(grad_input).std));
        CHECK(stats[0].mean == Approx(nn::statistics(grad_input).mean));
        CHECK_THAT(dynamic_cast<nn::Linear&>(net[0]).grad_weight, Equals(grad_weight, 1e-12));
      }
    }
    THEN("the whole net passes the gradient check") {
      for (const nn::GradientCheck& c : nn::gradient_check(net, x)) {
        INFO(nn::describe(c));
        CHECK(c.max_relative_error < 1e-7);
      }
    }
  }
}

SCENARIO("mean_field: the variance formula, iterated", "[lesson05][points:0]") {
  THEN("ReLU with gain2 = 1: std 0.5838 * 2^(-(l-1)/2), the gradient halving downward") {
    const nn::MeanField m = nn::mean_field("relu", 1, 10);
    const double first = std::sqrt(0.5 - 0.5 / arma::datum::pi);
    for (std::size_t l = 0; l < 10; ++l) {
      CHECK(m.std(l) == Approx(first * std::pow(2.0, -0.5 * l)).epsilon(1e-6));
      CHECK(m.grad_std(l) == Approx(std::pow(2.0, -0.5 * (10 - l))).epsilon(1e-6));
    }
  }
  THEN("ReLU with gain2 = 2 (He): pre-activation variance 2 and gradient std 1 at every layer") {
    const nn::MeanField m = nn::mean_field("relu", 2, 10);
    for (std::size_t l = 0; l < 10; ++l) {
      CHECK(m.pre_variance(l) == Approx(2).epsilon(1e-6));
      CHECK(m.grad_std(l) == Approx(1).epsilon(1e-6));
    }
  }
  THEN("tanh with gain2 = 0.05 (0.01 randn on 500 inputs): 0.2135 at layer 1") {
    CHECK(nn::mean_field("tanh", 0.05, 1).std(0) == Approx(0.2135).epsilon(1e-3));
  }
  THEN("gain2 = 0 means LSUV: unit pre-activation variance at every layer") {
    const nn::MeanField m = nn::mean_field("tanh", 0, 5);
    for (std::size_t l = 0; l < 5; ++l) CHECK(m.pre_variance(l) == Approx(1).epsilon(1e-9));
  }
  THEN("an unknown activation throws, naming it") {
    REQUIRE_THROWS_WITH(nn::mean_field("sigmoid", 1, 3), Catch::Contains("\"sigmoid\""));
    REQUIRE_THROWS_WITH(nn::deep_net(3, 4, "sigmoid"), Catch::Contains("\"sigmoid\""));
  }
}

// ---- the lesson program ------------------------------------------------------------------------
TEST_CASE("lesson 5 runs straight through and draws its figures", "[lesson05][run][points:0]") {
  std::vector<std::string> files = {"std_per_layer.png", "mean_per_layer.png",
                                    "gradient_std_per_layer.png", "singular_values.png"};
  for (const char* scheme : {"small_tanh", "unit_tanh", "xavier_tanh", "xavier_relu", "he_relu",
                             "orthogonal_relu", "lsuv_tanh"})
    files.push_back(std::string("activations_") + scheme + ".png");
  testing::check_lesson_run(5, files);
}

SCENARIO("The lecture's LeCun, Glorot-uniform and Kaiming, and CSC321's truncated normal",
         "[lesson05][points:0]") {
  GIVEN("a 300 x 500 weight matrix (fan_out 300, fan_in 500), seed 0") {
    nn::seed(0);
    arma::mat w(300, 500);
    auto spread = [&]() { return arma::stddev(arma::vectorise(w)); };
    THEN("lecun_uniform: std sqrt(1/(3*500)) = 0.02582, inside +-sqrt(1/500) = 0.04472") {
      nn::init::lecun_uniform(w);
      CHECK(spread() == Approx(0.02582).epsilon(0.01));
      CHECK(arma::abs(w).max() <= std::sqrt(1.0 / 500));
    }
    THEN("glorot_uniform: std sqrt(2/800) = 0.05, inside +-sqrt(6/800) = 0.08660") {
      nn::init::glorot_uniform(w);
      CHECK(spread() == Approx(0.05).epsilon(0.01));
      CHECK(arma::abs(w).max() <= std::sqrt(6.0 / 800));
      CHECK(arma::abs(w).max() > 0.99 * std::sqrt(6.0 / 800));  // uniform: reaches the bound
    }
    THEN("kaiming_lecture: std sqrt(4/800) = 0.07071 (He's sqrt(2/500) = 0.06325 differs)") {
      nn::init::kaiming_lecture(w);
      CHECK(spread() == Approx(0.07071).epsilon(0.01));
    }
    THEN("truncated_normal(0.01): nothing beyond 0.02, std 0.0088 (a normal cut at 2 sigma)") {
      nn::init::truncated_normal(w, 0.01);
      CHECK(arma::abs(w).max() <= 0.02);
      // Var of N(0,1) truncated to [-2, 2]: 1 - 2*2*phi(2)/(Phi(2)-Phi(-2)) = 0.7737: std 0.8796
      CHECK(spread() == Approx(0.008796).epsilon(0.01));
    }
  }
}

SCENARIO("CSC321's positive bias: bias 0.1 keeps ReLU units on at the start", "[lesson05][points:0]") {
  GIVEN("Linear(784 -> 300), weights truncated_normal(0.01), on 200 subset images scaled to [0, 1]") {
    nn::Dataset d = nn::fashion_mnist_subset("train");
    d = nn::first_per_class(d, 20);
    nn::apply(nn::scale_by(255), d);
    nn::seed(0);
    nn::Linear layer(784, 300);
    nn::init::truncated_normal(layer.weight, 0.01);
    auto active = [&](double bias) {
      layer.bias.fill(bias);
      const arma::mat a = layer.forward(d.x);  // (300 x 200) pre-activations
      return arma::accu(a > 0) / double(a.n_elem);
    };
    THEN("bias 0: half the pre-activations are positive; bias 0.1: almost all of them") {
      const double at_zero = active(0.0), at_tenth = active(0.1);
      INFO("bias 0: " << at_zero << ", bias 0.1: " << at_tenth);
      CHECK(at_zero == Approx(0.5).margin(0.05));
      CHECK(at_tenth > 0.8);
    }
  }
}
