#include "nn/gradcheck.hpp"

#include <algorithm>
#include <cmath>
#include <random>
#include <sstream>

namespace nn {

// [snippet numeric-gradient]
arma::mat numeric_gradient(const std::function<double(const arma::mat&)>& f, const arma::mat& x,
                           double h) {
  // BEGIN SOLUTION lesson01 "numeric_gradient"
  // HINT: nudge one entry of a copy of x by +h, then by -h, call f each time, and put the entry
  // HINT: back before the next one.
  arma::mat grad(arma::size(x));  // same shape as x
  arma::mat nudged = x;
  for (arma::uword i = 0; i < x.n_elem; ++i) {
    nudged[i] = x[i] + h;
    const double f_plus = f(nudged);
    nudged[i] = x[i] - h;
    const double f_minus = f(nudged);
    nudged[i] = x[i];
    grad[i] = (f_plus - f_minus) / (2 * h);  // centered difference: error O(h^2)
  }
  return grad;
  // END SOLUTION
}
// [/snippet]

// [snippet relative-error]
double relative_error(const arma::mat& analytic, const arma::mat& numeric) {
  if (arma::size(analytic) != arma::size(numeric))
    throw Error("relative_error: analytic " + std::to_string(analytic.n_rows) + "x" +
                std::to_string(analytic.n_cols) + " and numeric " +
                std::to_string(numeric.n_rows) + "x" + std::to_string(numeric.n_cols) +
                " differ in shape");
  double worst = 0;
  for (arma::uword i = 0; i < analytic.n_elem; ++i) {
    const double a = analytic[i], n = numeric[i];
    const double scale = std::max({std::abs(a), std::abs(n), 1e-12});
    worst = std::max(worst, std::abs(a - n) / scale);
  }
  return worst;
}
// [/snippet]

std::string describe(const GradientCheck& c) {
  std::ostringstream s;
  s << c.what << ": max relative error " << c.max_relative_error << " at entry " << c.worst_index
    << " (analytic " << c.analytic_at_worst << ", numeric " << c.numeric_at_worst << ")";
  if (c.near_kink) s << "; " << c.kinks << " entries crossed a kink and were left out";
  return s.str();
}

namespace {

// Compares one gradient entry by entry, leaving out entries marked in `kink`.
GradientCheck compare(const std::string& what, const arma::mat& analytic,
                      const arma::mat& numeric, const std::vector<bool>& kink) {
  GradientCheck c{what, 0, 0, 0, false};
  bool any_nonzero = false, first = true;
  // No entry is asked to be more exact than a thousandth of the gradient's largest entry:
  // centered differences carry round-off ~1e-10 absolute, which would swamp tiny entries.
  const double floor = std::max(1e-12, 1e-3 * arma::abs(numeric).max());
  for (arma::uword i = 0; i < analytic.n_elem; ++i) {
    const double a = analytic[i], n = numeric[i];
    if (kink[i]) {
      c.near_kink = true;
      ++c.kinks;
      continue;
    }
    if (!std::isfinite(a) || !std::isfinite(n))
      throw Error("gradient_check: " + what + " entry " + std::to_string(i) +
                  " is not finite (analytic " + std::to_string(a) + ", numeric " +
                  std::to_string(n) + ")");
    if (std::abs(a) > 1e-12 || std::abs(n) > 1e-12) any_nonzero = true;
    const double abs_error = std::abs(a - n);
    const double rel_error = abs_error / std::max({std::abs(a), std::abs(n), floor});
    c.max_abs_error = std::max(c.max_abs_error, abs_error);
    if (first || rel_error > c.max_relative_error) {
      first = false;
      c.max_relative_error = rel_error;
      c.worst_index = i;
      c.analytic_at_worst = a;
      c.numeric_at_worst = n;
    }
  }
  if (!any_nonzero && c.kinks == 0)
    throw Error("gradient_check: the gradient of " + what +
                " is zero everywhere (analytic and numeric): the check would pass vacuously; "
                "pick an input that exercises the layer (e.g. not all ReLU inputs negative)");
  return c;
}

}  // namespace

// [snippet gradient-check]
// d loss()/dx by centered differences, each entry of x moved by +-h in place and put back;
// kink[i]: crossed_kink() was true on either side of entry i.
static arma::mat centered_differences(arma::mat& x, double h, const std::function<double()>& loss,
                                      const std::function<bool()>& crossed_kink,
                                      std::vector<bool>& kink) {
  arma::mat numeric(arma::size(x));  // like x
  kink.assign(x.n_elem, false);
  for (arma::uword i = 0; i < x.n_elem; ++i) {
    const double original = x[i];
    x[i] = original + h;
    const double plus = loss();
    bool crossed = crossed_kink();
    x[i] = original - h;
    const double minus = loss();
    crossed = crossed || crossed_kink();
    x[i] = original;
    numeric[i] = (plus - minus) / (2 * h);
    kink[i] = crossed;
  }
  return numeric;
}

std::vector<GradientCheck> gradient_check(Module& m, const arma::mat& input, double h,
                                          std::uint64_t seed) {
  // A stream of its own: mt19937_64(seed) is also Armadillo's generator after nn::seed(seed),
  // and a G equal to the randn input it checks would make L = sum(x % m(x)).
  std::seed_seq stream{0x67726164u, 0x63686563u,  // "gradchec"
                      static_cast<std::uint32_t>(seed), static_cast<std::uint32_t>(seed >> 32)};
  std::mt19937_64 gen(stream);
  std::normal_distribution<double> normal(0.0, 1.0);

  // The scalar we differentiate: L = sum(G % m(x)), G random so every output matters.
  const arma::mat first = m.forward(input);
  arma::mat g(arma::size(first));
  g.imbue([&] { return normal(gen); });
  const arma::uvec signature = m.kink_signature();  // which piece of a piecewise function
  auto loss_at = [&](const arma::mat& x) { return arma::accu(g % m.forward(x)); };
  auto crossed_kink = [&] {
    const arma::uvec now = m.kink_signature();
    return now.n_elem != signature.n_elem || arma::any(now != signature);
  };

  // Analytic: one backward, parameter grads pre-filled so "adds, never overwrites" is checked.
  std::vector<Parameter> params = m.parameters();
  std::vector<arma::mat> prefill;
  for (Parameter& p : params) {
    arma::mat noise(arma::size(*p.value));
    noise.imbue([&] { return normal(gen); });
    *p.grad = noise;
    prefill.push_back(noise);
  }
  m.forward(input);
  const arma::mat grad_input = m.backward(g);

  // Numeric: centered differences entry by entry, watching for kinks on both sides.
  auto check = [&](const std::string& what, arma::mat& x, const arma::mat& analytic,
                   const std::function<double()>& loss) {
    std::vector<bool> kink;
    const arma::mat numeric = centered_differences(x, h, loss, crossed_kink, kink);
    return compare(what, analytic, numeric, kink);
  };

  std::vector<GradientCheck> results;
  arma::mat x = input;
  results.push_back(check("input", x, grad_input, [&] { return loss_at(x); }));
  for (std::size_t k = 0; k < params.size(); ++k) {
    const arma::mat analytic = *params[k].grad - prefill[k];
    results.push_back(check(params[k].name, *params[k].value, analytic,
                            [&] { return loss_at(input); }));
  }
  m.forward(input);  // leave the module's cache as the caller's input left it
  return results;
}
// [/snippet]

}  // namespace nn
