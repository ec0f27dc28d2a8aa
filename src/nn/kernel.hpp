// kernel.hpp -- an RBF-kernel baseline: multi-class kernel ridge regression through LAPACK
// (lesson 10's stand-in for the talk's "SVM with RBF kernel").
//
// rbf_kernel(A, B, gamma)
//   A (features x m) and B (features x n), one sample per column. Returns K (m x n),
//   K_ij = exp(-gamma ||a_i - b_j||^2). Different feature counts or gamma < 0 throw nn::Error.
// median_gamma(X)
//   1 / median of ||x_i - x_j||^2 over the pairs of (at most the first 500) columns of X: the
//   usual starting scale for gamma (the kernel is then exp(-1) at the median distance).
//
// Kernel ridge regression, K classes. With one-hot targets Y (n x K) and the training kernel
// K_tr (n x n), the coefficients are  alpha = (K_tr + lambda I)^-1 Y  (n x K) and the scores
// of new samples are  K(X_new, X_tr) alpha;  the prediction is the row's argmax. One
// eigendecomposition K_tr = V diag(s) V' (LAPACK dsyevd via arma::eig_sym) serves every
// lambda: alpha = V diag(1 / (s + lambda)) V' Y.
// With a single lambda a Cholesky solve of (K_tr + lambda I) alpha = Y is used instead.
//
// kernel_ridge_search(train, validation, test, gammas, lambdas)
//   Fits every (gamma, lambda) pair on the training split, scores it on the validation split,
//   and reports the pair with the best validation accuracy (ties: the first) with its test
//   accuracy; the test split is never used to choose. Every pair's row is in `table`:
//   gamma, lambda, train accuracy, validation accuracy. Empty grids, an empty training split or
//   lambda <= 0 throw nn::Error.
#pragma once

#include <armadillo>
#include <vector>

#include "nn/dataset.hpp"

namespace nn {

arma::mat rbf_kernel(const arma::mat& a, const arma::mat& b, double gamma);
double median_gamma(const arma::mat& x);

struct KernelRidgeResult {
  double gamma = 0, lambda = 0;
  double train_accuracy = 0, validation_accuracy = 0, test_accuracy = 0;
  arma::mat table;  // (pairs x 4): gamma, lambda, train accuracy, validation accuracy
  double seconds = 0;
};

KernelRidgeResult kernel_ridge_search(const Dataset& train, const Dataset& validation,
                                      const Dataset& test, const std::vector<double>& gammas,
                                      const std::vector<double>& lambdas);

}  // namespace nn
