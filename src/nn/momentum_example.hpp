// momentum_example.hpp -- lesson 8's worked examples (steps 1 and 2): the library's optimizers
// on parameters whose gradients are written by hand. The lesson prints these, its tests assert
// them (tests/unit/momentum_example_test.cpp, tests/lessons/lesson08_optimization_test.cpp).
//
//   two_steps(optimizer, w, grad)   w0 w1 w2 of one parameter under two steps on L = 2 w^2
//   valley_run(mu, steps, lr)       SGD with momentum mu in the valley L = 0.5 (w1^2 + 100 w2^2):
//                                   the loss and the path
#pragma once

#include <armadillo>

#include "nn/optim.hpp"

namespace nn {

// Step 1: w0 w1 w2 of one parameter under two steps of `optimizer` (which holds {w, grad}) on
// L(w) = 2 w^2, the gradient written by hand: grad = 4 w before each step. (1 x 3)
arma::rowvec two_steps(Optimizer& optimizer, arma::mat& w, arma::mat& grad);

// Step 2: SGD (lr, momentum mu) on the ill-conditioned valley L = 0.5 (w1^2 + 100 w2^2) from
// w = (1, 1), `steps` steps; lr must stay below 2/100 or w2 diverges.
struct ValleyRun {
  arma::vec loss;  // (steps + 1) L before each step, and after the last
  arma::mat path;  // (2 x steps + 1) w at the same moments
};
ValleyRun valley_run(double mu, int steps, double lr = 0.015);

}  // namespace nn
