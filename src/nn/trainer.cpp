#include "nn/trainer.hpp"

#include <algorithm>
#include <chrono>
#include <cmath>

#include "nn/conv2d.hpp"
#include "nn/losses.hpp"
#include "nn/random.hpp"
#include "nn/shape.hpp"
#include "nn/train_log.hpp"
#include "util/format.hpp"
#include "util/strings.hpp"

namespace nn {

namespace {

using Clock = std::chrono::steady_clock;

double seconds_since(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

using util::number;

// ||m|| (Frobenius) through one BLAS dot: OpenBLAS's nrm2, behind arma::norm, is several times
// slower on the million weights of a Linear(7744 -> 128).
double frobenius(const arma::mat& m) { return std::sqrt(arma::dot(m, m)); }

void check_set(const std::string& where, const Dataset& set, const char* which,
               arma::uword features) {
  if (set.x.n_cols != set.y.n_elem)
    throw Error(where + ": the " + which + " set has " + std::to_string(set.x.n_cols) +
                " samples (columns of x) but " + std::to_string(set.y.n_elem) + " labels");
  if (set.x.n_cols > 0 && set.x.n_rows != features)
    throw Error(where + ": the " + which + " set has " + std::to_string(set.x.n_rows) +
                " features (rows of x), the training set " + std::to_string(features));
}

// What the trainer minimises and how it predicts: built-in or custom.
struct LossSpec {
  LossKind kind = LossKind::cross_entropy;
  const LossFunction* custom = nullptr;
  const Predictor* predictor = nullptr;
};

double loss_of(const LossSpec& spec, const arma::mat& output, const arma::uvec& labels,
               arma::mat* grad_output) {
  if (spec.custom && *spec.custom) {
    arma::mat unused;
    return (*spec.custom)(output, labels, grad_output ? *grad_output : unused);
  }
  return batch_loss(spec.kind, output, labels, grad_output);
}

arma::uvec predictions_of(const LossSpec& spec, const arma::mat& output) {
  if (spec.predictor && *spec.predictor) return (*spec.predictor)(output);
  return argmax(output);
}

arma::uword count_correct(const arma::uvec& predicted, const arma::uvec& labels) {
  if (predicted.n_elem != labels.n_elem)
    throw Error("accuracy: " + std::to_string(predicted.n_elem) + " predictions for " +
                std::to_string(labels.n_elem) + " labels");
  return arma::accu(predicted == labels);
}

// Eval mode for as long as it lives; the mode before it after, even when a forward throws.
struct EvalMode {
  explicit EvalMode(Module& m) : module(m), was_training(m.training()) {
    module.set_training(false);
  }
  ~EvalMode() { module.set_training(was_training); }
  Module& module;
  bool was_training;
};

Evaluation evaluate_with(Module& net, const arma::mat& x, const arma::uvec& labels,
                         const LossSpec& spec, arma::uword batch_size) {
  if (x.n_cols != labels.n_elem)
    throw Error("evaluate: " + std::to_string(x.n_cols) + " samples (columns) but " +
                std::to_string(labels.n_elem) + " labels");
  if (x.n_cols == 0) return {};
  if (batch_size == 0) batch_size = x.n_cols;
  EvalMode eval(net);
  double loss_sum = 0;
  arma::uword correct = 0;
  for (arma::uword start = 0; start < x.n_cols; start += batch_size) {
    const arma::uword end = std::min(x.n_cols, start + batch_size) - 1;
    const arma::mat output = net.forward(x.cols(start, end));  // (outputs x batch)
    if (!output.is_finite()) return {};                         // diverged: NaN, NaN
    const arma::uvec y = labels.subvec(start, end);
    loss_sum += loss_of(spec, output, y, nullptr) * static_cast<double>(y.n_elem);
    correct += count_correct(predictions_of(spec, output), y);
  }
  const double n = static_cast<double>(x.n_cols);
  return {loss_sum / n, static_cast<double>(correct) / n};
}

std::vector<arma::mat> parameter_values(Sequential& net) {
  std::vector<arma::mat> values;
  for (const Parameter& p : net.parameters()) values.push_back(*p.value);
  return values;
}

void restore_values(Sequential& net, const std::vector<arma::mat>& values) {
  std::vector<Parameter> params = net.parameters();
  for (std::size_t i = 0; i < params.size() && i < values.size(); ++i) *params[i].value = values[i];
}

// [snippet explosion-guard]
// A window's mean loss above factor x the reference (the initial loss); windows are whole
// batches of about `window_batches` batches.
struct ExplosionGuard {
  double factor;
  arma::uword window_batches;
  double reference = arma::datum::nan;
  double sum = 0, window_mean = 0;
  arma::uword samples = 0, batches = 0, window_samples = 0;

  bool exploded(double loss, arma::uword count) {
    sum += loss * static_cast<double>(count);
    samples += count;
    if (++batches < window_batches) return false;
    window_mean = sum / static_cast<double>(samples);
    window_samples = samples;
    sum = 0;
    samples = batches = 0;
    return factor > 0 && reference > 0 && window_mean > factor * reference;
  }
};
// [/snippet]

// Measured steps: `wanted` spread evenly over `batches`, always the last.
bool measured_step(arma::uword batch, arma::uword batches, int wanted) {
  if (wanted <= 0) return false;
  const arma::uword s = static_cast<arma::uword>(wanted);
  return (batch + 1) * s / batches > batch * s / batches;
}

std::size_t first_conv(Sequential& net) {
  for (std::size_t i = 0; i < net.size(); ++i)
    if (dynamic_cast<Conv2d*>(&net[i]) != nullptr) return i;
  return net.size();
}

}  // namespace

// ---- losses and evaluation ---------------------------------------------------------------
double batch_loss(LossKind kind, const arma::mat& output, const arma::uvec& labels,
                  arma::mat* grad_output) {
  if (kind == LossKind::mse) {
    MSELoss mse;
    const double loss = mse.forward(output, one_hot(labels, output.n_rows));
    if (grad_output) *grad_output = mse.backward();  // (classes x batch)
    return loss;
  }
  SoftmaxCrossEntropy cross_entropy;
  const double loss = cross_entropy.forward(output, labels);
  if (grad_output) *grad_output = cross_entropy.backward();  // (classes x batch)
  return loss;
}

arma::mat forward_in_batches(Module& net, const arma::mat& x, arma::uword batch_size) {
  if (x.n_cols == 0) return {};
  if (batch_size == 0) batch_size = x.n_cols;
  EvalMode eval(net);
  arma::mat outputs;  // (outputs x n), sized by the first batch
  for (arma::uword start = 0; start < x.n_cols; start += batch_size) {
    const arma::uword end = std::min(x.n_cols, start + batch_size) - 1;
    const arma::mat output = net.forward(x.cols(start, end));
    if (start == 0) outputs.set_size(output.n_rows, x.n_cols);
    outputs.cols(start, end) = output;
  }
  return outputs;
}

arma::uvec argmax(const arma::mat& scores) {
  return arma::conv_to<arma::uvec>::from(arma::index_max(scores, 0));  // first max on ties
}

arma::uvec predict(Module& net, const arma::mat& x, arma::uword batch_size) {
  return argmax(forward_in_batches(net, x, batch_size));
}

double accuracy(const arma::uvec& predicted, const arma::uvec& labels) {
  const arma::uword correct = count_correct(predicted, labels);
  if (labels.n_elem == 0) return arma::datum::nan;
  return static_cast<double>(correct) / static_cast<double>(labels.n_elem);
}

double accuracy(Module& net, const arma::mat& x, const arma::uvec& labels, arma::uword batch_size) {
  return accuracy(predict(net, x, batch_size), labels);
}

// [snippet confusion-matrix]
arma::umat confusion_matrix(const arma::uvec& predicted, const arma::uvec& labels,
                            arma::uword classes) {
  if (predicted.n_elem != labels.n_elem)
    throw Error("confusion_matrix: " + std::to_string(predicted.n_elem) + " predictions for " +
                std::to_string(labels.n_elem) + " labels");
  arma::umat counts(classes, classes, arma::fill::zeros);  // (true class x predicted class)
  for (arma::uword i = 0; i < labels.n_elem; ++i) {
    if (labels[i] >= classes || predicted[i] >= classes)
      throw Error("confusion_matrix: sample " + std::to_string(i) + " has label " +
                  std::to_string(labels[i]) + " and prediction " + std::to_string(predicted[i]) +
                  ", out of range for " + std::to_string(classes) + " classes");
    ++counts(labels[i], predicted[i]);
  }
  return counts;
}
// [/snippet]

Evaluation evaluate(Module& net, const arma::mat& x, const arma::uvec& labels, LossKind loss,
                    arma::uword batch_size) {
  return evaluate_with(net, x, labels, LossSpec{loss, nullptr, nullptr}, batch_size);
}

// ---- the parts of a run ----------------------------------------------------------------------
// train() below is a loop over these: the run's plan, the batch step, the epoch meter, the
// explosion guard with its parameter snapshot, the evaluation after an epoch and early stopping;
// the TSV writer and the log (progress line, epoch lines) are in train_log.cpp.
namespace {

void check_inputs(const TrainConfig& config, const Dataset& train_set, const Dataset& test_set,
                  const Dataset& validation_set) {
  const std::string where = "train";
  if (train_set.x.n_cols == 0) throw Error(where + ": the training set is empty");
  check_set(where, train_set, "training", train_set.x.n_rows);
  check_set(where, test_set, "test", train_set.x.n_rows);
  check_set(where, validation_set, "validation", train_set.x.n_rows);
  if (config.epochs < 1)
    throw Error(where + ": epochs must be >= 1, got " + std::to_string(config.epochs));
  if (!(config.l2 >= 0) || !std::isfinite(config.l2))
    throw Error(where + ": l2 must be a finite number >= 0, got " + number(config.l2));
}

// What a run fixes before its first epoch.
struct Run {
  Sequential& net;
  Optimizer& optimizer;
  const Dataset& train_set;
  const TrainConfig& config;
  LossSpec spec;
  arma::uword n, batch_size, batches_per_epoch;
  std::size_t conv_index;  // the first top-level Conv2d; net.size() when there is none
};

Run plan_run(Sequential& net, Optimizer& optimizer, const Dataset& train_set,
             const TrainConfig& config) {
  const arma::uword n = train_set.x.n_cols;
  const arma::uword batch_size =
      config.batch_size == 0 || config.batch_size > n ? n : config.batch_size;
  return Run{net, optimizer, train_set, config,
             LossSpec{config.loss, &config.custom_loss, &config.custom_predict},
             n, batch_size, (n + batch_size - 1) / batch_size, first_conv(net)};
}

// The images are data: the first layer skips dL/dimages while training (put back on return).
struct InputGradOff {
  explicit InputGradOff(Sequential& n) : net(n), before(n.input_grad()) {
    net.set_input_grad(false);
  }
  ~InputGradOff() { net.set_input_grad(before); }
  Sequential& net;
  bool before;
};

// [snippet trainer-l2]
// config.l2 = lambda adds the gradient of 0.5 * lambda * ||W||^2 to every weight's gradient
// (parameters named "weight": Linear's and Conv2d's), before the optimizer's step. Biases and
// batch norm's gamma and beta are not decayed.
bool is_weight(const std::string& name) {
  const std::string suffix = "weight";
  return name == suffix || (name.size() > suffix.size() && util::ends_with(name, "." + suffix));
}

void add_l2_gradient(const std::vector<Parameter>& params, double lambda) {
  if (lambda == 0) return;
  for (const Parameter& p : params)
    if (is_weight(p.name)) *p.grad += lambda * *p.value;  // dL/dW + lambda W
}
// [/snippet]

}  // namespace

double l2_penalty(const std::vector<Parameter>& params, double lambda) {
  double sum = 0;
  for (const Parameter& p : params)
    if (is_weight(p.name)) sum += arma::accu(arma::square(*p.value));
  return 0.5 * lambda * sum;
}

namespace {

// ---- the epoch meter: what an epoch adds up while it runs; finish() makes its row
struct EpochMeter {
  EpochMeter(const EpochStats& blank, int epoch, double lr)
      : stats(blank), grad_norm_sum(blank.parameters.size(), 0),
        ratio_sum(blank.parameters.size(), 0) {
    stats.epoch = epoch;
    stats.lr = lr;
  }
  void add_batch(double loss, arma::uword count, arma::uword right) {
    stats.samples += count;
    ++stats.batches;
    loss_sum += loss * static_cast<double>(count);
    correct += right;
  }
  // g: dL/d(conv output) of the batch-mean loss (outputs x batch); times the batch size, each
  // column is the per-sample loss's delta.
  void add_delta(const arma::mat& g, arma::uword count) {
    const arma::rowvec norms = arma::sqrt(arma::sum(arma::square(g), 0));  // (1 x batch)
    delta_sum += arma::accu(norms) * static_cast<double>(count);
    delta_samples += count;
  }
  void add_gradients(const std::vector<Parameter>& params) {  // before the step
    for (std::size_t i = 0; i < params.size(); ++i) grad_norm_sum[i] += frobenius(*params[i].grad);
  }
  void add_updates(const Optimizer& optimizer) {  // after the step
    const std::vector<Parameter>& params = optimizer.parameters();
    for (std::size_t i = 0; i < params.size(); ++i) {
      const double w = frobenius(*params[i].value);
      ratio_sum[i] += w > 0 ? frobenius(optimizer.last_update(i)) / w : arma::datum::nan;
    }
    ++measured;
  }
  double mean_loss() const { return loss_sum / static_cast<double>(stats.samples); }

  EpochStats finish(const std::vector<Parameter>& params) {
    stats.seconds = seconds_since(start);
    stats.images_per_second =
        stats.seconds > 0 ? static_cast<double>(stats.samples) / stats.seconds : 0;
    stats.train_loss = mean_loss();
    stats.train_accuracy = static_cast<double>(correct) / static_cast<double>(stats.samples);
    if (delta_samples > 0) stats.conv_delta = delta_sum / static_cast<double>(delta_samples);
    const double steps = static_cast<double>(measured);
    for (std::size_t i = 0; i < params.size(); ++i) {
      ParameterStats& p = stats.parameters[i];
      p.norm = frobenius(*params[i].value);
      p.grad_norm = measured > 0 ? grad_norm_sum[i] / steps : arma::datum::nan;
      p.update_ratio = measured > 0 ? ratio_sum[i] / steps : arma::datum::nan;
    }
    return stats;
  }

  EpochStats stats;
  double loss_sum = 0, delta_sum = 0;
  arma::uword correct = 0, delta_samples = 0, measured = 0;
  std::vector<double> grad_norm_sum, ratio_sum;  // per parameter
  Clock::time_point start = Clock::now();
};

// ---- the explosion guard of a run, with the parameters it puts back
// The window test (ExplosionGuard, above) against the untrained net's loss (eval mode) on the
// first explosion_window samples, and a snapshot: `good` holds the parameters at the start of
// the latest epoch after which the guard still accepted a window's loss (the initial ones
// until then).
struct Guard {
  Guard(const Run& run, arma::uword reference_count)
      : window{run.config.explosion_factor,
               std::clamp<arma::uword>((run.config.explosion_window + run.batch_size - 1) /
                                           run.batch_size, 1, run.batches_per_epoch)},
        good(parameter_values(run.net)) {
    window.reference = evaluate_with(run.net, run.train_set.x.cols(0, reference_count - 1),
                                     run.train_set.y.subvec(0, reference_count - 1), run.spec,
                                     run.config.eval_batch_size).loss;
  }
  void epoch_starts(Sequential& net) {
    pending = parameter_values(net);
    pending_vouched = false;
  }
  // "" when batch b of epoch e may go on; else why the run stops.
  std::string check(double loss, bool output_finite, arma::uword count, int e, arma::uword b,
                    double lr) {
    const std::string place = "epoch " + std::to_string(e) + ", batch " + std::to_string(b);
    std::string explosion;
    if (!std::isfinite(loss)) {
      explosion = place + ": the loss is " + number(loss) +
                  (output_finite ? "" : " (the network's output contains NaN or Inf)");
    } else if (window.exploded(loss, count)) {
      explosion = place + ": the loss " + number(window.window_mean) + " (mean over the last " +
                  std::to_string(window.window_samples) + " samples) is above " +
                  number(window.factor) + " x the initial loss " + number(window.reference);
    } else if (window.batches == 0 && !pending_vouched) {  // a window just passed
      good = std::move(pending);
      pending_vouched = true;
    }
    if (explosion.empty()) return explosion;
    return explosion + ": the learning rate (" + number(lr) + ") is probably too high";
  }

  ExplosionGuard window;
  std::vector<arma::mat> good, pending;
  bool pending_vouched = false;
};

// How many first training samples the initial loss is measured on.
arma::uword reference_count(const Run& run) {
  return std::min(run.n, std::max<arma::uword>(1, run.config.explosion_window));
}

// ---- the batch step
// [snippet train-batch]
// Batch b (0-based) of epoch e (1-based): forward, loss, the guard, backward (watching the conv
// layer's output gradient), the update. Returns why the run must stop, "" to go on.
std::string batch_step(const Run& run, const arma::uvec& batch, int e, arma::uword b,
                       Guard& guard, EpochMeter& meter) {
  const arma::mat x = run.train_set.x.cols(batch);   // (features x batch)
  const arma::uvec y = run.train_set.y.elem(batch);  // (batch)
  const arma::uword count = y.n_elem;

  // ---- forward and loss
  run.net.zero_grad();
  const arma::mat output = run.net.forward(x);  // (outputs x batch)
  arma::mat grad;                               // (outputs x batch) dL/doutput
  const double loss =
      output.is_finite() ? loss_of(run.spec, output, y, &grad) : arma::datum::nan;
  meter.add_batch(loss, count,
                  std::isfinite(loss) ? count_correct(predictions_of(run.spec, output), y) : 0);

  // ---- explosion guard
  const std::string explosion =
      guard.check(loss, output.is_finite(), count, e, b + 1, run.optimizer.lr());
  if (!explosion.empty()) return explosion;

  // ---- backward, watching the conv layer's output gradient on measured steps
  const bool measure = measured_step(b, run.batches_per_epoch, run.config.stats_steps);
  run.net.backward(grad, [&](std::size_t i, const arma::mat& g) {  // g: dL/d(output of layer i)
    if (measure && i == run.conv_index) meter.add_delta(g, count);
  });

  // ---- update (the norms are the loss's gradient's, before the L2 term)
  if (measure) meter.add_gradients(run.optimizer.parameters());
  add_l2_gradient(run.optimizer.parameters(), run.config.l2);
  run.optimizer.step();
  if (measure) meter.add_updates(run.optimizer);
  return "";
}
// [/snippet]

// One epoch's batches, in a fresh order; why the run must stop, "" when it went through.
std::string run_epoch(const Run& run, Guard& guard, EpochMeter& meter, TrainLog& log) {
  const arma::uvec order = run.config.shuffle ? shuffled_indices(run.n)
                                              : arma::regspace<arma::uvec>(0, run.n - 1);  // (n)
  meter.start = Clock::now();
  run.net.set_training(true);
  for (arma::uword b = 0; b < run.batches_per_epoch; ++b) {
    const arma::uword start = b * run.batch_size, end = std::min(run.n, start + run.batch_size) - 1;
    const std::string explosion =
        batch_step(run, order.subvec(start, end), meter.stats.epoch, b, guard, meter);
    if (!explosion.empty()) return explosion;
    if (b + 1 < run.batches_per_epoch)
      log.progress(meter.stats.epoch, meter.stats.samples, meter.mean_loss(), seconds_since(meter.start));
  }
  return "";
}

// ---- evaluation after an epoch, early stopping
struct BestEpoch {  // the lowest validation loss so far
  int epoch = 0;
  double loss = arma::datum::inf;
  std::vector<arma::mat> values;  // its parameters, when config.restore_best
};

// Test and validation sets (eval mode) into `stats`; true when the validation loss is a new best.
bool evaluate_epoch(const Run& run, const Dataset& test_set, const Dataset& validation_set,
                    EpochStats& stats, BestEpoch& best) {
  if (test_set.x.n_cols > 0) {
    const Evaluation t =
        evaluate_with(run.net, test_set.x, test_set.y, run.spec, run.config.eval_batch_size);
    stats.test_loss = t.loss;
    stats.test_accuracy = t.accuracy;
  }
  // [snippet early-stopping]
  if (validation_set.x.n_cols == 0) return false;
  const Evaluation v = evaluate_with(run.net, validation_set.x, validation_set.y, run.spec,
                                     run.config.eval_batch_size);
  stats.validation_loss = v.loss;
  stats.validation_accuracy = v.accuracy;
  if (!(v.loss < best.loss)) return false;  // NaN is never better
  best.loss = v.loss;
  best.epoch = stats.epoch;
  if (run.config.restore_best) best.values = parameter_values(run.net);
  return true;
  // [/snippet]
}

// [snippet early-stopping-patience]
// Why the run stops after `epoch`: `patience` epochs without a lower validation loss ("" to go on).
std::string out_of_patience(const TrainConfig& config, bool has_validation, int epoch,
                            const BestEpoch& best) {
  if (config.patience <= 0 || !has_validation || epoch - best.epoch < config.patience) return "";
  return "the validation loss has not improved for " + std::to_string(epoch - best.epoch) +
         " epochs (best: epoch " + std::to_string(best.epoch) + ", loss " + number(best.loss) + ")";
}
// [/snippet]

EpochStats blank_stats(const std::vector<Parameter>& params) {
  EpochStats blank;
  for (const Parameter& p : params) blank.parameters.push_back({p.name, 0, 0, 0});
  return blank;
}

}  // namespace

// ---- the epoch loop --------------------------------------------------------------------------
TrainResult train(Sequential& net, Optimizer& optimizer, const Dataset& train_set,
                  const TrainConfig& config, const Dataset& test_set,
                  const Dataset& validation_set) {
  check_inputs(config, train_set, test_set, validation_set);
  if (config.seed) seed(*config.seed);
  const InputGradOff input_grad_off(net);
  const Run run = plan_run(net, optimizer, train_set, config);
  const bool has_test = test_set.x.n_cols > 0, has_validation = validation_set.x.n_cols > 0;
  const EpochStats blank = blank_stats(optimizer.parameters());
  TsvWriter tsv(config.tsv_path);
  tsv.row(tsv_header(blank));
  TrainLog log(config, run.n);
  TrainResult result;
  Guard guard(run, reference_count(run));  // measures the initial loss, before any update
  result.initial_loss = guard.window.reference;
  log.initial_loss(result.initial_loss, reference_count(run));
  BestEpoch best;
  const Clock::time_point run_start = Clock::now();

  for (int e = 0; e < config.epochs; ++e) {
    if (config.lr_schedule) optimizer.set_lr(config.lr_schedule(e));
    guard.epoch_starts(net);
    EpochMeter meter(blank, e + 1, optimizer.lr());
    const std::string explosion = run_epoch(run, guard, meter, log);
    EpochStats stats = meter.finish(optimizer.parameters());
    const bool evaluated = explosion.empty();
    const bool is_best = evaluated && evaluate_epoch(run, test_set, validation_set, stats, best);
    result.best_epoch = best.epoch;
    result.history.push_back(stats);
    tsv.row(tsv_values(stats));
    log.epoch(stats, has_test && evaluated, has_validation && evaluated, is_best);
    if (config.on_epoch) config.on_epoch(result.history.back());
    if (!explosion.empty()) {  // put back the last good (or the best) parameters
      result.diverged = true;
      restore_values(net, !best.values.empty() ? best.values : guard.good);
      optimizer.reset_state();
    }
    result.reason = evaluated ? out_of_patience(config, has_validation, stats.epoch, best) : explosion;
    result.stopped_early = !result.reason.empty();
    if (result.stopped_early) break;
  }

  // [snippet early-stopping-restore]
  if (!result.diverged && config.restore_best && !best.values.empty()) restore_values(net, best.values);
  // [/snippet]
  if (result.stopped_early) {
    tsv.comment("stopped early: " + result.reason);
    log.stopped(result.reason);
  }
  net.set_training(true);
  result.seconds = seconds_since(run_start);
  return result;
}

}  // namespace nn
