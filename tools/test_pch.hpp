// Precompiled for every test file (make compiles it once into build/pch/): Catch2, Armadillo
// and the library headers are the slow part of compiling a test.
#include <catch2/catch.hpp>
#include <armadillo>
#include "nn/nn.hpp"
