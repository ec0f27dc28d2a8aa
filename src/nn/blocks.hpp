// blocks.hpp -- the experiments of lesson 11, as library functions the lesson and its tests share:
// a deep net with batch normalization, receptive fields of stacked (dilated) convolutions, and
// the linear regions of a ReLU layer on the plane.
//
// Contract
//   normalized_deep_net(depth, width, activation, batchnorm)
//     depth x [Linear(width -> width) with bias 0, BatchNorm1d(width) when batchnorm, then
//     tanh or ReLU]: lesson 5's nn::deep_net with a BatchNorm1d before every nonlinearity.
//     A bad activation name or depth 0 throws nn::Error.
//   receptive_field(dilations, size)
//     A stack of 1-channel 3x3 Conv2d layers (one per entry of dilations; layer l has dilation
//     dilations[l] and padding dilations[l], so every layer keeps size x size), every kernel
//     all ones, bias 0. Returns the (size x size) map dy_centre/dx: how many paths lead from each
//     input pixel to the centre output pixel (0 outside the receptive field). It is the
//     backward of a 1 at the centre, through Conv2d::backward. Throws when the field
//     (2 sum(dilations) + 1 pixels) does not fit in size.
//   arrangement_regions(n, d) = sum_{s=0..d} C(n, s): the regions n hyperplanes in general
//     position cut R^d into (Zaslavsky / Buck): the most linear pieces a layer of n ReLUs on
//     R^d can have.
//   activation_pattern(W, b, x, y): the bit mask of the units with w_i . (x, y) + b_i > 0
//     (unit i is bit i; at most 64 units).
//   region_sample_grid(W, b): a grid (xs x ys, each sorted) that meets every region of the
//     arrangement of the lines w_i . p + b_i = 0 (W is n x 2, b n, rows in general position).
//     xs: between every two neighbouring vertex abscissas, and beyond the outermost (slab
//     midlines); within a slab no two lines cross, so the lines keep one vertical order there
//     and every region meeting the slab crosses its midline between two neighbouring lines.
//     ys: for each midline, the midpoints between neighbouring line heights there, and one
//     beyond each end. Every region spans at least one slab, so the tensor grid hits it.
//   count_regions(W, b, xs, ys): the number of distinct activation patterns on the grid.
//   region_image(W, b, extent, pixels): (pixels x pixels) region index of the pattern at each
//     point of a uniform grid over [-extent, extent]^2, row 0 at the top (y = extent); indices
//     0, 1, ... in order of first appearance.
#pragma once

#include <armadillo>
#include <cstdint>
#include <string>
#include <vector>

#include "nn/sequential.hpp"

namespace nn {

Sequential normalized_deep_net(std::size_t depth, arma::uword width, const std::string& activation,
                               bool batchnorm);

arma::mat receptive_field(const std::vector<arma::uword>& dilations, arma::uword size);

arma::uword arrangement_regions(arma::uword n, arma::uword d);
std::uint64_t activation_pattern(const arma::mat& weight, const arma::vec& bias, double x, double y);

struct SampleGrid {
  arma::vec xs, ys;  // sorted coordinates; the grid is every (x, y) pair
  arma::mat vertices;  // (2 x n(n-1)/2) the pairwise intersections of the lines
};
SampleGrid region_sample_grid(const arma::mat& weight, const arma::vec& bias);
arma::uword count_regions(const arma::mat& weight, const arma::vec& bias, const arma::vec& xs,
                          const arma::vec& ys);
arma::umat region_image(const arma::mat& weight, const arma::vec& bias, double extent,
                        arma::uword pixels);

}  // namespace nn
