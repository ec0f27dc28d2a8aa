// gradcheck.hpp -- numeric gradients and the checker every layer is tested with.
//
//   numeric_gradient(f, x, h)  centered differences (f(x + h e_i) - f(x - h e_i)) / 2h for every
//                              entry of x: error O(h^2); h = 1e-5 in double balances it against
//                              round-off (~1e-16 / 1e-5).
//   relative_error(a, n)       max over entries of |a - n| / max(|a|, |n|, 1e-12).
//   gradient_check(m, x, h, s) the scalar L = sum(G % m.forward(x)) with a random G drawn from
//                              seed s on a stream of its own, so never equal to a randn input
//                              drawn after nn::seed(s) (non-zero everywhere, so no entry is
//                              checked vacuously);
//                              compares backward's dL/dx and every parameter gradient with
//                              numeric ones. Parameter grads are pre-filled with random values
//                              first: a backward that overwrites instead of adding fails.
//                              An entry whose +-h nudge changes the module's kink_signature()
//                              (a ReLU input crossing 0, a max-pool argmax switching) crossed a
//                              kink: it is counted in `kinks`, left out of the errors, and the
//                              check says near_kink. A gradient that is zero everywhere (analytic
//                              and numeric) is refused with an nn::Error: it would pass vacuously.
//                              Per entry the error is |a - n| / max(|a|, |n|, 1e-3 max|n|): an
//                              entry a thousand times smaller than the largest is judged against
//                              that scale, since finite differences carry ~1e-10 of round-off.
// Bands (cs231n): < 1e-7 good; ~1e-4 only acceptable next to a kink; > 1e-2 wrong.
#pragma once

#include <armadillo>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "nn/module.hpp"

namespace nn {

arma::mat numeric_gradient(const std::function<double(const arma::mat&)>& f, const arma::mat& x,
                           double h = 1e-5);
double relative_error(const arma::mat& analytic, const arma::mat& numeric);

struct GradientCheck {
  std::string what;           // "input", "weight", "0.bias", ...
  double max_relative_error;  // over entries that did not cross a kink
  double max_abs_error;
  arma::uword worst_index;    // linear index of the worst entry (column-major)
  bool near_kink;             // some entry's +-h nudge crossed a kink
  arma::uword kinks = 0;      // how many entries crossed one (left out of the errors)
  double analytic_at_worst = 0, numeric_at_worst = 0;
};

std::vector<GradientCheck> gradient_check(Module& m, const arma::mat& input, double h = 1e-5,
                                          std::uint64_t seed = 0);

// "input: max relative error 3.1e-11 at entry 4 (analytic 0.25, numeric 0.25)"
std::string describe(const GradientCheck& check);

}  // namespace nn
