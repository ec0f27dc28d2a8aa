#include "nn/pooling.hpp"

#include "nn/error.hpp"

namespace nn {

Shape pooled_shape(const Shape& in, arma::uword kernel, arma::uword stride) {
  return {in.channels, (in.height - kernel) / stride + 1, (in.width - kernel) / stride + 1};
}

void check_pool_geometry(const std::string& layer, const Shape& input, arma::uword kernel,
                         arma::uword stride) {
  const std::string where = layer + "(input " + describe(input) + ", kernel " +
                            std::to_string(kernel) + ", stride " + std::to_string(stride) + ")";
  if (input.size() == 0) throw Error(where + ": the input shape has a zero dimension");
  if (kernel == 0) throw Error(where + ": kernel must be at least 1, got 0");
  if (stride == 0) throw Error(where + ": stride must be at least 1, got 0");
  if (kernel > input.height || kernel > input.width)
    throw Error(where + ": kernel " + std::to_string(kernel) + "x" + std::to_string(kernel) +
                " is larger than the input " + std::to_string(input.height) + "x" +
                std::to_string(input.width));
}

std::string pool_name(const std::string& layer, const Shape& input, arma::uword kernel,
                      arma::uword stride) {
  const Shape out = pooled_shape(input, kernel, stride);
  return layer + "(" + dims(input) + " -> " + dims(out) + ", kernel " + std::to_string(kernel) +
         ", stride " + std::to_string(stride) + ")";
}

}  // namespace nn
