// stats.hpp -- per-layer statistics of activations and gradients: does the signal survive depth?
//
// Contract
//   statistics(values)            mean and standard deviation over EVERY entry of a
//                                 (features x batch) matrix, units and samples alike (numpy's
//                                 H.mean(), H.std(); std divides by n - 1 as arma::stddev), the
//                                 fraction of entries exactly 0 (ReLU units that are off) and
//                                 the fraction with |value| > saturation (tanh units stuck near
//                                 +-1, where tanh' = 1 - y^2 < 0.02 for the default 0.99).
//   forward_statistics(net, x)    runs net.forward(x); entry i describes module i's OUTPUT.
//   backward_statistics(net, g)   runs the backward of net's modules one by one, last first,
//                                 exactly as net.backward(g) does (so it ADDS into the
//                                 parameter gradients); entry i describes dL/d(module i's
//                                 INPUT). Needs a forward first, like any backward.
//
// The deep-net experiment of lesson 5 (cs231n's "activation statistics" demo):
//   deep_net(depth, width, "tanh" | "relu")   depth x [Linear(width -> width), bias 0, f]
//   classic_init_schemes(width)               the seven schemes the lesson compares
//   run_init_experiment(scheme, ...)          nn::seed(seed), then draws, in this order, the
//       input X (width x batch) ~ N(0, 1), the upstream gradient G (width x batch) ~ N(0, 1),
//       a minibatch of calibration_batch = 256 more samples that data-driven schemes (LSUV)
//       calibrate on, the net and the scheme's weights. Forward X, backward G; per-layer
//       statistics of the pre-activations W h, the activations h = f(W h), and dL/dh at each
//       layer's input. The same seed gives every scheme the same X and G (and Xavier and He
//       the same draws, scaled).
//   mean_field(activation, gain2, depth)      what theory predicts for those statistics in an
//       infinitely wide net: with q_l = Var(W_l h_{l-1}) the pre-activation variance,
//         q_1 = gain2 * E[x^2] = gain2,   q_l = gain2 * E[h_{l-1}^2],   h_l = f(sqrt(q_l) z),
//       z ~ N(0, 1), gain2 = fan_in * Var(w) (Xavier 1, He 2, 0.01 randn on 500 inputs 0.05);
//       backward, each layer multiplies the gradient's variance by gain2 * E[f'(sqrt(q_l) z)^2]
//       (square layers: fan_out = fan_in). Gaussian expectations by quadrature.
#pragma once

#include <armadillo>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "nn/sequential.hpp"

namespace nn {

// ---- statistics of one matrix and of a network's layers -------------------------------------
struct Stats {
  double mean = 0, std = 0;
  double zero_fraction = 0;       // entries exactly 0
  double saturated_fraction = 0;  // entries with |value| > saturation
};

Stats statistics(const arma::mat& values, double saturation = 0.99);
std::vector<Stats> forward_statistics(Sequential& net, const arma::mat& input);
std::vector<Stats> backward_statistics(Sequential& net, const arma::mat& grad_output);

// ---- the deep-net experiment of lesson 5 ----------------------------------------------------
Sequential deep_net(std::size_t depth, arma::uword width, const std::string& activation);

struct InitScheme {
  std::string label;       // "Xavier, tanh"
  std::string activation;  // "tanh" or "relu"
  // Initializes the net's Linear weights (biases stay 0). batch is for data-driven schemes:
  // LSUV calibrates on it and returns its rescaling passes per layer; the others ignore it
  // and return {}.
  std::function<std::vector<int>(Sequential& net, const arma::mat& batch)> apply;
  // fan_in * Var(w), for mean_field(); 0 for LSUV (each layer rescaled to unit pre-activation
  // variance, whatever the gain that takes).
  double gain2 = 1;
};

// 0.01 randn / tanh, 1.0 randn / tanh, Xavier / tanh, Xavier / ReLU, He / ReLU,
// orthogonal with gain sqrt 2 / ReLU, LSUV / tanh.
std::vector<InitScheme> classic_init_schemes(arma::uword width);

constexpr arma::uword calibration_batch = 256;

struct InitExperiment {
  std::vector<Stats> pre_activation;        // (depth) W_l h_{l-1}
  std::vector<Stats> activation;            // (depth) h_l = f(W_l h_{l-1})
  std::vector<Stats> input_gradient;        // (depth) dL/dh_{l-1}, at layer l's input
  std::vector<double> weight_gradient_std;  // (depth) std of dL/dW_l, summed over the batch
  std::vector<arma::mat> activations;       // (depth) each (width x batch), when kept
  std::vector<int> lsuv_passes;             // LSUV's rescaling passes per layer, else empty
};

InitExperiment run_init_experiment(const InitScheme& scheme, std::size_t depth = 10,
                                   arma::uword width = 500, arma::uword batch = 1000,
                                   std::uint64_t seed = 0, bool keep_activations = false);

struct MeanField {
  arma::vec pre_variance;  // (depth) q_l
  arma::vec mean, std;     // (depth) of h_l
  arma::vec grad_std;      // (depth) of dL/dh_{l-1}, for an upstream gradient of variance 1
};

// gain2 = 0: every layer rescaled to q_l = 1 (what LSUV does).
MeanField mean_field(const std::string& activation, double gain2, std::size_t depth);

// ---- dead units (lesson 2) -------------------------------------------------------------------
//   share_of_zero_rows(m)       the share of units (rows of a units x batch matrix) that are 0
//                               for every sample (column).
//   dead_relu_share(z)          share_of_zero_rows(relu_backward(z, ones)): the units no input of
//                               the batch sends any gradient to (z: pre-activations).
//   dead_leaky_share(z, gamma)  the same for LeakyReLU(gamma): 0 whenever gamma > 0.
//   copy_a_layer(seed, gamma, first_lr, lr, steps)   the "too-large step" experiment:
//       nn::seed(seed), then 500 inputs x (20 x 500) uniform in [0, 1] (never negative, like
//       pixels), a fixed teacher Linear(20 -> 100) + ReLU whose outputs are the targets, and a
//       student Linear(20 -> 100) + activation (ReLU for gamma = 0, else LeakyReLU(gamma))
//       trained on them by plain gradient descent on the MSE, written out by hand: step 0 with
//       rate first_lr, every later step with lr. Records before each step (and after the last):
//       the share of silent units (W x + b never > 0 on the data), of units with no gradient
//       for any input, and the loss.
double share_of_zero_rows(const arma::mat& m);
double dead_relu_share(const arma::mat& pre_activation);
double dead_leaky_share(const arma::mat& pre_activation, double gamma);

struct DeadUnitRun {
  arma::vec silent;       // (steps + 1) share of units whose W x + b is never > 0 on the data
  arma::vec no_gradient;  // (steps + 1) share of units whose gradient is 0 for every input
  arma::vec loss;         // (steps + 1) MSE before each step
};
DeadUnitRun copy_a_layer(std::uint64_t seed, double gamma, double first_lr, double lr, int steps);

}  // namespace nn
