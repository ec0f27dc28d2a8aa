#include "nn/centroid_net.hpp"

#include <algorithm>
#include <cmath>
#include <utility>

#include "nn/activations.hpp"
#include "nn/error.hpp"
#include "nn/gradcheck.hpp"
#include "nn/inspect.hpp"
#include "nn/linear.hpp"
#include "nn/random.hpp"
#include "nn/train_log.hpp"

namespace nn {

namespace {

double total_norm(const std::vector<Parameter>& params) {
  double s = 0;
  for (const auto& p : params) s += arma::accu(arma::square(*p.value));
  return std::sqrt(s);
}

// The trainer's batch gradient norms, combined over parameters.
double gradient_norm(const EpochStats& stats) {
  double s = 0;
  for (const auto& p : stats.parameters) s += p.grad_norm * p.grad_norm;
  return std::sqrt(s);
}

double mean_column_norm(const arma::mat& h) {
  return arma::mean(arma::sqrt(arma::sum(arma::square(h), 0)));
}

std::size_t count_parameters(Sequential& net) {
  std::size_t n = 0;
  for (const auto& p : net.parameters()) n += p.value->n_elem;
  return n;
}

double accuracy_or_nan(Module& net, const Dataset& set) {
  return set.n_samples() ? accuracy(net, set.x, set.y) : arma::datum::nan;
}

// After each new row: the file, then the caller's hook.
void append_row(TrackedNet& m, std::vector<double> row, TsvWriter& writer, const RowHook& on_row) {
  writer.row(row);
  m.table.rows.push_back(std::move(row));
  if (on_row) on_row(m.table);
}

void select_best(TrackedNet& m) {
  const arma::uword best = m.table.column("validation_accuracy").index_max();  // ties: earliest
  m.best_epoch = m.table.column("epoch")[best];
  m.test_at_best = m.table.column("test_accuracy")[best];
}

}  // namespace

// [snippet centroid-net]
// The centroid net: Linear + LeakyReLU(0.1) per hidden layer; the last LeakyReLU's output IS
// the latent space (no output layer). The LeakyReLU on the bottleneck matters: without it (a
// plain Linear output) the best validation accuracy falls from ~47% to ~28% (docs/lesson10.md).
// Lesson 10's default 1000 -> 256 -> 64; the talk's recipe (--full) 1000 -> 2048 -> 256 -> 4096.
Sequential centroid_net(arma::uword features, const std::vector<arma::uword>& widths) {
  Sequential net;
  arma::uword in = features;
  for (arma::uword width : widths) {
    net.emplace<Linear>(in, width);  // (width x batch)
    net.emplace<LeakyReLU>(0.1);
    in = width;
  }
  return net;  // output: h = f(x), (latent x batch)
}

// The cross-entropy MLP: the same body and an output layer on the bottleneck.
Sequential cross_entropy_net(arma::uword features, const std::vector<arma::uword>& widths,
                             arma::uword classes) {
  Sequential net = centroid_net(features, widths);
  net.emplace<Linear>(widths.back(), classes);  // (classes x batch): class scores
  return net;
}
// [/snippet]

CentroidRecipe CentroidRecipe::talk(bool smaller_net) {
  CentroidRecipe r;
  r.widths = {2048, 256, 4096};
  r.batch_size = 0;  // full batches of 3400
  r.lr = 6.5e-4;
  r.weight_decay = 0;
  r.epochs = 100;
  if (smaller_net) {
    r.widths = {2048, 128, 2048};
    r.batch_size = 1700;
    r.lr = 7.5e-4;
  }
  return r;
}

Adam CentroidRecipe::optimizer(const std::vector<Parameter>& params) const {
  return Adam(params, lr, 0.9, 0.999, 1e-8, weight_decay);
}

TrainConfig CentroidRecipe::config(std::uint64_t seed) const {
  TrainConfig c;
  c.epochs = epochs;
  c.batch_size = batch_size;
  c.quiet = true;
  c.seed = seed;
  return c;
}

TrainResult train_centroid_net(Sequential& net, CentroidLoss& loss, Optimizer& optimizer,
                               const Dataset& train, TrainConfig config,
                               const std::function<void(const CentroidRefresh&)>& on_refresh) {
  if (config.on_epoch)
    throw Error("train_centroid_net: config.on_epoch is taken by the centroid refresh; "
                "pass on_refresh instead");
  // [snippet centroid-training]
  config.explosion_factor = 0;  // this loss can be negative: "3x the initial loss" means nothing
  // A batch: the loss against the centroids of the moment, which backward treats as constants.
  config.custom_loss = [&](const arma::mat& latent, const arma::uvec& labels, arma::mat& grad) {
    const double value = loss.forward(latent, labels);
    grad = loss.backward();  // (latent x batch)
    return value;
  };
  config.custom_predict = [&](const arma::mat& latent) { return loss.predict(latent); };
  // Before the first epoch and after every epoch: E_c from the whole training set.
  auto refresh = [&](int epoch, const EpochStats* stats) {
    const arma::mat before = loss.centroids();                     // (latent x K)
    const arma::mat h_train = forward_in_batches(net, train.x);  // (latent x n)
    loss.update_centroids(h_train, train.y);
    if (on_refresh) on_refresh(CentroidRefresh{net, loss, epoch, stats, before, h_train});
  };
  refresh(0, nullptr);
  config.on_epoch = [&](const EpochStats& s) { refresh(s.epoch, &s); };
  // [/snippet]
  return nn::train(net, optimizer, train, config);
}

arma::mat centroid_example_latent() {
  return arma::mat{{1.0, 0.8, -0.2, -1.0, 0.1, 0.6}, {0.1, 0.4, 1.0, 0.3, -1.0, -0.7}};
}

arma::uvec centroid_example_labels() { return arma::uvec{0, 0, 1, 1, 2, 2}; }

Sequential centroid_check_net() {
  Sequential net;
  net.emplace<Linear>(5, 4);
  net.emplace<LeakyReLU>(0.1);
  net.emplace<Linear>(4, 3);
  return net;
}

double centroid_backward(Sequential& net, CentroidLoss& loss, const arma::mat& x,
                         const arma::uvec& labels) {
  loss.update_centroids(net.forward(x), labels);  // then held constant
  net.zero_grad();
  const double value = loss.forward(net.forward(x), labels);
  net.backward(loss.backward());
  return value;
}

LatentView latent_view(Sequential& net, const CentroidLoss& loss, const Dataset& set) {
  const arma::mat h = forward_in_batches(net, set.x);  // (latent x n)
  const PrincipalComponents pc = principal_components(h, 2);
  LatentView view;
  view.points = pc.scores;                                             // (2 x n)
  view.marks = pc.axes.t() * (loss.centroids().each_col() - pc.mean);  // (2 x K)
  view.accuracy = accuracy(loss.predict(h), set.y);
  return view;
}

std::size_t latent_module(const std::vector<arma::uword>& widths) {
  if (widths.empty()) throw Error("latent_module: no widths, so no latent space");
  return 2 * widths.size() - 1;  // Linear, LeakyReLU per width
}

std::function<void(const CentroidRefresh&)> latent_snapshots(std::vector<int> epochs,
                                                             const Dataset& set,
                                                             std::vector<LatentSnapshot>& into) {
  return [epochs = std::move(epochs), &set, &into](const CentroidRefresh& e) {
    if (std::find(epochs.begin(), epochs.end(), e.epoch) != epochs.end())
      into.push_back({e.epoch, latent_view(e.net, e.loss, set)});
  };
}

arma::vec EpochTable::column(const std::string& name) const {
  const auto at = std::find(header.begin(), header.end(), name);
  if (at == header.end()) throw Error("EpochTable::column: no column \"" + name + "\"");
  arma::vec v(rows.size());
  for (std::size_t r = 0; r < rows.size(); ++r) v[r] = rows[r].at(at - header.begin());
  return v;
}

TrackedNet track_cross_entropy(Sequential net, const CentroidRecipe& recipe, std::uint64_t seed,
                               std::size_t representation, const Dataset& train,
                               const Dataset& validation, const Dataset& test,
                               const std::string& tsv, const RowHook& on_row) {
  TrackedNet m;
  m.net = std::move(net);
  Adam optimizer = recipe.optimizer(m.net.parameters());
  TrainConfig config = recipe.config(seed);
  config.restore_best = false;  // no early stopping: every model trains as long
  m.table.header = {"epoch", "train_loss", "train_accuracy", "validation_accuracy",
                    "test_accuracy", "weight_norm", "grad_norm", "representation_norm"};
  TsvWriter writer(tsv);
  writer.row(m.table.header);
  config.on_epoch = [&](const EpochStats& s) {
    const arma::mat h = layer_output(m.net, train.x, representation);
    append_row(m, {double(s.epoch), s.train_loss, accuracy(m.net, train.x, train.y),
                   s.validation_accuracy, s.test_accuracy, total_norm(m.net.parameters()),
                   gradient_norm(s), mean_column_norm(h)}, writer, on_row);
  };
  m.seconds = nn::train(m.net, optimizer, train, config, test, validation).seconds;
  m.train_accuracy = accuracy(m.net, train.x, train.y);
  m.test_accuracy = accuracy(m.net, test.x, test.y);
  m.validation_accuracy = accuracy_or_nan(m.net, validation);
  m.parameters = count_parameters(m.net);
  select_best(m);
  return m;
}

namespace {

// One row of the centroid net's table, after the centroids of an epoch were recomputed.
std::vector<double> centroid_row(const CentroidRefresh& e, CentroidLoss& loss, const Dataset& train,
                                 const Dataset& validation, const Dataset& test) {
  const arma::mat& after = loss.centroids();
  arma::vec moved(after.n_cols);  // how far each centroid turned: d(E_c before, E_c after)
  for (arma::uword k = 0; k < after.n_cols; ++k)
    moved[k] = cosine_distance(e.before.col(k), after.col(k));
  const double train_loss = loss.forward(e.latent, train.y);  // attraction, repulsion too
  auto accuracy_on = [&](const Dataset& set) {
    return set.n_samples() ? accuracy(loss.predict(forward_in_batches(e.net, set.x)), set.y)
                           : arma::datum::nan;
  };
  std::vector<double> row = {
      double(e.epoch), train_loss, loss.attraction(), loss.repulsion(),
      accuracy(loss.predict(e.latent), train.y), accuracy_on(validation), accuracy_on(test),
      total_norm(e.net.parameters()), gradient_norm(*e.stats), mean_column_norm(e.latent),
      mean_column_norm(after), arma::mean(moved)};
  for (double v : moved) row.push_back(v);
  return row;
}

}  // namespace

TrackedNet track_centroid_net(Sequential net, const CentroidRecipe& recipe, std::uint64_t seed,
                              arma::uword classes, const Dataset& train,
                              const Dataset& validation, const Dataset& test,
                              const std::string& tsv, const RowHook& on_row,
                              const std::function<void(const CentroidRefresh&)>& on_refresh) {
  TrackedNet m;
  m.net = std::move(net);
  CentroidLoss loss(classes, 1.0, 1.0);
  Adam optimizer = recipe.optimizer(m.net.parameters());
  m.table.header = {"epoch", "train_loss", "attraction", "repulsion", "train_accuracy",
                    "validation_accuracy", "test_accuracy", "weight_norm", "grad_norm",
                    "representation_norm", "centroid_norm", "centroid_move_mean"};
  for (arma::uword k = 0; k < classes; ++k) m.table.header.push_back("move_" + std::to_string(k));
  TsvWriter writer(tsv);
  writer.row(m.table.header);
  auto refreshed = [&](const CentroidRefresh& e) {
    if (e.stats) append_row(m, centroid_row(e, loss, train, validation, test), writer, on_row);
    if (on_refresh) on_refresh(e);
  };
  m.seconds = train_centroid_net(m.net, loss, optimizer, train, recipe.config(seed), refreshed).seconds;
  const auto& last = m.table.rows.back();
  m.train_accuracy = last[4];
  m.validation_accuracy = last[5];
  m.test_accuracy = last[6];
  m.parameters = count_parameters(m.net);
  m.loss = loss;
  select_best(m);
  return m;
}

TrackedNet track_softmax_regression(const SyntheticData& d, const SyntheticSpec& spec,
                                    const CentroidRecipe& recipe, const std::string& tsv,
                                    const RowHook& on_row) {
  nn::seed(spec.seed + 1);
  Sequential net;
  net.emplace<Linear>(spec.features, spec.classes);  // (classes x batch): class scores
  return track_cross_entropy(std::move(net), recipe, spec.seed + 10, 0, d.train, d.validation,
                             d.test, tsv, on_row);
}

TrackedNet track_mlp(const SyntheticData& d, const SyntheticSpec& spec, const CentroidRecipe& recipe,
                     const std::string& tsv, const RowHook& on_row) {
  nn::seed(spec.seed + 2);
  return track_cross_entropy(cross_entropy_net(spec.features, recipe.widths, spec.classes), recipe,
                             spec.seed + 10, latent_module(recipe.widths), d.train, d.validation,
                             d.test, tsv, on_row);
}

TrackedNet track_centroid_model(const SyntheticData& d, const SyntheticSpec& spec,
                                const CentroidRecipe& recipe, const std::string& tsv,
                                const RowHook& on_row,
                                const std::function<void(const CentroidRefresh&)>& on_refresh) {
  nn::seed(spec.seed + 3);
  return track_centroid_net(centroid_net(spec.features, recipe.widths), recipe, spec.seed + 10,
                            spec.classes, d.train, d.validation, d.test, tsv, on_row, on_refresh);
}

arma::mat centroid_numeric_weight_gradient(Sequential& net, CentroidLoss& loss, const arma::mat& x,
                                           const arma::uvec& labels, std::size_t layer) {
  auto* linear = layer < net.size() ? dynamic_cast<Linear*>(&net[layer]) : nullptr;
  if (!linear) throw Error("centroid_numeric_weight_gradient: module " + std::to_string(layer) + " is not a Linear");
  const arma::mat weight = linear->weight;
  return numeric_gradient(
      [&](const arma::mat& w) {
        linear->weight = w;
        const double value = loss.forward(net.forward(x), labels);
        linear->weight = weight;
        return value;
      },
      weight);
}

// [snippet kernel-baseline]
// The RBF-kernel baseline: kernel ridge regression on one-hot targets (nn::kernel_ridge_search:
// one LAPACK eigendecomposition per gamma serves every lambda), gamma and lambda chosen on the
// validation split. gamma is scaled from the median heuristic, 1 / median ||x_i - x_j||^2.
KernelRidgeResult kernel_baseline(const SyntheticData& d, const std::vector<double>& gamma_factors,
                                  const std::vector<double>& ridge_lambdas) {
  const double g0 = median_gamma(d.train.x);
  std::vector<double> gammas;
  for (double f : gamma_factors) gammas.push_back(f * g0);
  return kernel_ridge_search(d.train, d.validation, d.test, gammas, ridge_lambdas);
}
// [/snippet]

std::vector<std::size_t> spread_rows(std::size_t n, std::size_t most) {
  if (most == 0) throw Error("spread_rows: at most 0 rows");
  std::vector<std::size_t> picked;
  if (n == 0) return picked;
  const std::size_t every = (n + most - 1) / most;
  for (std::size_t r = 0; r < n; r += every) picked.push_back(r);
  if (picked.back() + 1 != n) picked.push_back(n - 1);
  return picked;
}

arma::mat comparison_table(const std::vector<const TrackedNet*>& nets, const KernelRidgeResult& kernel,
                           double kernel_parameters) {
  arma::mat table(nets.size() + 1, 8);
  for (std::size_t i = 0; i < nets.size(); ++i) {
    const TrackedNet& m = *nets[i];
    table.row(i) = arma::rowvec{double(i), double(m.parameters), m.train_accuracy,
                                m.validation_accuracy, m.test_accuracy, m.best_epoch,
                                m.test_at_best, m.seconds};
  }
  table.row(nets.size()) = arma::rowvec{double(nets.size()), kernel_parameters, kernel.train_accuracy,
                                        kernel.validation_accuracy, kernel.test_accuracy, 0,
                                        kernel.test_accuracy, kernel.seconds};
  return table;
}

std::vector<std::string> comparison_columns() {
  return {"model", "parameters", "train_accuracy", "validation_accuracy", "test_accuracy",
          "best_validation_epoch", "test_accuracy_at_best", "seconds"};
}

}  // namespace nn
