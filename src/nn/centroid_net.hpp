// centroid_net.hpp -- lesson 10's networks and how they train, in one home for the lesson and
// its tests: the centroid net (no output layer; the last hidden layer is the latent space),
// the cross-entropy MLP with the same body, the training recipe every network of the lesson
// shares, and the epoch loop that plugs CentroidLoss into nn::train.
//
// centroid_net(features, widths)       Linear + LeakyReLU(0.1) per width, (widths.back() x batch)
// cross_entropy_net(features, widths, K)  the same body and an output Linear(widths.back() -> K)
// CentroidRecipe                       widths, epochs, batch size, Adam's lr and weight decay
// train_centroid_net(net, loss, optimizer, train, config, on_refresh)
//   nn::train with custom_loss = loss.forward/backward per batch (the centroids held constant),
//   custom_predict = the nearest centroid, and the centroids recomputed from the whole training
//   set before the first epoch and after every epoch. on_refresh (optional) sees each refresh.
// track_cross_entropy / track_centroid_net: a network trained by that recipe, measured after
//   every epoch into an EpochTable (one row per epoch: the lesson's TSVs and figures), with its
//   final accuracies and the epoch of its best validation accuracy (model selection).
// track_softmax_regression / track_mlp / track_centroid_model: lesson 10's three models on one
//   synthetic data set, each from its own seed.
// latent_view / latent_snapshots: what the lesson draws of a latent space, after training or
//   at chosen epochs while it trains.
#pragma once

#include <armadillo>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "nn/centroid.hpp"
#include "nn/dataset.hpp"
#include "nn/kernel.hpp"
#include "nn/optim.hpp"
#include "nn/sequential.hpp"
#include "nn/synthetic.hpp"
#include "nn/trainer.hpp"

namespace nn {

Sequential centroid_net(arma::uword features, const std::vector<arma::uword>& widths);
Sequential cross_entropy_net(arma::uword features, const std::vector<arma::uword>& widths,
                             arma::uword classes);

// How lesson 10 trains every network (its default; --full changes the fields): Adam with L2
// weight decay (Adam's g + wd w), the same for the centroid net and both baselines.
struct CentroidRecipe {
  std::vector<arma::uword> widths{256, 64};  // hidden layers; the last is the latent space
  int epochs = 15;
  arma::uword batch_size = 32;  // 0: full batches
  double lr = 3e-4;
  double weight_decay = 3e-2;  // chosen on the validation split from 0, 1e-3, 1e-2, 3e-2, 1e-1
                                // (docs/lesson10.md, appendix)

  // The talk's recipe (Kenyon-Dean): 1000 -> 2048 -> 256 -> 4096, full batches, lr 6.5e-4, no
  // weight decay, 100 epochs (its best row: validation 87.9%, test 85.2%); the smaller net
  // 2048 -> 128 -> 2048, batches of 1700, lr 7.5e-4 (validation 87.9%, test 85.8%).
  static CentroidRecipe talk(bool smaller_net = false);
  Adam optimizer(const std::vector<Parameter>& params) const;  // betas 0.9, 0.999, eps 1e-8
  TrainConfig config(std::uint64_t seed) const;  // epochs, batch size, quiet, batch order's seed
};

// One refresh of the centroids: epoch 0 before training (stats null), then after each epoch.
struct CentroidRefresh {
  Sequential& net;
  const CentroidLoss& loss;           // the centroids after the refresh
  int epoch = 0;
  const EpochStats* stats = nullptr;  // the trainer's row of this epoch; null at epoch 0
  const arma::mat& before;            // (latent x K) the centroids before the refresh
  const arma::mat& latent;            // (latent x n) the training set through the net
};

// config.explosion_factor is set to 0 (this loss can be negative: "3x the initial loss" means
// nothing); config.on_epoch must be empty (the refresh uses it: pass on_refresh instead).
TrainResult train_centroid_net(Sequential& net, CentroidLoss& loss, Optimizer& optimizer,
                               const Dataset& train, TrainConfig config,
                               const std::function<void(const CentroidRefresh&)>& on_refresh = {});

// A data set's latent vectors on their first two principal components (nn::principal_components),
// the centroids projected on the same axes, and the nearest-centroid accuracy: what lesson 10
// draws of a latent space.
struct LatentView {
  arma::mat points;  // (2 x n)
  arma::mat marks;   // (2 x K) the centroids
  double accuracy = 0;
};
LatentView latent_view(Sequential& net, const CentroidLoss& loss, const Dataset& set);

// The module whose output is the latent space in centroid_net(features, widths), and the
// bottleneck in cross_entropy_net's body: the last LeakyReLU, 2 widths.size() - 1. Empty
// widths throw nn::Error.
std::size_t latent_module(const std::vector<arma::uword>& widths);

// A data set's latent space at chosen epochs, as lesson 10 draws it while the net trains.
struct LatentSnapshot {
  int epoch = 0;
  LatentView view;
};
// An on_refresh for train_centroid_net / track_centroid_net: at each refresh whose epoch is one
// of `epochs` (0: the untrained net), appends latent_view(net, loss, set) to `into`. `set` and
// `into` must outlive the training.
std::function<void(const CentroidRefresh&)> latent_snapshots(std::vector<int> epochs,
                                                             const Dataset& set,
                                                             std::vector<LatentSnapshot>& into);

// ---- lesson 10's worked examples, shared with its tests ------------------------------------------
arma::mat centroid_example_latent();   // (2 x 6) six 2-D latent vectors of three classes
arma::uvec centroid_example_labels();  // 0 0 1 1 2 2
Sequential centroid_check_net();       // Linear 5->4, LeakyReLU(0.1), Linear 4->3
// The centroids from the net's output on x, then held constant: the loss on that batch, and
// dL/dparameters in the net's gradients (zeroed first). Returns the loss.
double centroid_backward(Sequential& net, CentroidLoss& loss, const arma::mat& x,
                         const arma::uvec& labels);

// The numeric gradient (nn::numeric_gradient, centered differences) of loss.forward(net(x), y)
// with respect to the weight of the Linear at module `layer`, the centroids held as they are;
// the weight is left as it was. A module that is not a Linear throws nn::Error.
arma::mat centroid_numeric_weight_gradient(Sequential& net, CentroidLoss& loss, const arma::mat& x,
                                           const arma::uvec& labels, std::size_t layer);

// The RBF-kernel baseline (nn::kernel_ridge_search) on d's splits: gamma = factor x
// nn::median_gamma(d.train.x) for each of gamma_factors, every ridge lambda; the pair chosen on
// the validation split.
KernelRidgeResult kernel_baseline(const SyntheticData& d, const std::vector<double>& gamma_factors,
                                  const std::vector<double>& ridge_lambdas);

// ---- tracking: one row per epoch ------------------------------------------------------------------
struct EpochTable {
  std::vector<std::string> header;
  std::vector<std::vector<double>> rows;
  arma::vec column(const std::string& name) const;  // (rows); an unknown name throws nn::Error
};

struct TrackedNet {
  Sequential net;
  std::optional<CentroidLoss> loss;  // the centroid net's, with its last centroids
  EpochTable table;
  double train_accuracy = 0, validation_accuracy = 0, test_accuracy = 0, seconds = 0;
  // Model selection by the validation split: the epoch with the best validation accuracy (ties:
  // the earliest) and the test accuracy there (read from the table; the weights are not kept).
  double best_epoch = 0, test_at_best = 0;
  std::size_t parameters = 0;
};

// Called after each new row (table.rows.back()), e.g. to print progress.
using RowHook = std::function<void(const EpochTable&)>;
// Both write the table to `tsv` as it grows (nn::TsvWriter: an interrupted run keeps its rows;
// "" writes nothing).

// Softmax cross-entropy, no early stopping. Columns: epoch train_loss train_accuracy
// validation_accuracy test_accuracy weight_norm grad_norm representation_norm, where the
// representation is the output of module `representation` (the MLP's bottleneck).
TrackedNet track_cross_entropy(Sequential net, const CentroidRecipe& recipe, std::uint64_t seed,
                               std::size_t representation, const Dataset& train,
                               const Dataset& validation, const Dataset& test,
                               const std::string& tsv = "", const RowHook& on_row = {});

// The centroid loss (lambdas 1) through train_centroid_net. Columns: epoch train_loss
// attraction repulsion train_accuracy validation_accuracy test_accuracy weight_norm grad_norm
// representation_norm centroid_norm centroid_move_mean move_0 .. move_{K-1}, where move_k is
// d(E_k before, E_k after the epoch). on_refresh sees every refresh after its row.
TrackedNet track_centroid_net(Sequential net, const CentroidRecipe& recipe, std::uint64_t seed,
                              arma::uword classes, const Dataset& train,
                              const Dataset& validation, const Dataset& test,
                              const std::string& tsv = "", const RowHook& on_row = {},
                              const std::function<void(const CentroidRefresh&)>& on_refresh = {});

// ---- lesson 10's three models on one synthetic data set ----------------------------------------------
// By `recipe` on d's splits (spec: d's features, classes and seed), each net's weights from its own
// seed so that a model trains the same alone (the lesson's --step K) as after the others:
// spec.seed + 1 softmax regression (one Linear), + 2 the cross-entropy MLP (cross_entropy_net; its
// representation the bottleneck, latent_module), + 3 the centroid net; every batch order from
// spec.seed + 10. tsv, on_row and on_refresh as track_cross_entropy's and track_centroid_net's.
TrackedNet track_softmax_regression(const SyntheticData& d, const SyntheticSpec& spec,
                                    const CentroidRecipe& recipe, const std::string& tsv = "",
                                    const RowHook& on_row = {});
TrackedNet track_mlp(const SyntheticData& d, const SyntheticSpec& spec, const CentroidRecipe& recipe,
                     const std::string& tsv = "", const RowHook& on_row = {});
TrackedNet track_centroid_model(const SyntheticData& d, const SyntheticSpec& spec,
                                const CentroidRecipe& recipe, const std::string& tsv = "",
                                const RowHook& on_row = {},
                                const std::function<void(const CentroidRefresh&)>& on_refresh = {});

// ---- lesson 10's summaries ------------------------------------------------------------------------
// Rows of a table of n rows to print when at most `most` fit: every row when n <= most, else
// every ceil(n / most)-th row from the first, and the last row always.
std::vector<std::size_t> spread_rows(std::size_t n, std::size_t most = 16);

// (nets + 1 x 8), one row per model, columns comparison_columns(): model index, parameters,
// train / validation / test accuracy, best validation epoch, test accuracy there, seconds. The
// last row is the kernel ridge baseline, with `kernel_parameters` (its training samples x
// classes), best epoch 0 and its test accuracy "there".
arma::mat comparison_table(const std::vector<const TrackedNet*>& nets, const KernelRidgeResult& kernel,
                           double kernel_parameters);
std::vector<std::string> comparison_columns();

}  // namespace nn
