#include "nn/trainer.hpp"

#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <iomanip>
#include <iostream>
#include <sstream>

#include "nn/conv2d.hpp"
#include "nn/losses.hpp"
#include "util/files.hpp"
#include "util/format.hpp"
#include "nn/random.hpp"
#include "nn/shape.hpp"

namespace nn {

namespace {

using Clock = std::chrono::steady_clock;

double seconds_since(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

using util::fixed;
using util::number;
using util::percent;

// A loss as a person reads it: 0.5312, or 6.119e+164 once it has blown up.
std::string loss_text(double x) {
  return std::isfinite(x) && std::abs(x) < 1e4 ? fixed(x, 4) : number(x);
}

// "0:09", "12:34", "1:02:03"
std::string duration(double seconds) {
  if (!std::isfinite(seconds) || seconds < 0) return "?";
  const long s = std::lround(seconds);
  std::ostringstream out;
  if (s >= 3600) out << s / 3600 << ":" << std::setw(2) << std::setfill('0') << (s / 60) % 60;
  else out << s / 60;
  out << ":" << std::setw(2) << std::setfill('0') << s % 60;
  return out.str();
}

// ||m|| (Frobenius) through one BLAS dot: OpenBLAS's nrm2, behind arma::norm, is several times
// slower on the million weights of a Linear(7744 -> 128).
double frobenius(const arma::mat& m) { return std::sqrt(arma::dot(m, m)); }

bool is_terminal(const std::ostream* os) {
  if (os == &std::cerr || os == &std::clog) return isatty(STDERR_FILENO) == 1;
  if (os == &std::cout) return isatty(STDOUT_FILENO) == 1;
  return false;
}

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

// The TSV: header first, then a row per epoch. After every row the whole table is written to
// a temporary file and renamed over the TSV: an interrupted run keeps every finished epoch and
// never leaves a half-written line (a few kB per epoch, so rewriting it costs nothing).
class TsvWriter {
public:
  explicit TsvWriter(const std::string& path) : path_(path) {
    if (path_.empty()) return;
    const std::filesystem::path parent = std::filesystem::path(path_).parent_path();
    std::error_code ignored;
    if (!parent.empty()) std::filesystem::create_directories(parent, ignored);
    text_ << std::setprecision(10);
  }
  void row(const std::vector<std::string>& cells) {
    for (std::size_t i = 0; i < cells.size(); ++i) text_ << (i ? "\t" : "") << cells[i];
    text_ << "\n";
    publish();
  }
  void row(const std::vector<double>& values) {
    for (std::size_t i = 0; i < values.size(); ++i) text_ << (i ? "\t" : "") << values[i];
    text_ << "\n";
    publish();
  }
  void comment(const std::string& text) {
    text_ << "# " << text << "\n";
    publish();
  }

private:
  void publish() {
    if (path_.empty()) return;
    try {
      util::write_atomically(path_, text_.str());
    } catch (const Error&) {
      throw Error("train: cannot write the history to " + path_);
    }
  }
  std::string path_;
  std::ostringstream text_;
};

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

// "epoch 3/10  train loss 0.5312 acc 81.2%  test loss 0.6012 acc 78.0%  lr 0.01  1.6 s  850 img/s"
// (test and validation only when evaluated; '*' marks a new best validation loss)
std::string epoch_line(const EpochStats& s, int epochs, bool show_test, bool show_validation,
                       bool best) {
  std::ostringstream line;
  const int width = static_cast<int>(std::to_string(epochs).size());
  line << "epoch " << std::setw(width) << s.epoch << "/" << epochs << "  train loss "
       << loss_text(s.train_loss) << " acc " << percent(s.train_accuracy);
  if (show_test)
    line << "  test loss " << loss_text(s.test_loss) << " acc " << percent(s.test_accuracy);
  if (show_validation)
    line << "  val loss " << loss_text(s.validation_loss) << " acc "
         << percent(s.validation_accuracy) << (best ? " *" : "");
  line << "  lr " << number(s.lr) << "  " << fixed(s.seconds, 1) << " s  "
       << fixed(s.images_per_second, 0) << " img/s";
  return line.str();
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

// ---- the history as a table ----------------------------------------------------------------
std::vector<std::string> tsv_header(const EpochStats& stats) {
  std::vector<std::string> names = {"epoch",          "samples",         "batches",
                                    "lr",             "train_loss",      "train_accuracy",
                                    "test_loss",      "test_accuracy",   "validation_loss",
                                    "validation_accuracy", "conv_delta", "seconds",
                                    "images_per_second"};
  for (const ParameterStats& p : stats.parameters)
    for (const char* what : {".norm", ".grad_norm", ".update_ratio"}) names.push_back(p.name + what);
  return names;
}

std::vector<double> tsv_values(const EpochStats& s) {
  std::vector<double> values = {static_cast<double>(s.epoch), static_cast<double>(s.samples),
                                static_cast<double>(s.batches), s.lr, s.train_loss,
                                s.train_accuracy, s.test_loss, s.test_accuracy,
                                s.validation_loss, s.validation_accuracy, s.conv_delta,
                                s.seconds, s.images_per_second};
  for (const ParameterStats& p : s.parameters) {
    values.push_back(p.norm);
    values.push_back(p.grad_norm);
    values.push_back(p.update_ratio);
  }
  return values;
}

arma::mat history_matrix(const std::vector<EpochStats>& history) {
  if (history.empty()) return {};
  arma::mat rows(history.size(), tsv_values(history.front()).size());  // (epochs x columns)
  for (std::size_t e = 0; e < history.size(); ++e) {
    const std::vector<double> values = tsv_values(history[e]);
    if (values.size() != rows.n_cols)
      throw Error("history_matrix: epoch " + std::to_string(e + 1) + " has " +
                  std::to_string(values.size()) + " columns, epoch 1 " +
                  std::to_string(rows.n_cols));
    rows.row(e) = arma::rowvec(values);
  }
  return rows;
}

arma::vec per_epoch(const std::vector<EpochStats>& history, double EpochStats::*field) {
  arma::vec v(history.size());  // (epochs)
  for (std::size_t e = 0; e < history.size(); ++e) v(e) = history[e].*field;
  return v;
}

// ---- the epoch loop --------------------------------------------------------------------------
TrainResult train(Sequential& net, Optimizer& optimizer, const Dataset& train_set,
                  const TrainConfig& config, const Dataset& test_set,
                  const Dataset& validation_set) {
  const std::string where = "train";
  const arma::uword n = train_set.x.n_cols;
  if (n == 0) throw Error(where + ": the training set is empty");
  check_set(where, train_set, "training", train_set.x.n_rows);
  check_set(where, test_set, "test", train_set.x.n_rows);
  check_set(where, validation_set, "validation", train_set.x.n_rows);
  if (config.epochs < 1) throw Error(where + ": epochs must be >= 1, got " + std::to_string(config.epochs));
  if (config.seed) seed(*config.seed);
  // The images are data: the first layer skips dL/dimages while training (put back on return).
  struct InputGradOff {
    Sequential& net;
    bool before;
    ~InputGradOff() { net.set_input_grad(before); }
  } input_grad_off{net, net.input_grad()};
  net.set_input_grad(false);

  const arma::uword batch_size =
      config.batch_size == 0 || config.batch_size > n ? n : config.batch_size;
  const arma::uword batches_per_epoch = (n + batch_size - 1) / batch_size;
  const LossSpec spec{config.loss, &config.custom_loss, &config.custom_predict};
  const std::size_t conv_index = first_conv(net);
  const bool has_test = test_set.x.n_cols > 0, has_validation = validation_set.x.n_cols > 0;
  std::ostream& log = config.log ? *config.log : std::cerr;
  const bool talk = !config.quiet, terminal = talk && is_terminal(&log);

  const std::vector<Parameter>& params = optimizer.parameters();
  EpochStats blank;
  for (const Parameter& p : params) blank.parameters.push_back({p.name, 0, 0, 0});
  TsvWriter tsv(config.tsv_path);
  tsv.row(tsv_header(blank));

  const arma::uword window_batches = std::clamp<arma::uword>(
      (config.explosion_window + batch_size - 1) / batch_size, 1, batches_per_epoch);
  ExplosionGuard guard{config.explosion_factor, window_batches};
  TrainResult result;
  // The reference for the guard: the initial loss, before any update, on the first samples.
  const arma::uword reference_count = std::min(n, std::max<arma::uword>(1, config.explosion_window));
  result.initial_loss = evaluate_with(net, train_set.x.cols(0, reference_count - 1),
                                      train_set.y.subvec(0, reference_count - 1), spec,
                                      config.eval_batch_size).loss;
  guard.reference = result.initial_loss;
  if (talk)
    log << "initial loss " << loss_text(result.initial_loss) << " (first " << reference_count
        << " training samples, before any update)\n";
  // Explosions put back `good`: the parameters at the start of the latest epoch after which
  // the guard still accepted a window's loss (the initial ones until then).
  std::vector<arma::mat> good = parameter_values(net), pending, best;
  bool pending_vouched = false;
  double best_loss = arma::datum::inf;
  const Clock::time_point run_start = Clock::now();

  for (int e = 0; e < config.epochs; ++e) {
    if (config.lr_schedule) optimizer.set_lr(config.lr_schedule(e));
    pending = parameter_values(net);
    pending_vouched = false;
    EpochStats stats = blank;
    stats.epoch = e + 1;
    stats.lr = optimizer.lr();
    const arma::uvec order = config.shuffle ? shuffled_indices(n)
                                            : arma::regspace<arma::uvec>(0, n - 1);  // (n)
    double loss_sum = 0, delta_sum = 0;
    arma::uword correct = 0, delta_samples = 0, measured = 0;
    std::vector<double> grad_norm_sum(params.size(), 0), ratio_sum(params.size(), 0);
    std::string explosion;
    const Clock::time_point epoch_start = Clock::now();
    double last_progress = 0;
    net.set_training(true);

    for (arma::uword b = 0; b < batches_per_epoch; ++b) {
      const arma::uword start = b * batch_size, end = std::min(n, start + batch_size) - 1;
      const arma::uvec batch = order.subvec(start, end);
      const arma::mat x = train_set.x.cols(batch);   // (features x batch)
      const arma::uvec y = train_set.y.elem(batch);  // (batch)
      const arma::uword count = y.n_elem;

      // [snippet train-batch]
      // ---- forward and loss
      net.zero_grad();
      const arma::mat output = net.forward(x);  // (outputs x batch)
      arma::mat grad;                           // (outputs x batch) dL/doutput
      const double loss = output.is_finite() ? loss_of(spec, output, y, &grad) : arma::datum::nan;
      stats.samples += count;
      ++stats.batches;
      loss_sum += loss * static_cast<double>(count);
      if (std::isfinite(loss)) correct += count_correct(predictions_of(spec, output), y);

      // ---- explosion guard
      if (!std::isfinite(loss)) {
        explosion = "epoch " + std::to_string(e + 1) + ", batch " + std::to_string(b + 1) +
                    ": the loss is " + number(loss) +
                    (output.is_finite() ? "" : " (the network's output contains NaN or Inf)");
      } else if (guard.exploded(loss, count)) {
        explosion = "epoch " + std::to_string(e + 1) + ", batch " + std::to_string(b + 1) +
                    ": the loss " + number(guard.window_mean) + " (mean over the last " +
                    std::to_string(guard.window_samples) + " samples) is above " +
                    number(config.explosion_factor) + " x the initial loss " + number(guard.reference);
      } else if (guard.batches == 0 && !pending_vouched) {  // a window just passed
        good = std::move(pending);
        pending_vouched = true;
      }
      if (!explosion.empty()) {
        explosion += ": the learning rate (" + number(optimizer.lr()) + ") is probably too high";
        break;
      }

      // ---- backward, watching the conv layer's output gradient on measured steps
      const bool measure = measured_step(b, batches_per_epoch, config.stats_steps);
      net.backward(grad, [&](std::size_t i, const arma::mat& g) {  // g: dL/d(output of layer i)
        if (!measure || i != conv_index) return;
        // dL/d(conv output) per sample; times the batch size: the per-sample loss's delta
        const arma::rowvec norms = arma::sqrt(arma::sum(arma::square(g), 0));  // (1 x batch)
        delta_sum += arma::accu(norms) * static_cast<double>(count);
        delta_samples += count;
      });

      // ---- update
      if (measure)
        for (std::size_t i = 0; i < params.size(); ++i) grad_norm_sum[i] += frobenius(*params[i].grad);
      optimizer.step();
      if (measure) {
        for (std::size_t i = 0; i < params.size(); ++i) {
          const double w = frobenius(*params[i].value);
          ratio_sum[i] += w > 0 ? frobenius(optimizer.last_update(i)) / w : arma::datum::nan;
        }
        ++measured;
      }
      // [/snippet]

      // ---- progress on a terminal
      if (terminal) {
        const double elapsed = seconds_since(epoch_start);
        if (elapsed - last_progress >= 0.2 && b + 1 < batches_per_epoch) {
          last_progress = elapsed;
          const double rate = static_cast<double>(stats.samples) / elapsed;
          log << "\repoch " << e + 1 << "/" << config.epochs << "  " << stats.samples << "/" << n
              << "  " << fixed(rate, 0) << " img/s  ETA "
              << duration(static_cast<double>(n - stats.samples) / rate) << "  loss "
              << fixed(loss_sum / static_cast<double>(stats.samples), 4) << "\033[K" << std::flush;
        }
      }
    }

    // ---- the epoch's row
    stats.seconds = seconds_since(epoch_start);
    stats.images_per_second = stats.seconds > 0 ? static_cast<double>(stats.samples) / stats.seconds : 0;
    stats.train_loss = loss_sum / static_cast<double>(stats.samples);
    stats.train_accuracy = static_cast<double>(correct) / static_cast<double>(stats.samples);
    if (delta_samples > 0 && conv_index < net.size())
      stats.conv_delta = delta_sum / static_cast<double>(delta_samples);
    for (std::size_t i = 0; i < params.size(); ++i) {
      ParameterStats& p = stats.parameters[i];
      p.norm = frobenius(*params[i].value);
      p.grad_norm = measured > 0 ? grad_norm_sum[i] / static_cast<double>(measured) : arma::datum::nan;
      p.update_ratio = measured > 0 ? ratio_sum[i] / static_cast<double>(measured) : arma::datum::nan;
    }
    bool is_best = false;
    if (explosion.empty()) {
      if (has_test) {
        const Evaluation t = evaluate_with(net, test_set.x, test_set.y, spec, config.eval_batch_size);
        stats.test_loss = t.loss;
        stats.test_accuracy = t.accuracy;
      }
      // [snippet early-stopping]
      if (has_validation) {
        const Evaluation v = evaluate_with(net, validation_set.x, validation_set.y, spec,
                                           config.eval_batch_size);
        stats.validation_loss = v.loss;
        stats.validation_accuracy = v.accuracy;
        if (v.loss < best_loss) {  // NaN is never better
          best_loss = v.loss;
          result.best_epoch = stats.epoch;
          is_best = true;
          if (config.restore_best) best = parameter_values(net);
        }
      }
      // [/snippet]
    }
    result.history.push_back(stats);
    tsv.row(tsv_values(stats));
    if (talk) {
      if (terminal) log << "\r\033[K";
      const bool evaluated = explosion.empty();
      log << epoch_line(stats, config.epochs, has_test && evaluated, has_validation && evaluated,
                        is_best)
          << "\n" << std::flush;
    }
    if (config.on_epoch) config.on_epoch(result.history.back());

    // ---- stop early?
    if (!explosion.empty()) {
      result.stopped_early = result.diverged = true;
      result.reason = explosion;
      restore_values(net, !best.empty() ? best : good);
      optimizer.reset_state();
      break;
    }
    // [snippet early-stopping-patience]
    if (config.patience > 0 && has_validation && stats.epoch - result.best_epoch >= config.patience) {
      result.stopped_early = true;
      result.reason = "the validation loss has not improved for " +
                      std::to_string(stats.epoch - result.best_epoch) + " epochs (best: epoch " +
                      std::to_string(result.best_epoch) + ", loss " + number(best_loss) + ")";
      break;
    }
    // [/snippet]
  }

  // [snippet early-stopping-restore]
  if (!result.diverged && config.restore_best && !best.empty()) restore_values(net, best);
  // [/snippet]
  if (result.stopped_early) {
    tsv.comment("stopped early: " + result.reason);
    if (talk) log << "stopped early: " << result.reason << "\n" << std::flush;
  }
  net.set_training(true);
  result.seconds = seconds_since(run_start);
  return result;
}

}  // namespace nn
