// fast_layers.cpp -- the fast paths of Linear and SGD (fast_path.hpp says when they run).
//
// The same arithmetic as linear_forward / linear_backward and SGD::step, but
//   * results go into buffers that live from step to step (no allocation per step),
//   * the parameter gradients are accumulated by the product itself (GEMM with beta = 1),
//   * dL/dX is skipped when the input is data (set_input_grad(false)),
//   * the SGD update is one loop over each parameter's memory, in place.
#include "nn/linear.hpp"
#include "nn/optim.hpp"

namespace nn {

// ---- Linear -------------------------------------------------------------------------------
void Linear::forward_into(const arma::mat& input, arma::mat& output, bool input_stays) {
  check_input(input);
  if (input_stays) {
    input_at_ = &input;
  } else {
    input_ = input;
    input_at_ = &input_;
  }
  has_input_ = true;
  if (!fast_paths()) {
    output = linear_forward(weight, bias, input);
    return;
  }
  const SingleThreadBlas one_thread(static_cast<double>(weight.n_elem * input.n_cols) < small_product);
  output = weight * input;  // (out x batch), into output's memory when the size is unchanged
  const double* b = bias.memptr();
  for (arma::uword c = 0; c < output.n_cols; ++c) {
    double* y = output.colptr(c);
    for (arma::uword r = 0; r < output.n_rows; ++r) y[r] += b[r];
  }
}

void Linear::fast_backward(const arma::mat& grad_output, arma::mat& gw, arma::mat& gb,
                           arma::mat& grad_input) const {
  const arma::mat& x = input();
  const SingleThreadBlas one_thread(static_cast<double>(gw.n_elem * x.n_cols) < small_product);
  gw += grad_output * x.t();  // (out x in), one GEMM adding into gw
  double* b = gb.memptr();
  for (arma::uword c = 0; c < grad_output.n_cols; ++c) {
    const double* g = grad_output.colptr(c);
    for (arma::uword r = 0; r < grad_output.n_rows; ++r) b[r] += g[r];
  }
  if (input_grad_) grad_input = weight.t() * grad_output;  // (in x batch)
  else grad_input.reset();
}

// ---- SGD ----------------------------------------------------------------------------------
// v <- mu v + lr (g + wd w); w <- w - v, element by element (mu = wd = 0: v <- lr g), in
// vectorized blocks (for_blocks_of_8).
static void sgd_update(double* __restrict w, double* __restrict v, const double* __restrict g,
                       arma::uword n, double lr, double mu, double wd) {
  if (mu == 0 && wd == 0) {
    for_blocks_of_8(n, [=](arma::uword i) {
      v[i] = lr * g[i];
      w[i] -= v[i];
    });
    return;
  }
  for_blocks_of_8(n, [=](arma::uword i) {
    v[i] = mu * v[i] + lr * (g[i] + wd * w[i]);
    w[i] -= v[i];
  });
}

bool SGD::fast_step() {
  if (checking_ || !fast_paths() || gate_.distrusted()) return false;
  // Plain SGD and the momentum/decay update (lesson 8's exercise) are vouched for separately.
  bool plain = momentum_ == 0;
  for (std::size_t i = 0; i < params_.size(); ++i) plain = plain && weight_decay_of(i) == 0;
  const arma::uword kind = plain ? 0 : 1;
  if (gate_.trusted(kind)) {
    for (std::size_t i = 0; i < params_.size(); ++i) {
      check_parameter(i);
      sgd_update(params_[i].value->memptr(), update_[i].memptr(), params_[i].grad->memptr(),
                 update_[i].n_elem, lr_of(i), momentum_, weight_decay_of(i));
    }
    ++steps_;
    return true;
  }
  // The first step of this kind: the teaching step decides; the fast update of the same start is compared.
  std::vector<arma::mat> w(params_.size()), v(update_);
  for (std::size_t i = 0; i < params_.size(); ++i) w[i] = *params_[i].value;
  checking_ = true;
  try {
    step();
  } catch (...) {
    checking_ = false;
    throw;
  }
  checking_ = false;
  bool agreed = true;
  for (std::size_t i = 0; i < params_.size(); ++i) {
    sgd_update(w[i].memptr(), v[i].memptr(), params_[i].grad->memptr(), w[i].n_elem, lr_of(i),
               momentum_, weight_decay_of(i));
    agreed = agreed && agree(w[i], *params_[i].value) && agree(v[i], update_[i]);
  }
  gate_.record(kind, agreed);
  return true;
}

}  // namespace nn
