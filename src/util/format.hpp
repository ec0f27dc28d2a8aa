// format.hpp -- numbers as the lessons and the training loop print them.
//
//   fixed(3.14159, 2) == "3.14"        fixed(2.5, 1, 6) == "   2.5" (right-aligned in 6)
//   percent(0.8765)   == "87.7%"       percent(0.8765, 0) == "88%"
//   number(0.000123456) == "0.0001235" (4 significant digits, as std::cout would print)
#pragma once

#include <string>

namespace nn::util {

std::string fixed(double value, int decimals, int width = 0);
std::string percent(double fraction, int decimals = 1);  // 100 * fraction, then %
std::string number(double value, int significant = 4);

}  // namespace nn::util
