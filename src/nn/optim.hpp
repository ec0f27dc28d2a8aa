// optim.hpp -- optimizers (SGD with momentum and weight decay, Adam) and learning-rate schedules.
//
// Contract (every optimizer)
//   Built from a parameter list (net.parameters()): it keeps the pointers, so the module must
//   outlive the optimizer. step() reads every grad and changes every value in place; it never
//   touches the grads: call zero_grad() (here or on the module) before the next backward,
//   since backward ADDS into them.
//   lr() is the base learning rate; parameter i is updated with lr_of(i) = lr() * multiplier_i.
//   A multiplier (1 by default) is set by name pattern: set_lr_multiplier("0", 0.1) slows
//   down every parameter of module 0 of a Sequential. A schedule only changes lr(), so
//   per-layer rates keep their ratio. Weight decay is per parameter too (weight_decay_of(i)).
//   last_update(i) is what the last step() subtracted from parameter i (same shape), for the
//   update/weight ratio ||last_update|| / ||value|| (want ~1e-3).
//
//   Name patterns: a pattern matches a parameter when it is a whole dot-separated prefix or
//   suffix of its name: "2" and "2.weight" match "2.weight"; "bias" matches "0.bias" and
//   "3.bias"; "1" does not match "10.weight". A pattern that matches nothing throws nn::Error
//   (listing the names), so a typo cannot silently leave every rate alone.
//
//   SGD (classical momentum, as Sutskever et al. 2013 and Torch's optim.sgd without dampening)
//     for every parameter w with gradient g, rate lr_i, decay wd_i, momentum mu:
//       v <- mu * v + lr_i * (g + wd_i * w)       v starts at 0 (same shape as w)
//       w <- w - v
//     mu = 0 is plain SGD: w <- w - lr_i (g + wd_i w). The wd term is the gradient of the L2
//     penalty 0.5 * wd * ||w||^2 (l2_penalty() returns it, to add to a reported loss).
//     (In the student release momentum and weight decay are lesson 8's exercise; plain SGD,
//     mu = 0 and wd = 0, works from lesson 6 on.)
//   Adam (Kingma & Ba 2015, with the L2 term added to the gradient as torch.optim.Adam does)
//       g' = g + wd_i * w
//       m <- beta1 m + (1 - beta1) g'             v <- beta2 v + (1 - beta2) g'^2   (elementwise)
//       m^ = m / (1 - beta1^t)                    v^ = v / (1 - beta2^t)            (t = steps so far)
//       w <- w - lr_i * m^ / (sqrt(v^) + eps)
//     Bias correction makes the first step exactly lr_i * g / (|g| + eps) ~ lr_i * sign(g).
//
// Bad settings throw nn::Error: lr < 0, momentum outside [0, 1), weight decay < 0, betas
// outside [0, 1), eps <= 0, an empty parameter list, a null pointer, or (in step) a grad whose
// shape differs from its value's.
#pragma once

#include <armadillo>
#include <functional>
#include <string>
#include <vector>

#include "nn/fast_path.hpp"
#include "nn/module.hpp"

namespace nn {

// ---- the common base ---------------------------------------------------------------------
class Optimizer {
public:
  Optimizer(std::vector<Parameter> params, double lr, double weight_decay);
  virtual ~Optimizer() = default;

  virtual void step() = 0;     // one update of every parameter from its current grad
  virtual std::string name() const = 0;
  void zero_grad();            // every grad to 0
  // Forget the state built up by earlier steps (velocities, moments, last updates, the step
  // count), as if just constructed; rates and decays stay. The trainer calls it when it puts
  // back earlier parameters after an explosion.
  virtual void reset_state();

  void set_lr(double lr);      // the base rate (a schedule calls this every epoch)
  double lr() const { return lr_; }
  // lr_of(i) = lr() * multiplier for every parameter the pattern matches; returns how many.
  std::size_t set_lr_multiplier(const std::string& pattern, double multiplier);
  double lr_of(std::size_t i) const { return lr_ * lr_multiplier_.at(i); }

  void set_weight_decay(double weight_decay);  // every parameter
  std::size_t set_weight_decay(const std::string& pattern, double weight_decay);
  double weight_decay_of(std::size_t i) const { return weight_decay_.at(i); }
  // sum_i 0.5 * wd_i * ||w_i||^2: the L2 penalty whose gradient step() adds.
  double l2_penalty() const;

  const std::vector<Parameter>& parameters() const { return params_; }
  std::size_t size() const { return params_.size(); }
  const arma::mat& last_update(std::size_t i) const { return update_.at(i); }  // like value i
  long steps() const { return steps_; }  // step() calls so far

protected:
  // Checks the grad of parameter i against its value; called by step().
  void check_parameter(std::size_t i) const;
  std::vector<Parameter> params_;
  std::vector<double> lr_multiplier_, weight_decay_;
  std::vector<arma::mat> update_;  // what the last step subtracted, per parameter
  double lr_;
  long steps_ = 0;

private:
  std::vector<std::size_t> match(const std::string& pattern, const std::string& where) const;
};

// ---- SGD with classical momentum and L2 weight decay ---------------------------------------
class SGD : public Optimizer {
public:
  SGD(std::vector<Parameter> params, double lr, double momentum = 0, double weight_decay = 0);
  void step() override;
  std::string name() const override;
  double momentum() const { return momentum_; }
  void set_momentum(double momentum);
  const arma::mat& velocity(std::size_t i) const { return update_.at(i); }  // v is the update

private:
  // The same update as one loop per parameter (fast_layers.cpp); false: run the teaching step.
  bool fast_step();
  double momentum_;
  FastPathGate gate_;
  bool checking_ = false;
};

// ---- Adam -----------------------------------------------------------------------------------
class Adam : public Optimizer {
public:
  Adam(std::vector<Parameter> params, double lr, double beta1 = 0.9, double beta2 = 0.999,
       double eps = 1e-8, double weight_decay = 0);
  void step() override;
  std::string name() const override;
  void reset_state() override;

private:
  double beta1_, beta2_, eps_;
  std::vector<arma::mat> m_, v_;  // first and second moment estimates, like each value
};

// ---- learning-rate schedules -----------------------------------------------------------------
// A schedule maps the epoch (0-based) to the base learning rate; the trainer calls
// optimizer.set_lr(schedule(epoch)) before every epoch.
using Schedule = std::function<double(int epoch)>;

namespace schedule {
Schedule constant(double lr);                                   // lr
Schedule step_decay(double lr0, double factor, int every);      // lr0 * factor^floor(epoch / every)
Schedule exponential(double lr0, double gamma);                 // lr0 * gamma^epoch (gamma > 1 grows)
Schedule inverse_time(double lr0, double k);                    // lr0 / (1 + k * epoch)
// From `from` at epoch 0 to `to` at epoch `epochs` in a straight line, then `to`: a warm-up,
// a linear decay, or (from < to) the increasing rate the seed project tried as a curiosity.
Schedule linear(double from, double to, int epochs);
}  // namespace schedule

}  // namespace nn
