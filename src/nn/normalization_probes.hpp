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
#pragma once

#include <armadillo>
#include <cstddef>
#include <vector>

#include "nn/dataset.hpp"
#include "nn/optim.hpp"
#include "nn/sequential.hpp"

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

}  // namespace nn
