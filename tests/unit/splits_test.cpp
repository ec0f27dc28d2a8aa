// nn::fashion_splits: the shipped Fashion-MNIST subset as the lessons train on it. The sizes
// per class, the per-pixel statistics recomputed here by hand from the raw images, the test
// split scaled with the TRAINING statistics, and the seeded validation split.
#include <string>

#include "helpers.hpp"
#include "data/data.hpp"

using Catch::Matchers::WithinAbs;

namespace {

arma::uvec per_class(const nn::Dataset& d) { return arma::hist(d.y, arma::regspace<arma::uvec>(0, 9)); }

}  // namespace

SCENARIO("the lessons' Fashion-MNIST splits, standardized with the training statistics",
         "[data][lesson06][points:0]") {
  GIVEN("the quick options of make test: 30 training and 20 test images per class") {
    nn::SplitOptions options;
    options.quick = true;
    options.keep_raw_test = true;
    const nn::Splits s = nn::fashion_splits(options);
    THEN("300 training and 200 test images, balanced, no validation, from the subset") {
      CHECK(arma::all(per_class(s.train) == 30));
      CHECK(arma::all(per_class(s.test) == 20));
      CHECK(s.validation.n_samples() == 0);
      CHECK_FALSE(s.full);
      CHECK(s.notice.empty());
      CHECK(s.description() ==
            "300 training and 200 test images from the shipped subset, standardized per pixel");
    }
    THEN("the splits are the first 30 (20) of each class of the shipped files, in file order") {
      const nn::Dataset raw_train = nn::first_per_class(nn::fashion_mnist_subset("train"), 30);
      CHECK(arma::all(s.train.y == raw_train.y));
      CHECK(arma::all(s.train.y.head(10) == arma::uvec({7, 3, 5, 2, 4, 1, 6, 3, 4, 8})));
      CHECK(arma::all(s.raw_test.y == s.test.y));
      CHECK(s.raw_test.preprocessing.kind == nn::Preprocessing::Kind::none);
    }
    WHEN("the per-pixel mean and std of the 300 raw training images are computed by hand") {
      const nn::Dataset raw_train = nn::first_per_class(nn::fashion_mnist_subset("train"), 30);
      const arma::vec mean = arma::sum(raw_train.x, 1) / 300.0;  // (784)
      const arma::mat centred = raw_train.x.each_col() - mean;     // (784 x 300)
      // biased std (divide by N), floored at min_std = 1 gray level
      const arma::vec std = arma::clamp(arma::sqrt(arma::sum(arma::square(centred), 1) / 300.0), 1.0,
                                        arma::datum::inf);
      THEN("they are the statistics recorded in every split") {
        CHECK(s.train.preprocessing.kind == nn::Preprocessing::Kind::per_pixel);
        CHECK(arma::abs(s.train.preprocessing.mean - mean).max() < 1e-9);
        CHECK(arma::abs(s.train.preprocessing.std - std).max() < 1e-9);
        CHECK(arma::abs(s.test.preprocessing.mean - mean).max() == 0);
      }
      THEN("the training images have mean 0 and std 1 at every pixel that varied") {
        const arma::uvec varied = arma::find(std > 1.0);  // the border never does
        CHECK(varied.n_elem > 600);
        CHECK(arma::abs(arma::mean(s.train.x, 1)).max() < 1e-10);
        CHECK(arma::abs(arma::stddev(s.train.x, 1, 1).eval().elem(varied) - 1).max() < 1e-10);
      }
      THEN("the test images are (x - training mean) / training std, not their own statistics") {
        const arma::mat expected = (s.raw_test.x.each_col() - mean).each_col() / std;  // (784 x 200)
        CHECK(arma::abs(s.test.x - expected).max() < 1e-12);
        CHECK(arma::abs(arma::mean(s.test.x, 1)).max() > 0.1);  // the test split's own means are not 0
      }
    }
  }
  GIVEN("a quarter of the 2000 training images held out for validation (as lesson 8 does)") {
    nn::SplitOptions options;
    options.validation_share = 0.25;
    options.seed = 5;
    const nn::Splits s = nn::fashion_splits(options);
    THEN("1500 training, 500 validation and 1000 test images, disjoint") {
      CHECK(s.train.n_samples() == 1500);
      CHECK(s.validation.n_samples() == 500);
      CHECK(s.test.n_samples() == 1000);
      CHECK(arma::accu(per_class(s.train)) + arma::accu(per_class(s.validation)) == 2000);
      CHECK(s.description() == "1500 training, 500 validation and 1000 test images from the shipped "
                               "subset, standardized per pixel");
    }
    THEN("the validation split is scaled with the training split's statistics") {
      CHECK(arma::abs(s.validation.preprocessing.mean - s.train.preprocessing.mean).max() == 0);
      CHECK(arma::abs(arma::mean(s.train.x, 1)).max() < 1e-10);
    }
    THEN("the same seed draws the same split; another seed another one") {
      const nn::Splits again = nn::fashion_splits(options);
      CHECK(arma::all(again.validation.y == s.validation.y));
      CHECK(arma::abs(again.validation.x - s.validation.x).max() == 0);
      options.seed = 6;
      const nn::Splits other = nn::fashion_splits(options);
      CHECK(arma::abs(other.validation.x - s.validation.x).max() > 1);
    }
    WHEN("cut to the quick sizes: 30 training, 10 validation and 20 test images per class") {
      options.quick = true;
      const nn::Splits quick = nn::fashion_splits(options);
      CHECK(arma::all(per_class(quick.train) == 30));
      CHECK(arma::all(per_class(quick.validation) == 10));
      CHECK(arma::all(per_class(quick.test) == 20));
    }
  }
  GIVEN("a validation share of 1 or more, or below 0") {
    nn::SplitOptions options;
    options.validation_share = 1;
    THEN("nothing would be left to train on: refused, naming the share") {
      REQUIRE_THROWS_WITH(nn::fashion_splits(options),
                          Catch::Matchers::Contains("fashion_splits: validation share 1 is outside [0, 1)"));
      options.validation_share = -0.5;
      REQUIRE_THROWS_WITH(nn::fashion_splits(options), Catch::Matchers::Contains("outside [0, 1)"));
    }
  }
}
