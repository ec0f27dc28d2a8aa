// Lesson 7's claims: the two-class network of two whole-image (28x28) filters separates
// Trouser from Bag on the shipped subset (> 90% test accuracy after 2 epochs, seed 0), and
// architecture A maps an image to 16x22x22 activations and then to 10 scores. Deconvolution
// (T' applied to an activation map) is Conv2d::backward.
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

// Trouser (1) and Bag (8) of a split, relabelled 0 and 1, standardized with `p`.
nn::Dataset trouser_bag(const std::string& split, const nn::Preprocessing& p) {
  const nn::Dataset d = nn::fashion_mnist_subset(split);
  nn::Dataset out = nn::subset(d, arma::find(d.y == 1 || d.y == 8));
  out.y = arma::conv_to<arma::uvec>::from(out.y == 8);
  nn::apply(p, out);
  return out;
}

}  // namespace

SCENARIO("two whole-image filters tell Trouser from Bag", "[lesson07][points:0]"
         "[needs:lesson03/conv2d_backward][needs:lesson06/SoftmaxCrossEntropy::backward]") {
  GIVEN("the subset's 200+200 training and 100+100 test images, standardized per pixel") {
    const nn::Preprocessing p = nn::fit_per_pixel(nn::fashion_mnist_subset("train"));
    const nn::Dataset train = trouser_bag("train", p), test = trouser_bag("test", p);
    REQUIRE(train.n_samples() == 400);
    REQUIRE(test.n_samples() == 200);
    AND_GIVEN("Conv2d(1x28x28, 2 filters 28x28): one output position per filter (seed 0)") {
      nn::seed(0);
      nn::Sequential net;
      nn::Conv2d& conv = net.emplace<nn::Conv2d>(nn::Shape{1, 28, 28}, 2, 28, 28);
      REQUIRE(conv.output_shape().size() == 2);
      for (arma::uword k = 0; k < 2; ++k) conv.set_kernel(k, 0, 0.001 * arma::randn(28, 28));
      WHEN("trained 2 epochs online with SGD lr 1e-3 and softmax cross-entropy") {
        nn::SGD sgd(net.parameters(), 1e-3);
        nn::TrainConfig config;
        config.epochs = 2;
        config.batch_size = 1;
        config.quiet = true;
        const nn::TrainResult result = nn::train(net, sgd, train, config, test);
        THEN("every one of the 200 test images is right (seeded: the lesson shows 100% too)") {
          REQUIRE_FALSE(result.diverged);
          CHECK(nn::accuracy(net, test.x, test.y) == 1.0);
        }
      }
    }
  }
}

SCENARIO("architecture A: 784 -> conv 16x7x7 -> 16x22x22 -> LeakyReLU -> 10", "[lesson07]"
         "[points:0][needs:lesson03/conv2d_backward]") {
  GIVEN("Conv2d(1x28x28, 16, 7, 7) -> LeakyReLU(0.01) -> Linear(7744 -> 10)") {
    nn::Sequential net;
    nn::Conv2d& conv = net.emplace<nn::Conv2d>(nn::Shape{1, 28, 28}, 16, 7, 7);
    net.emplace<nn::LeakyReLU>(0.01);
    net.emplace<nn::Linear>(16 * 22 * 22, 10);
    THEN("the conv output is 16 planes of 22x22 = 7744 rows") {
      CHECK(conv.output_shape().channels == 16);
      CHECK(conv.output_shape().height == 22);
      CHECK(conv.output_shape().width == 22);
    }
    WHEN("a batch of 3 images goes through") {
      const arma::mat y = net.forward(arma::randn(784, 3));
      THEN("the layers return 7744x3, 7744x3 and 10x3") {
        CHECK(net.outputs()[0].n_rows == 7744);
        CHECK(net.outputs()[1].n_rows == 7744);
        CHECK(y.n_rows == 10);
        CHECK(y.n_cols == 3);
      }
    }
    WHEN("one filter's activation map is sent back through the conv (deconvolution)") {
      const arma::vec x = arma::randn(784);
      conv.forward(x);
      arma::vec g(7744, arma::fill::zeros);
      g.subvec(3 * 484, 4 * 484 - 1) = arma::randn(484);  // filter 4's map only
      THEN("backward returns T' g, a 784-pixel image") {
        const arma::vec back = conv.backward(g);
        REQUIRE(back.n_elem == 784);
        CHECK_THAT(arma::mat(back), testing::Equals(conv.toeplitz().t() * g, 1e-10));
      }
    }
  }
}

// Step 5's sweep (the CNN report's experiments), at the smallest size: architecture A on the
// first 30 images per class (as its default), batches of 10, one epoch, seed 0.
SCENARIO("The sweep's two divergences: lr 0.1, and sigmoid with slope 0.05", "[lesson07][points:0]") {
  GIVEN("architecture A on 300 standardized training images") {
    const nn::Dataset full = nn::fashion_mnist_subset("train");
    nn::Dataset train = nn::first_per_class(full, 30);
    nn::apply(nn::fit_per_pixel(full), train);
    auto run = [&](bool sigmoid, double param, double lr) {
      nn::seed(0);
      nn::Sequential net;
      nn::Conv2d& conv = net.emplace<nn::Conv2d>(nn::Shape{1, 28, 28}, 16, 7, 7);
      if (sigmoid) net.emplace<nn::Sigmoid>(param);
      else net.emplace<nn::LeakyReLU>(param);
      net.emplace<nn::Linear>(conv.output_shape().size(), 10);
      nn::SGD sgd(net.parameters(), lr);
      nn::TrainConfig config;
      config.epochs = 1;
      config.batch_size = 10;
      config.quiet = true;
      config.seed = 0;
      return nn::train(net, sgd, train, config);
    };
    THEN("LeakyReLU(0.01) trains at lr 0.01 and diverges at lr 0.1") {
      CHECK_FALSE(run(false, 0.01, 0.01).diverged);
      CHECK(run(false, 0.01, 0.1).diverged);
    }
    THEN("sigmoid(x) trains at lr 0.01; sigmoid(0.05 x) diverges at the same rate") {
      CHECK_FALSE(run(true, 1.0, 0.01).diverged);
      CHECK(run(true, 0.05, 0.01).diverged);
    }
    THEN("sigmoid(0.05 x) is about 0.5 everywhere: the dense layer's 7744 inputs are nearly constant") {
      nn::seed(0);
      nn::Conv2d conv(nn::Shape{1, 28, 28}, 16, 7, 7);
      nn::Sigmoid flat(0.05);
      const arma::mat h = flat.forward(conv.forward(train.x.cols(0, 9)));  // (7744 x 10)
      CHECK(arma::abs(h - 0.5).max() < 0.1);
      CHECK(arma::accu(arma::square(h.col(0))) > 7744 * 0.2);  // |input|^2 ~ 7744 / 4
    }
  }
}

TEST_CASE("lesson 7 runs straight through and draws its figures", "[lesson07][run][points:0]") {
  testing::check_lesson_run(7, {"two-filters.png", "confusion.png", "filters.png",
                                "deconvolution.png", "curves-train.png", "curves-test.png",
                                "sweep-lr.png", "sweep-slopes.png", "sweep-conv-delta.png",
                                "sweep-order.png", "sweeps.tsv"});
}
