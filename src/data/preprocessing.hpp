// preprocessing.hpp -- fitting and applying x' = (x - mean) / std (nn::Preprocessing, in
// nn/dataset.hpp). Fitted on the training set; test data is scaled by training statistics.
//
// Contract: a Preprocessing of an unknown kind, or one whose size does not match the data's
// features, throws nn::Error naming the function; fitting takes raw (not yet preprocessed) data.
#pragma once

#include <armadillo>

#include "nn/dataset.hpp"

namespace nn {

// x / divisor for every pixel: scale_by(255) maps raw pixels to [0, 1].
Preprocessing scale_by(double divisor = 255.0);
// One mean and one standard deviation over every pixel of every training image.
Preprocessing fit_global(const Dataset& train);
// A mean and standard deviation per pixel position ("per_pixel"). A pixel that hardly varies
// (the border of Fashion-MNIST is almost always 0) gets std = min_std, so it is not blown up
// and never divides by zero; min_std is in the units of x (gray levels for raw pixels).
Preprocessing fit_per_pixel(const Dataset& train, double min_std = 1.0);

// (x - mean) / std for the columns x (features x n_samples); returns the same shape.
arma::mat apply(const Preprocessing& p, const arma::mat& x);
// The inverse, x' * std + mean: back to pixel values, for plotting.
arma::mat unapply(const Preprocessing& p, const arma::mat& x);
// Preprocess data in place and record p in data.preprocessing. Throws nn::Error when data is
// already preprocessed or p's size does not match data's features.
void apply(const Preprocessing& p, Dataset& data);

}  // namespace nn
