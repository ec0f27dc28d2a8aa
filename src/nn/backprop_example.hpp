// backprop_example.hpp -- lesson 1's worked example: a Linear(3 -> 2) layer with literal numbers,
// and what the lesson builds from it. The lesson prints these, its test
// (tests/lessons/lesson01_backprop_test.cpp) asserts them: one home for both.
//
//   example_weight (2 x 3), example_bias (2 x 1), example_input X (3 x 2: two samples, one per
//   column), example_grad G = dL/dY (2 x 2)
//   example_linear()     Linear(3 -> 2) holding example_weight and example_bias
//   example_tanh_net()   the same Linear, then Tanh: L(X) = sum(G % tanh(W X + b)) is a function
//                        that curves, for the h sweep (the graph's f is a quadratic)
//   loss_in_float(X)     that L evaluated in single precision (the library is double throughout)
//   ScaledLinear(f)      the example layer whose backward adds f x the true dL/dW: a bug of
//                        chosen size for the gradient checker to find
#pragma once

#include <armadillo>

#include "nn/linear.hpp"
#include "nn/sequential.hpp"

namespace nn::backprop_example {

// [snippet linear-example]
inline const arma::mat example_weight = {{0.5, -1.0, 0.25},  // (2 x 3): out_features x in_features
                                         {1.0, 0.5, -0.5}};
inline const arma::mat example_bias = arma::vec{0.1, -0.2};  // (2 x 1)
inline const arma::mat example_input = {{1.0, -0.5},         // (3 x 2): two samples, one per column
                                        {0.5, 1.5},
                                        {-1.0, 2.0}};
inline const arma::mat example_grad = {{1.0, -0.5},  // (2 x 2): dL/dY from "above"
                                       {0.25, 2.0}};
// [/snippet]

Linear example_linear();     // Linear(3 -> 2) with example_weight, example_bias
Sequential example_tanh_net();  // example_linear() followed by Tanh(1)

// L(X) = sum(G % tanh(W X + b)) with the example's W, b and G, computed in float and summed in
// float: what the numeric gradient would cost if the library were single precision.
double loss_in_float(const arma::mat& input);  // input (3 x batch 2)

// [snippet scaled-linear]
// A Linear layer whose backward adds `factor` times the true dL/dW: factor 1 is correct,
// 0.5 is a bug of the kind "forgot a factor 2", 1 + 1e-6 a bug too small to matter much.
struct ScaledLinear : Linear {
  explicit ScaledLinear(double factor_) : Linear(3, 2), factor(factor_) {
    weight = example_weight;
    bias = example_bias;
  }
  arma::mat backward(const arma::mat& grad_output) override {
    const arma::mat before = grad_weight;  // what earlier calls added
    const arma::mat grad_input = Linear::backward(grad_output);
    grad_weight = before + factor * (grad_weight - before);  // the bug: this call's dL/dW x factor
    return grad_input;
  }
  double factor;
};
// [/snippet]

}  // namespace nn::backprop_example
