#include "nn/linear.hpp"

#include <cmath>

namespace nn {

// [snippet linear-forward]
arma::mat linear_forward(const arma::mat& weight, const arma::vec& bias, const arma::mat& input) {
  arma::mat output = weight * input;  // (out x batch)
  output.each_col() += bias;
  return output;
}
// [/snippet]

// [snippet linear-backward]
arma::mat linear_backward(const arma::mat& weight, const arma::mat& input,
                          const arma::mat& grad_output, arma::mat& grad_weight,
                          arma::mat& grad_bias) {
  // BEGIN SOLUTION lesson01 "Linear::backward"
  // HINT: input is the forward's X (in x batch); let the shapes decide each product's order, and
  // HINT: ADD into grad_weight and grad_bias (+=), never overwrite.
  grad_weight += grad_output * input.t();     // (out x in)    dL/dW = G X'
  grad_bias += arma::sum(grad_output, 1);     // (out x 1)     dL/db = sum over the batch
  return weight.t() * grad_output;            // (in x batch)  dL/dX = W' G
  // END SOLUTION
}
// [/snippet]

Linear::Linear(arma::uword in_features, arma::uword out_features) {
  if (in_features == 0 || out_features == 0)
    throw Error("Linear: in_features and out_features must be positive, got " +
                std::to_string(in_features) + " -> " + std::to_string(out_features));
  const double bound = 1.0 / std::sqrt(static_cast<double>(in_features));
  weight = (2 * arma::randu<arma::mat>(out_features, in_features) - 1) * bound;
  bias = (2 * arma::randu<arma::mat>(out_features, 1) - 1) * bound;
  grad_weight.zeros(out_features, in_features);
  grad_bias.zeros(out_features, 1);
}

std::string Linear::name() const {
  return "Linear(" + std::to_string(weight.n_cols) + " -> " + std::to_string(weight.n_rows) + ")";
}

arma::mat Linear::forward(const arma::mat& input) {
  check_rows(name() + "::forward", input, weight.n_cols, "in_features x batch");
  input_ = input;
  has_input_ = true;
  return linear_forward(weight, bias, input);
}

arma::mat Linear::backward(const arma::mat& grad_output) {
  check_grad(name() + "::backward", has_input_, grad_output, weight.n_rows, input_.n_cols);
  return linear_backward(weight, input_, grad_output, grad_weight, grad_bias);
}

std::vector<Parameter> Linear::parameters() {
  return {{"weight", &weight, &grad_weight}, {"bias", &bias, &grad_bias}};
}

}  // namespace nn
