// trainer.hpp -- the epoch loop, what it measures while it runs, and evaluation helpers.
//
// Contract of train(net, optimizer, train_set, config, test_set, validation_set)
//   Runs config.epochs epochs. An epoch visits every training sample once, in batches of
//   config.batch_size columns (1 = online, as the seed project trained; 0 or >= n = full
//   batch; the last batch may be smaller), in a fresh nn::shuffled_indices order drawn from
//   nn::rng() (config.shuffle) or in the fixed order 0 .. n-1. Per batch:
//     net.zero_grad(); output = net.forward(X); L = loss(output, y); backward, layer by layer
//     (net[i].backward, last to first, exactly what Sequential::backward does); optimizer.step().
//   With config.l2 = lambda > 0 the step adds lambda * W to the gradient of every weight
//   (parameters named "weight": Linear's and Conv2d's; not biases, not batch norm's gamma and
//   beta) just before optimizer.step(): the L2 penalty 0.5 * lambda * ||W||^2 of lesson 6, with
//   any optimizer and none of its own weight decay (plain SGD then steps W <- W - lr (dW + lambda W)).
//   The loss is softmax cross-entropy on the labels, or MSE on one-hot targets
//   (LossKind::mse), or config.custom_loss. Before every epoch config.lr_schedule (when set)
//   sets the optimizer's base rate. The net is in training mode (set_training(true)) while it
//   trains and in eval mode while it is evaluated; train() leaves it in training mode.
//
//   What an epoch records (EpochStats; history[k] is epoch k+1):
//     train_loss, train_accuracy   as trained: the mean over the epoch's batches (sample
//                                  weighted), with the weights of the moment and dropout on.
//                                  The L2 penalty is not included (neither config.l2's nor
//                                  optimizer.l2_penalty()).
//     test_*, validation_*         evaluated after the epoch, eval mode; NaN when that set is
//                                  empty or the epoch was cut short.
//     per parameter                its norm ||w|| (Frobenius) at the end of the epoch; the mean
//                                  over measured steps of ||dL/dw|| (the batch loss's gradient,
//                                  without config.l2's term) and of
//                                  ||last update|| / ||w|| (want ~1e-3).
//     conv_delta                   for the first top-level Conv2d: the mean over samples of
//                                  ||dl_i / d(conv output)_i||, the per-sample loss's gradient
//                                  at that layer's output (B times the batch-mean loss's, so
//                                  batch sizes compare); NaN when the net has no Conv2d.
//     seconds, images_per_second   of the training part of the epoch (not reproducible).
//   "Measured steps": config.stats_steps steps spread evenly over the epoch, always including
//   the last (every step when an epoch has fewer batches). Everything but the two timings is
//   a function of nn::seed: the same seed gives bit-identical histories.
//
//   The TSV (config.tsv_path, "" for none; parent directories are created): a header line of
//   column names (tsv_header), then one tab-separated row per epoch, appended and flushed as
//   soon as the epoch ends, so an interrupted run keeps every finished epoch. A run that stops
//   early ends the file with a comment line "# stopped early: <reason>".
//
//   Explosion guard: a non-finite output or loss stops the run at once; so does a loss above
//   config.explosion_factor (3) times the initial one. "The initial loss" is the untrained
//   net's (eval mode) on the first config.explosion_window (50) training samples, computed
//   before the first update (TrainResult::initial_loss: ~ln(10) = 2.30 for 10 classes);
//   the loss it is compared with is the mean over a window of about as many samples (whole
//   batches: at least one, at most an epoch's), so single noisy samples of online training do
//   not trip it.
//   The message says the learning rate is probably too high.
//   The epoch that exploded is kept as a last row, usually partial (samples and batches count
//   those it got through, the exploding batch included; its train loss shows the explosion;
//   test and validation are NaN). The parameters are put back to those at the
//   start of the latest epoch after which the guard still accepted a window's loss: usually
//   the end of the last complete epoch, the initial ones when the first updates blew up, the
//   best ones when a validation set is given and restore_best is on. The optimizer's state
//   (velocities, moments) is reset.
//
//   Early stopping: with a validation set, the epoch with the lowest validation loss is the
//   best; its parameter values are copied. config.patience > 0 stops the run after that many
//   epochs without a lower validation loss. With restore_best (default) the net ends with the
//   best epoch's parameters.
//
//   Output (unless config.quiet) goes to config.log (std::cerr by default): the initial loss,
//   then on a terminal a progress line rewritten in place (\r) during the epoch (samples,
//   images/s, ETA, loss) and one line per epoch; elsewhere the one line per epoch only; and
//   why the run stopped early, if it did.
//   While it trains, the net's first layer skips dL/dinput (Sequential::set_input_grad).
//   Bad input (empty training set, labels that do not match the columns, epochs < 1, l2 < 0)
//   throws nn::Error.
//   The loop is short; its parts (trainer.cpp) are the batch step, the epoch meter, the
//   explosion guard with its parameter snapshot, the evaluation and early stopping, and in
//   train_log.cpp the TSV writer and the log lines.
#pragma once

#include <armadillo>
#include <cstdint>
#include <functional>
#include <iosfwd>
#include <optional>
#include <string>
#include <vector>

#include "nn/dataset.hpp"
#include "nn/optim.hpp"
#include "nn/sequential.hpp"

namespace nn {

enum class LossKind { cross_entropy, mse };  // mse: on one-hot targets, as the seed project

// A custom loss for a batch: returns L (mean over the columns) and writes dL/doutput.
using LossFunction =
    std::function<double(const arma::mat& output, const arma::uvec& labels, arma::mat& grad_output)>;
// A custom prediction (one class per column); the default is the argmax of each column.
using Predictor = std::function<arma::uvec(const arma::mat& output)>;

struct ParameterStats {
  std::string name;           // "0.weight", as the optimizer's parameter list names it
  double norm = 0;            // ||w|| at the end of the epoch
  double grad_norm = 0;       // mean over measured steps of ||dL/dw||
  double update_ratio = 0;    // mean over measured steps of ||update|| / ||w||
};

struct EpochStats {
  int epoch = 0;                   // 1-based
  arma::uword samples = 0;         // trained on in this epoch (fewer when cut short)
  arma::uword batches = 0;
  double lr = 0;                   // the optimizer's base rate during the epoch
  double train_loss = 0, train_accuracy = 0;                  // as trained (see above)
  double test_loss = arma::datum::nan, test_accuracy = arma::datum::nan;
  double validation_loss = arma::datum::nan, validation_accuracy = arma::datum::nan;
  double conv_delta = arma::datum::nan;
  double seconds = 0, images_per_second = 0;                 // timings: not reproducible
  std::vector<ParameterStats> parameters;                    // one per optimizer parameter
};

struct TrainConfig {
  int epochs = 10;
  arma::uword batch_size = 1;           // 1: online; 0 or >= n: full batch
  bool shuffle = true;                  // a fresh order every epoch, else 0 .. n-1
  std::optional<std::uint64_t> seed;    // when set, train() calls nn::seed(*seed) first
  LossKind loss = LossKind::cross_entropy;
  LossFunction custom_loss;             // when set, replaces `loss`
  Predictor custom_predict;             // when set, replaces the argmax for accuracies
  Schedule lr_schedule;                 // when set, the base rate of every epoch
  double l2 = 0;                        // lambda: L2 on the weights, outside the optimizer (below)
  std::string tsv_path;                 // "" writes no file
  double explosion_factor = 3;          // <= 0: only non-finite losses stop the run
  arma::uword explosion_window = 50;    // samples per guard window and for the initial loss
  int patience = 0;                     // epochs without a better validation loss; 0: off
  bool restore_best = true;             // end with the best validation epoch's parameters
  arma::uword eval_batch_size = 128;    // columns per forward when evaluating
  int stats_steps = 100;                // measured steps per epoch (norms, ratios, delta); 0: none
  bool quiet = false;                   // print nothing
  std::ostream* log = nullptr;          // where progress goes; nullptr: std::cerr
  std::function<void(const EpochStats&)> on_epoch;  // after each epoch's row is written
};

struct TrainResult {
  std::vector<EpochStats> history;  // one per epoch started (the last partial when it exploded)
  bool stopped_early = false;       // explosion guard or patience
  bool diverged = false;            // the explosion guard fired
  std::string reason;               // why it stopped early; "" when every epoch ran
  int best_epoch = 0;               // lowest validation loss; 0 without a validation set
  double initial_loss = arma::datum::nan;  // before training (see the explosion guard)
  double seconds = 0;               // the whole run
};

TrainResult train(Sequential& net, Optimizer& optimizer, const Dataset& train_set,
                  const TrainConfig& config = {}, const Dataset& test_set = {},
                  const Dataset& validation_set = {});

// 0.5 * lambda * sum ||W||^2 over the weights of `params` (the parameters TrainConfig::l2
// decays: those named "weight"): the penalty whose gradient config.l2 = lambda adds.
double l2_penalty(const std::vector<Parameter>& params, double lambda);

// ---- the history as a table ------------------------------------------------------------------
// Column names of the TSV: epoch samples batches lr train_loss train_accuracy test_loss
// test_accuracy validation_loss validation_accuracy conv_delta seconds images_per_second, then
// for every parameter <name>.norm <name>.grad_norm <name>.update_ratio.
std::vector<std::string> tsv_header(const EpochStats& stats);
std::vector<double> tsv_values(const EpochStats& stats);  // in the same order
// (epochs x columns), the rows of the TSV: for plot::write_table and plot::Lines.
arma::mat history_matrix(const std::vector<EpochStats>& history);
// One field of every epoch, (epochs): per_epoch(result.history, &EpochStats::test_accuracy).
arma::vec per_epoch(const std::vector<EpochStats>& history, double EpochStats::*field);

// ---- evaluation (eval mode, in batches; the net is left in the mode it was in) ---------------
// The loss of a batch and, when grad_output is not null, dL/doutput.
double batch_loss(LossKind kind, const arma::mat& output, const arma::uvec& labels,
                  arma::mat* grad_output = nullptr);
arma::mat forward_in_batches(Module& net, const arma::mat& x, arma::uword batch_size = 128);
arma::uvec argmax(const arma::mat& scores);             // (batch) the row of each column's max
arma::uvec predict(Module& net, const arma::mat& x, arma::uword batch_size = 128);  // argmax
double accuracy(const arma::uvec& predicted, const arma::uvec& labels);  // fraction in [0, 1]
double accuracy(Module& net, const arma::mat& x, const arma::uvec& labels,
                arma::uword batch_size = 128);
// (classes x classes) counts: entry (t, p) = samples of true class t predicted as p (rows are
// the truth, as scikit-learn's). A label >= classes throws nn::Error.
arma::umat confusion_matrix(const arma::uvec& predicted, const arma::uvec& labels,
                            arma::uword classes);

struct Evaluation {
  double loss = arma::datum::nan;      // mean over samples; NaN when the output is not finite
  double accuracy = arma::datum::nan;  // fraction in [0, 1]; NaN likewise
};
Evaluation evaluate(Module& net, const arma::mat& x, const arma::uvec& labels,
                    LossKind loss = LossKind::cross_entropy, arma::uword batch_size = 128);

}  // namespace nn
