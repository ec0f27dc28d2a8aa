// format.cpp -- fixed, percent, number.
#include "util/format.hpp"

#include <iomanip>
#include <sstream>

namespace nn::util {

std::string fixed(double value, int decimals, int width) {
  std::ostringstream s;
  s << std::fixed << std::setprecision(decimals) << std::setw(width) << value;
  return s.str();
}

std::string percent(double fraction, int decimals) { return fixed(100 * fraction, decimals) + "%"; }

std::string number(double value, int significant) {
  std::ostringstream s;
  s << std::setprecision(significant) << value;
  return s.str();
}

}  // namespace nn::util
