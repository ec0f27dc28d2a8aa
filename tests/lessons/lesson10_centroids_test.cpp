// Lesson 10's claims: the tiny example's centroids, loss and gradient; the gradient against
// the numeric one, on the latent vectors and through a small net; a gradient that only turns h;
// the centroid net beating softmax regression on a small synthetic set; the lesson's run and its
// number options.
// (The cosine distance and CentroidLoss's own contract are in tests/unit/centroid_test.cpp, the
// generator in tests/unit/synthetic_test.cpp.)
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <sys/wait.h>

#include "helpers.hpp"
#include "nn/centroid_net.hpp"
#include "nn/optim.hpp"
#include "nn/synthetic.hpp"
#include "nn/trainer.hpp"

using Catch::Matchers::WithinAbs;
using testing::Equals;
using testing::grid;

namespace {

// Step 2's six 2-D latent vectors of three classes.
const arma::mat tiny_latent = nn::centroid_example_latent();  // (2 x 6)
const arma::uvec tiny_labels = nn::centroid_example_labels();  // 0 0 1 1 2 2

}  // namespace

SCENARIO("The lesson's tiny example, forward and backward", "[lesson10][points:2]"
         "[exercise:CentroidLoss::backward]") {
  GIVEN("six 2-D latent vectors labelled 0 0 1 1 2 2, lambdas 1") {
    nn::CentroidLoss loss(3);
    loss.update_centroids(tiny_latent, tiny_labels);
    THEN("the centroids are the class means") {
      CHECK_THAT(loss.centroids(), Equals(grid({{0.9, -0.6, 0.35}, {0.25, 0.65, -0.85}}), 1e-15));
    }
    WHEN("the loss runs forward and backward") {
      const double l = loss.forward(tiny_latent, tiny_labels);
      const arma::mat grad = loss.backward();  // (2 x 6)
      THEN("attraction 0.034245, repulsion 0.691451, L = -0.657207") {
        CHECK_THAT(loss.attraction(), WithinAbs(0.034245, 1e-6));
        CHECK_THAT(loss.repulsion(), WithinAbs(0.691451, 1e-6));
        CHECK_THAT(l, WithinAbs(-0.657207, 1e-6));
      }
      THEN("dL/dH is the step's grid") {
        CHECK_THAT(grad, Equals(grid({{0.002064, -0.007214, 0.089395, -0.014460, -0.007844, 0.051276},
                                      {-0.020636, 0.014427, 0.017879, -0.048199, -0.000784, 0.043951}}),
                                1e-6));
      }
      THEN("each gradient column is perpendicular to its h: the loss turns h, never stretches it") {
        CHECK(arma::abs(arma::sum(tiny_latent % grad, 0)).max() < 1e-15);
      }
      THEN("every sample's nearest centroid is its own class") {
        CHECK(arma::all(loss.predict(tiny_latent) == tiny_labels));
      }
    }
  }
}

SCENARIO("The centroid loss's gradient agrees with the numeric one", "[lesson10][points:3]"
         "[exercise:CentroidLoss::backward][needs:lesson01/numeric_gradient]"
         "[needs:lesson01/Linear::backward][needs:lesson02/leaky_relu_backward]") {
  GIVEN("the tiny example, centroids held constant") {
    nn::CentroidLoss loss(3);
    loss.update_centroids(tiny_latent, tiny_labels);
    loss.forward(tiny_latent, tiny_labels);
    const arma::mat analytic = loss.backward();
    const arma::mat numeric = nn::numeric_gradient(
        [&](const arma::mat& h) { return loss.forward(h, tiny_labels); }, tiny_latent);
    THEN("every entry agrees within 1e-10, the relative error is below 1e-7") {
      CHECK(arma::abs(analytic - numeric).max() < 1e-10);
      CHECK(nn::relative_error(analytic, numeric) < 1e-7);
    }
  }
  GIVEN("a small net, Linear 5->4, LeakyReLU(0.1), Linear 4->3, on six random samples") {
    nn::seed(0);
    const arma::mat x = arma::randn(5, 6);
    nn::Sequential net = nn::centroid_check_net();
    nn::CentroidLoss loss(3);
    nn::centroid_backward(net, loss, x, tiny_labels);  // the centroids held constant
    THEN("every parameter's gradient matches centered differences of the loss") {
      for (const nn::Parameter& p : net.parameters()) {
        const arma::mat value = *p.value;
        const arma::mat numeric = nn::numeric_gradient(
            [&](const arma::mat& v) {
              *p.value = v;
              const double l = loss.forward(net.forward(x), tiny_labels);
              *p.value = value;
              return l;
            },
            value);
        INFO(p.name << "\nanalytic\n" << *p.grad << "numeric\n" << numeric);
        CHECK(arma::abs(*p.grad - numeric).max() < 1e-9 * std::max(1.0, arma::abs(numeric).max()));
        CHECK(arma::norm(*p.grad - numeric, "fro") < 1e-7 * arma::norm(numeric, "fro"));
      }
    }
  }
}

SCENARIO("On a small hard synthetic set the centroid net beats softmax regression",
         "[lesson10][points:2][exercise:CentroidLoss::backward][needs:lesson01/Linear::backward]"
         "[needs:lesson02/leaky_relu_backward][needs:lesson06/SoftmaxCrossEntropy::backward]") {
  GIVEN("600 train / 300 test samples of 100 features, 10 classes of 8 clusters each") {
    nn::SyntheticSpec spec;
    spec.train = 600;
    spec.validation = 0;
    spec.test = 300;
    spec.features = 100;
    spec.seed = 1;
    const nn::SyntheticData d = nn::make_classification(spec);
    // The lesson's recipe (nn::CentroidRecipe: Adam lr 3e-4, weight decay 3e-2, batches of 32,
    // 15 epochs) and its --quick widths.
    nn::CentroidRecipe recipe;
    recipe.widths = {64, 16};
    WHEN("softmax regression and a 100 -> 64 -> 16 centroid net (LeakyReLU bottleneck) train "
         "15 epochs with the lesson's Adam: lr 3e-4, weight decay 3e-2") {
      nn::seed(2);
      nn::Sequential regression;
      regression.emplace<nn::Linear>(100, 10);
      nn::Adam regression_adam = recipe.optimizer(regression.parameters());
      nn::train(regression, regression_adam, d.train, recipe.config(5));
      const double regression_test = nn::accuracy(regression, d.test.x, d.test.y);

      nn::seed(3);
      nn::Sequential net = nn::centroid_net(100, recipe.widths);
      nn::CentroidLoss loss(10);
      nn::Adam adam = recipe.optimizer(net.parameters());
      nn::train_centroid_net(net, loss, adam, d.train, recipe.config(5));
      const double centroid_test =
          nn::accuracy(loss.predict(nn::forward_in_batches(net, d.test.x)), d.test.y);
      THEN("softmax regression stays below 25%; the centroid net is far better (at this seed "
           "16.3% against 38.3%: 49 against 115 of the 300 test samples; asserted with about "
           "15 samples of slack)") {
        INFO("softmax regression " << regression_test << ", centroid net " << centroid_test);
        CHECK(regression_test < 0.25);
        CHECK(centroid_test > 0.33);
        CHECK(centroid_test > regression_test + 0.15);
      }
    }
  }
}

TEST_CASE("lesson 10 runs straight through and draws its figures", "[lesson10][run][points:0]") {
  testing::check_lesson_run(
      10, {"informative.png", "input-pca.png", "accuracy.png", "norms.png", "gradient-norm.png",
           "attraction-repulsion.png", "centroid-movement.png", "latent-epoch-0.png",
           "latent-epoch-2.png", "latent-centroid.png",
           "latent-mlp.png", "centroid.tsv", "mlp.tsv", "softmax.tsv", "comparison.tsv",
           "synthetic_train_slice.tsv"});
  std::ifstream in(testing::lesson_out(10) / "centroid.tsv");
  std::string header, line;
  std::getline(in, header);
  int rows = 0;
  while (std::getline(in, line)) ++rows;
  INFO("centroid.tsv has the tracked columns and one row per epoch (2 with --quick)");
  CHECK(header.find("attraction\trepulsion") != std::string::npos);
  CHECK(header.find("grad_norm\trepresentation_norm") != std::string::npos);
  CHECK(header.find("move_9") != std::string::npos);
  CHECK(rows == 2);
}

TEST_CASE("lesson 10's number options: defaults the help names, and out-of-range values refused",
          "[lesson10][runs-lesson][points:0]") {
  using Catch::Matchers::Contains;
  const testing::LessonRun help = testing::run_lesson(10, "--help");
  CHECK(help.exit_code == 0);
  CHECK_THAT(help.output, Contains("L2 weight decay for every network; 0 with --full (default 0.03)"));
  CHECK_THAT(help.output, Contains("--full searches 0.5 .. 32 (default 32)"));
  INFO("a negative weight decay or a gamma factor <= 0 is a usage error (exit 2), never a magic value");
  const testing::LessonRun decay = testing::run_lesson(10, "--weight-decay -1");
  CHECK(decay.exit_code == 2);
  CHECK_THAT(decay.output, Contains("--weight-decay wants a number >= 0, got '-1'"));
  const testing::LessonRun gamma = testing::run_lesson(10, "--kernel-gamma 0");
  CHECK(gamma.exit_code == 2);
  CHECK_THAT(gamma.output, Contains("--kernel-gamma wants a number > 0, got '0'"));
}
