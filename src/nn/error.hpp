// error.hpp -- the one exception type stepnet throws.
//
// Contract: every bad input that reaches the library (a wrong shape, backward before
// forward, a corrupt file, a bad constructor argument) throws nn::Error with a message that
// names the place ("Conv2d::forward", "train-images.gz at byte 16") and both the expected
// and the actual value. Never an Armadillo abort, never a silent NaN.
#pragma once

#include <stdexcept>
#include <string>

namespace nn {

class Error : public std::runtime_error {
public:
  explicit Error(const std::string& message) : std::runtime_error(message) {}
};

}  // namespace nn
