// core_helpers.hpp -- what the literate tests share: literal grids and a matrix matcher that
// prints both matrices when they differ. Only the core (nn/core.hpp): the unit tests that
// include this instead of helpers.hpp are linked into build/core_tests without the data, plot
// and course rooms (the Makefile's CORE_TEST_SRC).
#pragma once

#include <catch2/catch.hpp>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <initializer_list>
#include <sstream>
#include <string>
#include <vector>

#include "nn/core.hpp"

namespace testing {

// grid({{1, 2}, {3, 4}}) is the matrix as written: rows top to bottom.
inline arma::mat grid(std::initializer_list<std::initializer_list<double>> rows) {
  return arma::mat(rows);
}

// An image column from its planes written as grids (channel 0 first).
inline arma::vec image(std::initializer_list<arma::mat> planes) {
  const arma::mat& first = *planes.begin();
  arma::cube c(first.n_rows, first.n_cols, planes.size());
  arma::uword k = 0;
  for (const arma::mat& p : planes) c.slice(k++) = p;
  return nn::flatten(c);
}

// Plane `channel` of an image column, as a grid.
inline arma::mat plane(const arma::vec& column, const nn::Shape& shape, arma::uword channel) {
  return nn::as_cube(column, shape).slice(channel);
}

// Every parameter (and the input) of module m against centered differences at x: each agrees
// below `tolerance` and none sits near a kink (gradcheck.hpp says how both are measured).
inline void require_all_pass(nn::Module& m, const arma::mat& x, double tolerance = 1e-7) {
  for (const nn::GradientCheck& c : nn::gradient_check(m, x)) {
    INFO(m.name() << " " << nn::describe(c));
    CHECK(c.max_relative_error < tolerance);
    CHECK_FALSE(c.near_kink);
  }
}

class MatrixMatcher : public Catch::MatcherBase<arma::mat> {
public:
  MatrixMatcher(arma::mat expected, double tolerance)
      : expected_(std::move(expected)), tolerance_(tolerance) {}
  bool match(const arma::mat& actual) const override {
    return arma::size(actual) == arma::size(expected_) &&
           arma::approx_equal(actual, expected_, "absdiff", tolerance_);
  }
  std::string describe() const override {
    std::ostringstream s;
    s << "\nequals, within " << tolerance_ << ":\n";
    expected_.raw_print(s);
    return s.str();
  }

private:
  arma::mat expected_;
  double tolerance_;
};

inline MatrixMatcher Equals(const arma::mat& expected, double tolerance = 1e-12) {
  return MatrixMatcher(expected, tolerance);
}

}  // namespace testing
