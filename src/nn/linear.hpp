// linear.hpp -- the fully connected layer  Y = W X + b.
//
// Contract
//   input  X      (in_features x batch)
//   output Y      (out_features x batch),  Y = W X + b  (b added to every column)
//   caches X for backward.
//   backward(G)   G = dL/dY (out_features x batch); returns dL/dX = W' G (in_features x batch)
//                 and ADDS dL/dW = G X' and dL/db = sum of G's columns into grad_weight, grad_bias.
// Initialized uniform in +-1/sqrt(in_features) from the library generator (nn::seed), as Torch.
#pragma once

#include "nn/fast_path.hpp"
#include "nn/module.hpp"

namespace nn {

// ---- the math, as pure functions ---------------------------------------------------------
arma::mat linear_forward(const arma::mat& weight, const arma::vec& bias, const arma::mat& input);
// Returns dL/dinput; adds the parameter gradients into grad_weight and grad_bias.
arma::mat linear_backward(const arma::mat& weight, const arma::mat& input,
                          const arma::mat& grad_output, arma::mat& grad_weight,
                          arma::mat& grad_bias);

// ---- the module --------------------------------------------------------------------------
class Linear : public Module {
public:
  Linear(arma::uword in_features, arma::uword out_features);

  arma::mat forward(const arma::mat& input) override;
  arma::mat backward(const arma::mat& grad_output) override;
  std::vector<Parameter> parameters() override;
  std::string name() const override;
  void forward_into(const arma::mat& input, arma::mat& output, bool input_stays) override;
  void backward_into(const arma::mat& grad_output, arma::mat& grad_input) override;

  arma::mat weight;       // (out_features x in_features)
  arma::mat bias;         // (out_features x 1)
  arma::mat grad_weight;  // (out_features x in_features)
  arma::mat grad_bias;    // (out_features x 1)

private:
  // the fast path (fast_layers.cpp): products into reused buffers, no dL/dX when not needed
  void fast_backward(const arma::mat& grad_output, arma::mat& grad_weight, arma::mat& grad_bias,
                     arma::mat& grad_input) const;
  const arma::mat& input() const { return *input_at_; }
  void check_input(const arma::mat& input) const;  // forward's and forward_into's shape check
  arma::mat input_;  // (in_features x batch), cached by forward
  const arma::mat* input_at_ = &input_;  // input_, or the caller's input when it stays
  bool has_input_ = false;
  FastPathGate gate_;
};

}  // namespace nn
