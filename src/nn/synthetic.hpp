// synthetic.hpp -- a seeded "very hard" classification data set, like scikit-learn's
// make_classification (Guyon's design for the NIPS 2003 feature-selection challenge).
//
// Contract of make_classification(spec)
//   Draws spec.train + spec.validation + spec.test samples of spec.features features each, then
//   splits them in that order (after shuffling the samples), so every split comes from the
//   same clusters. Per sample, in a features column:
//     informative  spec.informative features. There are classes * clusters_per_class Gaussian
//                  clusters; cluster j belongs to class j mod classes and sits on a vertex of
//                  the hypercube [-class_sep, class_sep]^informative (distinct vertices drawn
//                  at random). A sample of cluster j is  A_j z + c_j  with z ~ N(0, I) and
//                  A_j uniform in [-1, 1] per entry: a random covariance per cluster.
//                  The clusters split the samples evenly (the first ones get one more when
//                  the count does not divide).
//     redundant    spec.redundant features, each a fixed random linear combination of the
//                  informative ones: X_red = B^T X_inf with B (informative x redundant)
//                  uniform in [-1, 1]. They add no information, only correlated copies.
//     noise        the rest, N(0, 1), independent of the class.
//   Features are then put in a random order (informative, redundant and noise record where
//   each kind went) and samples in a random order.
//   Label noise: each sample's label is, with probability flip_y, redrawn uniformly from all
//   classes (so about flip_y (1 - 1/classes) of the labels actually change).
//   Every number comes from one std::mt19937_64 seeded with spec.seed (uniforms from its 53 top
//   bits, normals by Box-Muller), never from nn::rng() or Armadillo's generator: the same
//   seed gives the same data on every platform, and drawing it does not disturb nn::seed.
//   Returns Datasets with x (features x samples), y (labels 0 .. classes-1) and shape
//   Shape{1, 1, features}. Bad specs (no samples, informative = 0, informative + redundant >
//   features, classes * clusters_per_class > 2^informative vertices, classes < 2, flip_y
//   outside [0, 1], class_sep < 0) throw nn::Error.
//
// save_tsv writes a slice of a data set as text: a header "label f0 f1 ...", then one line per
// sample (the label, then its features). IDX stores bytes, not doubles, so this is the file
// format for synthetic data.
#pragma once

#include <armadillo>
#include <cstdint>
#include <string>

#include "nn/dataset.hpp"

namespace nn {

// The defaults are lesson 10's "very hard" set: softmax regression reaches only ~22% on it.
struct SyntheticSpec {
  arma::uword train = 3400, validation = 600, test = 1000;  // samples per split
  arma::uword features = 1000;
  arma::uword informative = 8;
  arma::uword redundant = 10;
  arma::uword classes = 10;
  arma::uword clusters_per_class = 8;  // 80 clusters on 256 vertices: far from linear
  double class_sep = 4.0;  // half the side of the hypercube (scikit-learn's default is 1)
  double flip_y = 0.05;    // probability that a label is redrawn at random
  std::uint64_t seed = 0;
};

struct SyntheticData {
  Dataset train, validation, test;
  arma::uvec informative, redundant, noise;  // feature (row) indices of each kind
  arma::mat cluster_centers;                 // (informative x clusters) hypercube vertices
  arma::uvec clean_labels;  // every sample's class before label noise (train, validation, test)
  arma::uvec redrawn;       // 1 where the label was redrawn (it may have drawn the same class)
};

SyntheticData make_classification(const SyntheticSpec& spec = {});

// The first max_samples samples (0: all) as text; returns the number of lines written after
// the header. Parent directories are created.
arma::uword save_tsv(const Dataset& data, const std::string& path, arma::uword max_samples = 0);

}  // namespace nn
