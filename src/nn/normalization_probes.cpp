#include "nn/normalization_probes.hpp"

#include <cmath>
#include <string>

#include "nn/blocks.hpp"
#include "nn/error.hpp"
#include "nn/losses.hpp"
#include "nn/stats.hpp"

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

}  // namespace nn
