// strings.hpp -- the three string tests the runner, the data room and the tools need.
//
//   starts_with("[snippet a]", "[snippet ") == true     ends_with("x.gz", ".gz") == true
//   trim("  a b \n") == "a b"   (spaces, tabs, carriage returns and newlines at both ends)
#pragma once

#include <string>

namespace nn::util {

inline bool starts_with(const std::string& s, const std::string& prefix) {
  return s.size() >= prefix.size() && s.compare(0, prefix.size(), prefix) == 0;
}

inline bool ends_with(const std::string& s, const std::string& suffix) {
  return s.size() >= suffix.size() &&
         s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

inline std::string trim(const std::string& s) {
  const auto first = s.find_first_not_of(" \t\r\n");
  if (first == std::string::npos) return "";
  const auto last = s.find_last_not_of(" \t\r\n");
  return s.substr(first, last - first + 1);
}

}  // namespace nn::util
