#include "nn/init.hpp"

#include <cmath>

#include "nn/conv2d.hpp"
#include "nn/error.hpp"
#include "nn/linear.hpp"
#include "nn/sequential.hpp"

namespace nn {
namespace init {

static void check_weight(const char* scheme, const arma::mat& weight) {
  if (weight.n_elem == 0)
    throw Error(std::string("init::") + scheme + ": the weight matrix is empty");
}

void small_random(arma::mat& weight, double scale) {
  check_weight("small_random", weight);
  weight = scale * arma::randn<arma::mat>(arma::size(weight));
}

void unit_gaussian(arma::mat& weight) {
  check_weight("unit_gaussian", weight);
  weight = arma::randn<arma::mat>(arma::size(weight));
}

// [snippet xavier-he]
void xavier(arma::mat& weight) {
  check_weight("xavier", weight);
  // BEGIN SOLUTION lesson05 "init::xavier"
  const double fan_in = weight.n_cols;
  weight = arma::randn<arma::mat>(arma::size(weight)) / std::sqrt(fan_in);  // std 1/sqrt(fan_in)
  // END SOLUTION
}

void he(arma::mat& weight) {
  check_weight("he", weight);
  // BEGIN SOLUTION lesson05 "init::he"
  const double fan_in = weight.n_cols;
  weight = arma::randn<arma::mat>(arma::size(weight)) * std::sqrt(2.0 / fan_in);  // std sqrt(2/fan_in)
  // END SOLUTION
}
// [/snippet]

// [snippet orthogonal]
void orthogonal(arma::mat& weight, double gain) {
  check_weight("orthogonal", weight);
  const arma::mat gaussian = arma::randn<arma::mat>(arma::size(weight));
  arma::mat u, v;
  arma::vec s;
  if (!arma::svd_econ(u, s, v, gaussian))  // LAPACK dgesdd
    throw Error("init::orthogonal: the SVD did not converge");
  // u (rows x r) and v (cols x r), r = min(rows, cols): u v' has orthonormal rows or columns.
  weight = gain * u * v.t();
}
// [/snippet]

// [snippet lsuv]
std::vector<int> lsuv(Sequential& net, const arma::mat& batch, double tolerance,
                      int max_iterations) {
  std::vector<int> passes;
  for (std::size_t i = 0; i < net.size(); ++i) {
    arma::mat* weight = nullptr;
    if (auto* linear = dynamic_cast<Linear*>(&net[i])) weight = &linear->weight;
    if (auto* conv = dynamic_cast<Conv2d*>(&net[i])) weight = &conv->weight;
    if (!weight) continue;
    orthogonal(*weight);
    int pass = 0;
    for (; pass < max_iterations; ++pass) {
      net.forward(batch);
      const double std_dev = arma::stddev(arma::vectorise(net.outputs()[i]));
      if (!(std_dev > 0)) throw Error("init::lsuv: layer " + std::to_string(i) + " " +
                                      net[i].name() + " outputs a constant; cannot rescale");
      if (std::abs(std_dev - 1.0) < tolerance) break;
      *weight /= std_dev;  // unit variance of this layer's output over the batch
    }
    passes.push_back(pass);
  }
  return passes;
}
// [/snippet]

}  // namespace init
}  // namespace nn
