// backprop_example.cpp -- lesson 1's worked Linear example (see the header).
#include "nn/backprop_example.hpp"

#include "nn/activations.hpp"

namespace nn::backprop_example {

Linear example_linear() {
  Linear linear(3, 2);
  linear.weight = example_weight;
  linear.bias = example_bias;
  return linear;
}

Sequential example_tanh_net() {
  Sequential net;
  net.emplace<Linear>(example_linear());
  net.emplace<Tanh>();
  return net;
}

double loss_in_float(const arma::mat& input) {
  const arma::fmat w = arma::conv_to<arma::fmat>::from(example_weight);  // (2 x 3)
  const arma::fvec b = arma::conv_to<arma::fvec>::from(example_bias);    // (2)
  const arma::fmat g = arma::conv_to<arma::fmat>::from(example_grad);    // (2 x 2)
  arma::fmat z = w * arma::conv_to<arma::fmat>::from(input);             // (2 x 2)
  z.each_col() += b;
  return arma::accu(g % arma::tanh(z));  // summed in float
}

}  // namespace nn::backprop_example
