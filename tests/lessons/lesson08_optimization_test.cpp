// Lesson 8's claims. The hand examples (two steps on L = 2 w^2, the ill-conditioned valley) are
// the lesson's own numbers; the Fashion-MNIST experiments run the lesson's --quick
// configuration through the library (nn::train, nn::SGD, nn::Adam, nn::schedule, nn::Dropout):
// 300 training / 100 validation / 200 test images, MLPs 784-H-10, batches of 20, seed 0, so
// the numbers below are the ones `lesson8 --quick` prints. The optimizer and dropout units
// themselves are tested in optim_test.cpp and dropout_test.cpp; early stopping's bookkeeping
// in trainer_test.cpp.
#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <sstream>
#include <string>
#include <sys/wait.h>

#include "helpers.hpp"
#include "nn/optim.hpp"
#include "nn/momentum_example.hpp"
#include "nn/search.hpp"
#include "nn/trainer.hpp"

using Catch::Matchers::WithinAbs;
using testing::Equals;
using testing::grid;

namespace {

// The lesson's --quick data: seed 0 splits the subset's 2000 training images 1500 / 500, the
// first 30 (training) and 10 (validation) per class of each, the first 20 test images per
// class; standardized per pixel with the 300 training images' statistics.
struct LessonData {
  nn::Dataset train, validation, test;
};

const LessonData& quick_data() {
  static const LessonData data = [] {
    const nn::Dataset all = nn::fashion_mnist_subset("train");
    nn::seed(0);
    const arma::uvec order = nn::shuffled_indices(all.n_samples());
    LessonData d;
    d.train = nn::first_per_class(nn::subset(all, order.head(1500)), 30);
    d.validation = nn::first_per_class(nn::subset(all, order.tail(500)), 10);
    d.test = nn::first_per_class(nn::fashion_mnist_subset("test"), 20);
    const nn::Preprocessing p = nn::fit_per_pixel(d.train);
    nn::apply(p, d.train);
    nn::apply(p, d.validation);
    nn::apply(p, d.test);
    return d;
  }();
  return data;
}

// The lesson's MLP (nn::image_mlp, src/nn/search.cpp, snippet opt-mlp), ReLU version:
// 784 -> hidden -> ReLU -> [Dropout(p)] -> 10, He init, small output weights.
nn::Sequential mlp(arma::uword hidden, double dropout = 0) { return nn::image_mlp(hidden, "relu", dropout); }

nn::TrainConfig lesson_config(int epochs) {
  nn::TrainConfig config;
  config.epochs = epochs;
  config.batch_size = 20;
  config.quiet = true;
  config.stats_steps = 0;
  config.seed = 0;
  return config;
}

// Steps 1 and 2's worked examples are the library's (src/nn/search.cpp), as the lesson runs them:
// nn::two_steps (w0 w1 w2 under two steps on L = 2 w^2) and nn::valley_run (L = 0.5 (w1^2 +
// 100 w2^2) from (1, 1), lr 0.015 by default).
double valley_loss(double mu, int steps) { return nn::valley_run(mu, steps).loss(steps); }

// Runs lesson 8 with `args`; "" when it exited 0 and skipped nothing, else what went wrong.
std::string run_lesson8(const std::string& args) {
  return testing::run_problem(8, args, testing::run_lesson(8, args));
}

}  // namespace

SCENARIO("two steps on L(w) = 2 w^2: plain SGD, momentum 0.9 and Adam, by hand",
         "[lesson08][points:2][exercise:SGD::step]") {
  GIVEN("one parameter w = 1, its gradient g = 4 w, lr 0.1") {
    arma::mat w = {1.0}, grad = {0.0};
    const std::vector<nn::Parameter> params = {{"w", &w, &grad}};
    WHEN("plain SGD steps twice") {
      nn::SGD sgd(params, 0.1);
      THEN("w is multiplied by 1 - 0.1 * 4 = 0.6 each step: 1, 0.6, 0.36") {
        CHECK_THAT(nn::two_steps(sgd, w, grad), Equals(grid({{1, 0.6, 0.36}}), 1e-15));
      }
    }
    WHEN("SGD with momentum 0.9 steps twice") {
      nn::SGD sgd(params, 0.1, 0.9);
      const arma::mat trace = nn::two_steps(sgd, w, grad);
      THEN("v1 = 0.4, w1 = 0.6; v2 = 0.9 * 0.4 + 0.1 * 2.4 = 0.6, w2 = 0: the minimum") {
        CHECK_THAT(trace, Equals(grid({{1, 0.6, 0}}), 1e-15));
        CHECK_THAT(sgd.velocity(0)(0), WithinAbs(0.6, 1e-15));
      }
      AND_WHEN("it steps a third time") {
        grad = 4 * w;
        sgd.step();
        THEN("the velocity carries it past the minimum: w3 = -0.9 * 0.6 = -0.54") {
          CHECK_THAT(w(0), WithinAbs(-0.54, 1e-14));
        }
      }
    }
    WHEN("Adam (default betas) steps twice") {
      nn::Adam adam(params, 0.1);
      THEN("the first step is lr * sign(g) = 0.1; the second m^ = 0.72 / 0.19 = 3.7895, "
           "v^ = 0.028944 / 0.001999 = 14.479, w2 = 0.9 - 0.1 * 3.7895 / 3.8052 = 0.80041") {
        CHECK_THAT(nn::two_steps(adam, w, grad), Equals(grid({{1, 0.9, 0.8004122281815201}}), 1e-9));
      }
    }
  }
}

SCENARIO("in the ill-conditioned valley momentum reaches a far lower loss in 100 steps",
         "[lesson08][points:2][exercise:SGD::step]") {
  GIVEN("L = 0.5 (w1^2 + 100 w2^2) from w = (1, 1), lr 0.015 (below 2 / 100)") {
    WHEN("plain SGD, momentum 0.5 and momentum 0.9 each take 100 steps") {
      const double plain = valley_loss(0, 100), half = valley_loss(0.5, 100),
                   heavy = valley_loss(0.9, 100);
      THEN("plain SGD: w1 = 0.985^100, so L = 0.5 * 0.985^200 = 0.0243 (w2 = (-0.5)^100 ~ 0)") {
        CHECK_THAT(plain, WithinAbs(0.5 * std::pow(0.985, 200), 1e-12));
        CHECK_THAT(plain, WithinAbs(0.0243, 5e-5));
      }
      THEN("momentum 0.5: 9.88e-4; momentum 0.9: 6.27e-5, almost 400 times lower than plain SGD") {
        CHECK_THAT(half, WithinAbs(9.88e-4, 5e-6));
        CHECK_THAT(heavy, WithinAbs(6.27e-5, 5e-7));
        CHECK(heavy < half);
        CHECK(plain / heavy > 350);
      }
    }
  }
}

SCENARIO("the lesson's schedules, as the trainer applies them", "[lesson08][points:1]"
         "[exercise:SGD::step][needs:lesson01/Linear::backward][needs:lesson02/relu_backward]"
         "[needs:lesson05/init::he][needs:lesson06/SoftmaxCrossEntropy::backward]") {
  GIVEN("the four schedules of step 5 over 12 epochs") {
    const nn::Schedule step = nn::schedule::step_decay(0.01, 0.5, 3);
    const nn::Schedule exponential = nn::schedule::exponential(0.01, 0.8);
    const nn::Schedule increasing = nn::schedule::linear(0.001, 0.01, 11);
    THEN("step decay: 0.01 for epochs 0-2, 0.005 for 3-5, ..., 0.00125 at epoch 11") {
      CHECK(step(2) == 0.01);
      CHECK(step(3) == 0.005);
      CHECK(step(11) == 0.00125);
    }
    THEN("exponential: 0.01 * 0.8^11 = 0.000859 at epoch 11") {
      CHECK_THAT(exponential(11), WithinAbs(0.01 * std::pow(0.8, 11), 1e-18));
      CHECK_THAT(exponential(11), WithinAbs(0.000859, 1e-6));
    }
    THEN("increasing: 0.001 at epoch 0, + 0.009 / 11 per epoch, 0.01 at epoch 11") {
      CHECK(increasing(0) == 0.001);
      CHECK_THAT(increasing(1), WithinAbs(0.001 + 0.009 / 11, 1e-15));
      CHECK_THAT(increasing(11), WithinAbs(0.01, 1e-15));
      for (int e = 1; e < 12; ++e) CHECK(increasing(e) > increasing(e - 1));
    }
  }
  GIVEN("the lesson's MLP with momentum SGD, its output layer at a 0.1 multiplier") {
    nn::seed(0);
    nn::Sequential net = mlp(100);
    nn::SGD sgd(net.parameters(), 0.01, 0.9);
    sgd.set_lr_multiplier("2", 0.1);
    WHEN("trained 3 epochs under the step decay 0.01 * 0.5^epoch") {
      nn::TrainConfig config = lesson_config(3);
      config.lr_schedule = nn::schedule::step_decay(0.01, 0.5, 1);
      const nn::TrainResult result = nn::train(net, sgd, quick_data().train, config);
      THEN("each epoch ran at the schedule's base rate, and the layers kept their 10:1 ratio") {
        REQUIRE(result.history.size() == 3);
        CHECK(result.history[0].lr == 0.01);
        CHECK(result.history[1].lr == 0.005);
        CHECK(result.history[2].lr == 0.0025);
        CHECK(sgd.lr_of(0) == 0.0025);                 // 0.weight
        CHECK_THAT(sgd.lr_of(2), WithinAbs(0.00025, 1e-18));  // 2.weight
      }
    }
  }
}

SCENARIO("momentum and Adam train the lesson's MLP faster than plain SGD",
         "[lesson08][points:3][exercise:SGD::step][needs:lesson01/Linear::backward]"
         "[needs:lesson02/relu_backward][needs:lesson05/init::he]"
         "[needs:lesson06/SoftmaxCrossEntropy::backward]") {
  GIVEN("MLP 784-100-ReLU-10, the same initial weights and batch order (seed 0), 300 images") {
    const LessonData& d = quick_data();
    auto final_train_loss = [&](int which) {
      nn::seed(0);
      nn::Sequential net = mlp(100);
      nn::SGD plain(net.parameters(), 0.01);
      nn::SGD momentum(net.parameters(), 0.01, 0.9);
      nn::Adam adam(net.parameters(), 1e-3);
      nn::Optimizer& optimizer = which == 0 ? static_cast<nn::Optimizer&>(plain)
                                 : which == 1 ? static_cast<nn::Optimizer&>(momentum) : adam;
      const nn::TrainResult result = nn::train(net, optimizer, d.train, lesson_config(3), d.test, d.validation);
      REQUIRE_FALSE(result.diverged);
      return result.history.back().train_loss;
    };
    WHEN("each trains 3 epochs: SGD lr 0.01, momentum 0.9 at lr 0.01, Adam lr 1e-3") {
      const double sgd = final_train_loss(0), momentum = final_train_loss(1), adam = final_train_loss(2);
      THEN("the last epoch's training loss: SGD 1.683, momentum 0.686, Adam 0.835 (lesson8 --quick)") {
        CHECK_THAT(sgd, WithinAbs(1.683, 0.01));
        CHECK_THAT(momentum, WithinAbs(0.686, 0.01));
        CHECK_THAT(adam, WithinAbs(0.835, 0.01));
        CHECK(momentum < sgd / 2);
        CHECK(adam < sgd / 2);
      }
    }
  }
}

SCENARIO("L2 weight decay shrinks the weights it is applied to", "[lesson08][points:2]"
         "[exercise:SGD::step][needs:lesson01/Linear::backward][needs:lesson02/relu_backward]"
         "[needs:lesson05/init::he][needs:lesson06/SoftmaxCrossEntropy::backward]") {
  GIVEN("MLP 784-100-ReLU-10, momentum SGD (lr 0.01, mu 0.9), decay on the weights only") {
    const LessonData& d = quick_data();
    std::vector<double> hidden_norm, output_norm;
    double penalty = 0;  // what the optimizer reports at lambda 0.1
    for (double lambda : {0.0, 1e-3, 1e-2, 1e-1}) {
      nn::seed(0);
      nn::Sequential net = mlp(100);
      nn::SGD sgd(net.parameters(), 0.01, 0.9, lambda);
      sgd.set_weight_decay("bias", 0.0);
      nn::train(net, sgd, d.train, lesson_config(3));
      hidden_norm.push_back(arma::norm(dynamic_cast<nn::Linear&>(net[0]).weight, "fro"));
      output_norm.push_back(arma::norm(dynamic_cast<nn::Linear&>(net[2]).weight, "fro"));
      penalty = sgd.l2_penalty();
    }
    THEN("at lambda 0.1 the penalty the optimizer reports is 0.5 lambda ||W||^2 = 4.97") {
      const double w1 = hidden_norm[3], w2 = output_norm[3];
      CHECK_THAT(penalty, WithinAbs(0.05 * (w1 * w1 + w2 * w2), 1e-9));
      CHECK_THAT(penalty, WithinAbs(4.97, 0.05));
    }
    THEN("after 3 epochs ||W1|| is 14.31, 14.25, 13.80, 9.78 for lambda 0, 1e-3, 1e-2, 1e-1") {
      CHECK_THAT(hidden_norm[0], WithinAbs(14.31, 0.02));
      CHECK_THAT(hidden_norm[3], WithinAbs(9.78, 0.02));
      for (std::size_t i = 1; i < 4; ++i) {
        CHECK(hidden_norm[i] < hidden_norm[i - 1]);
        CHECK(output_norm[i] < output_norm[i - 1]);
      }
    }
  }
}

SCENARIO("inverted dropout: the lesson's mask, E[mask] = 1, and a gradient check in eval mode",
         "[lesson08][points:0][needs:lesson01/Linear::backward][needs:lesson02/relu_backward]") {
  GIVEN("seed 0 and Dropout(0.5) in training mode") {
    nn::seed(0);
    nn::Dropout dropout(0.5);
    WHEN("it drops units of a 4x6 matrix of ones") {
      const arma::mat y = dropout.forward(arma::mat(4, 6, arma::fill::ones));
      THEN("the mask the lesson prints: kept units are 1 / (1 - 0.5) = 2") {
        CHECK_THAT(y, Equals(grid({{0, 2, 2, 2, 2, 0},
                                   {2, 0, 2, 0, 2, 2},
                                   {0, 2, 0, 0, 2, 2},
                                   {2, 0, 2, 0, 0, 0}})));
      }
      AND_WHEN("a 1000x100 mask is drawn next") {
        const arma::mat mask = nn::dropout_mask(1000, 100, 0.5);
        const double mean = arma::mean(arma::vectorise(mask));
        THEN("its mean is 0.9984: 1 within 0.0127, four standard deviations sqrt(p/(1-p)/N) = 0.0032") {
          const double sd_of_mean = std::sqrt(0.5 / (1 - 0.5) / 1e5);  // N = 1e5 entries
          CHECK_THAT(sd_of_mean, WithinAbs(0.0032, 1e-4));
          CHECK_THAT(mean, WithinAbs(0.9984, 1e-4));
          CHECK_THAT(mean, WithinAbs(1.0, 4 * sd_of_mean));
        }
      }
    }
  }
  GIVEN("the lesson's net 6 -> 5 -> ReLU -> Dropout(0.5) -> 3 (seed 0)") {
    nn::seed(0);
    nn::Sequential net;
    net.emplace<nn::Linear>(6, 5);
    net.emplace<nn::ReLU>();
    net.emplace<nn::Dropout>(0.5);
    net.emplace<nn::Linear>(5, 3);
    const arma::mat x = arma::randn(6, 4);
    WHEN("in training mode it runs forward twice on the same input") {
      const arma::mat first = net.forward(x), second = net.forward(x);
      THEN("the outputs differ (a fresh mask each time): no finite difference can check that") {
        CHECK(arma::abs(first - second).max() > 0);
      }
    }
    WHEN("it is switched to eval mode") {
      net.set_training(false);
      THEN("dropout is the identity: forward is W2 relu(W1 x + b1) + b2, twice the same; and "
           "the gradient check passes below 1e-7 everywhere") {
        const auto& fc1 = dynamic_cast<const nn::Linear&>(net[0]);
        const auto& fc2 = dynamic_cast<const nn::Linear&>(net[3]);
        arma::mat hidden = fc1.weight * x;  // (5 x 4)
        hidden.each_col() += fc1.bias;
        hidden = arma::clamp(hidden, 0, arma::datum::inf);
        arma::mat expected = fc2.weight * hidden;  // (3 x 4)
        expected.each_col() += fc2.bias;
        CHECK_THAT(net.forward(x), Equals(expected, 1e-14));
        CHECK_THAT(net.forward(x), Equals(expected, 1e-14));
        const std::vector<nn::GradientCheck> checks = nn::gradient_check(net, x);
        CHECK(checks.size() == 5);  // input, 0.weight, 0.bias, 3.weight, 3.bias
        for (const nn::GradientCheck& c : checks) {
          INFO(nn::describe(c));
          CHECK(c.max_relative_error < 1e-7);
        }
      }
    }
  }
}

SCENARIO("with dropout on, the accuracy as trained is below the same weights' in eval mode",
         "[lesson08][points:0][needs:lesson01/Linear::backward][needs:lesson02/relu_backward]"
         "[needs:lesson05/init::he][needs:lesson06/SoftmaxCrossEntropy::backward]") {
  GIVEN("MLP 784-200-ReLU-Dropout(0.5)-10 trained 3 epochs with Adam (lr 1e-3), seed 0") {
    const LessonData& d = quick_data();
    nn::seed(0);
    nn::Sequential net = mlp(200, 0.5);
    nn::Adam adam(net.parameters(), 1e-3);
    nn::TrainConfig config = lesson_config(3);
    config.restore_best = false;
    const nn::TrainResult result = nn::train(net, adam, d.train, config, {}, d.validation);
    const double as_trained = result.history.back().train_accuracy;
    const double eval_mode = nn::accuracy(net, d.train.x, d.train.y);
    THEN("as trained (half the hidden units gone) 68.0%; in eval mode 78.7% (lesson8 --quick)") {
      CHECK_THAT(as_trained, WithinAbs(0.680, 0.005));
      CHECK_THAT(eval_mode, WithinAbs(0.787, 0.005));
      CHECK(eval_mode > as_trained + 0.05);
    }
    THEN("train() left the net in training mode") {
      CHECK(dynamic_cast<nn::Dropout&>(net[2]).training());
    }
  }
}

SCENARIO("early stopping hands back the best validation epoch's parameters",
         "[lesson08][points:0][needs:lesson01/Linear::backward][needs:lesson02/relu_backward]"
         "[needs:lesson05/init::he][needs:lesson06/SoftmaxCrossEntropy::backward]") {
  GIVEN("Adam (lr 1e-3) on MLP 784-200-ReLU-10, up to 8 epochs, patience 2 (lesson8 --quick)") {
    const LessonData& d = quick_data();
    auto run = [&](bool restore_best, nn::Sequential& net) {
      nn::seed(0);
      net = mlp(200);
      nn::Adam adam(net.parameters(), 1e-3);
      nn::TrainConfig config = lesson_config(8);
      config.patience = 2;
      config.restore_best = restore_best;
      return nn::train(net, adam, d.train, config, d.test, d.validation);
    };
    nn::Sequential net;
    const nn::TrainResult result = run(true, net);
    THEN("epoch 7 has the lowest validation loss (0.678); epoch 8's is higher (0.690)") {
      REQUIRE(result.history.size() == 8);
      CHECK(result.best_epoch == 7);
      CHECK_FALSE(result.stopped_early);
      CHECK_THAT(result.history[6].validation_loss, WithinAbs(0.6778, 1e-3));
      CHECK(result.history[7].validation_loss > result.history[6].validation_loss);
    }
    THEN("the net train() returns has exactly epoch 7's validation loss, not the last epoch's") {
      REQUIRE(result.best_epoch >= 1);
      const double returned = nn::evaluate(net, d.validation.x, d.validation.y).loss;
      CHECK(returned == result.history[result.best_epoch - 1].validation_loss);
      for (const nn::EpochStats& e : result.history) CHECK(e.validation_loss >= returned);
    }
    WHEN("the same run keeps the last epoch's parameters instead (restore_best = false)") {
      nn::Sequential last_net;
      const nn::TrainResult last = run(false, last_net);
      THEN("its net has the last epoch's loss, and its weights differ from the best epoch's") {
        CHECK(nn::evaluate(last_net, d.validation.x, d.validation.y).loss ==
              last.history.back().validation_loss);
        const arma::mat& best_w = dynamic_cast<nn::Linear&>(net[0]).weight;
        const arma::mat& last_w = dynamic_cast<nn::Linear&>(last_net[0]).weight;
        CHECK(arma::abs(best_w - last_w).max() > 0);
      }
    }
  }
}

SCENARIO("the random search picks the row with the lowest validation cost",
         "[lesson08][points:0][runs-lesson]") {
  namespace fs = std::filesystem;
  GIVEN("the search step of lesson 8, run quick (4 trials) into out/lesson8/search.tsv") {
    const fs::path table = testing::lesson_out(8) / "search.tsv";
    fs::remove(table);
    const std::string problem = run_lesson8("--no-pause --quick --step 10");
    if (!problem.empty()) FAIL(problem);
    REQUIRE(fs::exists(table));
    std::ifstream in(table);
    std::string line;
    std::vector<std::vector<double>> values;
    while (std::getline(in, line)) {
      if (line.empty() || line[0] == '#' || line.rfind("units", 0) == 0) continue;
      std::istringstream fields(line);
      std::vector<double> row;
      for (double v; fields >> v;) row.push_back(v);
      values.push_back(row);
    }
    // columns: units tanh lambda best_epoch train_loss train_accuracy val_loss val_accuracy
    //          test_loss test_accuracy picked epochs_run
    THEN("4 rows of drawn hyper-parameters inside their ranges, and sane costs and accuracies") {
      REQUIRE(values.size() == 4);
      for (const std::vector<double>& r : values) {
        REQUIRE(r.size() == 12);
        CHECK((r[0] == 25 || r[0] == 50 || r[0] == 100 || r[0] == 200));
        CHECK((r[1] == 0 || r[1] == 1));
        CHECK((r[2] >= 1e-5 && r[2] <= 1e-1));
        CHECK((r[3] >= 1 && r[3] <= r[11]));
        for (int c : {5, 7, 9}) CHECK((r[c] > 0.1 && r[c] <= 1));  // better than chance
        for (int c : {4, 6, 8}) CHECK((r[c] > 0 && r[c] < std::log(10.0)));
      }
    }
    THEN("exactly one row is picked, and it has the lowest validation cost") {
      REQUIRE(values.size() == 4);
      int picked = -1, lowest = 0;
      for (int i = 0; i < 4; ++i) {
        if (values[i][10] == 1) {
          CHECK(picked == -1);
          picked = i;
        }
        if (values[i][6] < values[lowest][6]) lowest = i;
      }
      CHECK(picked == lowest);
    }
  }
}

SCENARIO("grid and random search get the same budget; the grid tries 3 rates, random search 9",
         "[lesson08][points:0][runs-lesson]") {
  namespace fs = std::filesystem;
  GIVEN("step 11 of lesson 8, run quick (one repeat) into out/lesson8/grid-vs-random.tsv") {
    const fs::path data = testing::lesson_out(8) / "grid-vs-random.tsv";
    fs::remove(data);
    const std::string problem = run_lesson8("--no-pause --quick --step 11");
    if (!problem.empty()) FAIL(problem);
    REQUIRE(fs::exists(data));
    // Two series (grid, then random), each "# ..." header lines and "rate<TAB>accuracy" rows,
    // separated by blank lines.
    std::vector<std::vector<std::pair<double, double>>> series;
    std::ifstream in(data);
    bool in_block = false;
    for (std::string line; std::getline(in, line);) {
      if (line.empty() || line[0] == '#') {
        in_block = false;
        continue;
      }
      if (!in_block) series.emplace_back();
      in_block = true;
      std::istringstream fields(line);
      double rate = 0, accuracy = 0;
      fields >> rate >> accuracy;
      series.back().push_back({rate, accuracy});
    }
    THEN("9 trials each, every rate in [1e-4, 10^-0.5], every accuracy in [0, 1]") {
      REQUIRE(series.size() == 2);
      for (const auto& points : series) {
        CHECK(points.size() == 9);
        for (const auto& [rate, accuracy] : points) {
          CHECK(rate >= 1e-4);
          CHECK(rate <= std::pow(10.0, -0.5));
          CHECK((accuracy >= 0 && accuracy <= 1));
        }
      }
    }
    THEN("the grid's rates are the 3 cell centres 10^-3.417, 10^-2.25, 10^-1.083, 3 trials each; "
         "random search's 9 rates are all different") {
      REQUIRE(series.size() == 2);
      std::map<double, int> grid_rates;
      for (const auto& point : series[0]) ++grid_rates[point.first];
      REQUIRE(grid_rates.size() == 3);
      const double centres[] = {-4 + 3.5 / 6, -2.25, -4 + 3.5 * 5 / 6};
      int k = 0;
      for (const auto& [rate, count] : grid_rates) {
        CHECK(std::log10(rate) == Approx(centres[k++]).margin(1e-8));
        CHECK(count == 3);
      }
      std::set<double> random_rates;
      for (const auto& point : series[1]) random_rates.insert(point.first);
      CHECK(random_rates.size() == 9);
    }
  }
}

TEST_CASE("lesson 8 runs straight through and draws its figures", "[lesson08][run][points:0]") {
  testing::check_lesson_run(
      8, {"valley-loss.png", "valley-path.png", "optimizers-loss.png", "optimizers-accuracy.png",
          "per-layer-ratio.png", "schedules.png", "schedules-loss.png", "l2-gap.png", "dropout.png",
          "early-stopping.png", "search-best.png", "search.tsv", "grid-vs-random.png"});
}
