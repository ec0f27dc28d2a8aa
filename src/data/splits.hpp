// splits.hpp -- Fashion-MNIST as the lessons train on it: the shipped subset or the full set,
// an optional seeded validation split, the quick (make test) cut, standardized per pixel with
// the training split's statistics. One home for what lessons 6 to 11 each did in their Context.
//
// Contract
//   fashion_splits(options) loads the shipped subset (nn::fashion_mnist_subset), or with
//   options.full the installed full set (nn::fashion_mnist: the subset, and a notice, when the
//   full set is not installed). In this order it then
//     1. holds out a validation split: validation_share of the training images, drawn by
//        nn::shuffled_indices after nn::seed(options.seed) (none when the share is 0);
//     2. with options.quick keeps the first quick_train / quick_validation / quick_test images
//        of every class (nn::first_per_class);
//     3. fits nn::fit_per_pixel on the training split and applies it to every split, so the
//        validation and test images are scaled by the TRAINING statistics.
//   Throws nn::Error (from the loaders) saying to run `make data` when no data is found, and
//   when a share is outside [0, 1).
#pragma once

#include <cstdint>
#include <string>

#include "nn/dataset.hpp"

namespace nn {

struct SplitOptions {
  bool full = false;   // the installed 60000/10000 set instead of the shipped 2000/1000
  bool quick = false;  // keep only the first quick_* images of every class
  arma::uword quick_train = 30, quick_validation = 10, quick_test = 20;  // per class
  // The share of the training images held out for validation, drawn with `seed`; the full
  // set uses validation_share_full when that is set (>= 0).
  double validation_share = 0, validation_share_full = -1;
  std::uint64_t seed = 0;
  bool keep_raw_test = false;  // also return the test split before standardizing
  // How the description names the shipped subset (the full set is named by its directory).
  std::string subset_source = "the shipped subset";
};

struct Splits {
  Dataset train, validation, test;  // standardized; validation empty without a share
  Dataset raw_test;                 // the test split in gray levels, when keep_raw_test
  bool full = false;                // the full set was used
  std::string source;               // where the images came from (subset_source for the subset)
  std::string notice;               // "The full set is not installed ..." when full was asked
                                    // for and is not there; else empty
  // "300 training and 200 test images from <source>, standardized per pixel"
  // ("N training, V validation and M test images ..." with a validation split).
  std::string description() const;
};

Splits fashion_splits(const SplitOptions& options);

}  // namespace nn
