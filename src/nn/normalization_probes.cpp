#include "nn/normalization_probes.hpp"

#include <cmath>
#include <iomanip>
#include <sstream>
#include <string>

#include "nn/avgpool2d.hpp"
#include "nn/blocks.hpp"
#include "nn/conv2d.hpp"
#include "nn/error.hpp"
#include "nn/losses.hpp"
#include "nn/maxpool2d.hpp"
#include "nn/random.hpp"
#include "nn/stats.hpp"
#include "nn/trainer.hpp"

namespace nn {

DepthProfile depth_profile(Sequential& net, const arma::mat& input, const arma::mat& grad_output,
                           std::size_t depth) {
  if (depth == 0 || net.size() % depth != 0)
    throw Error("depth_profile: " + std::to_string(net.size()) + " modules do not make " +
                std::to_string(depth) + " equal layers");
  const std::size_t per_layer = net.size() / depth;  // modules per layer
  const std::vector<Stats> forward = forward_statistics(net, input);
  const std::vector<Stats> backward = backward_statistics(net, grad_output);
  DepthProfile profile{arma::vec(depth), arma::vec(depth)};
  for (std::size_t l = 0; l < depth; ++l) {
    profile.activation_std(l) = forward[per_layer * l + per_layer - 1].std;  // after f
    profile.gradient_std(l) = backward[per_layer * l].std;                  // at the input
  }
  return profile;
}

std::vector<double> first_batch_losses(Module& net, Optimizer& optimizer, const Dataset& data,
                                       arma::uword steps, arma::uword batch_size) {
  SoftmaxCrossEntropy criterion;
  std::vector<double> losses;
  for (arma::uword k = 0; k < steps && (k + 1) * batch_size <= data.n_samples(); ++k) {
    const arma::uword first = k * batch_size, last = first + batch_size - 1;
    const arma::mat x = data.x.cols(first, last);  // (features x batch_size)
    net.zero_grad();
    const double loss = criterion.forward(net.forward(x), data.y.subvec(first, last));
    if (!std::isfinite(loss)) break;  // the outputs overflowed
    losses.push_back(loss);
    net.backward(criterion.backward());
    optimizer.step();
  }
  return losses;
}

RegionCounts region_counts(const arma::mat& weight, const arma::vec& bias) {
  RegionCounts r;
  const SampleGrid grid = region_sample_grid(weight, bias);
  r.counted = count_regions(weight, bias, grid.xs, grid.ys);
  r.formula = arrangement_regions(weight.n_rows, 2);
  r.grid_points = grid.xs.n_elem * grid.ys.n_elem;
  r.extent = grid.vertices.is_empty() ? 2.0 : 1.1 * arma::abs(grid.vertices).max() + 0.5;
  r.uniform = region_image(weight, bias, r.extent, 400).max() + 1;
  return r;
}

arma::uword parameter_count(Module& net) {
  arma::uword count = 0;
  for (const Parameter& p : net.parameters()) count += p.value->n_elem;
  return count;
}

RegionTable region_table(arma::uword max_units) {
  RegionTable t{{}, arma::vec(max_units), arma::vec(max_units), arma::vec(max_units), {}, {}};
  for (arma::uword n = 1; n <= max_units; ++n) {
    t.weight = arma::randn(n, 2);
    t.bias = arma::randn(n);
    t.rows.push_back(region_counts(t.weight, t.bias));
    t.formula(n - 1) = t.rows.back().formula;
    t.counted(n - 1) = t.rows.back().counted;
    t.uniform(n - 1) = t.rows.back().uniform;
  }
  return t;
}

// The side of a receptive field: how many rows of the map any path reaches.
arma::uword field_side(const arma::mat& paths) { return arma::uvec(arma::find(arma::sum(paths, 1) > 0)).n_elem; }

StackedFields stacked_fields(arma::uword layers, arma::uword size) {
  StackedFields f;
  f.plain_side.set_size(layers);
  f.dilated_side.set_size(layers);
  f.plain_paths.set_size(layers);
  f.dilated_reached.set_size(layers);
  std::vector<arma::uword> ones;
  for (arma::uword l = 0; l < layers; ++l) {
    ones.push_back(1);
    f.dilations.push_back(arma::uword(1) << l);
    f.plain.push_back(receptive_field(ones, size));
    f.dilated.push_back(receptive_field(f.dilations, size));
    f.plain_side(l) = field_side(f.plain.back());
    f.dilated_side(l) = field_side(f.dilated.back());
    f.plain_paths(l) = arma::accu(f.plain.back());
    f.dilated_reached(l) = arma::accu(f.dilated.back() > 0);
  }
  return f;
}

std::vector<ModeComparison> compare_modes(Module& net, const std::vector<Dataset>& batches) {
  std::vector<arma::mat> train_out, eval_out;
  net.set_training(true);
  for (const Dataset& b : batches) train_out.push_back(net.forward(b.x));
  net.set_training(false);
  for (const Dataset& b : batches) eval_out.push_back(net.forward(b.x));
  net.set_training(true);
  std::vector<ModeComparison> result;
  for (std::size_t k = 0; k < batches.size(); ++k)
    result.push_back({arma::abs(train_out[k] - eval_out[k]).max(), accuracy(argmax(train_out[k]), batches[k].y),
                      accuracy(argmax(eval_out[k]), batches[k].y)});
  return result;
}

DeepRun deep_net_run(std::size_t depth, arma::uword width, arma::uword batch, const std::string& activation,
                     bool batchnorm, const InitScheme& scheme, std::uint64_t seed) {
  nn::seed(seed);
  const arma::mat x = arma::randn(width, batch);  // (width x batch)
  const arma::mat g = arma::randn(width, batch);  // upstream gradient
  DeepRun run{normalized_deep_net(depth, width, activation, batchnorm), {}, {}};
  scheme.apply(run.net, x);  // fills every Linear weight
  run.profile = depth_profile(run.net, x, g, depth);
  const std::size_t per_layer = run.net.size() / depth;  // modules per layer
  for (std::size_t l = 0; l < depth; ++l) run.layer_outputs.push_back(run.net.outputs()[per_layer * l + per_layer - 1]);
  return run;
}

DownsamplingRun downsampling_run(Downsample how, const Dataset& train, const Dataset& test,
                                 const TrainConfig& config) {
  if (config.seed) nn::seed(*config.seed);
  Sequential net = downsampling_cnn(how);
  SGD sgd(net.parameters(), 0.01, 0.9);
  const TrainResult result = nn::train(net, sgd, train, config, test);
  net.forward(test.x.col(0));
  DownsamplingRun run;
  run.maps = net.outputs()[net.size() - 2].n_rows;
  run.parameters = parameter_count(net);
  run.train_accuracy = accuracy(net, train.x, train.y);
  run.test_accuracy = accuracy(net, test.x, test.y);
  run.seconds_per_epoch = result.seconds / result.history.size();
  run.test_curve = per_epoch(result.history, &EpochStats::test_accuracy);
  return run;
}

TrainedNet train_bn_mlp(bool batchnorm, double lr, const Dataset& train, const Dataset& test,
                        const TrainConfig& config) {
  if (config.seed) nn::seed(*config.seed);
  TrainedNet run{bn_mlp(batchnorm), {}};
  SGD sgd(run.net.parameters(), lr);
  run.result = nn::train(run.net, sgd, train, config, test);
  return run;
}

std::vector<double> bn_mlp_first_losses(bool batchnorm, double lr, const Dataset& data, arma::uword steps,
                                        arma::uword batch_size, std::uint64_t seed) {
  nn::seed(seed);
  Sequential net = bn_mlp(batchnorm);
  SGD sgd(net.parameters(), lr);
  return first_batch_losses(net, sgd, data, steps, batch_size);
}

PooledImages pooled_images(const arma::vec& image, const Shape& shape, arma::uword k) {
  MaxPool2d max_pool(shape, k, k);
  AvgPool2d avg_pool(shape, k, k);
  const Shape out = max_pool.output_shape();
  const arma::mat block = arma::ones(k, k);  // each pooled pixel drawn as a k x k block
  return {arma::kron(arma::reshape(max_pool.forward(image), out.height, out.width), block),
          arma::kron(arma::reshape(avg_pool.forward(image), out.height, out.width), block), out};
}

DilatedToeplitz dilated_toeplitz(const arma::mat& kernel, arma::uword dilation, arma::uword side,
                                 std::uint64_t seed) {
  Conv2d conv(Shape{1, side, side}, 1, kernel.n_rows, kernel.n_cols, 1, 0, dilation);
  conv.bias.zeros();
  conv.set_kernel(0, 0, kernel);
  DilatedToeplitz d;
  d.stuffed.zeros(dilation * (kernel.n_rows - 1) + 1, dilation * (kernel.n_cols - 1) + 1);
  d.stuffed.submat(arma::regspace<arma::uvec>(0, dilation, d.stuffed.n_rows - 1),
                   arma::regspace<arma::uvec>(0, dilation, d.stuffed.n_cols - 1)) = kernel;
  d.t = conv.toeplitz();
  Conv2d plain(Shape{1, side, side}, 1, d.stuffed.n_rows, d.stuffed.n_cols);
  plain.bias.zeros();
  plain.set_kernel(0, 0, d.stuffed);
  d.stuffed_difference = arma::abs(d.t - plain.toeplitz()).max();
  nn::seed(seed);
  const arma::vec x = arma::randn(side * side);
  d.forward_difference = arma::abs(conv.forward(x) - d.t * x).max();
  return d;
}

std::string per_layer_rows(const arma::mat& values) {
  std::ostringstream t;
  for (arma::uword l = 0; l < values.n_rows; ++l) {
    t << std::setw(5) << l + 1;
    for (arma::uword k = 0; k < values.n_cols; ++k) t << std::setprecision(3) << std::setw(11) << values(l, k);
    t << "\n";
  }
  return t.str();
}

}  // namespace nn
