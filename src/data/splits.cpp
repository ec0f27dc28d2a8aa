// splits.cpp -- see splits.hpp.
#include "data/splits.hpp"

#include <cmath>
#include <sstream>

#include "data/datasets.hpp"
#include "data/preprocessing.hpp"
#include "nn/error.hpp"
#include "nn/random.hpp"

namespace nn {

namespace {

// The number of held-out images: share * n, rounded (1/12 of 60000 is 5000).
arma::uword held_out(double share, arma::uword n) {
  if (!(share >= 0 && share < 1)) {
    std::ostringstream message;
    message << "fashion_splits: validation share " << share << " is outside [0, 1)";
    throw Error(message.str());
  }
  return static_cast<arma::uword>(std::llround(share * static_cast<double>(n)));
}

}  // namespace

std::string Splits::description() const {
  std::string counts = std::to_string(train.n_samples()) + " training";
  if (validation.n_samples() > 0)
    counts += ", " + std::to_string(validation.n_samples()) + " validation";
  return counts + " and " + std::to_string(test.n_samples()) + " test images from " + source +
         ", standardized per pixel";
}

Splits fashion_splits(const SplitOptions& options) {
  Splits s;
  Dataset train_all;
  if (options.full) {
    std::string dir;
    train_all = fashion_mnist("train", &s.full, &dir);
    s.test = fashion_mnist("test", &s.full, &dir);
    s.source = s.full ? dir : options.subset_source;
    if (!s.full) s.notice = "The full set is not installed (run `make data`): using the shipped subset.";
  } else {
    train_all = fashion_mnist_subset("train");
    s.test = fashion_mnist_subset("test");
    s.source = options.subset_source;
  }
  // 1. the validation split, before anything is cut or fitted
  const double share = s.full && options.validation_share_full >= 0 ? options.validation_share_full
                                                                    : options.validation_share;
  const arma::uword n_validation = held_out(share, train_all.n_samples());
  if (n_validation > 0) {
    seed(options.seed);
    const arma::uvec order = shuffled_indices(train_all.n_samples());  // (n)
    s.train = subset(train_all, order.head(train_all.n_samples() - n_validation));
    s.validation = subset(train_all, order.tail(n_validation));
  } else {
    s.train = std::move(train_all);
  }
  // 2. the quick cut
  if (options.quick) {
    s.train = first_per_class(s.train, options.quick_train);
    if (n_validation > 0) s.validation = first_per_class(s.validation, options.quick_validation);
    s.test = first_per_class(s.test, options.quick_test);
  }
  // 3. standardize every split with the training split's statistics
  if (options.keep_raw_test) s.raw_test = s.test;
  const Preprocessing p = fit_per_pixel(s.train);
  apply(p, s.train);
  if (n_validation > 0) apply(p, s.validation);
  apply(p, s.test);
  return s;
}

}  // namespace nn
