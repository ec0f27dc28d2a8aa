// module.hpp -- the torch/nn protocol every layer follows.
//
// Contract
//   forward(input)        input (in_features x batch), one column per sample; caches what
//                         backward needs; returns (out_features x batch).
//   backward(grad_output) grad_output = dL/d(output of the last forward), same shape as that
//                         output; returns dL/dinput and ADDS dL/dparams into the grads, so
//                         shared weights and mini-batches accumulate until zero_grad().
//   parameters()          {name, &value, &grad} for every trainable matrix (empty by default).
// backward before forward, or a grad_output of the wrong shape, throws nn::Error naming the
// module and both shapes.
//
// The fast protocol (Sequential and the trainer use it; results equal forward/backward's):
//   forward_into(input, output, input_stays)  output = forward(input), reusing output's memory;
//                         input_stays: the caller keeps `input` and `output` alive and unchanged
//                         until the next forward, so the module may cache pointers, not copies.
//   backward_into(grad_output, grad_input)    grad_input = backward(grad_output), reusing memory.
//   set_input_grad(false) the input is data nobody differentiates (Sequential sets it on its
//                         first module): backward still ADDS the parameter gradients but may
//                         skip dL/dinput and return an empty (0 x 0) matrix (Conv2d, Linear do).
#pragma once

#include <armadillo>
#include <string>
#include <vector>

#include "nn/error.hpp"

namespace nn {

struct Parameter {
  std::string name;
  arma::mat* value;
  arma::mat* grad;
};

class Module {
public:
  virtual ~Module() = default;
  virtual arma::mat forward(const arma::mat& input) = 0;         // caches what backward needs
  virtual arma::mat backward(const arma::mat& grad_output) = 0;  // dL/dinput; ADDS param grads
  virtual std::vector<Parameter> parameters() { return {}; }
  virtual std::string name() const = 0;
  void zero_grad();  // sets every grad to 0

  // Which piece of a piecewise function the last forward used: for ReLU the sign pattern
  // of its input, for max pooling the argmax of every window. The gradient checker compares
  // it before and after a nudge of +-h to tell a kink from a bug. Smooth modules: empty.
  virtual arma::uvec kink_signature() const { return {}; }
  // Train/eval switch for modules that behave differently (dropout). No-op by default.
  virtual void set_training(bool /*training*/) {}
  // The mode set_training last chose; a module without modes is always in training mode.
  virtual bool training() const { return true; }

  // ---- the fast protocol (see the contract above) ----
  virtual void forward_into(const arma::mat& input, arma::mat& output, bool /*input_stays*/) {
    output = forward(input);
  }
  virtual void backward_into(const arma::mat& grad_output, arma::mat& grad_input) {
    grad_input = backward(grad_output);
  }
  virtual void set_input_grad(bool needed) { input_grad_ = needed; }
  bool input_grad() const { return input_grad_; }

protected:
  bool input_grad_ = true;
};

// ---- shape checks shared by every module --------------------------------------------------
// "Linear(4 -> 3)::forward: expected input with 4 rows (in_features x batch), got 5x2"
void check_rows(const std::string& where, const arma::mat& input, arma::uword expected_rows,
                const std::string& what);
// backward: grad_output must match the output of the last forward (and a forward must exist).
void check_grad(const std::string& where, bool has_forward, const arma::mat& grad_output,
                arma::uword expected_rows, arma::uword expected_cols);

// The same two checks for a module's own forward and backward, its place spelled
// module.name() + "::" + method ("Linear(4 -> 3)::backward") only when the check fails: a call
// that passes builds no string. (A name can change after construction: Linear's weight and
// LeakyReLU's gamma are public. `what` is the caller's, kept: a member or a static.)
void check_rows(const Module& module, const char* method, const arma::mat& input,
                arma::uword expected_rows, const std::string& what);
void check_grad(const Module& module, const char* method, bool has_forward,
                const arma::mat& grad_output, arma::uword expected_rows, arma::uword expected_cols);

}  // namespace nn
