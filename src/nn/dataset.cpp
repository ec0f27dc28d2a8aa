// dataset.cpp -- choosing samples from a Dataset: subsets, balanced prefixes, shuffled orders.
#include "nn/dataset.hpp"

#include <string>

#include "nn/error.hpp"
#include "nn/random.hpp"

namespace nn {

std::string to_string(Preprocessing::Kind kind) {
  switch (kind) {
    case Preprocessing::Kind::none: return "none";
    case Preprocessing::Kind::scale: return "scale";
    case Preprocessing::Kind::global: return "global";
    case Preprocessing::Kind::per_pixel: return "per_pixel";
  }
  return "unknown";
}

// ---- choosing samples ----------------------------------------------------------------------

Dataset subset(const Dataset& data, const arma::uvec& indices) {
  for (arma::uword i = 0; i < indices.n_elem; ++i)
    if (indices[i] >= data.n_samples())
      throw Error("subset: index " + std::to_string(indices[i]) + " (entry " +
                  std::to_string(i) + ") is out of range for a dataset of " +
                  std::to_string(data.n_samples()) + " samples");
  if (data.y.n_elem != data.x.n_cols)
    throw Error("subset: the dataset has " + std::to_string(data.x.n_cols) + " images but " +
                std::to_string(data.y.n_elem) + " labels");
  Dataset out;
  out.x = data.x.cols(indices);  // (features x indices.n_elem)
  out.y = data.y.elem(indices);  // (indices.n_elem x 1)
  out.shape = data.shape;
  out.preprocessing = data.preprocessing;
  return out;
}

arma::uvec balanced_indices(const arma::uvec& labels, arma::uword n_per_class,
                            arma::uword num_classes, const arma::uvec& order) {
  const arma::uword n = order.is_empty() ? labels.n_elem : order.n_elem;
  std::vector<arma::uword> counts(num_classes, 0);
  std::vector<arma::uword> chosen;
  chosen.reserve(n_per_class * num_classes);
  for (arma::uword k = 0; k < n && chosen.size() < n_per_class * num_classes; ++k) {
    const arma::uword i = order.is_empty() ? k : order[k];
    if (i >= labels.n_elem)
      throw Error("balanced_indices: order entry " + std::to_string(k) + " is " +
                  std::to_string(i) + ", out of range for " + std::to_string(labels.n_elem) +
                  " labels");
    if (labels[i] >= num_classes)
      throw Error("balanced_indices: label " + std::to_string(labels[i]) + " of sample " +
                  std::to_string(i) + " is out of range; expected 0.." +
                  std::to_string(num_classes - 1));
    if (counts[labels[i]] < n_per_class) {
      ++counts[labels[i]];
      chosen.push_back(i);
    }
  }
  for (arma::uword c = 0; c < num_classes; ++c)
    if (counts[c] < n_per_class)
      throw Error("balanced_indices: class " + std::to_string(c) + " has only " +
                  std::to_string(counts[c]) + " samples; expected " +
                  std::to_string(n_per_class));
  return arma::uvec(chosen);
}

Dataset first_per_class(const Dataset& data, arma::uword n_per_class, arma::uword num_classes) {
  return subset(data, balanced_indices(data.y, n_per_class, num_classes));
}

arma::uvec shuffled_indices(arma::uword n) {
  arma::uvec order(n);  // (n x 1)
  for (arma::uword i = 0; i < n; ++i) order[i] = i;
  for (arma::uword i = n; i > 1; --i) {
    const arma::uword j = arma::uword(rng()() % i);  // 0 .. i-1
    std::swap(order[i - 1], order[j]);
  }
  return order;
}

}  // namespace nn
