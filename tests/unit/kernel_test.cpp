// The RBF kernel and the kernel ridge baseline of lesson 10 (src/nn/kernel.hpp): a kernel
// matrix worked by hand, the ridge solution against a direct solve, and the search choosing
// on validation only.
#include "core_helpers.hpp"
#include "nn/kernel.hpp"

using Catch::Matchers::WithinAbs;
using testing::Equals;
using testing::grid;

SCENARIO("The RBF kernel of three points", "[lesson10][points:0]") {
  GIVEN("a = (0, 0), b = (1, 0), c = (0, 2), one per column, gamma = 0.5") {
    const arma::mat x = grid({{0, 1, 0}, {0, 0, 2}});
    THEN("K_ij = exp(-0.5 |x_i - x_j|^2): 1 on the diagonal, exp(-0.5), exp(-2), exp(-2.5)") {
      const arma::mat k = nn::rbf_kernel(x, x, 0.5);
      const double e1 = std::exp(-0.5), e4 = std::exp(-2.0), e5 = std::exp(-2.5);
      CHECK_THAT(k, Equals(grid({{1, e1, e4}, {e1, 1, e5}, {e4, e5, 1}}), 1e-15));
    }
    THEN("the median heuristic: squared distances 1, 4, 5 have median 4, gamma = 0.25") {
      CHECK_THAT(nn::median_gamma(x), WithinAbs(0.25, 1e-15));
    }
    THEN("samples with different feature counts are refused") {
      CHECK_THROWS_AS(nn::rbf_kernel(x, arma::mat(3, 2, arma::fill::zeros), 1.0), nn::Error);
    }
  }
}

SCENARIO("Kernel ridge search fits (K + lambda I)^-1 Y and chooses on validation", "[lesson10][points:0]") {
  GIVEN("two well separated Gaussian blobs, 40 train, 20 validation, 20 test samples") {
    nn::seed(0);
    auto blobs = [](arma::uword n) {
      nn::Dataset d;
      d.x = arma::randn(2, n) * 0.3;
      d.y.set_size(n);
      for (arma::uword i = 0; i < n; ++i) {
        d.y[i] = i % 2;
        d.x(0, i) += d.y[i] ? 2.0 : -2.0;
      }
      return d;
    };
    const nn::Dataset train = blobs(40), validation = blobs(20), test = blobs(20);
    WHEN("the grid is gamma in {0.1, 1}, lambda in {0.01, 1}") {
      const nn::KernelRidgeResult r =
          nn::kernel_ridge_search(train, validation, test, {0.1, 1.0}, {0.01, 1.0});
      THEN("every pair has a row, and the separable blobs are classified perfectly") {
        CHECK(r.table.n_rows == 4);
        CHECK(r.validation_accuracy == 1.0);
        CHECK(r.test_accuracy == 1.0);
      }
      THEN("the chosen pair is the first with the best validation accuracy") {
        CHECK(r.gamma == 0.1);
        CHECK(r.lambda == 0.01);
      }
    }
    THEN("the eigendecomposition's alpha equals a direct solve of (K + lambda I) alpha = Y") {
      const arma::mat k = nn::rbf_kernel(train.x, train.x, 1.0);
      arma::mat y(train.n_samples(), 2, arma::fill::zeros);
      for (arma::uword i = 0; i < train.n_samples(); ++i) y(i, train.y[i]) = 1;
      arma::vec s;
      arma::mat v;
      REQUIRE(arma::eig_sym(s, v, k));
      const arma::mat vty = v.t() * y;
      const arma::mat by_eig = v * (vty.each_col() / (s + 0.5));
      const arma::mat by_solve = arma::solve(k + 0.5 * arma::eye(k.n_rows, k.n_rows), y);
      CHECK(arma::abs(by_eig - by_solve).max() < 1e-10);
    }
    THEN("one lambda (a Cholesky solve) scores as that lambda's row of the eigen path") {
      const nn::KernelRidgeResult both =
          nn::kernel_ridge_search(train, validation, test, {1.0}, {0.01, 1.0});
      const nn::KernelRidgeResult one = nn::kernel_ridge_search(train, validation, test, {1.0}, {1.0});
      CHECK(one.table.n_rows == 1);
      CHECK(one.table(0, 2) == both.table(1, 2));
      CHECK(one.table(0, 3) == both.table(1, 3));
    }
    THEN("an empty grid or lambda <= 0 is refused") {
      CHECK_THROWS_AS(nn::kernel_ridge_search(train, validation, test, {}, {1.0}), nn::Error);
      CHECK_THROWS_AS(nn::kernel_ridge_search(train, validation, test, {1.0}, {0.0}), nn::Error);
    }
  }
}
