// normalization_probes.hpp -- measurements lesson 11 makes (beside the experiments of
// blocks.hpp), as library functions the lesson and its tests share.
//
// Contract
//   depth_profile(net, input, grad_output, depth)
//     net is `depth` equal layers of net.size() / depth modules each (Linear, [BatchNorm1d], f,
//     as nn::normalized_deep_net builds them). Runs net.forward(input), then the backward of
//     grad_output module by module (nn::forward_statistics, nn::backward_statistics: it ADDS
//     into the parameter gradients). Returns, per layer l (depth entries each):
//       activation_std(l)  std of layer l's OUTPUT (after its nonlinearity)
//       gradient_std(l)    std of dL/d(layer l's INPUT)
//     Throws nn::Error when depth is 0 or does not divide net.size().
//   first_batch_losses(net, optimizer, data, steps, batch_size)
//     Trains on the first `steps` minibatches of `batch_size` consecutive samples of data, in
//     stored order (no shuffle): zero_grad, forward, softmax cross-entropy, backward,
//     optimizer.step(). Returns each batch's loss before its step. Stops early when the data
//     runs out (no partial batch) or at the first loss that is not finite (the outputs
//     overflowed); that batch takes no step and is not in the list.
//   region_counts(W, b)
//     The linear regions of the ReLU layer relu(W p + b) on the plane (W n x 2, b n, rows in
//     general position), three ways: formula = arrangement_regions(n, 2); counted =
//     count_regions on region_sample_grid (grid_points of them: exact); uniform = the regions a
//     uniform 400x400 region_image sees over [-extent, extent]^2, where extent = 1.1 max|vertex|
//     + 0.5 takes in every crossing of two lines (2 when there is none).
//   parameter_count(net): the number of trainable numbers, the sum of every parameter's size.
//   region_table(max_units)
//     For n = 1 .. max_units: W = randn(n, 2), then b = randn(n) (from nn::rng(): seed first),
//     and region_counts(W, b). Returns each n's counts, their formula / counted / uniform
//     columns, and the last W and b drawn.
//   stacked_fields(layers, size)
//     For L = 1 .. layers, the receptive_field (size x size) of L stacked 3x3 layers of
//     dilation 1, and of dilations 1, 2, 4, .., 2^(L-1); their field_side (the rows any path
//     reaches), the plain stack's total path count and the dilated stack's pixels reached.
//   compare_modes(net, batches)
//     Forwards every batch in training mode (in order: each updates the running statistics),
//     then every batch in eval mode, and leaves net in training mode. Per batch: the largest
//     |train-mode output - eval-mode output| and the accuracy (argmax) of each mode.
//   deep_net_run(depth, width, batch, activation, batchnorm, scheme, seed)
//     nn::seed(seed); X = randn(width, batch), then G = randn(width, batch); the net
//     normalized_deep_net(depth, width, activation, batchnorm), scheme.apply(net, X), and
//     depth_profile(net, X, G, depth). The net keeps its forward outputs of X; layer_outputs
//     (depth) holds each layer's output after its nonlinearity.
//   train_bn_mlp(batchnorm, lr, train, test, config)
//     nn::seed(*config.seed) when set; bn_mlp(batchnorm) trained by plain SGD(lr) with config,
//     evaluated on test each epoch.
//   bn_mlp_first_losses(batchnorm, lr, data, steps, batch_size, seed)
//     nn::seed(seed); first_batch_losses of a fresh bn_mlp(batchnorm) under plain SGD(lr).
//   pooled_images(image, shape, k)
//     max and average pooling (k x k windows, stride k) of one image column of shape (one
//     channel), each as a (height/k x width/k) map with every pixel drawn as a k x k block, so
//     the panels keep about the input's size.
//   dilated_toeplitz(kernel, dilation, side, seed)
//     The Toeplitz matrix T of a 1-channel Conv2d (bias 0) with `kernel` at `dilation` on a
//     side x side image; the zero-stuffed kernel (taps `dilation` apart, zeros between); the
//     largest |T - T of the undilated conv with the stuffed kernel| and, for x = randn(side^2)
//     after nn::seed(seed), the largest |forward(x) - T x|.
//   downsampling_run(how, train, test, config)
//     nn::seed(*config.seed) when set; downsampling_cnn(how) trained by SGD (lr 0.01, momentum 0.9) with
//     config, evaluated on test each epoch. Returns the number of feature maps entering the
//     dense layer, parameter_count, the final train and test accuracies, seconds per epoch and
//     the test accuracy of each epoch.
//   per_layer_rows(values): one text row per row of values: the layer number (1-based, width
//     5), then each column at width 11, 3 significant digits.
#pragma once

#include <armadillo>
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "nn/dataset.hpp"
#include "nn/optim.hpp"
#include "nn/normalization_nets.hpp"
#include "nn/shape.hpp"
#include "nn/sequential.hpp"
#include "nn/stats.hpp"
#include "nn/trainer.hpp"

namespace nn {

struct DepthProfile {
  arma::vec activation_std;  // (depth) after each layer's nonlinearity
  arma::vec gradient_std;    // (depth) of dL/d(each layer's input)
};

DepthProfile depth_profile(Sequential& net, const arma::mat& input, const arma::mat& grad_output,
                           std::size_t depth);

std::vector<double> first_batch_losses(Module& net, Optimizer& optimizer, const Dataset& data,
                                       arma::uword steps, arma::uword batch_size);

struct RegionCounts {
  double formula = 0, counted = 0, uniform = 0;
  arma::uword grid_points = 0;
  double extent = 2;
};

RegionCounts region_counts(const arma::mat& weight, const arma::vec& bias);

arma::uword parameter_count(Module& net);

struct RegionTable {
  std::vector<RegionCounts> rows;   // [n - 1]: a layer of n units
  arma::vec formula, counted, uniform;  // (max_units) the rows' columns
  arma::mat weight;                 // (max_units x 2) the last layer drawn
  arma::vec bias;                   // (max_units)
};
RegionTable region_table(arma::uword max_units);

arma::uword field_side(const arma::mat& paths);
struct StackedFields {
  std::vector<arma::uword> dilations;    // [L - 1]: 2^(L-1), layer L's dilation
  std::vector<arma::mat> plain, dilated;  // [L - 1]: (size x size) path counts of L layers
  arma::uvec plain_side, dilated_side;   // (layers) field_side of each
  arma::vec plain_paths;                 // (layers) total paths to the centre
  arma::uvec dilated_reached;            // (layers) pixels with a path
};
StackedFields stacked_fields(arma::uword layers, arma::uword size);

struct ModeComparison {
  double max_difference = 0, train_accuracy = 0, eval_accuracy = 0;
};
std::vector<ModeComparison> compare_modes(Module& net, const std::vector<Dataset>& batches);

struct DeepRun {
  Sequential net;
  DepthProfile profile;
  std::vector<arma::mat> layer_outputs;  // (depth) after each layer's nonlinearity
};
DeepRun deep_net_run(std::size_t depth, arma::uword width, arma::uword batch, const std::string& activation,
                     bool batchnorm, const InitScheme& scheme, std::uint64_t seed);

struct TrainedNet {
  Sequential net;
  TrainResult result;
};
TrainedNet train_bn_mlp(bool batchnorm, double lr, const Dataset& train, const Dataset& test,
                        const TrainConfig& config);
std::vector<double> bn_mlp_first_losses(bool batchnorm, double lr, const Dataset& data, arma::uword steps,
                                        arma::uword batch_size, std::uint64_t seed);

struct PooledImages {
  arma::mat max, avg;  // (height x width) when k divides them
  Shape out;           // of the pooled map
};
PooledImages pooled_images(const arma::vec& image, const Shape& shape, arma::uword k);

struct DilatedToeplitz {
  arma::mat t;        // (outputs x side^2)
  arma::mat stuffed;  // the zero-stuffed kernel
  double stuffed_difference = 0, forward_difference = 0;
};
DilatedToeplitz dilated_toeplitz(const arma::mat& kernel, arma::uword dilation, arma::uword side,
                                 std::uint64_t seed);

struct DownsamplingRun {
  arma::uword maps = 0, parameters = 0;
  double train_accuracy = 0, test_accuracy = 0, seconds_per_epoch = 0;
  arma::vec test_curve;  // (epochs) test accuracy after each epoch
};
DownsamplingRun downsampling_run(Downsample how, const Dataset& train, const Dataset& test,
                                 const TrainConfig& config);

std::string per_layer_rows(const arma::mat& values);

}  // namespace nn
