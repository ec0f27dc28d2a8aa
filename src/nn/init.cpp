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
  // HINT: fan_in is the number of inputs of a unit (weight.n_cols); scale standard normal draws
  // HINT: (arma::randn) to the std the lesson derives.
  const double fan_in = weight.n_cols;
  weight = arma::randn<arma::mat>(arma::size(weight)) / std::sqrt(fan_in);  // std 1/sqrt(fan_in)
  // END SOLUTION
}

void he(arma::mat& weight) {
  check_weight("he", weight);
  // BEGIN SOLUTION lesson05 "init::he"
  // HINT: as xavier, with the variance doubled: ReLU zeroes half of what it receives.
  const double fan_in = weight.n_cols;
  weight = arma::randn<arma::mat>(arma::size(weight)) * std::sqrt(2.0 / fan_in);  // std sqrt(2/fan_in)
  // END SOLUTION
}
// [/snippet]

// [snippet orthogonal]
void orthogonal(arma::mat& weight, double gain) {
  check_weight("orthogonal", weight);
  const arma::uword tall = std::max(weight.n_rows, weight.n_cols);
  const arma::uword narrow = std::min(weight.n_rows, weight.n_cols);
  const arma::mat gaussian = arma::randn<arma::mat>(tall, narrow);  // (tall x narrow)
  arma::mat q, r;  // q (tall x narrow) with orthonormal columns, r (narrow x narrow) upper
  if (!arma::qr_econ(q, r, gaussian))  // LAPACK dgeqrf + dorgqr
    throw Error("init::orthogonal: the QR decomposition failed");
  // Householder QR picks the signs of R's diagonal by its own convention, which biases Q.
  // Flipping each column of Q so that diag(R) > 0 makes Q uniformly distributed over the
  // orthogonal matrices (Mezzadri 2007).
  arma::rowvec signs(narrow, arma::fill::ones);
  signs.elem(arma::find(r.diag() < 0)).fill(-1);
  q.each_row() %= signs;
  // Square or tall: W'W = I (orthonormal columns). Wide: W = Q', W W' = I (orthonormal rows).
  weight = gain * (weight.n_rows >= weight.n_cols ? q : arma::mat(q.t()));
}
// [/snippet]

// [snippet lecture-inits]
// U(-a, a) has standard deviation a / sqrt(3): a = sqrt(3) sigma gives the wanted sigma.
static void uniform_with_std(arma::mat& weight, double sigma) {
  const double a = std::sqrt(3.0) * sigma;
  weight = a * (2.0 * arma::randu<arma::mat>(arma::size(weight)) - 1.0);  // U(-a, a)
}

void lecun_uniform(arma::mat& weight) {
  check_weight("lecun_uniform", weight);
  uniform_with_std(weight, std::sqrt(1.0 / (3.0 * weight.n_cols)));
}

void glorot_uniform(arma::mat& weight) {
  check_weight("glorot_uniform", weight);
  uniform_with_std(weight, std::sqrt(2.0 / double(weight.n_cols + weight.n_rows)));
}

void kaiming_lecture(arma::mat& weight) {
  check_weight("kaiming_lecture", weight);
  uniform_with_std(weight, std::sqrt(4.0 / double(weight.n_cols + weight.n_rows)));
}

void truncated_normal(arma::mat& weight, double scale) {
  check_weight("truncated_normal", weight);
  if (!(scale > 0)) throw Error("init::truncated_normal: the scale must be > 0");
  weight = arma::randn<arma::mat>(arma::size(weight));
  for (double& w : weight)  // redraw beyond two standard deviations (4.6% of the draws)
    while (std::abs(w) > 2.0) w = arma::randn();
  weight *= scale;
}
// [/snippet]

// [snippet lsuv]
std::vector<int> lsuv(Sequential& net, const arma::mat& batch, double tolerance,
                      int max_iterations) {
  std::vector<int> passes;
  arma::mat input = batch;  // (features x batch) what module i receives, layers below done
  for (std::size_t i = 0; i < net.size(); ++i) {
    arma::mat* weight = nullptr;
    if (auto* linear = dynamic_cast<Linear*>(&net[i])) weight = &linear->weight;
    if (auto* conv = dynamic_cast<Conv2d*>(&net[i])) weight = &conv->weight;
    if (!weight) {
      input = net[i].forward(input);
      continue;
    }
    orthogonal(*weight);
    arma::mat output = net[i].forward(input);  // (out x batch) only this layer runs again
    int pass = 0;
    for (; pass < max_iterations; ++pass) {
      const double std_dev = arma::stddev(arma::vectorise(output));
      if (!(std_dev > 0))
        throw Error("init::lsuv: layer " + std::to_string(i) + " " + net[i].name() +
                    " outputs a constant; cannot rescale");
      if (std::abs(std_dev - 1.0) < tolerance) break;
      *weight /= std_dev;  // unit variance of this layer's output over the batch
      output = net[i].forward(input);
    }
    passes.push_back(pass);
    input = std::move(output);
  }
  return passes;
}
// [/snippet]

}  // namespace init
}  // namespace nn
