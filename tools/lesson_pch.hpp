// Precompiled for every lesson (make compiles it once into build/pch/): Armadillo and the
// library's headers, which every lesson includes through nn/nn.hpp.
#include <armadillo>

#include "nn/nn.hpp"
