// init.hpp -- weight initialization schemes, judged in lesson 5 by per-layer statistics.
//
// Every scheme fills a weight matrix W (fan_out x fan_in; for Conv2d fan_in = C*kh*kw) from
// Armadillo's generator, so nn::seed makes it reproducible. Biases are left alone.
//   small_random(W, s)  N(0, s^2), s = 0.01: activations shrink layer by layer in deep tanh nets
//   unit_gaussian(W)    N(0, 1): tanh saturates at +-1
//   xavier(W)           N(0, 1/fan_in): keeps the variance through linear/tanh layers
//   he(W)               N(0, 2/fan_in): the factor 2 makes up for ReLU zeroing half the units
//   orthogonal(W, g)    g times a random (semi-)orthogonal matrix: Q of the QR decomposition of a
//                       Gaussian matrix (LAPACK), signs fixed so Q is uniform (Haar). W W' = g^2 I
//                       when W is square or wide (fan_out <= fan_in), W'W = g^2 I when tall
//   lsuv(net, batch)    orthogonal, then layer by layer rescale each Linear/Conv2d so its output
//                       over `batch` has unit variance (Mishkin & Matas, "All you need is a good init")
// The three schemes of Arjun Jain's lecture (from the e-lab torch toolbox), as it writes them:
// each gives a standard deviation sigma, and Torch's reset(sigma) draws U(-sqrt(3) sigma,
// sqrt(3) sigma), the uniform distribution with that standard deviation:
//   lecun_uniform(W)    sigma^2 = 1 / (3 fan_in)             (LeCun 1998, "Efficient backprop")
//   glorot_uniform(W)   sigma^2 = 2 / (fan_in + fan_out)     (Glorot & Bengio 2010): U(+-sqrt(6/(in+out)))
//   kaiming_lecture(W)  sigma^2 = 4 / (fan_in + fan_out)     (the lecture's "Kaiming": He et al.'s
//                       2 / fan_in only when fan_in = fan_out)
// truncated_normal(W, s)  N(0, s^2) redrawn until |w| <= 2 s (TensorFlow's truncated_normal);
//                     CSC321 (Frossard) uses s = 0.01 with every bias 0.1 against dead ReLUs.
#pragma once

#include <armadillo>
#include <vector>

namespace nn {
class Sequential;

namespace init {

void small_random(arma::mat& weight, double scale = 0.01);
void unit_gaussian(arma::mat& weight);
void xavier(arma::mat& weight);
void he(arma::mat& weight);
void orthogonal(arma::mat& weight, double gain = 1.0);
void lecun_uniform(arma::mat& weight);
void glorot_uniform(arma::mat& weight);
void kaiming_lecture(arma::mat& weight);
void truncated_normal(arma::mat& weight, double scale = 0.01);
// Returns the number of rescaling passes used per layer (at most max_iterations each).
std::vector<int> lsuv(Sequential& net, const arma::mat& batch, double tolerance = 0.02,
                      int max_iterations = 10);

}  // namespace init
}  // namespace nn
