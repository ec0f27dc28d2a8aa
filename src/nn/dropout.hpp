// dropout.hpp -- inverted dropout (Srivastava et al. 2014, as torch.nn.Dropout).
//
// Contract
//   Dropout(p): p is the probability of DROPPING a unit, 0 <= p < 1 (else nn::Error).
//   training mode (the default, set_training(true)):
//     forward(X) draws a fresh mask M (same shape as X) from nn::rng() (so nn::seed fixes it):
//       M = 1 / (1 - p) with probability 1 - p (kept, scaled up), 0 with probability p (dropped)
//     and returns Y = X % M. Scaling the kept units makes E[Y] = X, so nothing changes at test
//     time ("inverted" dropout: the scaling happens in training, not at test).
//     backward(G) returns G % M with the mask of the last forward (the units that were
//     dropped pass no gradient). caches M.
//   eval mode (set_training(false)): forward(X) = X and backward(G) = G exactly.
//   No parameters. backward before forward, or a G of the wrong shape, throws nn::Error.
// Each mask entry uses one 64-bit draw u of nn::rng(), mapped to [0, 1) with 53 bits:
// kept when u >= p. The same seed gives the same mask on every platform.
#pragma once

#include "nn/module.hpp"

namespace nn {

// ---- the math, as pure functions ---------------------------------------------------------
// (rows x cols): entries 1/(1-p) (kept) or 0 (dropped), drawn from nn::rng().
arma::mat dropout_mask(arma::uword rows, arma::uword cols, double p);
arma::mat dropout_forward(const arma::mat& x, const arma::mat& mask);        // X % M
arma::mat dropout_backward(const arma::mat& mask, const arma::mat& grad_y);  // G % M

// ---- the module --------------------------------------------------------------------------
class Dropout : public Module {
public:
  explicit Dropout(double p);

  arma::mat forward(const arma::mat& input) override;
  arma::mat backward(const arma::mat& grad_output) override;
  std::string name() const override;
  void set_training(bool training) override { training_ = training; }
  bool training() const override { return training_; }

  double p() const { return p_; }
  const arma::mat& mask() const { return mask_; }  // (features x batch) of the last training forward

private:
  double p_;
  bool training_ = true;
  bool has_forward_ = false;
  bool last_was_training_ = false;  // backward follows the mode of the forward it belongs to
  arma::uword rows_ = 0, cols_ = 0;  // shape of the last output
  arma::mat mask_;
};

}  // namespace nn
