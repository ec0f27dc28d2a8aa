// dataset.hpp -- a data set in memory: images as columns, labels, and how x was preprocessed.
//
// Contract:
// - A Dataset holds x (features x samples, ONE COLUMN PER SAMPLE, pixel values as double),
//   y (one label per column) and the Shape of an image column. An image column is the
//   column-major flattening of an arma::cube(height, width, channels).
// - Choosing samples (subset, balanced_indices, shuffled_indices) is core: the training loop
//   shuffles with it. Reading and writing files, and fitting a preprocessing, live in the data
//   room (src/data/), which the core never includes.
#pragma once

#include <armadillo>
#include <string>

#include "nn/shape.hpp"

namespace nn {

// ---- preprocessing -------------------------------------------------------------------------
// Every kind is x' = (x - mean) / std, with mean and std either one number for every pixel
// (mean and std are 1x1) or one per pixel (features x 1). Fitted on the training set and
// kept with every dataset it is applied to, so test data is scaled by training statistics.
struct Preprocessing {
  enum class Kind { none, scale, global, per_pixel };
  Kind kind = Kind::none;
  arma::vec mean{};           // (1 x 1) or (features x 1); empty for "none"
  arma::vec std{};            // same shape as mean; every entry > 0
};

// "none", "scale", "global" or "per_pixel": how messages and lessons name a kind.
std::string to_string(Preprocessing::Kind kind);

struct Dataset {
  arma::mat x{};                  // (features x n_samples), features = shape.size()
  arma::uvec y{};                 // (n_samples x 1), labels 0 .. num_classes-1
  Shape shape{};                  // of one image column: channels x height x width
  Preprocessing preprocessing{};  // what has been applied to x ("none" for raw pixels)
  arma::uword n_samples() const { return x.n_cols; }
};

// ---- choosing samples ----------------------------------------------------------------------
// The samples at indices, in that order (shape and preprocessing are kept).
Dataset subset(const Dataset& data, const arma::uvec& indices);
// The indices of the first n_per_class samples of every class 0..num_classes-1, visiting
// the samples in `order` (0 .. n-1 when empty) and returned in visiting order. Throws
// nn::Error when a class has fewer than n_per_class samples or a label is >= num_classes.
arma::uvec balanced_indices(const arma::uvec& labels, arma::uword n_per_class,
                            arma::uword num_classes = 10, const arma::uvec& order = {});
// subset(data, balanced_indices(data.y, n_per_class, num_classes)): a balanced prefix.
Dataset first_per_class(const Dataset& data, arma::uword n_per_class,
                        arma::uword num_classes = 10);
// 0 .. n-1 in an order drawn from nn::rng() by Fisher-Yates with plain modulo, so the order
// for a given nn::seed is the same on every platform (std::shuffle's is not).
arma::uvec shuffled_indices(arma::uword n);

}  // namespace nn
