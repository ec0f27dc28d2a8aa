// catch2/catch.hpp for Catch2 v3 (Debian 13, Ubuntu 24.04), which no longer has it: the suite,
// DESIGN.md and the README's hidden-test example are written against Catch2 v2's single header
// (Debian 12's catch2 2.13). The Makefile puts this directory on the include path only when the
// system has v3's catch2/catch_all.hpp and no catch2/catch.hpp, and links v3's library.
//
// It includes what the suite uses, not catch_all.hpp: v3's range matcher Contains(element) would
// take the place of v2's string Contains("...").
#pragma once

#include <catch2/catch_approx.hpp>
#include <catch2/catch_test_macros.hpp>
#include <catch2/catch_tostring.hpp>
#include <catch2/generators/catch_generators_all.hpp>
#include <catch2/matchers/catch_matchers.hpp>
#include <catch2/matchers/catch_matchers_floating_point.hpp>
#include <catch2/matchers/catch_matchers_string.hpp>

#include <string>

namespace Catch {
namespace Matchers {
// v2's Contains on strings is v3's ContainsSubstring.
inline StringContainsMatcher Contains(const std::string& text,
                                      CaseSensitive sensitivity = CaseSensitive::Yes) {
  return ContainsSubstring(text, sensitivity);
}
}  // namespace Matchers
template <typename T>
using MatcherBase = Matchers::MatcherBase<T>;  // v2 spelled it Catch::MatcherBase
using Matchers::Contains;                       // and had the matchers in Catch:: too
using Matchers::EndsWith;
using Matchers::Equals;
using Matchers::StartsWith;
}  // namespace Catch

using Catch::Approx;  // v2 had Approx at global scope
