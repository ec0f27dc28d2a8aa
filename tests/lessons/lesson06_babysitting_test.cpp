// Lesson 6's claims, on the shipped Fashion-MNIST subset standardized per pixel (seed 0):
// the initial loss of a linear softmax classifier with small weights is ln 10; the L2 term
// the optimizer reports is 0.5 * lambda * ||W||^2; a small MLP overfits 20 examples to 100%;
// lr 1e6 trips the explosion guard; lr 1e-7 leaves the loss where it was.
#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <sys/wait.h>

#include "helpers.hpp"
#include "nn/optim.hpp"
#include "nn/trainer.hpp"

namespace {

// The lesson's data: the shipped training subset, x' = (x - mean) / std per pixel.
const nn::Dataset& standardized_train() {
  static const nn::Dataset train = [] {
    nn::Dataset d = nn::fashion_mnist_subset("train");
    nn::apply(nn::fit_per_pixel(d), d);
    return d;
  }();
  return train;
}

// The lesson's networks (lessons/lesson06_babysitting.cpp, snippet babysit-nets).
nn::Sequential linear_classifier() {
  nn::Sequential net;
  nn::Linear& fc = net.emplace<nn::Linear>(784, 10);
  nn::init::small_random(fc.weight, 0.001);
  fc.bias.zeros();
  return net;
}

nn::Sequential small_mlp() {
  nn::Sequential net;
  nn::Linear& fc1 = net.emplace<nn::Linear>(784, 50);
  nn::init::he(fc1.weight);
  fc1.bias.zeros();
  net.emplace<nn::ReLU>();
  nn::Linear& fc2 = net.emplace<nn::Linear>(50, 10);
  nn::init::small_random(fc2.weight, 0.01);
  fc2.bias.zeros();
  return net;
}

nn::TrainConfig quiet_config(int epochs, arma::uword batch_size) {
  nn::TrainConfig config;
  config.epochs = epochs;
  config.batch_size = batch_size;
  config.quiet = true;
  return config;
}

}  // namespace

SCENARIO("a linear softmax classifier with small weights starts at the loss ln 10",
         "[lesson06][points:0]") {
  GIVEN("Linear(784 -> 10) with weights of std 0.001 and zero biases (seed 0)") {
    nn::seed(0);
    nn::Sequential net = linear_classifier();
    WHEN("its loss is evaluated on the 2000 standardized training images") {
      const double loss = nn::evaluate(net, standardized_train().x, standardized_train().y).loss;
      THEN("it is within 0.1 of ln 10 = 2.3026: every class gets probability ~1/10") {
        CHECK(loss == Approx(std::log(10.0)).margin(0.1));
        CHECK(loss > std::log(10.0));  // the scores' spread adds a little, never subtracts
      }
    }
    WHEN("L2 regularization lambda = 1e3 is on (weights only)") {
      nn::SGD sgd(net.parameters(), 1e-3, 0.0, 1e3);
      sgd.set_weight_decay("bias", 0.0);
      const arma::mat& w = dynamic_cast<nn::Linear&>(net[0]).weight;
      THEN("the optimizer's penalty is 0.5 * lambda * ||W||^2, about 0.5e3 * 7840e-6 = 3.9") {
        CHECK(sgd.l2_penalty() == Approx(0.5 * 1e3 * arma::accu(arma::square(w))).epsilon(1e-12));
        CHECK(sgd.l2_penalty() == Approx(3.92).margin(0.2));
      }
    }
  }
}

SCENARIO("a small MLP overfits 20 examples to 100% training accuracy", "[lesson06][points:3]"
         "[exercise:SoftmaxCrossEntropy::backward][needs:lesson01/Linear::backward]"
         "[needs:lesson02/relu_backward][needs:lesson05/init::he]") {
  GIVEN("MLP 784-50-ReLU-10 (seed 0) and the first 2 training images of every class") {
    const nn::Dataset tiny = nn::first_per_class(standardized_train(), 2);
    REQUIRE(tiny.n_samples() == 20);
    nn::seed(0);
    nn::Sequential net = small_mlp();
    WHEN("trained 60 full-batch epochs with plain SGD, lr 0.05, no regularization") {
      nn::SGD sgd(net.parameters(), 0.05);
      const nn::TrainResult result = nn::train(net, sgd, tiny, quiet_config(60, 0));
      THEN("it classifies all 20 correctly and the loss is below 0.1") {
        REQUIRE_FALSE(result.diverged);
        CHECK(nn::accuracy(net, tiny.x, tiny.y) == 1.0);
        CHECK(nn::evaluate(net, tiny.x, tiny.y).loss < 0.1);
      }
    }
  }
}

SCENARIO("the learning rate's two failures: 1e6 explodes, 1e-7 does not move",
         "[lesson06][points:3][exercise:SoftmaxCrossEntropy::backward]"
         "[needs:lesson01/Linear::backward][needs:lesson02/relu_backward]"
         "[needs:lesson05/init::he]") {
  GIVEN("MLP 784-50-ReLU-10 (seed 0), 500 training images (50 per class), batches of 10") {
    const nn::Dataset data = nn::first_per_class(standardized_train(), 50);
    nn::seed(0);
    nn::Sequential net = small_mlp();
    const double before = nn::evaluate(net, data.x, data.y).loss;
    WHEN("trained with lr 1e6") {
      nn::SGD sgd(net.parameters(), 1e6);
      const nn::TrainResult result = nn::train(net, sgd, data, quiet_config(3, 10));
      THEN("the explosion guard stops the run in epoch 1 and blames the learning rate") {
        CHECK(result.diverged);
        CHECK(result.stopped_early);
        CHECK(result.history.size() == 1);
        CHECK(result.reason.find("learning rate") != std::string::npos);
      }
      THEN("the weights put back are the initial ones, with the initial loss") {
        CHECK(nn::evaluate(net, data.x, data.y).loss == Approx(before).epsilon(1e-12));
      }
    }
    WHEN("trained one epoch with lr 1e-7") {
      nn::SGD sgd(net.parameters(), 1e-7);
      const nn::TrainResult result = nn::train(net, sgd, data, quiet_config(1, 10));
      THEN("the loss changes by less than 1e-3 (it starts at ~2.3)") {
        REQUIRE_FALSE(result.diverged);
        CHECK(before == Approx(2.3).margin(0.1));
        CHECK(std::abs(nn::evaluate(net, data.x, data.y).loss - before) < 1e-3);
      }
    }
  }
}

TEST_CASE("lesson 6 runs straight through and draws its figures", "[lesson06][run][points:0]") {
  testing::check_lesson_run(6, {"mean-std.png", "overfit.png", "learning-rates.png",
                                "update-ratio.png", "coarse-search.png", "fine-search.png",
                                "best.png", "coarse-search.tsv", "best-history.tsv"});
}
