// Lesson 9's claims: guided backpropagation on a net small enough to work by hand; guided equals
// plain backpropagation wherever every incoming gradient is positive; and the network of the
// lesson, trained on shuffled labels, fits them (training accuracy far above chance) while its
// test accuracy stays at chance. The library's own checks are in tests/unit/inspect_test.cpp.
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

// Linear(2 -> 3) -> f -> Linear(3 -> 2) with the weights of the worked example:
//   W1 = [[1 0] [0 1] [1 -1]], b1 = [0 -1 0.5],  W2 = [[2 -1 1] [0 0.5 3]], b2 = 0.
nn::Sequential worked_net(bool leaky) {
  nn::Sequential net;
  nn::Linear& first = net.emplace<nn::Linear>(2, 3);
  first.weight = testing::grid({{1, 0}, {0, 1}, {1, -1}});
  first.bias = arma::vec{0, -1, 0.5};
  if (leaky) {
    net.emplace<nn::LeakyReLU>(0.1);
  } else {
    net.emplace<nn::ReLU>();
  }
  nn::Linear& second = net.emplace<nn::Linear>(3, 2);
  second.weight = testing::grid({{2, -1, 1}, {0, 0.5, 3}});
  second.bias.zeros();
  return net;
}

}  // namespace

SCENARIO("guided backpropagation through a net worked by hand", "[lesson09][points:3]"
         "[exercise:guided_ReLU_backward][needs:lesson01/Linear::backward]"
         "[needs:lesson02/relu_backward][needs:lesson02/leaky_relu_backward]") {
  GIVEN("x = (1, 2) through W1 = [[1 0] [0 1] [1 -1]], b1 = (0, -1, 0.5), a ReLU and "
        "W2 = [[2 -1 1] [0 0.5 3]]") {
    nn::Sequential net = worked_net(false);
    const arma::vec x = {1, 2};
    // W1 x + b1 = (1, 1, -0.5): units 1 and 2 fire, unit 3 does not.
    // For class 0 the gradient arriving at the ReLU is row 0 of W2: G = (2, -1, 1).
    //   plain:  G % [x > 0]          = (2, -1, 0)   -> W1' (2, -1, 0) = (2, -1)
    //   guided: G % [x > 0] % [G > 0] = (2, 0, 0)   -> W1' (2, 0, 0)  = (2, 0)
    THEN("the scores are (1, 0.5)") {
      CHECK_THAT(net.forward(x), testing::Equals(arma::vec{1, 0.5}));
    }
    THEN("the plain gradient of score 0 is (2, -1), the guided one (2, 0)") {
      CHECK_THAT(nn::saliency(net, x, 0), testing::Equals(arma::vec{2, -1}));
      CHECK_THAT(nn::guided_backprop(net, x, 0), testing::Equals(arma::vec{2, 0}));
    }
    THEN("for class 1, G = (0, 0.5, 3) is never negative: guided = plain = W1' (0, 0.5, 0) = (0, 0.5)") {
      CHECK_THAT(nn::saliency(net, x, 1), testing::Equals(arma::vec{0, 0.5}));
      CHECK_THAT(nn::guided_backprop(net, x, 1), testing::Equals(arma::vec{0, 0.5}));
    }
  }
  GIVEN("the same net with LeakyReLU(0.1): unit 3 passes 0.1 of its gradient") {
    nn::Sequential net = worked_net(true);
    const arma::vec x = {1, 2};
    // plain:  (2, -1, 0.1 * 1) -> W1' = (2.1, -1.1);  guided: (2, 0, 0.1) -> W1' = (2.1, -0.1)
    THEN("plain is (2.1, -1.1) and guided (2.1, -0.1)") {
      CHECK_THAT(nn::saliency(net, x, 0), testing::Equals(arma::vec{2.1, -1.1}, 1e-15));
      CHECK_THAT(nn::guided_backprop(net, x, 0), testing::Equals(arma::vec{2.1, -0.1}, 1e-15));
    }
  }
}

SCENARIO("guided backpropagation equals plain where every incoming gradient is positive",
         "[lesson09][points:2][exercise:guided_ReLU_backward][needs:lesson01/Linear::backward]"
         "[needs:lesson02/relu_backward][needs:lesson02/leaky_relu_backward]") {
  GIVEN("Linear(5 -> 6) -> ReLU -> Linear(6 -> 4) -> ReLU -> Linear(4 -> 3), the last two "
        "with positive weights only") {
    nn::seed(11);
    nn::Sequential net;
    net.emplace<nn::Linear>(5, 6);
    net.emplace<nn::ReLU>();
    nn::Linear& middle = net.emplace<nn::Linear>(6, 4);
    net.emplace<nn::ReLU>();
    nn::Linear& last = net.emplace<nn::Linear>(4, 3);
    middle.weight = arma::abs(middle.weight);
    last.weight = arma::abs(last.weight);
    // The gradient of a score reaching the second ReLU is a row of the last weight (>= 0);
    // through the ReLU and the positive middle weight it stays >= 0 at the first ReLU.
    WHEN("plain and guided maps are taken for each class of 4 random inputs") {
      THEN("they are the same numbers") {
        for (int trial = 0; trial < 4; ++trial) {
          const arma::vec x = arma::randn(5);
          for (arma::uword c = 0; c < 3; ++c) {
            INFO("input " << trial << ", class " << c);
            const arma::mat plain = nn::saliency(net, x, c);
            REQUIRE(arma::abs(plain).max() > 0);  // not vacuous
            CHECK_THAT(nn::guided_backprop(net, x, c), testing::Equals(plain, 0));
          }
        }
      }
    }
  }
}

SCENARIO("the lesson's network memorizes shuffled labels but learns nothing that carries over",
         "[lesson09][points:0][needs:lesson01/Linear::backward][needs:lesson02/relu_backward]"
         "[needs:lesson06/SoftmaxCrossEntropy::backward][needs:lesson08/SGD::step]") {
  GIVEN("300 training images of the subset (30 per class) with their labels shuffled (seed 0)") {
    nn::Dataset train = nn::first_per_class(nn::fashion_mnist_subset("train"), 30);
    nn::Dataset test = nn::fashion_mnist_subset("test");
    const nn::Preprocessing p = nn::fit_per_pixel(train);
    nn::apply(p, train);
    nn::apply(p, test);
    nn::seed(0);
    const arma::uvec true_labels = train.y;
    train.y = true_labels(nn::shuffled_indices(true_labels.n_elem));
    REQUIRE(nn::accuracy(train.y, true_labels) < 0.2);  // mostly wrong labels
    AND_GIVEN("the lesson's net: 784 -> 64 -> ReLU -> 32 -> ReLU -> 10, first layer std 0.001") {
      nn::seed(0);
      nn::Sequential net;
      nn::Linear& first = net.emplace<nn::Linear>(784, 64);
      first.weight = 0.001 * arma::randn(64, 784);
      net.emplace<nn::ReLU>();
      net.emplace<nn::Linear>(64, 32);
      net.emplace<nn::ReLU>();
      net.emplace<nn::Linear>(32, 10);
      WHEN("trained 20 epochs with SGD lr 0.01, momentum 0.9, batches of 32") {
        nn::SGD sgd(net.parameters(), 0.01, 0.9);
        nn::TrainConfig config;
        config.epochs = 20;
        config.batch_size = 32;
        config.seed = 0;
        config.quiet = true;
        config.explosion_factor = 0;
        nn::train(net, sgd, train, config);
        const double train_accuracy = nn::accuracy(net, train.x, train.y);
        const double test_accuracy = nn::accuracy(net, test.x, test.y);
        THEN("it fits more than half of the random labels (chance: 10%; seed 0 gives 79%)") {
          CHECK(train_accuracy > 0.5);
        }
        THEN("its accuracy on the 1000 true test labels is chance, 10% +- 5% (5 standard "
             "deviations of a 1000-sample count at p = 0.1)") {
          CHECK(test_accuracy > 0.05);
          CHECK(test_accuracy < 0.15);
        }
      }
    }
  }
}

TEST_CASE("lesson 9 runs straight through and draws its figures", "[lesson09][run][points:0]") {
  const testing::LessonRun run = testing::check_lesson_run(
      9, {"first-layer.png", "saliency.png", "confusion.png", "pca.png", "tsne.png",
          "random-labels.png", "wide-weights.png", "wide-weights.tsv"});
  // The confusion matrix is printed with its class names, columns by their first 5 letters.
  CHECK(run.output.find("T-shi Trous Pullo Dress  Coat Sanda Shirt Sneak   Bag Ankle\n"
                        "  T-shirt/top ") != std::string::npos);
  // Step 3: 16 units of each wide net, 28x28 images.
  std::ifstream in(testing::lesson_out(9) / "wide-weights.tsv");
  int images = 0;
  for (std::string line; std::getline(in, line);)
    if (line.rfind("# image ", 0) == 0 && line.find("(28x28)") != std::string::npos) ++images;
  CHECK(images == 32);
}
