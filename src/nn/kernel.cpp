// kernel.cpp -- RBF kernel ridge regression (contract in kernel.hpp).
#include "nn/kernel.hpp"

#include <algorithm>
#include <chrono>
#include <sstream>

#include "nn/error.hpp"

namespace nn {

// [snippet rbf-kernel]
arma::mat rbf_kernel(const arma::mat& a, const arma::mat& b, double gamma) {
  if (a.n_rows != b.n_rows) {
    std::ostringstream m;
    m << "rbf_kernel: the samples have " << a.n_rows << " and " << b.n_rows
      << " features; expected the same count";
    throw Error(m.str());
  }
  if (!(gamma >= 0)) throw Error("rbf_kernel: gamma must be >= 0");
  // ||a_i - b_j||^2 = |a_i|^2 + |b_j|^2 - 2 a_i.b_j: one matrix product (BLAS dgemm).
  const arma::rowvec a2 = arma::sum(arma::square(a), 0);  // (m)
  const arma::rowvec b2 = arma::sum(arma::square(b), 0);  // (n)
  arma::mat d2 = -2.0 * (a.t() * b);                      // (m x n)
  d2.each_col() += a2.t();
  d2.each_row() += b2;
  d2.clamp(0.0, arma::datum::inf);  // round-off can make a zero distance slightly negative
  return arma::exp(-gamma * d2);
}
// [/snippet]

double median_gamma(const arma::mat& x) {
  const arma::uword n = std::min<arma::uword>(x.n_cols, 500);
  if (n < 2) throw Error("median_gamma: need at least 2 samples");
  const arma::mat s = x.head_cols(n);
  const arma::rowvec s2 = arma::sum(arma::square(s), 0);
  arma::mat d2 = -2.0 * (s.t() * s);
  d2.each_col() += s2.t();
  d2.each_row() += s2;
  std::vector<double> pairs;
  pairs.reserve(n * (n - 1) / 2);
  for (arma::uword j = 0; j < n; ++j)
    for (arma::uword i = 0; i < j; ++i) pairs.push_back(std::max(d2(i, j), 0.0));
  std::nth_element(pairs.begin(), pairs.begin() + pairs.size() / 2, pairs.end());
  const double median = pairs[pairs.size() / 2];
  return median > 0 ? 1.0 / median : 1.0;
}

namespace {

double accuracy_of(const arma::mat& scores, const arma::uvec& y) {  // scores (n x K)
  if (y.n_elem == 0) return arma::datum::nan;
  arma::uword right = 0;
  for (arma::uword i = 0; i < scores.n_rows; ++i) right += (scores.row(i).index_max() == y[i]);
  return double(right) / double(y.n_elem);
}

}  // namespace

// [snippet kernel-ridge]
KernelRidgeResult kernel_ridge_search(const Dataset& train, const Dataset& validation,
                                      const Dataset& test, const std::vector<double>& gammas,
                                      const std::vector<double>& lambdas) {
  if (gammas.empty() || lambdas.empty()) throw Error("kernel_ridge_search: empty grid");
  if (train.n_samples() == 0) throw Error("kernel_ridge_search: empty training split");
  for (double l : lambdas)
    if (!(l > 0)) throw Error("kernel_ridge_search: every lambda must be > 0");
  const auto start = std::chrono::steady_clock::now();
  const arma::uword n = train.n_samples(), classes = arma::max(train.y) + 1;
  arma::mat targets(n, classes, arma::fill::zeros);  // one-hot Y (n x K)
  for (arma::uword i = 0; i < n; ++i) targets(i, train.y[i]) = 1;

  KernelRidgeResult best;
  best.validation_accuracy = -1;
  best.table.set_size(gammas.size() * lambdas.size(), 4);
  arma::uword row = 0;
  for (double gamma : gammas) {
    const arma::mat k_train = rbf_kernel(train.x, train.x, gamma);        // (n x n)
    const arma::mat k_val = rbf_kernel(validation.x, train.x, gamma);     // (n_val x n)
    arma::vec s;
    arma::mat v, vty;
    if (lambdas.size() > 1) {  // one eigendecomposition for every lambda
      if (!arma::eig_sym(s, v, k_train)) throw Error("kernel_ridge_search: eig_sym failed");
      vty = v.t() * targets;                                                // (n x K)
    }
    for (double lambda : lambdas) {
      arma::mat alpha;                                                      // (n x K)
      if (lambdas.size() > 1) {
        alpha = v * (vty.each_col() / (s + lambda));
      } else {  // one lambda: a Cholesky solve (LAPACK dposv) is cheaper than eig_sym
        const arma::mat a = k_train + lambda * arma::eye(n, n);
        if (!arma::solve(alpha, a, targets, arma::solve_opts::likely_sympd))
          throw Error("kernel_ridge_search: the solve failed");
      }
      const double train_acc = accuracy_of(k_train * alpha, train.y);
      const double val_acc = accuracy_of(k_val * alpha, validation.y);
      best.table.row(row++) = arma::rowvec{gamma, lambda, train_acc, val_acc};
      if (val_acc > best.validation_accuracy) {
        best.gamma = gamma;
        best.lambda = lambda;
        best.train_accuracy = train_acc;
        best.validation_accuracy = val_acc;
        best.test_accuracy =
            test.n_samples() ? accuracy_of(rbf_kernel(test.x, train.x, gamma) * alpha, test.y)
                             : arma::datum::nan;
      }
    }
  }
  best.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return best;
}
// [/snippet]

}  // namespace nn
