#include "nn/search.hpp"

#include <algorithm>
#include <cmath>
#include <memory>

#include "nn/activations.hpp"
#include "nn/dropout.hpp"
#include "nn/error.hpp"
#include "nn/init.hpp"
#include "nn/linear.hpp"
#include "nn/losses.hpp"
#include "nn/random.hpp"

namespace nn {

// [snippet opt-mlp]
// 784 -> hidden -> f -> [Dropout(p)] -> 10. The hidden layer is He-initialized for ReLU,
// Xavier for tanh; the output layer starts small (std 0.01) so the initial loss is ln 10.
Sequential image_mlp(arma::uword hidden, const std::string& activation, double dropout) {
  if (activation != "relu" && activation != "tanh")
    throw Error("image_mlp: activation \"" + activation + "\" (relu or tanh)");
  Sequential net;
  Linear& fc1 = net.emplace<Linear>(784, hidden);
  if (activation == "relu") {
    init::he(fc1.weight);
    net.emplace<ReLU>();
  } else {
    init::xavier(fc1.weight);
    net.emplace<Tanh>();
  }
  fc1.bias.zeros();
  if (dropout > 0) net.emplace<Dropout>(dropout);
  Linear& fc2 = net.emplace<Linear>(hidden, 10);
  init::small_random(fc2.weight, 0.01);
  fc2.bias.zeros();
  return net;
}

// L2 weight decay on the weights only: the biases are not decayed.
void decay_weights_only(Optimizer& optimizer, double lambda) {
  optimizer.set_weight_decay(lambda);
  optimizer.set_weight_decay("bias", 0.0);
}
// [/snippet]

double uniform01() { return static_cast<double>(rng()() >> 11) * 0x1.0p-53; }

ScoredTrial train_and_score(Sequential& net, Optimizer& optimizer, const TrainConfig& config,
                            const Dataset& train, const Dataset& validation, const Dataset& test) {
  const TrainResult result = nn::train(net, optimizer, train, config, {}, validation);
  ScoredTrial t;
  t.best_epoch = result.best_epoch;
  t.history = result.history;
  t.train = evaluate(net, train.x, train.y);
  t.validation = evaluate(net, validation.x, validation.y);
  t.test = evaluate(net, test.x, test.y);
  return t;
}

// [snippet search-layouts]
std::vector<LogPoint> grid_layout(int n, const LogBox& box) {
  std::vector<LogPoint> points;
  for (int i = 0; i < n; ++i)
    for (int j = 0; j < n; ++j)
      points.push_back({box.x_lo + (box.x_hi - box.x_lo) * (i + 0.5) / n,
                        box.y_lo + (box.y_hi - box.y_lo) * (j + 0.5) / n});
  return points;
}

std::vector<LogPoint> random_layout(int count, const LogBox& box) {
  std::vector<LogPoint> points(count);
  for (LogPoint& p : points) {
    p.x = box.x_lo + (box.x_hi - box.x_lo) * uniform01();
    p.y = box.y_lo + (box.y_hi - box.y_lo) * uniform01();
  }
  return points;
}
// [/snippet]

void score_layout(std::vector<LogPoint>& points, const std::function<double(const LogPoint&)>& score) {
  for (LogPoint& p : points) {
    const double s = score(p);
    p.score = std::isfinite(s) ? s : 0.0;
  }
}

std::size_t best_score(const std::vector<LogPoint>& points) {
  if (points.empty()) throw Error("best_score: no points");
  std::size_t best = 0;
  for (std::size_t i = 1; i < points.size(); ++i)
    if (points[i].score > points[best].score) best = i;
  return best;
}

GridRandomComparison compare_grid_random(
    int repeats, int side, const LogBox& box, std::uint64_t base_seed, double tie,
    const std::function<double(const LogPoint&, std::uint64_t seed)>& score) {
  if (repeats < 1 || side < 1)
    throw Error("compare_grid_random: " + std::to_string(repeats) + " repeats of " +
                std::to_string(side) + " x " + std::to_string(side) + " trials");
  GridRandomComparison result;
  for (int r = 0; r < repeats; ++r) {
    const std::uint64_t seed = base_seed + 100 * r;
    std::vector<LogPoint> g = grid_layout(side, box);
    nn::seed(seed + 2);
    std::vector<LogPoint> x = random_layout(side * side, box);
    auto at_seed = [&](const LogPoint& p) { return score(p, seed); };
    score_layout(g, at_seed);
    score_layout(x, at_seed);
    GridRandomRepeat rep{g[best_score(g)], x[best_score(x)], 0};
    const double gap = rep.random_best.score - rep.grid_best.score;
    rep.winner = gap > tie ? 1 : gap < -tie ? -1 : 0;
    result.random_wins += rep.winner == 1;
    result.grid_wins += rep.winner == -1;
    result.ties += rep.winner == 0;
    result.repeats.push_back(rep);
    if (r == 0) {
      result.grid = g;
      result.random = x;
    }
  }
  return result;
}

TrainConfig quiet_config(int epochs, arma::uword batch_size) {
  TrainConfig config;
  config.epochs = epochs;
  config.batch_size = batch_size;
  config.quiet = true;
  config.stats_steps = 0;
  return config;
}

// [snippet opt-search]
// n trials: hidden units from {25, 50, 100, 200}, ReLU or tanh, lambda = 10^U(-5, -1). Each is
// a fresh MLP trained with Adam (lr 1e-3), early stopping with patience 3 on the validation
// split. The winner is the trial with the LOWEST VALIDATION LOSS (nn::lowest_validation_loss);
// the test set is only reported.
std::vector<SearchTrial> random_search(int n, int epochs, const Dataset& train,
                                       const Dataset& validation, const Dataset& test) {
  if (n < 1) throw Error("random_search: " + std::to_string(n) + " trials");
  const arma::uword units[] = {25, 50, 100, 200};
  std::vector<SearchTrial> trials(n);
  for (SearchTrial& t : trials) {
    t.hidden = units[rng()() % 4];
    t.act = rng()() % 2 == 0 ? "relu" : "tanh";
    t.lambda = std::pow(10.0, -5 + 4 * uniform01());
  }
  for (std::size_t i = 0; i < trials.size(); ++i) {
    SearchTrial& t = trials[i];
    nn::seed(1000 + i);  // each trial its own initial weights and batch order
    Sequential net = image_mlp(t.hidden, t.act);
    Adam adam(net.parameters(), 1e-3);
    decay_weights_only(adam, t.lambda);
    TrainConfig config = quiet_config(epochs);
    config.patience = 3;
    static_cast<ScoredTrial&>(t) = train_and_score(net, adam, config, train, validation, test);
  }
  return trials;
}
// [/snippet]

arma::mat search_table(const std::vector<SearchTrial>& trials, std::size_t best) {
  arma::mat rows(trials.size(), 12);
  for (std::size_t i = 0; i < trials.size(); ++i) {
    const SearchTrial& r = trials[i];
    rows.row(i) = arma::rowvec{double(r.hidden), r.act == "relu" ? 0.0 : 1.0, r.lambda,
                               double(r.best_epoch), r.train.loss, r.train.accuracy,
                               r.validation.loss, r.validation.accuracy, r.test.loss,
                               r.test.accuracy, i == best ? 1.0 : 0.0, double(r.history.size())};
  }
  return rows;
}

std::vector<std::string> search_columns() {
  return {"units", "tanh", "lambda", "best_epoch", "train_loss", "train_accuracy",
          "val_loss", "val_accuracy", "test_loss", "test_accuracy", "picked", "epochs_run"};
}

// [snippet grid-vs-random]
// Grid versus random search at the same budget (Bergstra & Bengio 2012, as the babysitting
// lecture shows it): n x n trials over log10 lr (x) in [-4, -0.5] and log10 lambda (y) in
// [-5, -2] (nn::rate_box). The grid (nn::grid_layout) takes the centres of an n x n tiling, so
// it tries only n distinct rates; random search (nn::random_layout) draws every trial's
// (lr, lambda) afresh, so n^2 distinct rates. When one axis (the rate) matters and the other
// (lambda, in a short run) hardly does, the random layout explores the axis that matters n
// times more finely.
//
// A point's score: the same initial MLP 784-50-ReLU-10 (seed), plain SGD at 10^x with L2
// 10^y on the weights, `epochs` epochs; its validation accuracy at the end.
double rate_accuracy(const LogPoint& p, std::uint64_t seed, int epochs, const Dataset& train,
                     const Dataset& validation) {
  nn::seed(seed);
  Sequential net = image_mlp(50);
  SGD sgd(net.parameters(), std::pow(10.0, p.x));
  decay_weights_only(sgd, std::pow(10.0, p.y));
  TrainConfig config = quiet_config(epochs);
  config.seed = seed;  // the same batch order for every point
  // A rate whose loss passes 3x the initial one stops there (lesson 6's guard, the
  // lecture's "break out early") and is scored with the parameters it had before.
  nn::train(net, sgd, train, config);
  return evaluate(net, validation.x, validation.y).accuracy;  // non-finite: scored 0
}
// [/snippet]

GridRandomComparison compare_rates(int repeats, int epochs, std::uint64_t seed, const Dataset& train,
                                   const Dataset& validation) {
  return compare_grid_random(repeats, 3, rate_box, seed, 0.0005, [&](const LogPoint& p, std::uint64_t s) {
    return rate_accuracy(p, s, epochs, train, validation);
  });
}

arma::mat by_rate(const std::vector<LogPoint>& points) {
  std::vector<LogPoint> sorted = points;
  std::stable_sort(sorted.begin(), sorted.end(),
                   [](const LogPoint& a, const LogPoint& b) { return a.x < b.x; });
  arma::mat rate_score(sorted.size(), 2);
  for (std::size_t i = 0; i < sorted.size(); ++i) {
    rate_score(i, 0) = std::pow(10.0, sorted[i].x);
    rate_score(i, 1) = sorted[i].score;
  }
  return rate_score;
}

// [snippet three-optimizers]
TrainResult optimizer_run(const std::string& optimizer, int epochs, std::uint64_t seed,
                          const std::string& tsv_path, const Dataset& train,
                          const Dataset& validation, const Dataset& test) {
  nn::seed(seed);
  Sequential net = image_mlp(100);
  std::unique_ptr<Optimizer> chosen;
  if (optimizer == "sgd") chosen = std::make_unique<SGD>(net.parameters(), 0.01);
  else if (optimizer == "momentum") chosen = std::make_unique<SGD>(net.parameters(), 0.01, 0.9);
  else if (optimizer == "adam") chosen = std::make_unique<Adam>(net.parameters(), 1e-3);
  else throw Error("optimizer_run: optimizer \"" + optimizer + "\" (sgd, momentum or adam)");
  TrainConfig config = quiet_config(epochs);
  config.seed = seed;  // the same batch order for all three
  config.tsv_path = tsv_path;
  return nn::train(net, *chosen, train, config, test, validation);
}
// [/snippet]

PerLayerRun per_layer_run(const std::string& pattern, double multiplier, std::uint64_t seed,
                          const Dataset& train, const Dataset& validation) {
  nn::seed(seed);
  Sequential net = image_mlp(100);
  SGD sgd(net.parameters(), 0.01, 0.9);
  // [snippet per-layer-run]
  // Parameter i steps with lr_of(i) = lr * multiplier_i; the pattern picks parameters by name.
  if (!pattern.empty()) sgd.set_lr_multiplier(pattern, multiplier);
  // [/snippet]
  TrainConfig config = quiet_config(1);
  config.stats_steps = 100;
  const TrainResult result = nn::train(net, sgd, train, config);
  PerLayerRun run;
  run.parameters = result.history.back().parameters;
  for (std::size_t i = 0; i < sgd.size(); ++i) run.lr.push_back(sgd.lr_of(i));
  run.validation_accuracy = accuracy(net, validation.x, validation.y);
  return run;
}

TrainResult schedule_run(const Schedule& schedule, int epochs, std::uint64_t seed,
                         const Dataset& train, const Dataset& validation) {
  nn::seed(seed);
  Sequential net = image_mlp(100);
  SGD sgd(net.parameters(), 0.01, 0.9);
  TrainConfig config = quiet_config(epochs);
  config.seed = seed;
  config.lr_schedule = schedule;
  config.restore_best = false;  // report the last epoch's net
  return nn::train(net, sgd, train, config, {}, validation);
}

L2Run l2_run(double lambda, int epochs, std::uint64_t seed, const Dataset& train,
             const Dataset& validation) {
  nn::seed(seed);
  Sequential net = image_mlp(100);
  SGD sgd(net.parameters(), 0.01, 0.9);
  decay_weights_only(sgd, lambda);
  TrainConfig config = quiet_config(epochs);
  config.seed = seed;
  nn::train(net, sgd, train, config);
  L2Run run;
  run.w1_norm = arma::norm(dynamic_cast<Linear&>(net[0]).weight, "fro");
  run.w2_norm = arma::norm(dynamic_cast<Linear&>(net[2]).weight, "fro");
  run.penalty = sgd.l2_penalty();
  run.train = evaluate(net, train.x, train.y);
  run.validation = evaluate(net, validation.x, validation.y);
  return run;
}

EvalTracked train_with_eval_accuracy(Sequential& net, Optimizer& optimizer, const Dataset& train,
                                     const Dataset& validation, TrainConfig config) {
  if (config.on_epoch) throw Error("train_with_eval_accuracy: config.on_epoch is taken");
  EvalTracked tracked;
  config.on_epoch = [&](const EpochStats&) {
    tracked.eval_train.push_back(accuracy(net, train.x, train.y));
  };
  tracked.result = nn::train(net, optimizer, train, config, {}, validation);
  return tracked;
}

EvalTracked dropout_run(double p, int epochs, std::uint64_t seed, const Dataset& train,
                        const Dataset& validation) {
  nn::seed(seed);
  Sequential net = image_mlp(200, "relu", p);
  Adam adam(net.parameters(), 1e-3);
  TrainConfig config = quiet_config(epochs);
  config.seed = seed;
  config.restore_best = false;  // report the last epoch's net
  return train_with_eval_accuracy(net, adam, train, validation, config);
}

EarlyStoppingRun early_stopping_run(int epochs, int patience, std::uint64_t seed, const Dataset& train,
                                    const Dataset& validation, const Dataset& test) {
  nn::seed(seed);
  Sequential net = image_mlp(200);
  Adam adam(net.parameters(), 1e-3);
  // [snippet early-stopping-config]
  TrainConfig config = quiet_config(epochs);
  config.seed = seed;
  config.patience = patience;  // epochs without a lower validation loss
  config.restore_best = true;  // end with the best epoch's parameters
  EarlyStoppingRun run;
  run.result = nn::train(net, adam, train, config, test, validation);
  // [/snippet]
  run.validation = evaluate(net, validation.x, validation.y);
  run.test = evaluate(net, test.x, test.y);
  return run;
}

}  // namespace nn
