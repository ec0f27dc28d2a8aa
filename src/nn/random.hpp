// random.hpp -- one seed for every generator the library uses.
//
// nn::seed(s) seeds Armadillo's generator (randn, randu, shuffle) and nn::rng(), the
// std::mt19937_64 the library uses for anything Armadillo does not draw (shuffling orders,
// dropout masks, random search). The same seed gives the same numbers.
#pragma once

#include <cstdint>
#include <random>

namespace nn {

void seed(std::uint64_t seed);
std::mt19937_64& rng();

}  // namespace nn
