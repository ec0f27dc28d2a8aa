// normalization_nets.hpp -- the networks lesson 11 trains on Fashion-MNIST (1x28x28 images,
// 10 classes), shared by the lesson and its tests.
//
// Contract
//   bn_mlp(batchnorm)
//     Linear(784 -> 128) -> [BatchNorm1d(128)] -> ReLU -> Linear(128 -> 128) -> [BatchNorm1d(128)]
//     -> ReLU -> Linear(128 -> 10): the BatchNorm1d layers (before each ReLU) only when
//     batchnorm. Default initialization of every layer (seed with nn::seed first).
//   downsampling_cnn(how)
//     Conv2d(1x28x28, 8 filters 3x3) -> ReLU (8x26x26) -> one way to halve the maps -> Linear(-> 10):
//       Downsample::max_pool      MaxPool2d 2x2 stride 2          -> 8x13x13, no parameters
//       Downsample::avg_pool      AvgPool2d 2x2 stride 2          -> 8x13x13, no parameters
//       Downsample::strided_conv  Conv2d 8 filters 3x3 stride 2 -> ReLU -> 8x12x12, 584 parameters
#pragma once

#include "nn/sequential.hpp"

namespace nn {

Sequential bn_mlp(bool batchnorm);

enum class Downsample { max_pool, avg_pool, strided_conv };
Sequential downsampling_cnn(Downsample how);

}  // namespace nn
