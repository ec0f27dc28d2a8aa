#include "nn/optim.hpp"

#include <cmath>

#include "nn/shape.hpp"
#include "util/format.hpp"

namespace nn {

static void check_rate(const std::string& where, const char* what, double value) {
  if (!(value >= 0) || !std::isfinite(value))
    throw Error(where + ": " + what + " must be a finite number >= 0, got " +
                util::number(value, 6));
}

// ---- the common base ---------------------------------------------------------------------
Optimizer::Optimizer(std::vector<Parameter> params, double lr, double weight_decay)
    : params_(std::move(params)), lr_(lr) {
  const std::string where = "Optimizer";
  if (params_.empty())
    throw Error(where + ": the parameter list is empty (a network without parameters?)");
  for (const Parameter& p : params_)
    if (p.value == nullptr || p.grad == nullptr)
      throw Error(where + ": parameter '" + p.name + "' has a null value or grad pointer");
  check_rate(where, "the learning rate", lr);
  check_rate(where, "the weight decay", weight_decay);
  lr_multiplier_.assign(params_.size(), 1.0);
  weight_decay_.assign(params_.size(), weight_decay);
  update_.resize(params_.size());
  for (std::size_t i = 0; i < params_.size(); ++i)
    update_[i].zeros(params_[i].value->n_rows, params_[i].value->n_cols);
}

void Optimizer::zero_grad() {
  for (Parameter& p : params_) p.grad->zeros(p.value->n_rows, p.value->n_cols);
}

void Optimizer::reset_state() {
  for (arma::mat& u : update_) u.zeros();
  steps_ = 0;
}

void Optimizer::set_lr(double lr) {
  check_rate(name() + "::set_lr", "the learning rate", lr);
  lr_ = lr;
}

// A pattern matches a whole dot-separated prefix or suffix of the name.
static bool matches(const std::string& name, const std::string& pattern) {
  if (pattern.empty() || pattern.size() > name.size()) return false;
  if (name == pattern) return true;
  const std::size_t n = pattern.size();
  const bool prefix = name.compare(0, n, pattern) == 0 && name[n] == '.';
  const bool suffix =
      name.compare(name.size() - n, n, pattern) == 0 && name[name.size() - n - 1] == '.';
  return prefix || suffix;
}

std::vector<std::size_t> Optimizer::match(const std::string& pattern,
                                          const std::string& where) const {
  std::vector<std::size_t> found;
  for (std::size_t i = 0; i < params_.size(); ++i)
    if (matches(params_[i].name, pattern)) found.push_back(i);
  if (found.empty()) {
    std::string names;
    for (const Parameter& p : params_) names += (names.empty() ? "" : ", ") + p.name;
    throw Error(where + ": no parameter matches '" + pattern + "' (a whole dot-separated " +
                "prefix or suffix of a name); the parameters are: " + names);
  }
  return found;
}

std::size_t Optimizer::set_lr_multiplier(const std::string& pattern, double multiplier) {
  const std::string where = name() + "::set_lr_multiplier";
  check_rate(where, "the multiplier", multiplier);
  const std::vector<std::size_t> found = match(pattern, where);
  for (std::size_t i : found) lr_multiplier_[i] = multiplier;
  return found.size();
}

void Optimizer::set_weight_decay(double weight_decay) {
  check_rate(name() + "::set_weight_decay", "the weight decay", weight_decay);
  weight_decay_.assign(params_.size(), weight_decay);
}

std::size_t Optimizer::set_weight_decay(const std::string& pattern, double weight_decay) {
  const std::string where = name() + "::set_weight_decay";
  check_rate(where, "the weight decay", weight_decay);
  const std::vector<std::size_t> found = match(pattern, where);
  for (std::size_t i : found) weight_decay_[i] = weight_decay;
  return found.size();
}

double Optimizer::l2_penalty() const {
  double penalty = 0;
  for (std::size_t i = 0; i < params_.size(); ++i)
    if (weight_decay_[i] != 0)
      penalty += 0.5 * weight_decay_[i] * arma::accu(arma::square(*params_[i].value));
  return penalty;
}

void Optimizer::check_parameter(std::size_t i) const {
  const Parameter& p = params_[i];
  if (p.grad->n_rows != p.value->n_rows || p.grad->n_cols != p.value->n_cols)
    throw Error(name() + "::step: parameter '" + p.name + "' is " + describe(*p.value) +
                " but its grad is " + describe(*p.grad) +
                " (zero_grad() sizes the grads; did the module change shape?)");
  if (update_[i].n_rows != p.value->n_rows || update_[i].n_cols != p.value->n_cols)
    throw Error(name() + "::step: parameter '" + p.name + "' changed shape from " +
                describe(update_[i]) + " to " + describe(*p.value) +
                " since the optimizer was built");
}

// ---- SGD ------------------------------------------------------------------------------------
SGD::SGD(std::vector<Parameter> params, double lr, double momentum, double weight_decay)
    : Optimizer(std::move(params), lr, weight_decay), momentum_(0) {
  set_momentum(momentum);
}

void SGD::set_momentum(double momentum) {
  if (!(momentum >= 0 && momentum < 1))
    throw Error("SGD: momentum must be in [0, 1), got " + util::number(momentum, 6));
  momentum_ = momentum;
}

std::string SGD::name() const {
  std::string s = "SGD(lr = " + util::number(lr_, 6);
  if (momentum_ != 0) s += ", momentum = " + util::number(momentum_, 6);
  if (weight_decay_[0] != 0) s += ", weight decay = " + util::number(weight_decay_[0], 6);
  return s + ")";
}

// [snippet sgd-step]
void SGD::step() {
  if (fast_step()) return;  // the same update in one pass over memory (fast_path.hpp)
  for (std::size_t i = 0; i < params_.size(); ++i) {
    check_parameter(i);
    arma::mat& w = *params_[i].value;       // (same shape for w, g and v)
    const arma::mat& g = *params_[i].grad;
    arma::mat& v = update_[i];              // the velocity: what gets subtracted from w
    if (momentum_ == 0 && weight_decay_of(i) == 0) {
      v = lr_of(i) * g;                     // plain SGD (lessons 6 and 7): w <- w - lr g
      w -= v;
      continue;
    }
    // Lesson 8: with momentum mu = momentum_ and decay wd = weight_decay_of(i),
    // v <- mu v + lr (g + wd w), then w <- w - v.
    // BEGIN SOLUTION lesson08 "SGD::step (momentum and weight decay)"
    // HINT: v is this parameter's velocity and lives between steps; lr_of(i) and weight_decay_of(i)
    // HINT: are its settings; docs/lesson08.md derives the update.
    v = momentum_ * v + lr_of(i) * (g + weight_decay_of(i) * w);
    w -= v;
    // END SOLUTION
  }
  ++steps_;
}
// [/snippet]

// ---- Adam -----------------------------------------------------------------------------------
Adam::Adam(std::vector<Parameter> params, double lr, double beta1, double beta2, double eps,
           double weight_decay)
    : Optimizer(std::move(params), lr, weight_decay), beta1_(beta1), beta2_(beta2), eps_(eps) {
  if (!(beta1 >= 0 && beta1 < 1) || !(beta2 >= 0 && beta2 < 1))
    throw Error("Adam: beta1 and beta2 must be in [0, 1), got " + util::number(beta1, 6) + " and " +
                util::number(beta2, 6));
  if (!(eps > 0) || !std::isfinite(eps))
    throw Error("Adam: eps must be a finite number > 0, got " + util::number(eps, 6));
  for (const Parameter& p : params_) {
    m_.emplace_back(arma::size(*p.value), arma::fill::zeros);
    v_.emplace_back(arma::size(*p.value), arma::fill::zeros);
  }
}

std::string Adam::name() const {
  std::string s = "Adam(lr = " + util::number(lr_, 6) + ", beta1 = " + util::number(beta1_, 6) +
                  ", beta2 = " + util::number(beta2_, 6) + ", eps = " + util::number(eps_, 6);
  if (weight_decay_[0] != 0) s += ", weight decay = " + util::number(weight_decay_[0], 6);
  return s + ")";
}

void Adam::reset_state() {
  Optimizer::reset_state();
  for (arma::mat& m : m_) m.zeros();
  for (arma::mat& v : v_) v.zeros();
}

// [snippet adam-step]
void Adam::step() {
  const double t = static_cast<double>(steps_ + 1);
  const double correction1 = 1 - std::pow(beta1_, t);  // m^ = m / correction1
  const double correction2 = 1 - std::pow(beta2_, t);  // v^ = v / correction2
  for (std::size_t i = 0; i < params_.size(); ++i) {
    check_parameter(i);
    arma::mat& w = *params_[i].value;
    const arma::mat g = *params_[i].grad + weight_decay_of(i) * w;  // with the L2 term
    m_[i] = beta1_ * m_[i] + (1 - beta1_) * g;
    v_[i] = beta2_ * v_[i] + (1 - beta2_) * arma::square(g);
    const arma::mat m_hat = m_[i] / correction1;
    const arma::mat v_hat = v_[i] / correction2;
    update_[i] = lr_of(i) * m_hat / (arma::sqrt(v_hat) + eps_);
    w -= update_[i];
  }
  ++steps_;
}
// [/snippet]

// ---- schedules ----------------------------------------------------------------------------
namespace schedule {

static void check_start(const std::string& where, double lr) {
  check_rate("schedule::" + where, "the learning rate", lr);
}

Schedule constant(double lr) {
  check_start("constant", lr);
  return [lr](int) { return lr; };
}

Schedule step_decay(double lr0, double factor, int every) {
  check_start("step_decay", lr0);
  check_rate("schedule::step_decay", "the factor", factor);
  if (every < 1)
    throw Error("schedule::step_decay: every must be >= 1 epoch, got " + util::number(every, 6));
  return [=](int epoch) { return lr0 * std::pow(factor, epoch / every); };
}

Schedule exponential(double lr0, double gamma) {
  check_start("exponential", lr0);
  check_rate("schedule::exponential", "gamma", gamma);
  return [=](int epoch) { return lr0 * std::pow(gamma, epoch); };
}

Schedule inverse_time(double lr0, double k) {
  check_start("inverse_time", lr0);
  check_rate("schedule::inverse_time", "k", k);
  return [=](int epoch) { return lr0 / (1 + k * epoch); };
}

Schedule linear(double from, double to, int epochs) {
  check_start("linear", from);
  check_start("linear", to);
  if (epochs < 1)
    throw Error("schedule::linear: epochs must be >= 1, got " + util::number(epochs, 6));
  return [=](int epoch) {
    if (epoch >= epochs) return to;
    return from + (to - from) * static_cast<double>(epoch) / epochs;
  };
}

}  // namespace schedule
}  // namespace nn
