#include "nn/stats.hpp"

#include <cmath>
#include <memory>

#include "nn/activations.hpp"
#include "nn/error.hpp"
#include "nn/init.hpp"
#include "nn/linear.hpp"
#include "nn/losses.hpp"
#include "nn/random.hpp"

namespace nn {

// ---- statistics of one matrix and of a network's layers -------------------------------------
// [snippet layer-statistics]
Stats statistics(const arma::mat& values, double saturation) {
  if (values.n_elem == 0) throw Error("statistics: got an empty matrix");
  // Every entry counts, units and samples alike. Two passes over the memory, no temporaries:
  // these matrices are large (500 x 1000), and there are two per layer.
  const double n = static_cast<double>(values.n_elem);
  Stats s;
  s.mean = arma::accu(values) / n;
  double squares = 0, zeros = 0, saturated = 0;
  for (const double v : values) {
    squares += (v - s.mean) * (v - s.mean);
    zeros += v == 0.0;
    saturated += std::abs(v) > saturation;
  }
  s.std = values.n_elem > 1 ? std::sqrt(squares / (n - 1)) : 0.0;  // as arma::stddev
  s.zero_fraction = zeros / n;
  s.saturated_fraction = saturated / n;
  return s;
}

std::vector<Stats> forward_statistics(Sequential& net, const arma::mat& input) {
  net.forward(input);
  std::vector<Stats> per_module;
  for (const arma::mat& output : net.outputs()) per_module.push_back(statistics(output));
  return per_module;
}
// [/snippet]

// [snippet backward-statistics]
std::vector<Stats> backward_statistics(Sequential& net, const arma::mat& grad_output) {
  if (net.outputs().empty()) throw Error("backward_statistics: backward called before forward");
  std::vector<Stats> per_module(net.size());
  arma::mat grad = grad_output;  // dL/d(output of module i), walking down from the top
  for (std::size_t i = net.size(); i-- > 0;) {
    grad = net[i].backward(grad);  // now dL/d(input of module i)
    per_module[i] = statistics(grad);
  }
  return per_module;
}
// [/snippet]

// ---- the deep-net experiment of lesson 5 ----------------------------------------------------
// [snippet deep-net]
Sequential deep_net(std::size_t depth, arma::uword width, const std::string& activation) {
  if (activation != "tanh" && activation != "relu")
    throw Error("deep_net: activation must be \"tanh\" or \"relu\", got \"" + activation + "\"");
  if (depth == 0) throw Error("deep_net: depth must be at least 1");
  Sequential net;
  for (std::size_t l = 0; l < depth; ++l) {
    net.emplace<Linear>(width, width).bias.zeros();  // no bias, as in the classic experiment
    if (activation == "tanh") net.emplace<Tanh>();
    else net.emplace<ReLU>();
  }
  return net;
}
// [/snippet]

namespace {

// Every Linear weight of the net, layer by layer.
void for_each_weight(Sequential& net, const std::function<void(arma::mat&)>& init_weight) {
  for (std::size_t i = 0; i < net.size(); ++i)
    if (auto* linear = dynamic_cast<Linear*>(&net[i])) init_weight(linear->weight);
}

// A scheme that initializes every weight the same way, without looking at data.
std::function<std::vector<int>(Sequential&, const arma::mat&)> every_weight(
    std::function<void(arma::mat&)> init_weight) {
  return [init_weight](Sequential& net, const arma::mat&) {
    for_each_weight(net, init_weight);
    return std::vector<int>();
  };
}

}  // namespace

// [snippet init-schemes]
std::vector<InitScheme> classic_init_schemes(arma::uword width) {
  const double fan_in = static_cast<double>(width);
  return {
      {"0.01 randn, tanh", "tanh",
       every_weight([](arma::mat& w) { init::small_random(w, 0.01); }), 1e-4 * fan_in},
      {"1.0 randn, tanh", "tanh", every_weight(init::unit_gaussian), fan_in},
      {"Xavier, tanh", "tanh", every_weight(init::xavier), 1},
      {"Xavier, ReLU", "relu", every_weight(init::xavier), 1},
      {"He, ReLU", "relu", every_weight(init::he), 2},
      {"orthogonal x sqrt2, ReLU", "relu",
       every_weight([](arma::mat& w) { init::orthogonal(w, std::sqrt(2.0)); }), 2},
      {"LSUV, tanh", "tanh",
       [](Sequential& net, const arma::mat& batch) { return init::lsuv(net, batch); }, 0},
  };
}
// [/snippet]

// [snippet init-experiment]
InitExperiment run_init_experiment(const InitScheme& scheme, std::size_t depth,
                                   arma::uword width, arma::uword batch, std::uint64_t seed,
                                   bool keep_activations) {
  nn::seed(seed);
  const arma::mat input = arma::randn(width, batch);        // (width x batch) X ~ N(0, 1)
  const arma::mat grad_output = arma::randn(width, batch);  // (width x batch) upstream dL/dh_L
  const arma::mat calibration =                             // (width x 256) a minibatch, LSUV's
      arma::randn(width, std::min<arma::uword>(batch, calibration_batch));
  Sequential net = deep_net(depth, width, scheme.activation);
  InitExperiment result;
  result.lsuv_passes = scheme.apply(net, calibration);

  const std::vector<Stats> forward = forward_statistics(net, input);     // per module output
  const std::vector<Stats> backward = backward_statistics(net, grad_output);  // per module input
  for (std::size_t l = 0; l < depth; ++l) {
    const std::size_t linear = 2 * l, nonlinearity = 2 * l + 1;  // module indices of layer l+1
    result.pre_activation.push_back(forward[linear]);
    result.activation.push_back(forward[nonlinearity]);
    result.input_gradient.push_back(backward[linear]);
    result.weight_gradient_std.push_back(
        arma::stddev(arma::vectorise(dynamic_cast<Linear&>(net[linear]).grad_weight)));
    if (keep_activations) result.activations.push_back(net.outputs()[nonlinearity]);
  }
  return result;
}
// [/snippet]

// ---- what theory predicts -------------------------------------------------------------------
namespace {

// E[g(z)] for z ~ N(0, 1): midpoint rule on [-10, 10], 20000 cells (the tails beyond carry
// less than 1e-22 of the mass; a tanh of slope sqrt(500) still spans 40 cells).
double gaussian_expectation(const std::function<double(double)>& g) {
  const int cells = 20000;
  const double lo = -10, width = 20.0 / cells;
  const double norm = 1.0 / std::sqrt(2 * arma::datum::pi);
  double sum = 0;
  for (int k = 0; k < cells; ++k) {
    const double z = lo + (k + 0.5) * width;
    sum += g(z) * norm * std::exp(-0.5 * z * z);
  }
  return sum * width;
}

}  // namespace

// [snippet mean-field]
MeanField mean_field(const std::string& activation, double gain2, std::size_t depth) {
  if (activation != "tanh" && activation != "relu")
    throw Error("mean_field: activation must be \"tanh\" or \"relu\", got \"" + activation + "\"");
  const bool relu = activation == "relu";
  auto f = [relu](double a) { return relu ? std::max(a, 0.0) : std::tanh(a); };
  auto slope = [relu](double a) {  // f'(a)
    if (relu) return a > 0 ? 1.0 : 0.0;
    const double y = std::tanh(a);
    return 1 - y * y;
  };
  MeanField m;
  m.pre_variance.set_size(depth);
  m.mean.set_size(depth);
  m.std.set_size(depth);
  m.grad_std.set_size(depth);
  arma::vec layer_gain2(depth), slope2(depth);  // gain2_l, E[f'(a_l)^2]
  double second_moment = 1;                     // E[h_0^2] = E[x^2] = 1
  for (std::size_t l = 0; l < depth; ++l) {
    layer_gain2(l) = gain2 > 0 ? gain2 : 1 / second_moment;  // LSUV: whatever makes q_l = 1
    const double q = layer_gain2(l) * second_moment;        // Var(W_l h_{l-1})
    const double s = std::sqrt(q);
    m.pre_variance(l) = q;
    m.mean(l) = gaussian_expectation([&](double z) { return f(s * z); });
    second_moment = gaussian_expectation([&](double z) { return f(s * z) * f(s * z); });
    m.std(l) = std::sqrt(std::max(second_moment - m.mean(l) * m.mean(l), 0.0));
    slope2(l) = gaussian_expectation([&](double z) { return slope(s * z) * slope(s * z); });
  }
  double grad_variance = 1;  // the upstream gradient at the top
  for (std::size_t l = depth; l-- > 0;) {
    grad_variance *= layer_gain2(l) * slope2(l);  // through f' and then W_l'
    m.grad_std(l) = std::sqrt(grad_variance);
  }
  return m;
}
// [/snippet]

// ---- dead units (lesson 2) ----------------------------------------------------------------
// [snippet dead-units]
// The share of units (rows) that are zero for every sample (column). Applied to the mask
// relu_backward(z, ones) it counts the dead units: no input sends them any gradient.
double share_of_zero_rows(const arma::mat& m) {  // m: (units x batch)
  const arma::uvec zero_rows = arma::find(arma::max(arma::abs(m), 1) == 0);
  return static_cast<double>(zero_rows.n_elem) / m.n_rows;
}

double dead_relu_share(const arma::mat& pre_activation) {  // (units x batch)
  const arma::mat mask = relu_backward(pre_activation, arma::ones(arma::size(pre_activation)));
  return share_of_zero_rows(mask);
}

double dead_leaky_share(const arma::mat& pre_activation, double gamma) {
  const arma::mat slope =
      leaky_relu_backward(pre_activation, arma::ones(arma::size(pre_activation)), gamma);
  return share_of_zero_rows(slope);
}
// [/snippet]

// [snippet too-large-step]
DeadUnitRun copy_a_layer(std::uint64_t run_seed, double gamma /* 0: ReLU */, double first_lr,
                         double lr, int steps) {
  nn::seed(run_seed);  // every run starts from the same data, teacher and initial layer
  const arma::mat x = arma::randu<arma::mat>(20, 500);  // (20 x 500), never negative
  Linear teacher(20, 100);
  const arma::mat target = relu_forward(teacher.forward(x));  // (100 x 500)
  Linear layer(20, 100);
  std::unique_ptr<Module> activation;
  if (gamma == 0)
    activation = std::make_unique<ReLU>();
  else
    activation = std::make_unique<LeakyReLU>(gamma);
  MSELoss mse;

  DeadUnitRun run{arma::vec(steps + 1), arma::vec(steps + 1), arma::vec(steps + 1)};
  for (int t = 0; t <= steps; ++t) {
    const arma::mat z = layer.forward(x);  // (100 x 500)
    run.loss(t) = mse.forward(activation->forward(z), target);
    const arma::mat grad_z = activation->backward(mse.backward());  // (100 x 500) dL/dz
    run.silent(t) = arma::mean(arma::conv_to<arma::vec>::from(arma::max(z, 1) <= 0));
    run.no_gradient(t) = share_of_zero_rows(grad_z);
    if (t == steps) break;
    layer.zero_grad();
    layer.backward(grad_z);
    const double rate = t == 0 ? first_lr : lr;
    layer.weight -= rate * layer.grad_weight;  // w -= lr * grad, by hand
    layer.bias -= rate * layer.grad_bias;
  }
  return run;
}
// [/snippet]

}  // namespace nn
