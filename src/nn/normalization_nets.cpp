#include "nn/normalization_nets.hpp"

#include "nn/activations.hpp"
#include "nn/avgpool2d.hpp"
#include "nn/batchnorm.hpp"
#include "nn/conv2d.hpp"
#include "nn/linear.hpp"
#include "nn/maxpool2d.hpp"

namespace nn {

// [snippet bn-mlp]
// 784 -> 128 -> 128 -> 10 with ReLU, and a BatchNorm1d before each ReLU when batchnorm.
Sequential bn_mlp(bool batchnorm) {
  Sequential net;
  net.emplace<Linear>(784, 128);
  if (batchnorm) net.emplace<BatchNorm1d>(128);
  net.emplace<ReLU>();
  net.emplace<Linear>(128, 128);
  if (batchnorm) net.emplace<BatchNorm1d>(128);
  net.emplace<ReLU>();
  net.emplace<Linear>(128, 10);
  return net;
}
// [/snippet]

// [snippet downsampling-cnns]
// Conv(8 filters 3x3) -> ReLU -> one of three ways to halve the maps -> Linear(-> 10).
Sequential downsampling_cnn(Downsample how) {
  const Shape image{1, 28, 28};
  Sequential net;
  const Shape maps = net.emplace<Conv2d>(image, 8, 3, 3).output_shape();  // 8x26x26
  net.emplace<ReLU>();
  Shape down;
  if (how == Downsample::max_pool) down = net.emplace<MaxPool2d>(maps, 2, 2).output_shape();
  if (how == Downsample::avg_pool) down = net.emplace<AvgPool2d>(maps, 2, 2).output_shape();
  if (how == Downsample::strided_conv) {  // learned downsampling (Springenberg et al.)
    down = net.emplace<Conv2d>(maps, 8, 3, 3, 2).output_shape();  // 8x12x12
    net.emplace<ReLU>();
  }
  net.emplace<Linear>(down.size(), 10);
  return net;
}
// [/snippet]

}  // namespace nn
