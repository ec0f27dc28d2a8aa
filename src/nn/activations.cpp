#include "nn/activations.hpp"

#include "nn/shape.hpp"

#include <algorithm>
#include <cmath>
#include <sstream>

namespace nn {

// ---- ReLU --------------------------------------------------------------------------------
// [snippet relu-forward]
arma::mat relu_forward(const arma::mat& x) {
  return arma::clamp(x, 0.0, arma::datum::inf);  // max(0, x)
}
// [/snippet]

// [snippet relu-backward]
arma::mat relu_backward(const arma::mat& x, const arma::mat& grad_y) {
  // BEGIN SOLUTION lesson02 "relu_backward"
  // HINT: the gradient passes where the unit fired and is blocked elsewhere: build a 0/1 matrix
  // HINT: from x (arma::conv_to<arma::mat>::from turns a comparison into numbers).
  const arma::mat mask = arma::conv_to<arma::mat>::from(x > 0);  // 1 where the unit fired; ReLU'(0) = 0
  return grad_y % mask;
  // END SOLUTION
}
// [/snippet]

// ---- leaky ReLU --------------------------------------------------------------------------
// [snippet leaky-relu]
arma::mat leaky_relu_forward(const arma::mat& x, double gamma) {
  arma::mat y = x;
  y.transform([gamma](double v) { return v >= 0 ? v : gamma * v; });
  return y;
}

arma::mat leaky_relu_backward(const arma::mat& x, const arma::mat& grad_y, double gamma) {
  // BEGIN SOLUTION lesson02 "leaky_relu_backward"
  // HINT: the slope is 1 on one side of 0 and gamma on the other; .transform with a lambda builds
  // HINT: it entry by entry.
  arma::mat slope = x;  // 1 where x > 0, gamma elsewhere
  slope.transform([gamma](double v) { return v > 0 ? 1.0 : gamma; });
  return grad_y % slope;
  // END SOLUTION
}
// [/snippet]

// ---- sigmoid with slope lambda ------------------------------------------------------------
// [snippet sigmoid]
arma::mat sigmoid_forward(const arma::mat& x, double lambda) {
  arma::mat y = lambda * x;
  // Never exp of a large positive number: for z < 0 use exp(z) / (1 + exp(z)).
  y.transform([](double z) {
    if (z >= 0) return 1.0 / (1.0 + std::exp(-z));
    const double e = std::exp(z);
    return e / (1.0 + e);
  });
  return y;
}

arma::mat sigmoid_backward(const arma::mat& y, const arma::mat& grad_y, double lambda) {
  // BEGIN SOLUTION lesson02 "sigmoid_backward"
  // HINT: differentiate y = 1 / (1 + exp(-lambda x)) and write the result with y alone: no x
  // HINT: needed.
  const arma::mat slope = lambda * y % (1 - y);  // dy/dx = lambda y (1 - y)
  return grad_y % slope;
  // END SOLUTION
}
// [/snippet]

// ---- tanh with slope lambda ---------------------------------------------------------------
// [snippet tanh]
arma::mat tanh_forward(const arma::mat& x, double lambda) { return arma::tanh(lambda * x); }

arma::mat tanh_backward(const arma::mat& y, const arma::mat& grad_y, double lambda) {
  // BEGIN SOLUTION lesson02 "tanh_backward"
  // HINT: as for the sigmoid: write d tanh(lambda x) / dx with y = tanh(lambda x) only.
  const arma::mat slope = lambda * (1 - arma::square(y));  // dy/dx = lambda (1 - y^2)
  return grad_y % slope;
  // END SOLUTION
}
// [/snippet]

// ---- module plumbing ---------------------------------------------------------------------
void Activation::cache(const arma::mat& input, bool input_stays) {
  if (input.n_elem == 0) throw Error(name() + "::forward: got an empty input " + describe(input));
  if (input_stays) {
    input_at_ = &input;
  } else {
    input_ = input;
    input_at_ = &input_;
  }
  has_input_ = true;
}

arma::mat Activation::forward(const arma::mat& input) {
  cache(input, false);
  output_at_ = &output_;
  if (fast_paths()) {
    output_.set_size(input.n_rows, input.n_cols);
    fast_forward(input.memptr(), output_.memptr(), input.n_elem);
  } else {
    output_ = apply(input);
  }
  return output_;
}

void Activation::forward_into(const arma::mat& input, arma::mat& output, bool input_stays) {
  if (!fast_paths()) {
    output = forward(input);
    return;
  }
  cache(input, input_stays);
  arma::mat& y = input_stays ? output : output_;
  y.set_size(input.n_rows, input.n_cols);
  fast_forward(input_at_->memptr(), y.memptr(), input.n_elem);
  output_at_ = &y;
  if (!input_stays) output = output_;
}

arma::mat Activation::backward(const arma::mat& grad_output) {
  arma::mat grad_input;
  backward_into(grad_output, grad_input);
  return grad_input;
}

void Activation::backward_into(const arma::mat& grad_output, arma::mat& grad_input) {
  check_grad(*this, "backward", has_input_, grad_output, input().n_rows, input().n_cols);
  const arma::uword batch = grad_output.n_cols;
  if (!fast_paths() || gate_.distrusted()) {
    grad_input = derivative_times(grad_output);
    return;
  }
  const bool trusted = gate_.trusted(batch);
  arma::mat teaching;
  if (!trusted) teaching = derivative_times(grad_output);  // throws while the exercise is unwritten
  grad_input.set_size(grad_output.n_rows, grad_output.n_cols);
  fast_backward(input().memptr(), output().memptr(), grad_output.memptr(), grad_input.memptr(),
                grad_output.n_elem);
  if (trusted) return;
  const bool agreed = agree(grad_input, teaching);
  gate_.record(batch, agreed);
  if (!agreed) grad_input = std::move(teaching);  // the student's function decides
}

static std::string with_value(const std::string& cls, const char* param, double v) {
  std::ostringstream s;
  s << cls << "(" << param << "=" << v << ")";
  return s.str();
}

// [snippet relu-module]
static arma::uvec positive_pattern(const arma::mat& x) {
  return arma::conv_to<arma::uvec>::from(arma::vectorise(x) > 0);
}

arma::mat ReLU::apply(const arma::mat& x) const { return relu_forward(x); }
arma::mat ReLU::derivative_times(const arma::mat& g) const { return relu_backward(input(), g); }
arma::uvec ReLU::kink_signature() const { return positive_pattern(input()); }
// [/snippet]

LeakyReLU::LeakyReLU(double gamma_) : gamma(gamma_) {
  if (!std::isfinite(gamma)) throw Error("LeakyReLU: gamma must be finite");
}
std::string LeakyReLU::name() const { return with_value("LeakyReLU", "gamma", gamma); }
arma::mat LeakyReLU::apply(const arma::mat& x) const { return leaky_relu_forward(x, gamma); }
arma::mat LeakyReLU::derivative_times(const arma::mat& g) const {
  return leaky_relu_backward(input(), g, gamma);
}
arma::uvec LeakyReLU::kink_signature() const { return positive_pattern(input()); }

Sigmoid::Sigmoid(double lambda_) : lambda(lambda_) {
  if (!std::isfinite(lambda)) throw Error("Sigmoid: lambda must be finite");
}
std::string Sigmoid::name() const { return with_value("Sigmoid", "lambda", lambda); }
arma::mat Sigmoid::apply(const arma::mat& x) const { return sigmoid_forward(x, lambda); }
arma::mat Sigmoid::derivative_times(const arma::mat& g) const {
  return sigmoid_backward(output(), g, lambda);
}

Tanh::Tanh(double lambda_) : lambda(lambda_) {
  if (!std::isfinite(lambda)) throw Error("Tanh: lambda must be finite");
}
std::string Tanh::name() const { return with_value("Tanh", "lambda", lambda); }
arma::mat Tanh::apply(const arma::mat& x) const { return tanh_forward(x, lambda); }
arma::mat Tanh::derivative_times(const arma::mat& g) const {
  return tanh_backward(output(), g, lambda);
}

// ---- the fast path: the same formulas, one loop over raw memory, no temporaries -----------
// The loops go through for_blocks_of_8 (fast_path.hpp) without branches, so they run as vector
// instructions (max, min, compare, multiply). A plain loop with `x < 0 ? ... : ...` stays
// scalar and branches on the sign of every number, which random signs mispredict half of the
// time: 2 to 7 ns a number instead of under 1. Every result is bitwise the teaching one's:
//   max(x, 0) + gamma * min(x, 0)   is x for x >= 0 and gamma * x below;
//   p = g * [x > 0];  p + gamma * (g - p)   is g where x > 0 and gamma * g elsewhere.
void ReLU::fast_forward(const double* __restrict x, double* __restrict y, arma::uword n) const {
  for_blocks_of_8(n, [=](arma::uword i) { y[i] = std::max(x[i], 0.0); });
}
void ReLU::fast_backward(const double* __restrict x, const double*, const double* __restrict g, double* __restrict out,
                         arma::uword n) const {
  for_blocks_of_8(n, [=](arma::uword i) {
    const double fired = x[i] > 0;  // 1 or 0
    out[i] = g[i] * fired;
  });
}

void LeakyReLU::fast_forward(const double* __restrict x, double* __restrict y, arma::uword n) const {
  const double a = gamma;
  for_blocks_of_8(n, [=](arma::uword i) { y[i] = std::max(x[i], 0.0) + a * std::min(x[i], 0.0); });
}
void LeakyReLU::fast_backward(const double* __restrict x, const double*, const double* __restrict g, double* __restrict out,
                              arma::uword n) const {
  const double a = gamma;
  for_blocks_of_8(n, [=](arma::uword i) {
    const double fired = x[i] > 0;  // 1 or 0
    const double passed = g[i] * fired;           // g or 0
    out[i] = passed + a * (g[i] - passed);        // g or gamma * g, exactly
  });
}

// 1 / (1 + exp(-z)) for z >= 0, exp(z) / (1 + exp(z)) below: never exp of a large number.
// (A branch on the sign of z would be mispredicted half of the time.)
void Sigmoid::fast_forward(const double* __restrict x, double* __restrict y, arma::uword n) const {
  const double l = lambda;
  for (arma::uword i = 0; i < n; ++i) {
    const double z = l * x[i];
    const double e = std::exp(-std::abs(z));        // in (0, 1]
    const double positive = z >= 0;                 // 1 or 0
    const double top = positive + (1 - positive) * e;  // 1 or e, exactly: no branch
    y[i] = top / (1.0 + e);
  }
}
void Sigmoid::fast_backward(const double*, const double* __restrict y, const double* __restrict g, double* __restrict out,
                            arma::uword n) const {
  const double l = lambda;
  for_blocks_of_8(n, [=](arma::uword i) { out[i] = g[i] * (l * y[i] * (1 - y[i])); });
}

// tanh(z) = sign(z) (1 - 2 / (exp(2|z|) + 1)): one exp, about 5 ns, where glibc's std::tanh
// takes 25 ns on the course machine. The error is absolute, below 4e-16 (relative to tanh(z)
// it grows as z -> 0, where tanh(z) ~ z; tanh(0) = 0 exactly); the tests compare it with
// tanh_forward to 1e-12.
void Tanh::fast_forward(const double* __restrict x, double* __restrict y, arma::uword n) const {
  const double l = lambda;
  for (arma::uword i = 0; i < n; ++i) {
    const double z = l * x[i];
    const double t = 1 - 2 / (std::exp(2 * std::abs(z)) + 1);  // tanh(|z|), in [0, 1]
    y[i] = std::copysign(t, z);
  }
}
void Tanh::fast_backward(const double*, const double* __restrict y, const double* __restrict g, double* __restrict out,
                         arma::uword n) const {
  const double l = lambda;
  for_blocks_of_8(n, [=](arma::uword i) { out[i] = g[i] * (l * (1 - y[i] * y[i])); });
}

std::vector<std::unique_ptr<Module>> lesson02_activations() {
  std::vector<std::unique_ptr<Module>> modules;
  modules.push_back(std::make_unique<ReLU>());
  for (double gamma : {0.01, 0.05, 0.1}) modules.push_back(std::make_unique<LeakyReLU>(gamma));
  for (double lambda : {0.5, 1.0, 2.0, 4.0}) modules.push_back(std::make_unique<Sigmoid>(lambda));
  for (double lambda : {0.5, 1.0, 2.0, 4.0}) modules.push_back(std::make_unique<Tanh>(lambda));
  return modules;
}

}  // namespace nn
