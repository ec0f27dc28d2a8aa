// The number formats every lesson's tables use (src/util/format.hpp, through nn/core.hpp), on
// the header's examples.
#include "core_helpers.hpp"

SCENARIO("numbers print as the lessons' tables show them", "[infra]") {
  using namespace nn::util;
  GIVEN("fixed decimals, right-aligned when a width is given") {
    CHECK(fixed(3.14159, 2) == "3.14");
    CHECK(fixed(2.5, 1, 6) == "   2.5");
  }
  GIVEN("percentages: 100 times the fraction, then %") {
    CHECK(percent(0.8766) == "87.7%");
    CHECK(percent(0.8766, 0) == "88%");
    CHECK(percent(0.8765) == "87.6%");  // 87.65 is 87.64999... in binary: it rounds down
    CHECK(percent(0.5, 1, 6) == "  50.0%");  // the width is the number's, before the %
  }
  GIVEN("significant digits, as std::cout prints them") {
    CHECK(number(0.000123456) == "0.0001235");
    CHECK(number(2.5, 3, 6) == "   2.5");
    CHECK(number(1234567.0, 6) == "1.23457e+06");  // printf's %g
    CHECK(number(-0.0625, 3) == "-0.0625");
  }
  GIVEN("scientific notation with two decimals by default") {
    CHECK(scientific(0.000123456) == "1.23e-04");
    CHECK(scientific(-31415.9, 3) == "-3.142e+04");
  }
  GIVEN("padding to a column") {
    CHECK(pad("loss", 6) == "loss  ");
    CHECK(pad("learning", 6) == "learning ");  // too long: still one space before the next column
  }
}
