#include "nn/dropout.hpp"

#include <cmath>

#include "nn/random.hpp"
#include "nn/shape.hpp"
#include "util/format.hpp"

namespace nn {

static void check_p(const char* where, double p) {  // where: a literal, a string only on error
  if (!(p >= 0 && p < 1))
    throw Error(std::string(where) + ": p (the probability of dropping a unit) must be in [0, 1), got " +
                util::number(p, 6));
}

// [snippet dropout-mask]
arma::mat dropout_mask(arma::uword rows, arma::uword cols, double p) {
  check_p("dropout_mask", p);
  const double keep_scale = 1.0 / (1.0 - p);  // kept units are scaled up: E[mask] = 1
  arma::mat mask(rows, cols);                 // (rows x cols)
  for (arma::uword i = 0; i < mask.n_elem; ++i) {
    const double u = static_cast<double>(rng()() >> 11) * 0x1.0p-53;  // uniform in [0, 1)
    mask[i] = u >= p ? keep_scale : 0.0;
  }
  return mask;
}
// [/snippet]

// [snippet dropout-forward-backward]
arma::mat dropout_forward(const arma::mat& x, const arma::mat& mask) { return x % mask; }

arma::mat dropout_backward(const arma::mat& mask, const arma::mat& grad_y) {
  return grad_y % mask;  // the same units: dropped ones pass no gradient
}
// [/snippet]

Dropout::Dropout(double p) : p_(p) { check_p("Dropout", p); }

std::string Dropout::name() const { return "Dropout(p = " + util::number(p_, 6) + ")"; }

arma::mat Dropout::forward(const arma::mat& input) {
  if (input.n_elem == 0) throw Error(name() + "::forward: got an empty input " + describe(input));
  has_forward_ = true;
  last_was_training_ = training_;
  rows_ = input.n_rows;
  cols_ = input.n_cols;
  if (!training_) return input;  // eval mode: the identity
  mask_ = dropout_mask(input.n_rows, input.n_cols, p_);
  return dropout_forward(input, mask_);
}

arma::mat Dropout::backward(const arma::mat& grad_output) {
  check_grad(*this, "backward", has_forward_, grad_output, rows_, cols_);
  if (!last_was_training_) return grad_output;
  return dropout_backward(mask_, grad_output);
}

}  // namespace nn
