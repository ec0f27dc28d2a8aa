// pooling.hpp -- the window geometry MaxPool2d and AvgPool2d share.
//
// Contract
//   kernel x kernel windows, one every `stride` pixels, no padding; floor sizing:
//   Ho = (H - kernel)/stride + 1, Wo likewise, channels unchanged (a window stays in its channel).
#pragma once

#include <string>

#include "nn/shape.hpp"

namespace nn {

// {C, Ho, Wo} of a pooled image (the geometry must have passed check_pool_geometry).
Shape pooled_shape(const Shape& input, arma::uword kernel, arma::uword stride);
// Throws nn::Error naming the layer ("MaxPool2d(input 1x4x4, kernel 5, stride 1): kernel 5x5 is
// larger than the input 4x4") for a zero dimension, kernel or stride, or a kernel too large.
void check_pool_geometry(const std::string& layer, const Shape& input, arma::uword kernel,
                         arma::uword stride);
// "MaxPool2d(1x4x4 -> 1x2x2, kernel 2, stride 2)"
std::string pool_name(const std::string& layer, const Shape& input, arma::uword kernel,
                      arma::uword stride);

}  // namespace nn
