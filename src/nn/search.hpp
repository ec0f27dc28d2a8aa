// search.hpp -- hyper-parameter search (lesson 8): trials trained and scored on the three
// splits, the winner chosen by the validation split alone, and grid against random layouts
// of a two-axis search at the same budget (Bergstra & Bengio 2012). Also what lesson 8's other
// steps compute (the lesson keeps what it prints and draws): its MLP and runs. Its worked
// examples (steps 1 and 2) are in nn/momentum_example.hpp.
//
// image_mlp(hidden, f, p)        the MLP every experiment of lesson 8 trains (and its tests)
// decay_weights_only(opt, l)     L2 weight decay on the weights, not the biases
// uniform01()                    a uniform number in [0, 1) from nn::rng(): 53 random bits, the
//                                same on every platform (std::uniform_real_distribution is not)
// ScoredTrial, train_and_score   nn::train, then train / validation / test evaluated on the net
//                                it hands back; lowest_validation_loss picks the winner
// LogBox, LogPoint               a point of a search over two log10 axes and its score
// grid_layout(n, box)            the centres of an n x n tiling: only n distinct values per axis
// random_layout(count, box)      each point drawn afresh (x, then y): count distinct values
// score_layout(points, score)    every point's score; a non-finite one counts as 0
// best_score(points)             the highest score (ties: the first)
// compare_grid_random(...)       both layouts of side x side trials, `repeats` times, each repeat
//                                with its own seed; which found the better point, by how much
// quiet_config(epochs)           lesson 8's TrainConfig: batches of 20, quiet, no parameter stats
// SearchTrial, random_search     step 10's trials: units, activation and lambda drawn, scored
// rate_accuracy(point, seed, ..) step 11's score: plain SGD at 10^x, L2 10^y, validation accuracy
// compare_rates(repeats, ..)     step 11's grid-versus-random comparison over rate_box
// optimizer_run, per_layer_run,  the runs of steps 3, 4, 5, 6, 8 and 9 on lesson 8's MLPs: three
// schedule_run, l2_run,          optimizers, learning-rate multipliers, schedules, L2 decay,
// dropout_run,                   dropout and early stopping
// early_stopping_run
// train_with_eval_accuracy       nn::train plus the training accuracy in eval mode per epoch
#pragma once

#include <armadillo>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "nn/dataset.hpp"
#include "nn/optim.hpp"
#include "nn/sequential.hpp"
#include "nn/trainer.hpp"

namespace nn {

// 784 -> hidden -> f -> [Dropout(p) when p > 0] -> 10, f "relu" (He init) or "tanh" (Xavier);
// the output layer starts small (std 0.01) so the initial loss is ln 10; biases 0. Another
// activation throws nn::Error.
Sequential image_mlp(arma::uword hidden, const std::string& activation = "relu", double dropout = 0);
void decay_weights_only(Optimizer& optimizer, double lambda);

double uniform01();

// ---- trials scored on the three splits ------------------------------------------------------
struct ScoredTrial {
  Evaluation train, validation, test;  // of the net nn::train handed back
  int best_epoch = 0;
  std::vector<EpochStats> history;
};

ScoredTrial train_and_score(Sequential& net, Optimizer& optimizer, const TrainConfig& config,
                            const Dataset& train, const Dataset& validation, const Dataset& test);

// The trial with the LOWEST VALIDATION LOSS (ties: the first); the test set is only reported.
template <class Trial>  // anything with .validation.loss, e.g. a ScoredTrial with its settings
std::size_t lowest_validation_loss(const std::vector<Trial>& trials) {
  std::size_t best = 0;
  for (std::size_t i = 1; i < trials.size(); ++i)
    if (trials[i].validation.loss < trials[best].validation.loss) best = i;
  return best;
}

// ---- two-axis layouts ----------------------------------------------------------------------------
struct LogBox {  // log10 ranges of the two axes
  double x_lo = 0, x_hi = 1, y_lo = 0, y_hi = 1;
};

struct LogPoint {
  double x = 0, y = 0;  // log10 of the two hyper-parameters
  double score = 0;     // higher is better, e.g. a validation accuracy
};

std::vector<LogPoint> grid_layout(int n, const LogBox& box);        // n * n points, x-major
std::vector<LogPoint> random_layout(int count, const LogBox& box);  // draws from uniform01()
void score_layout(std::vector<LogPoint>& points, const std::function<double(const LogPoint&)>& score);
std::size_t best_score(const std::vector<LogPoint>& points);

struct GridRandomRepeat {
  LogPoint grid_best, random_best;
  int winner = 0;  // +1 random search, -1 the grid, 0 a tie (scores within `tie`)
};

struct GridRandomComparison {
  std::vector<LogPoint> grid, random;  // repeat 0's trials, scored
  std::vector<GridRandomRepeat> repeats;
  int random_wins = 0, grid_wins = 0, ties = 0;  // over the repeats: they add up to repeats.size()
};

// Repeat r uses seed = base_seed + 100 r: score(point, seed) trains from that seed (the same
// start and batch order for every point), and random search draws its points after
// nn::seed(seed + 2).
GridRandomComparison compare_grid_random(
    int repeats, int side, const LogBox& box, std::uint64_t base_seed, double tie,
    const std::function<double(const LogPoint&, std::uint64_t seed)>& score);

// ---- lesson 8's runs ------------------------------------------------------------------------------
// epochs, batch_size (20: every Fashion-MNIST run of lesson 8), quiet, stats_steps 0.
TrainConfig quiet_config(int epochs, arma::uword batch_size = 20);

// One row of the search: the hyper-parameters drawn, then the costs and accuracies of the net
// the trainer hands back (the best validation epoch's parameters): nn::ScoredTrial.
struct SearchTrial : ScoredTrial {
  arma::uword hidden = 0;
  std::string act = "relu";
  double lambda = 0;  // L2 weight decay
};

// n trials: hidden units from {25, 50, 100, 200}, ReLU or tanh, lambda = 10^U(-5, -1), drawn
// from nn::rng() (seed it first). Each is a fresh MLP (nn::seed(1000 + i)) trained with Adam
// (lr 1e-3), early stopping with patience 3 on the validation split. The winner is the trial
// with the LOWEST VALIDATION LOSS (nn::lowest_validation_loss); the test set is only reported.
std::vector<SearchTrial> random_search(int n, int epochs, const Dataset& train,
                                       const Dataset& validation, const Dataset& test);

// The search as a table, one row per trial, columns search_columns(): units, tanh (0 ReLU, 1
// tanh), lambda, best_epoch, train/val/test loss and accuracy, picked (1 on row `best`) and
// epochs_run.
arma::mat search_table(const std::vector<SearchTrial>& trials, std::size_t best);
std::vector<std::string> search_columns();

// Step 11's box: log10 lr (x) in [-4, -0.5], log10 lambda (y) in [-5, -2].
inline const LogBox rate_box{-4, -0.5, -5, -2};

// A point's score: the same initial MLP 784-50-ReLU-10 (seed), plain SGD at 10^x with L2
// 10^y on the weights, `epochs` epochs; its validation accuracy at the end. A rate whose loss
// passes 3x the initial one stops there (lesson 6's guard, the lecture's "break out early")
// and is scored with the parameters it had before.
double rate_accuracy(const LogPoint& p, std::uint64_t seed, int epochs, const Dataset& train,
                     const Dataset& validation);

// Step 11: compare_grid_random(repeats, 3, rate_box, seed, tie 0.0005) with every point
// scored by rate_accuracy(point, seed of its repeat, epochs, train, validation).
GridRandomComparison compare_rates(int repeats, int epochs, std::uint64_t seed, const Dataset& train,
                                   const Dataset& validation);

// A layout's points sorted by x (ties keep their order), as (n x 2): the rate 10^x, the score.
arma::mat by_rate(const std::vector<LogPoint>& points);

// Step 3: MLP 784-100-ReLU-10 (nn::image_mlp(100) after nn::seed(seed)), `epochs` epochs in
// batches of 20 in the batch order of `seed`, by "sgd" (lr 0.01), "momentum" (SGD lr 0.01,
// mu 0.9) or "adam" (lr 1e-3); another name throws nn::Error. Test and validation measured
// after every epoch; each epoch's row written to tsv_path ("": none). Its trainer history.
TrainResult optimizer_run(const std::string& optimizer, int epochs, std::uint64_t seed,
                          const std::string& tsv_path, const Dataset& train,
                          const Dataset& validation, const Dataset& test);

// Step 4: MLP 784-100-ReLU-10 (nn::image_mlp(100) after nn::seed(seed)), momentum SGD (lr 0.01,
// mu 0.9) with set_lr_multiplier(pattern, multiplier) (none when pattern is empty; a pattern
// that matches no parameter throws nn::Error), one epoch in batches of 20 in the order nn::rng()
// draws next, update ratios measured on up to 100 steps (TrainConfig::stats_steps).
struct PerLayerRun {
  std::vector<ParameterStats> parameters;  // the epoch's, one per parameter, in optimizer order
  std::vector<double> lr;                  // each parameter's rate: lr_of(i)
  double validation_accuracy = 0;          // eval mode, after the epoch
};
PerLayerRun per_layer_run(const std::string& pattern, double multiplier, std::uint64_t seed,
                          const Dataset& train, const Dataset& validation);

// Steps 5 and 6: MLP 784-100-ReLU-10 (nn::image_mlp(100) after nn::seed(seed)), momentum SGD
// (lr 0.01, mu 0.9), `epochs` epochs in batches of 20 in the batch order of `seed`.
// schedule_run: the base rate from `schedule` each epoch, validation measured after every epoch,
// the last epoch's net kept (restore_best off); its trainer history.
TrainResult schedule_run(const Schedule& schedule, int epochs, std::uint64_t seed,
                         const Dataset& train, const Dataset& validation);
// l2_run: L2 decay lambda on the weights (nn::decay_weights_only); the trained net measured.
struct L2Run {
  double w1_norm = 0, w2_norm = 0;  // Frobenius norms of the two Linear layers' weights
  double penalty = 0;               // 0.5 lambda ||W||^2 over both (Optimizer::l2_penalty)
  Evaluation train, validation;     // eval mode, after the last epoch
};
L2Run l2_run(double lambda, int epochs, std::uint64_t seed, const Dataset& train,
             const Dataset& validation);

// nn::train(net, optimizer, train, config, {}, validation) with the training accuracy in eval
// mode (nn::accuracy: dropout off) measured after every epoch; config.on_epoch must be empty.
struct EvalTracked {
  TrainResult result;
  std::vector<double> eval_train;  // (epochs run) training accuracy in eval mode
};
EvalTracked train_with_eval_accuracy(Sequential& net, Optimizer& optimizer, const Dataset& train,
                                     const Dataset& validation, TrainConfig config);
// Step 8: nn::image_mlp(200, "relu", p) after nn::seed(seed), Adam lr 1e-3, `epochs` epochs in
// the batch order of `seed`, the last epoch's net kept; through train_with_eval_accuracy.
EvalTracked dropout_run(double p, int epochs, std::uint64_t seed, const Dataset& train,
                        const Dataset& validation);

// Step 9: Adam (lr 1e-3) on MLP 784-200-ReLU-10 (nn::image_mlp(200) after nn::seed(seed)), at
// most `epochs` epochs in the batch order of `seed`, stopped after `patience` epochs without a
// lower validation loss, ending with the best epoch's parameters (restore_best); the net it
// hands back evaluated on the validation and test splits.
struct EarlyStoppingRun {
  TrainResult result;
  Evaluation validation, test;  // of the net train() handed back
};
EarlyStoppingRun early_stopping_run(int epochs, int patience, std::uint64_t seed, const Dataset& train,
                                    const Dataset& validation, const Dataset& test);

}  // namespace nn
