// format.hpp -- numbers as the lessons and the training loop print them.
//
//   fixed(3.14159, 2) == "3.14"        fixed(2.5, 1, 6) == "   2.5" (right-aligned in 6)
//   percent(0.8766)   == "87.7%"       percent(0.8766, 0) == "88%"
//   number(0.000123456) == "0.0001235" (4 significant digits, as std::cout would print)
//   number(2.5, 3, 6) == "   2.5"       scientific(0.000123456) == "1.23e-04"
//   pad("loss", 6) == "loss  "         pad("learning", 6) == "learning " (never touching)
#pragma once

#include <cstddef>
#include <string>

namespace nn::util {

std::string fixed(double value, int decimals, int width = 0);
// 100 * fraction with `decimals` decimals, right-aligned in `width` characters, then %.
std::string percent(double fraction, int decimals = 1, int width = 0);
std::string number(double value, int significant = 4, int width = 0);
std::string scientific(double value, int decimals = 2);
// `text` left-aligned in `width` characters, followed by at least one space.
std::string pad(const std::string& text, std::size_t width);

}  // namespace nn::util
