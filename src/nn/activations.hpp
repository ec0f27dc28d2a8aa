// activations.hpp -- elementwise nonlinearities: ReLU, leaky ReLU, sigmoid and tanh with slope.
//
// Contract (every module here)
//   input  X (features x batch), output Y of the same shape, Y = f(X) elementwise.
//   caches what the derivative needs (the input for the ReLUs, the output for sigmoid/tanh).
//   backward(G) returns G % f'(X); no parameters.
// Subgradients at the kink: ReLU'(0) = 0, LeakyReLU'(0) = gamma (the x < 0 branch is strict:
// y = x for x >= 0, but the derivative uses x > 0, like Torch's threshold).
//   ReLU        y = max(0, x)                  y' = [x > 0]
//   LeakyReLU   y = x (x >= 0), gamma x        y' = 1 (x > 0), gamma otherwise
//   Sigmoid     y = 1 / (1 + exp(-lambda x))   y' = lambda y (1 - y)
//   Tanh        y = tanh(lambda x)             y' = lambda (1 - y^2)
#pragma once

#include <memory>
#include <vector>

#include "nn/fast_path.hpp"
#include "nn/module.hpp"

namespace nn {

// ---- the math, as pure functions ---------------------------------------------------------
arma::mat relu_forward(const arma::mat& x);
arma::mat relu_backward(const arma::mat& x, const arma::mat& grad_y);
arma::mat leaky_relu_forward(const arma::mat& x, double gamma);
arma::mat leaky_relu_backward(const arma::mat& x, const arma::mat& grad_y, double gamma);
arma::mat sigmoid_forward(const arma::mat& x, double lambda);                  // stable for |x| large
arma::mat sigmoid_backward(const arma::mat& y, const arma::mat& grad_y, double lambda);  // from y
arma::mat tanh_forward(const arma::mat& x, double lambda);
arma::mat tanh_backward(const arma::mat& y, const arma::mat& grad_y, double lambda);     // from y

// ---- the modules -------------------------------------------------------------------------
// Shared plumbing: cache, shape check of grad_output, "backward before forward".
// apply and derivative_times call the teaching functions above; fast_forward and fast_backward
// are the same formulas as one loop over raw memory (fast_path.hpp says when they are used).
class Activation : public Module {
public:
  arma::mat forward(const arma::mat& input) override;
  arma::mat backward(const arma::mat& grad_output) override;
  void forward_into(const arma::mat& input, arma::mat& output, bool input_stays) override;
  void backward_into(const arma::mat& grad_output, arma::mat& grad_input) override;

protected:
  virtual arma::mat apply(const arma::mat& x) const = 0;
  virtual arma::mat derivative_times(const arma::mat& grad_y) const = 0;
  // y[i] = f(x[i]);  out[i] = g[i] * f'(x[i]) (from x or y), i < n
  virtual void fast_forward(const double* x, double* y, arma::uword n) const = 0;
  virtual void fast_backward(const double* x, const double* y, const double* g, double* out,
                             arma::uword n) const = 0;
  const arma::mat& input() const { return *input_at_; }    // (features x batch), the last input
  const arma::mat& output() const { return *output_at_; }  // (features x batch), the last output
  arma::mat input_;   // (features x batch), the copy when the caller keeps no input
  arma::mat output_;  // (features x batch)
  bool has_input_ = false;

private:
  void cache(const arma::mat& input, bool input_stays);
  const arma::mat* input_at_ = &input_;
  const arma::mat* output_at_ = &output_;
  FastPathGate gate_;
};

class ReLU : public Activation {
public:
  ReLU() = default;
  std::string name() const override { return "ReLU"; }
  arma::uvec kink_signature() const override;

protected:
  arma::mat apply(const arma::mat& x) const override;
  arma::mat derivative_times(const arma::mat& grad_y) const override;
  void fast_forward(const double* x, double* y, arma::uword n) const override;
  void fast_backward(const double* x, const double* y, const double* g, double* out,
                     arma::uword n) const override;
};

class LeakyReLU : public Activation {
public:
  explicit LeakyReLU(double gamma);
  std::string name() const override;
  arma::uvec kink_signature() const override;
  double gamma;

protected:
  arma::mat apply(const arma::mat& x) const override;
  arma::mat derivative_times(const arma::mat& grad_y) const override;
  void fast_forward(const double* x, double* y, arma::uword n) const override;
  void fast_backward(const double* x, const double* y, const double* g, double* out,
                     arma::uword n) const override;
};

class Sigmoid : public Activation {
public:
  explicit Sigmoid(double lambda = 1);
  std::string name() const override;
  double lambda;

protected:
  arma::mat apply(const arma::mat& x) const override;
  arma::mat derivative_times(const arma::mat& grad_y) const override;
  void fast_forward(const double* x, double* y, arma::uword n) const override;
  void fast_backward(const double* x, const double* y, const double* g, double* out,
                     arma::uword n) const override;
};

class Tanh : public Activation {
public:
  explicit Tanh(double lambda = 1);
  std::string name() const override;
  double lambda;

protected:
  arma::mat apply(const arma::mat& x) const override;
  arma::mat derivative_times(const arma::mat& grad_y) const override;
  void fast_forward(const double* x, double* y, arma::uword n) const override;
  void fast_backward(const double* x, const double* y, const double* g, double* out,
                     arma::uword n) const override;
};

// The twelve activations lesson 2 checks against centered differences, in this order: ReLU,
// LeakyReLU with gamma 0.01, 0.05, 0.1, Sigmoid and Tanh each with slope 0.5, 1, 2, 4. The
// lesson and its test share this one list.
std::vector<std::unique_ptr<Module>> lesson02_activations();

}  // namespace nn
