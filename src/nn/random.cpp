#include "nn/random.hpp"

#include <armadillo>

namespace nn {

std::mt19937_64& rng() {
  static std::mt19937_64 generator(0);
  return generator;
}

void seed(std::uint64_t s) {
  arma::arma_rng::set_seed(s);
  rng().seed(s);
}

}  // namespace nn
