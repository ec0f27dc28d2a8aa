#include "nn/search.hpp"

#include <cmath>

#include "nn/activations.hpp"
#include "nn/dropout.hpp"
#include "nn/error.hpp"
#include "nn/init.hpp"
#include "nn/linear.hpp"
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
    result.repeats.push_back(rep);
    if (r == 0) {
      result.grid = g;
      result.random = x;
    }
  }
  return result;
}

}  // namespace nn
