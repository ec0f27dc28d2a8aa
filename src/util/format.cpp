// format.cpp -- fixed, percent, number, scientific, pad.
#include "util/format.hpp"

#include <iomanip>
#include <sstream>

namespace nn::util {

std::string fixed(double value, int decimals, int width) {
  std::ostringstream s;
  s << std::fixed << std::setprecision(decimals) << std::setw(width) << value;
  return s.str();
}

std::string percent(double fraction, int decimals, int width) {
  return fixed(100 * fraction, decimals, width) + "%";
}

std::string number(double value, int significant, int width) {
  std::ostringstream s;
  s << std::setprecision(significant) << std::setw(width) << value;
  return s.str();
}

std::string scientific(double value, int decimals) {
  std::ostringstream s;
  s << std::scientific << std::setprecision(decimals) << value;
  return s.str();
}

std::string pad(const std::string& text, std::size_t width) {
  return text.size() >= width ? text + " " : text + std::string(width - text.size(), ' ');
}

}  // namespace nn::util
