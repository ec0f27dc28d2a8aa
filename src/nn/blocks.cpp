#include "nn/blocks.hpp"

#include <algorithm>
#include <cmath>
#include <map>
#include <unordered_set>

#include "nn/activations.hpp"
#include "nn/batchnorm.hpp"
#include "nn/conv2d.hpp"
#include "nn/error.hpp"
#include "nn/linear.hpp"

namespace nn {

// ---- batch norm in lesson 5's deep net --------------------------------------------------------
// [snippet normalized-deep-net]
Sequential normalized_deep_net(std::size_t depth, arma::uword width, const std::string& activation,
                               bool batchnorm) {
  if (activation != "tanh" && activation != "relu")
    throw Error("normalized_deep_net: activation must be \"tanh\" or \"relu\", got \"" + activation + "\"");
  if (depth == 0) throw Error("normalized_deep_net: depth must be at least 1");
  Sequential net;
  for (std::size_t l = 0; l < depth; ++l) {
    net.emplace<Linear>(width, width).bias.zeros();
    if (batchnorm) net.emplace<BatchNorm1d>(width);  // unit Gaussian pre-activations, by force
    if (activation == "tanh") net.emplace<Tanh>();
    else net.emplace<ReLU>();
  }
  return net;
}
// [/snippet]

// ---- receptive fields ------------------------------------------------------------------------
// [snippet receptive-field]
arma::mat receptive_field(const std::vector<arma::uword>& dilations, arma::uword size) {
  arma::uword reach = 0;  // pixels from the centre to the field's edge: sum of dilations
  for (const arma::uword d : dilations) reach += d;
  if (dilations.empty() || 2 * reach + 1 > size)
    throw Error("receptive_field: a field of " + std::to_string(2 * reach + 1) +
                " pixels does not fit in " + std::to_string(size) + "x" + std::to_string(size));
  std::vector<Conv2d> stack;
  for (const arma::uword d : dilations) {
    stack.emplace_back(Shape{1, size, size}, 1, 3, 3, 1, d, d);  // padding d keeps size x size
    stack.back().set_kernel(0, 0, arma::ones(3, 3));
  }
  arma::mat x(size * size, 1, arma::fill::zeros);
  for (Conv2d& conv : stack) x = conv.forward(x);  // (size*size x 1), caches for backward
  arma::mat grad(size * size, 1, arma::fill::zeros);
  grad((size / 2) * size + size / 2) = 1;  // dy_centre: a 1 at the centre output pixel
  for (auto it = stack.rbegin(); it != stack.rend(); ++it) grad = it->backward(grad);
  return arma::reshape(grad, size, size);  // column-major: (row, col) of the image
}
// [/snippet]

// ---- linear regions --------------------------------------------------------------------------
arma::uword arrangement_regions(arma::uword n, arma::uword d) {
  arma::uword total = 0, binomial = 1;  // C(n, 0)
  for (arma::uword s = 0; s <= d && s <= n; ++s) {
    total += binomial;
    binomial = binomial * (n - s) / (s + 1);  // C(n, s+1)
  }
  return total;
}

// [snippet activation-pattern]
std::uint64_t activation_pattern(const arma::mat& weight, const arma::vec& bias, double x, double y) {
  std::uint64_t pattern = 0;
  for (arma::uword i = 0; i < weight.n_rows; ++i)
    if (weight(i, 0) * x + weight(i, 1) * y + bias(i) > 0) pattern |= std::uint64_t(1) << i;
  return pattern;
}
// [/snippet]

static void check_layer(const std::string& where, const arma::mat& weight, const arma::vec& bias) {
  if (weight.n_cols != 2 || weight.n_rows == 0 || weight.n_rows > 64 || bias.n_elem != weight.n_rows)
    throw Error(where + ": expected weight n x 2 (1 <= n <= 64) and bias n, got weight " +
                std::to_string(weight.n_rows) + "x" + std::to_string(weight.n_cols) + " and bias " +
                std::to_string(bias.n_elem));
  for (arma::uword i = 0; i < weight.n_rows; ++i)
    if (weight(i, 1) == 0)
      throw Error(where + ": line " + std::to_string(i) + " is vertical (w_i2 = 0): not in general position");
}

// [snippet region-sample-grid]
SampleGrid region_sample_grid(const arma::mat& weight, const arma::vec& bias) {
  check_layer("region_sample_grid", weight, bias);
  const arma::uword n = weight.n_rows;
  SampleGrid grid;
  // The vertices: line i is w_i1 x + w_i2 y + b_i = 0; solve each pair.
  grid.vertices.set_size(2, n * (n - 1) / 2);
  arma::uword k = 0;
  for (arma::uword i = 0; i < n; ++i)
    for (arma::uword j = i + 1; j < n; ++j) {
      const arma::mat22 a = {{weight(i, 0), weight(i, 1)}, {weight(j, 0), weight(j, 1)}};
      const arma::vec2 rhs = {-bias(i), -bias(j)};
      if (std::abs(arma::det(a)) < 1e-12)
        throw Error("region_sample_grid: lines " + std::to_string(i) + " and " + std::to_string(j) +
                    " are parallel: not in general position");
      grid.vertices.col(k++) = arma::solve(a, rhs);
    }
  // xs: a midline in every slab between neighbouring vertex abscissas, and one beyond each end.
  arma::vec corners = arma::unique(grid.vertices.row(0).t());  // sorted
  if (corners.is_empty()) corners = {0.0};                      // one line: a single slab
  std::vector<double> xs = {corners(0) - 1};
  for (arma::uword c = 0; c + 1 < corners.n_elem; ++c) xs.push_back(0.5 * (corners(c) + corners(c + 1)));
  xs.push_back(corners(corners.n_elem - 1) + 1);
  // ys: on each midline, between neighbouring lines (y = -(w_i1 x + b_i)/w_i2), and beyond.
  std::vector<double> ys;
  for (const double x : xs) {
    arma::vec heights = -(weight.col(0) * x + bias) / weight.col(1);  // (n)
    heights = arma::sort(heights);
    ys.push_back(heights(0) - 1);
    for (arma::uword i = 0; i + 1 < n; ++i) ys.push_back(0.5 * (heights(i) + heights(i + 1)));
    ys.push_back(heights(n - 1) + 1);
  }
  grid.xs = arma::sort(arma::vec(xs));
  grid.ys = arma::sort(arma::vec(ys));
  return grid;
}
// [/snippet]

// [snippet count-regions]
arma::uword count_regions(const arma::mat& weight, const arma::vec& bias, const arma::vec& xs,
                          const arma::vec& ys) {
  check_layer("count_regions", weight, bias);
  std::unordered_set<std::uint64_t> patterns;
  for (const double x : xs)
    for (const double y : ys) patterns.insert(activation_pattern(weight, bias, x, y));
  return patterns.size();
}
// [/snippet]

arma::umat region_image(const arma::mat& weight, const arma::vec& bias, double extent,
                        arma::uword pixels) {
  check_layer("region_image", weight, bias);
  if (pixels < 2 || !(extent > 0)) throw Error("region_image: need pixels >= 2 and extent > 0");
  std::map<std::uint64_t, arma::uword> index;  // pattern -> region number, first seen first
  arma::umat image(pixels, pixels);            // (pixels x pixels) row 0 at y = +extent
  const double step = 2 * extent / static_cast<double>(pixels - 1);
  for (arma::uword r = 0; r < pixels; ++r)
    for (arma::uword c = 0; c < pixels; ++c) {
      const std::uint64_t p = activation_pattern(weight, bias, -extent + c * step, extent - r * step);
      const auto found = index.emplace(p, index.size()).first;
      image(r, c) = found->second;
    }
  return image;
}

}  // namespace nn
