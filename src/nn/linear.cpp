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

void Linear::check_input(const arma::mat& input) const {
  static const std::string what = "in_features x batch";
  check_rows(*this, "forward", input, weight.n_cols, what);
}

arma::mat Linear::forward(const arma::mat& input) {
  check_input(input);
  input_ = input;
  input_at_ = &input_;
  has_input_ = true;
  return linear_forward(weight, bias, input);
}

arma::mat Linear::backward(const arma::mat& grad_output) {
  arma::mat grad_input;
  backward_into(grad_output, grad_input);
  return grad_input;
}

void Linear::backward_into(const arma::mat& grad_output, arma::mat& grad_input) {
  check_grad(*this, "backward", has_input_, grad_output, weight.n_rows, input().n_cols);
  const arma::uword batch = grad_output.n_cols;
  if (gate_.trusted(batch)) {
    fast_backward(grad_output, grad_weight, grad_bias, grad_input);
    return;
  }
  if (!fast_paths() || gate_.distrusted()) {
    grad_input = linear_backward(weight, input(), grad_output, grad_weight, grad_bias);
    return;
  }
  // Both, once per batch size: the teaching function's numbers go on; the fast path is
  // trusted from now on only if it computed the same (fast_path.hpp).
  arma::mat fast_weight = grad_weight, fast_bias = grad_bias, fast_input;
  arma::mat teaching = linear_backward(weight, input(), grad_output, grad_weight, grad_bias);
  fast_backward(grad_output, fast_weight, fast_bias, fast_input);
  const bool agreed = agree(fast_weight, grad_weight) && agree(fast_bias, grad_bias) &&
                      (!input_grad_ || agree(fast_input, teaching));
  gate_.record(batch, agreed);
  grad_input = std::move(teaching);
}

std::vector<Parameter> Linear::parameters() {
  return {{"weight", &weight, &grad_weight}, {"bias", &bias, &grad_bias}};
}

}  // namespace nn
