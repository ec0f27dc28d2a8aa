// The trainer: a tiny net overfits a tiny set, the explosion guard catches a huge learning
// rate, the TSV grows one row per epoch while the run goes on, shuffling is seeded, and early
// stopping keeps the best parameters. Plus the evaluation helpers.
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "core_helpers.hpp"
#include "nn/dropout.hpp"
#include "nn/optim.hpp"
#include "nn/trainer.hpp"

using Catch::Matchers::Contains;
using Catch::Matchers::WithinAbs;
using Catch::Matchers::WithinRel;
using testing::Equals;
using testing::grid;

namespace {

// n Gaussian samples with `features` features; labels 0, 1, ..., classes-1, 0, 1, ...
nn::Dataset gaussian_set(arma::uword n, arma::uword features, arma::uword classes) {
  nn::Dataset set;
  set.x = arma::randn<arma::mat>(features, n);  // (features x n)
  set.y.set_size(n);
  for (arma::uword i = 0; i < n; ++i) set.y(i) = i % classes;
  set.shape = nn::Shape{1, 1, features};
  return set;
}

// features -> hidden -> ReLU -> classes
void mlp(nn::Sequential& net, arma::uword features, arma::uword hidden, arma::uword classes) {
  net.emplace<nn::Linear>(features, hidden);
  net.emplace<nn::ReLU>();
  net.emplace<nn::Linear>(hidden, classes);
}

// The lines of a file that are not '#' comments.
std::vector<std::string> data_lines(const std::string& path) {
  std::ifstream in(path);
  std::vector<std::string> lines;
  for (std::string line; std::getline(in, line);)
    if (!line.empty() && line[0] != '#') lines.push_back(line);
  return lines;
}

std::string temp_path(const std::string& name) {
  const std::filesystem::path dir = std::filesystem::temp_directory_path() / "stepnet_trainer_test";
  std::filesystem::create_directories(dir);
  return (dir / name).string();
}

std::vector<double> train_losses(const nn::TrainResult& r) {
  std::vector<double> losses;
  for (const nn::EpochStats& s : r.history) losses.push_back(s.train_loss);
  return losses;
}

}  // namespace

SCENARIO("a tiny MLP overfits 20 samples to 100% training accuracy",
         "[trainer][lesson06][points:3][exercise:SoftmaxCrossEntropy::backward]"
         "[needs:lesson01/Linear::backward][needs:lesson02/relu_backward]") {
  GIVEN("20 Gaussian samples of 5 features in 4 classes and a 5 -> 32 -> ReLU -> 4 MLP") {
    nn::seed(1);
    const nn::Dataset set = gaussian_set(20, 5, 4);
    nn::Sequential net;
    mlp(net, 5, 32, 4);
    nn::SGD sgd(net.parameters(), 0.5);  // plain SGD: no momentum, no weight decay
    nn::TrainConfig config;
    config.epochs = 200;
    config.batch_size = 0;  // full batch
    config.quiet = true;
    WHEN("it trains for 200 full-batch epochs of plain SGD (lr 0.5) without regularization") {
      const nn::TrainResult result = nn::train(net, sgd, set, config);
      THEN("the initial loss was about ln 4 = 1.39, and every training sample is now right") {
        CHECK_THAT(result.initial_loss, WithinAbs(std::log(4.0), 0.3));
        CHECK_FALSE(result.stopped_early);
        CHECK(result.history.size() == 200);
        CHECK(nn::accuracy(net, set.x, set.y) == 1.0);
        CHECK(result.history.back().train_loss < 0.05);
        CHECK(result.history.back().train_loss < result.history.front().train_loss / 20);
      }
    }
  }
}

SCENARIO("the explosion guard stops a run with lr = 1e6 and keeps its rows",
         "[trainer][lesson06][points:3][exercise:SoftmaxCrossEntropy::backward]"
         "[needs:lesson01/Linear::backward][needs:lesson02/relu_backward]") {
  nn::seed(2);
  const nn::Dataset set = gaussian_set(20, 5, 4);
  nn::Sequential net;
  mlp(net, 5, 16, 4);
  nn::TrainConfig config;
  config.epochs = 10;
  config.quiet = true;
  GIVEN("lr = 1e6 from the start, full batch") {
    nn::SGD sgd(net.parameters(), 1e6);
    const arma::mat initial_weight = *net.parameters()[0].value;
    config.batch_size = 0;
    config.tsv_path = temp_path("explode.tsv");
    const nn::TrainResult result = nn::train(net, sgd, set, config);
    THEN("epoch 2's first loss is far above 3 x the initial one: stopped, saying why") {
      CHECK(result.stopped_early);
      CHECK(result.diverged);
      CHECK_THAT(result.reason, Contains("epoch 2, batch 1") &&
                                    Contains("learning rate (1e+06) is probably too high"));
      REQUIRE(result.history.size() == 2);
      CHECK(std::isfinite(result.history[0].train_loss));
      CHECK(result.history[1].train_loss > 3 * result.initial_loss);
      CHECK(std::isnan(result.history[1].test_loss));
    }
    THEN("the TSV keeps both rows and says why it stopped") {
      CHECK(data_lines(config.tsv_path).size() == 3);  // header + 2 rows
      std::ifstream in(config.tsv_path);
      const std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
      CHECK_THAT(text, Contains("# stopped early: epoch 2, batch 1"));
    }
    THEN("the net is back at its initial parameters (epoch 1's update already blew it up), "
         "so it can still be evaluated") {
      CHECK_THAT(*net.parameters()[0].value, Equals(initial_weight, 0));
      CHECK(std::isfinite(nn::evaluate(net, set.x, set.y).loss));
    }
  }
  GIVEN("lr = 0.05 for two epochs, then a schedule jumps to 1e6; batches of 5") {
    nn::SGD sgd(net.parameters(), 0.05);
    config.batch_size = 5;
    config.explosion_window = 5;  // check every batch
    config.lr_schedule = [](int epoch) { return epoch < 2 ? 0.05 : 1e6; };
    std::vector<arma::mat> after_epoch_2;
    config.on_epoch = [&](const nn::EpochStats& s) {
      if (s.epoch == 2)
        for (const nn::Parameter& p : net.parameters()) after_epoch_2.push_back(*p.value);
    };
    const nn::TrainResult result = nn::train(net, sgd, set, config);
    THEN("epoch 3 blows up at its second batch; epochs 1 and 2 are kept whole") {
      CHECK(result.diverged);
      CHECK_THAT(result.reason, Contains("epoch 3, batch 2"));
      REQUIRE(result.history.size() == 3);
      CHECK(result.history[0].samples == 20);
      CHECK(result.history[1].samples == 20);
      CHECK(result.history[2].samples == 10);  // the partial epoch: 2 of 4 batches
      CHECK(result.history[2].lr == 1e6);
    }
    THEN("the parameters are those at the end of epoch 2") {
      const std::vector<nn::Parameter> params = net.parameters();
      REQUIRE(after_epoch_2.size() == params.size());
      for (std::size_t i = 0; i < params.size(); ++i) CHECK_THAT(*params[i].value, Equals(after_epoch_2[i], 0));
    }
  }
}

SCENARIO("the guard stops a run at the first non-finite loss, even with the ratio test off",
         "[trainer][reliability]") {
  nn::seed(4);
  const nn::Dataset set = gaussian_set(20, 5, 4);
  nn::Sequential net;
  mlp(net, 5, 16, 4);
  nn::SGD sgd(net.parameters(), 0.05);
  nn::TrainConfig config;
  config.epochs = 5;
  config.batch_size = 5;
  config.quiet = true;
  config.explosion_factor = 0;  // only a non-finite loss may stop the run
  config.tsv_path = temp_path("nonfinite.tsv");
  GIVEN("a loss that turns NaN at its 7th call: the initial loss, then epoch 2's batch 2") {
    int calls = 0;
    config.custom_loss = [&](const arma::mat& out, const arma::uvec& y, arma::mat& grad) {
      const double loss = nn::batch_loss(nn::LossKind::cross_entropy, out, y, &grad);
      return ++calls == 7 ? arma::datum::nan : loss;
    };
    std::vector<arma::mat> initial;
    for (const nn::Parameter& p : net.parameters()) initial.push_back(*p.value);
    const nn::TrainResult result = nn::train(net, sgd, set, config);
    THEN("it stops there, says why, and keeps epoch 1 whole") {
      CHECK(result.diverged);
      CHECK_THAT(result.reason, Contains("epoch 2, batch 2: the loss is nan") &&
                                    Contains("probably too high"));
      REQUIRE(result.history.size() == 2);
      CHECK(result.history[0].samples == 20);
      CHECK(result.history[1].samples == 10);  // the NaN batch is counted
      CHECK(data_lines(config.tsv_path).size() == 3);  // header + 2 rows
    }
    THEN("the parameters go back to the last ones a passed guard window vouched for: epoch 1's "
         "window (its 4 batches) vouches for the parameters at its start, the initial ones; "
         "epoch 2 never finished a window") {
      const std::vector<nn::Parameter> params = net.parameters();
      REQUIRE(initial.size() == params.size());
      for (std::size_t i = 0; i < params.size(); ++i) CHECK_THAT(*params[i].value, Equals(initial[i], 0));
    }
  }
}

SCENARIO("the TSV has a header and gets one row per epoch, as it goes",
         "[trainer][lesson06][points:2][exercise:SoftmaxCrossEntropy::backward]"
         "[needs:lesson01/Linear::backward][needs:lesson02/relu_backward]") {
  GIVEN("a run of 3 epochs writing out/.../train.tsv, with a test set") {
    nn::seed(3);
    const nn::Dataset train_set = gaussian_set(20, 5, 4), test_set = gaussian_set(8, 5, 4);
    nn::Sequential net;
    mlp(net, 5, 8, 4);
    nn::SGD sgd(net.parameters(), 0.05);
    nn::TrainConfig config;
    config.epochs = 3;
    config.batch_size = 4;
    config.quiet = true;
    config.tsv_path = temp_path("rows/train.tsv");
    std::filesystem::remove(config.tsv_path);
    std::vector<std::size_t> lines_seen;  // data lines in the file when each epoch ended
    config.on_epoch = [&](const nn::EpochStats&) { lines_seen.push_back(data_lines(config.tsv_path).size()); };
    const nn::TrainResult result = nn::train(net, sgd, train_set, config, test_set);
    THEN("after epoch k the file already held the header and k rows") {
      CHECK(lines_seen == std::vector<std::size_t>{2, 3, 4});
    }
    THEN("the header names every column, parameters included, and rows have as many cells") {
      const std::vector<std::string> lines = data_lines(config.tsv_path);
      REQUIRE(lines.size() == 4);
      CHECK_THAT(lines[0], Contains("epoch\tsamples\tbatches\tlr\ttrain_loss\ttrain_accuracy\t"
                                    "test_loss\ttest_accuracy") &&
                               Contains("0.weight.norm\t0.weight.grad_norm\t0.weight.update_ratio"));
      const auto cells = [](const std::string& line) { return std::count(line.begin(), line.end(), '\t') + 1; };
      CHECK(cells(lines[0]) == 13 + 3 * 4);  // 13 columns + 3 per parameter
      for (std::size_t i = 1; i < lines.size(); ++i) CHECK(cells(lines[i]) == cells(lines[0]));
      CHECK(lines[1].rfind("1\t20\t5\t0.05\t", 0) == 0);  // epoch 1, 20 samples, 5 batches, lr
    }
    THEN("the rows hold the recorded numbers: test accuracy, norms, ratios") {
      const nn::EpochStats& last = result.history.back();
      CHECK(std::isfinite(last.test_loss));
      CHECK(last.test_accuracy >= 0);
      CHECK(last.test_accuracy <= 1);
      CHECK(std::isnan(last.validation_loss));
      CHECK(std::isnan(last.conv_delta));  // no Conv2d in this net
      REQUIRE(last.parameters.size() == 4);
      CHECK(last.parameters[0].name == "0.weight");
      CHECK_THAT(last.parameters[0].norm, WithinAbs(arma::norm(*net.parameters()[0].value, "fro"), 1e-12));
      CHECK(last.parameters[0].update_ratio > 0);
      CHECK(last.parameters[0].update_ratio < 1);
      CHECK(nn::history_matrix(result.history).n_rows == 3);
    }
  }
}

SCENARIO("shuffling is seeded: same seed, same history; another seed, another one",
         "[trainer][lesson06][points:2][exercise:SoftmaxCrossEntropy::backward]"
         "[needs:lesson01/Linear::backward][needs:lesson02/relu_backward]") {
  const auto run = [](std::uint64_t seed, bool shuffle) {
    nn::seed(4);  // the same data and the same initial net every time
    const nn::Dataset set = gaussian_set(20, 5, 4);
    nn::Sequential net;
    mlp(net, 5, 8, 4);
    nn::SGD sgd(net.parameters(), 0.05);
    nn::TrainConfig config;
    config.epochs = 3;
    config.batch_size = 1;
    config.shuffle = shuffle;
    config.seed = seed;
    config.quiet = true;
    return nn::train(net, sgd, set, config);
  };
  GIVEN("online training (batch size 1), shuffled") {
    const nn::TrainResult a = run(7, true), b = run(7, true), c = run(8, true);
    THEN("seed 7 twice gives bit-identical histories, every column but the timings") {
      REQUIRE(a.history.size() == b.history.size());
      for (std::size_t e = 0; e < a.history.size(); ++e) {
        std::vector<double> x = nn::tsv_values(a.history[e]), y = nn::tsv_values(b.history[e]);
        for (std::size_t i = 0; i < x.size(); ++i) {
          if (i == 11 || i == 12) continue;  // seconds, images_per_second
          INFO("epoch " << e + 1 << ", column " << nn::tsv_header(a.history[e])[i]);
          CHECK((x[i] == y[i] || (std::isnan(x[i]) && std::isnan(y[i]))));
        }
      }
    }
    THEN("seed 8 visits the samples in another order: other losses") {
      CHECK(train_losses(a) != train_losses(c));
    }
  }
  GIVEN("online training in the fixed order 0 .. n-1") {
    THEN("the seed no longer matters") {
      CHECK(train_losses(run(7, false)) == train_losses(run(8, false)));
    }
  }
}

SCENARIO("batch size 1 and full batch both train", "[trainer][lesson06][points:2]"
         "[exercise:SoftmaxCrossEntropy::backward][needs:lesson01/Linear::backward]"
         "[needs:lesson02/relu_backward]") {
  const auto run = [](arma::uword batch_size) {
    nn::seed(5);
    const nn::Dataset set = gaussian_set(20, 5, 4);
    nn::Sequential net;
    mlp(net, 5, 16, 4);
    nn::SGD sgd(net.parameters(), batch_size == 1 ? 0.1 : 2.0);  // 20 steps an epoch vs 1
    nn::TrainConfig config;
    config.epochs = 30;
    config.batch_size = batch_size;
    config.quiet = true;
    const nn::TrainResult result = nn::train(net, sgd, set, config);
    return std::make_pair(result, nn::accuracy(net, set.x, set.y));
  };
  GIVEN("30 epochs on 20 samples, plain SGD with lr 0.1 online and 2 full batch") {
    const auto [online, online_accuracy] = run(1);
    const auto [full, full_accuracy] = run(0);
    THEN("online takes 20 steps an epoch, full batch one; both more than halve the loss and "
         "fit every sample") {
      CHECK(online.history[0].batches == 20);
      CHECK(full.history[0].batches == 1);
      CHECK(online.history.back().train_loss < 0.5 * online.initial_loss);
      CHECK(full.history.back().train_loss < 0.5 * full.initial_loss);
      CHECK(online_accuracy == 1.0);
      CHECK(full_accuracy == 1.0);
    }
  }
}

SCENARIO("MSE on one-hot targets trains too", "[trainer][lesson06][points:0]"
         "[needs:lesson01/Linear::backward][needs:lesson02/relu_backward]") {
  GIVEN("the tiny MLP with MSELoss") {
    nn::seed(6);
    const nn::Dataset set = gaussian_set(20, 5, 4);
    nn::Sequential net;
    mlp(net, 5, 32, 4);
    nn::SGD sgd(net.parameters(), 0.5);
    nn::TrainConfig config;
    config.epochs = 300;
    config.batch_size = 0;
    config.loss = nn::LossKind::mse;
    config.quiet = true;
    const nn::TrainResult result = nn::train(net, sgd, set, config);
    THEN("it fits every sample and its loss is the MSE of evaluate()") {
      CHECK(nn::accuracy(net, set.x, set.y) == 1.0);
      const nn::Evaluation e = nn::evaluate(net, set.x, set.y, nn::LossKind::mse);
      CHECK(e.accuracy == 1.0);
      CHECK(e.loss < 0.05);
    }
  }
}

SCENARIO("the conv delta is the mean per-sample gradient norm at the first Conv2d's output",
         "[trainer][lesson06][points:2][exercise:SoftmaxCrossEntropy::backward]"
         "[needs:lesson01/Linear::backward][needs:lesson02/relu_backward]"
         "[needs:lesson03/conv2d_backward]") {
  GIVEN("Conv2d(1x4x4 -> 2x3x3) -> ReLU -> Linear(18 -> 3), one epoch of 2 samples at lr 0") {
    nn::seed(7);
    nn::Dataset set = gaussian_set(2, 16, 3);
    nn::Sequential net;
    net.emplace<nn::Conv2d>(nn::Shape{1, 4, 4}, 2, 2, 2);
    net.emplace<nn::ReLU>();
    net.emplace<nn::Linear>(18, 3);
    nn::SGD sgd(net.parameters(), 0.0);
    nn::TrainConfig config;
    config.epochs = 1;
    config.batch_size = 2;
    config.shuffle = false;
    config.quiet = true;
    const nn::TrainResult result = nn::train(net, sgd, set, config);
    WHEN("the same delta is derived by hand, without the library's backward") {
      // Sample i's loss l_i = -ln softmax(W relu(z_i) + b)_{y_i} of the conv output z_i:
      //   dl_i/dz_i = (W' (p_i - e_{y_i})) % [z_i > 0],  p_i = softmax(W relu(z_i) + b).
      const nn::Linear& fc = dynamic_cast<const nn::Linear&>(net[2]);
      const arma::mat z = net[0].forward(set.x);  // (18 x 2) the conv output (lr 0: unchanged)
      double norm_sum = 0;
      for (arma::uword i = 0; i < 2; ++i) {
        const arma::vec scores = fc.weight * arma::clamp(z.col(i), 0, arma::datum::inf) + fc.bias;
        arma::vec p = arma::exp(scores - scores.max());
        p /= arma::accu(p);                                           // (3) softmax
        p(set.y(i)) -= 1;                                             // p - e_y = dl_i/dscores
        const arma::vec mask = arma::conv_to<arma::vec>::from(z.col(i) > 0);
        norm_sum += arma::norm((fc.weight.t() * p) % mask);           // ||dl_i/dz_i||
      }
      THEN("the trainer's conv_delta is their mean over the 2 samples, to rounding") {
        CHECK_THAT(result.history[0].conv_delta, WithinRel(norm_sum / 2, 1e-12));
      }
    }
  }
}

SCENARIO("config.l2 adds lambda W to the weights' gradients, not the biases'",
         "[trainer][lesson06][points:0][needs:lesson01/Linear::backward]") {
  GIVEN("Linear(2 -> 1) with W = [1 -2], b = 0.5, two samples [1 2] and [3 4], and the loss "
        "L = mean over the samples of the output") {
    nn::Sequential net;
    nn::Linear& fc = net.emplace<nn::Linear>(2, 1);
    fc.weight = grid({{1, -2}});
    fc.bias = arma::vec{0.5};
    nn::Dataset set;
    set.x = grid({{1, 3}, {2, 4}});  // (2 features x 2 samples)
    set.y = arma::uvec{0, 0};
    set.shape = nn::Shape{1, 1, 2};
    // dL/doutput = 1/2 per sample, so dL/dW = mean of the samples = [2 3], dL/db = 1.
    nn::TrainConfig config;
    config.epochs = 1;
    config.batch_size = 0;
    config.quiet = true;
    config.explosion_factor = 0;  // L is unbounded below: only non-finite losses stop the run
    config.custom_loss = [](const arma::mat& output, const arma::uvec&, arma::mat& grad) {
      grad = arma::mat(arma::size(output), arma::fill::value(1.0 / output.n_cols));
      return arma::accu(output) / output.n_cols;
    };
    WHEN("one step of plain SGD, lr 0.1, with l2 = 0.5") {
      config.l2 = 0.5;
      nn::SGD sgd(net.parameters(), 0.1);
      nn::train(net, sgd, set, config);
      THEN("W = [1 -2] - 0.1 ([2 3] + 0.5 [1 -2]) = [0.75 -2.2]; b = 0.5 - 0.1 * 1 = 0.4") {
        CHECK_THAT(fc.weight, Equals(grid({{0.75, -2.2}}), 1e-15));
        CHECK_THAT(arma::mat(fc.bias), Equals(grid({{0.4}}), 1e-15));
      }
    }
    WHEN("the same step with l2 = 0") {
      nn::SGD sgd(net.parameters(), 0.1);
      nn::train(net, sgd, set, config);
      THEN("W = [1 -2] - 0.1 [2 3] = [0.8 -2.3]") {
        CHECK_THAT(fc.weight, Equals(grid({{0.8, -2.3}}), 1e-15));
      }
    }
    THEN("l2_penalty counts the weights only: 0.5 * 0.5 * (1 + 4) = 1.25; a negative l2 throws") {
      CHECK(nn::l2_penalty(net.parameters(), 0.5) == 1.25);
      config.l2 = -1;
      nn::SGD sgd(net.parameters(), 0.1);
      CHECK_THROWS_WITH(nn::train(net, sgd, set, config), Contains("l2 must be a finite number >= 0"));
    }
  }
}

SCENARIO("early stopping on a validation set keeps the best parameters",
         "[trainer][lesson08][points:0][needs:lesson01/Linear::backward]"
         "[needs:lesson02/relu_backward][needs:lesson06/SoftmaxCrossEntropy::backward]") {
  GIVEN("random labels: training can only memorise, so the validation loss turns up") {
    nn::seed(8);
    nn::Dataset train_set = gaussian_set(40, 10, 4), validation = gaussian_set(40, 10, 4);
    train_set.y = arma::randi<arma::uvec>(40, arma::distr_param(0, 3));
    validation.y = arma::randi<arma::uvec>(40, arma::distr_param(0, 3));
    nn::Sequential net;
    mlp(net, 10, 64, 4);
    nn::SGD sgd(net.parameters(), 0.5);  // plain SGD: no momentum, no weight decay
    nn::TrainConfig config;
    config.epochs = 200;
    config.batch_size = 10;
    config.patience = 5;
    config.quiet = true;
    const nn::TrainResult result = nn::train(net, sgd, train_set, config, {}, validation);
    THEN("it stops 5 epochs after the best one, and the net ends with the best epoch's loss") {
      CHECK(result.stopped_early);
      CHECK_FALSE(result.diverged);
      CHECK_THAT(result.reason, Contains("has not improved for 5 epochs"));
      REQUIRE(result.best_epoch > 0);
      CHECK(result.history.size() == static_cast<std::size_t>(result.best_epoch + 5));
      const nn::Evaluation now = nn::evaluate(net, validation.x, validation.y);
      CHECK(now.loss == result.history[result.best_epoch - 1].validation_loss);
      for (const nn::EpochStats& s : result.history) CHECK(s.validation_loss >= now.loss);
    }
  }
}

SCENARIO("evaluation helpers: predict, accuracy, confusion matrix", "[trainer][lesson06]"
         "[points:0]") {
  GIVEN("scores for 4 samples over 3 classes") {
    const arma::mat scores = grid({{0.9, 0.1, 0.3, 0.2}, {0.05, 0.8, 0.3, 0.2}, {0.05, 0.1, 0.4, 0.6}});
    THEN("argmax picks [0 1 2 2]") {
      CHECK(arma::approx_equal(nn::argmax(scores), arma::uvec{0, 1, 2, 2}, "absdiff", 0));
    }
    THEN("against labels [0 1 1 2]: accuracy 3/4, and the confusion matrix has rows = truth") {
      const arma::uvec labels = {0, 1, 1, 2}, predicted = nn::argmax(scores);
      CHECK(nn::accuracy(predicted, labels) == 0.75);
      const arma::umat expected = {{1, 0, 0}, {0, 1, 1}, {0, 0, 1}};
      CHECK(arma::approx_equal(nn::confusion_matrix(predicted, labels, 3), expected, "absdiff", 0));
      CHECK_THROWS_WITH(nn::confusion_matrix(predicted, labels, 2),
                        Contains("out of range for 2 classes"));
    }
  }
  GIVEN("a net with dropout, evaluated in batches of 3 on 7 samples") {
    nn::seed(9);
    nn::Sequential net;
    net.emplace<nn::Linear>(4, 3);
    net.emplace<nn::Dropout>(0.5);
    const arma::mat x = arma::randn<arma::mat>(4, 7);
    net.set_training(false);
    const arma::mat whole = net.forward(x);  // (3 x 7) without dropout
    net.set_training(true);
    THEN("forward_in_batches gives the same outputs as one forward in eval mode") {
      CHECK_THAT(nn::forward_in_batches(net, x, 3), Equals(whole, 1e-14));
      CHECK(arma::approx_equal(nn::predict(net, x, 3), nn::argmax(whole), "absdiff", 0));
    }
  }
}

SCENARIO("train refuses inconsistent data", "[trainer][lesson06][points:0]") {
  nn::seed(10);
  nn::Sequential net;
  mlp(net, 5, 4, 3);
  nn::SGD sgd(net.parameters(), 0.1);
  nn::Dataset set = gaussian_set(6, 5, 3);
  nn::TrainConfig config;
  config.quiet = true;
  THEN("labels that do not match the columns, an empty set or 0 epochs throw") {
    nn::Dataset bad = set;
    bad.y = bad.y.head(5);
    CHECK_THROWS_WITH(nn::train(net, sgd, bad, config), Contains("6 samples (columns of x) but 5 labels"));
    CHECK_THROWS_WITH(nn::train(net, sgd, nn::Dataset{}, config), Contains("the training set is empty"));
    config.epochs = 0;
    CHECK_THROWS_WITH(nn::train(net, sgd, set, config), Contains("epochs must be >= 1"));
  }
}

SCENARIO("per_epoch reads one field of every epoch, for plotting", "[trainer]") {
  GIVEN("a history of three epochs") {
    std::vector<nn::EpochStats> history(3);
    for (int e = 0; e < 3; ++e) {
      history[e].epoch = e + 1;
      history[e].test_accuracy = 0.5 + 0.1 * e;
      history[e].train_loss = 2.0 / (e + 1);
    }
    THEN("it returns that field in epoch order") {
      CHECK_THAT(arma::mat(nn::per_epoch(history, &nn::EpochStats::test_accuracy)),
                 Equals(arma::mat(arma::vec{0.5, 0.6, 0.7}), 1e-15));
      CHECK_THAT(arma::mat(nn::per_epoch(history, &nn::EpochStats::train_loss)),
                 Equals(arma::mat(arma::vec{2.0, 1.0, 2.0 / 3}), 1e-15));
      CHECK(nn::per_epoch({}, &nn::EpochStats::train_loss).n_elem == 0);
    }
  }
}

SCENARIO("evaluation leaves the net in the mode it found it in", "[trainer][eval-mode]") {
  GIVEN("Linear(4 -> 3), Dropout(0.5), switched to eval mode by the caller") {
    nn::seed(0);
    nn::Sequential net;
    net.emplace<nn::Linear>(4, 3);
    nn::Dropout& dropout = net.emplace<nn::Dropout>(0.5);
    net.set_training(false);
    const arma::mat x = arma::randn(4, 6);                 // (4 x 6)
    const arma::uvec y = {0, 1, 2, 0, 1, 2};
    const arma::mat before = net.forward(x);               // eval: dropout is the identity
    WHEN("evaluate, accuracy and forward_in_batches run on it") {
      nn::evaluate(net, x, y);
      nn::accuracy(net, x, y);
      nn::forward_in_batches(net, x, 4);
      THEN("it is still in eval mode: no mask, the same output as before") {
        CHECK_FALSE(net.training());
        CHECK_FALSE(dropout.training());
        CHECK_THAT(net.forward(x), Equals(before, 0.0));
      }
    }
  }
  GIVEN("the same net in training mode") {
    nn::Sequential net;
    net.emplace<nn::Linear>(4, 3);
    nn::Dropout& dropout = net.emplace<nn::Dropout>(0.5);
    WHEN("evaluate runs on it") {
      nn::evaluate(net, arma::randn(4, 6), arma::uvec{0, 1, 2, 0, 1, 2});
      THEN("it is back in training mode") { CHECK(dropout.training()); }
    }
  }
}
