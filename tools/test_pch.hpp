// Precompiled for every test file (make compiles it once into build/pch/): Catch2, Armadillo
// and the core's headers are the slow part of compiling a test (helpers.hpp adds nn/nn.hpp
// for the tests that need the other rooms).
#include <catch2/catch.hpp>
#include <armadillo>
#include "nn/core.hpp"
