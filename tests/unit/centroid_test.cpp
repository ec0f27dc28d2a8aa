// Centroid loss with cosine distance: the distance, the centroids, the loss by hand, its
// gradient against centered differences, and nearest-centroid prediction.
#include "core_helpers.hpp"

using Catch::Matchers::Contains;
using Catch::Matchers::WithinAbs;
using testing::Equals;
using testing::grid;

SCENARIO("cosine distance d(u, v) = 0.5 (1 - cos)", "[lesson10][points:0]") {
  GIVEN("u = [1 0]") {
    const arma::vec u = {1, 0};
    THEN("same direction 0, orthogonal 0.5, opposite 1, 45 degrees 0.5 (1 - 1/sqrt 2)") {
      CHECK_THAT(nn::cosine_distance(u, arma::vec{3, 0}), WithinAbs(0, 1e-15));
      CHECK_THAT(nn::cosine_distance(u, arma::vec{0, 2}), WithinAbs(0.5, 1e-15));
      CHECK_THAT(nn::cosine_distance(u, arma::vec{-1, 0}), WithinAbs(1, 1e-15));
      CHECK_THAT(nn::cosine_distance(u, arma::vec{1, 1}), WithinAbs(0.5 * (1 - 1 / std::sqrt(2.0)), 1e-15));
    }
    THEN("a zero vector is at distance 0.5 with zero gradient, never NaN") {
      CHECK(nn::cosine_distance(u, arma::vec{0, 0}) == 0.5);
      CHECK_THAT(arma::mat(nn::cosine_distance_grad(u, arma::vec{0, 0})), Equals(grid({{0}, {0}})));
    }
  }
}

SCENARIO("centroid loss on a batch by hand", "[lesson10][points:0]") {
  GIVEN("3 classes, latent vectors [1 0] [0 1] [2 0] [-1 0] with labels 0 1 0 2") {
    nn::CentroidLoss loss(3, 1.0, 0.5);
    const arma::mat h = grid({{1, 0, 2, -1}, {0, 1, 0, 0}});
    const arma::uvec y = {0, 1, 0, 2};
    loss.update_centroids(h, y);
    THEN("the centroids are the class means: [1.5 0], [0 1], [-1 0]") {
      CHECK_THAT(loss.centroids(), Equals(grid({{1.5, 0, -1}, {0, 1, 0}})));
    }
    WHEN("the loss runs forward") {
      const double l = loss.forward(h, y);
      THEN("every sample sits on its centroid's direction: attraction 0; repulsion "
           "(0.5 + 1 + 0.5 + 0.5 + 0.5 + 1 + 1 + 0.5) / 8 = 0.6875; L = -0.5 * 0.6875") {
        CHECK_THAT(loss.attraction(), WithinAbs(0, 1e-15));
        CHECK_THAT(loss.repulsion(), WithinAbs(0.6875, 1e-15));
        CHECK_THAT(l, WithinAbs(-0.34375, 1e-15));
      }
    }
    THEN("prediction picks the nearest centroid by angle: [1 0.5] -> 0, [0.2 -3] -> 0 (just on "
         "centroid 0's side), [-0.1 3] -> 1, [-5 0.1] -> 2") {
      CHECK(arma::all(loss.predict(grid({{1, 0.2, -0.1, -5}, {0.5, -3, 3, 0.1}})) ==
                      arma::uvec({0, 0, 1, 2})));
      CHECK(arma::all(loss.predict(h) == y));
    }
  }
}

SCENARIO("centroid loss gradient against centered differences", "[lesson10][points:3]"
         "[exercise:CentroidLoss::backward][needs:lesson01/numeric_gradient]") {
  GIVEN("random 5-d latents for 8 samples of 4 classes, centroids from another batch") {
    nn::seed(21);
    nn::CentroidLoss loss(4, 1.0, 2.0);
    loss.update_centroids(arma::randn<arma::mat>(5, 12), {0, 1, 2, 3, 0, 1, 2, 3, 0, 1, 2, 3});
    const arma::mat h = arma::randn<arma::mat>(5, 8);
    const arma::uvec y = {0, 1, 2, 3, 3, 2, 1, 0};
    loss.forward(h, y);
    const arma::mat analytic = loss.backward();
    const arma::mat numeric = nn::numeric_gradient(
        [&](const arma::mat& v) {
          nn::CentroidLoss copy = loss;  // same centroids, held constant
          return copy.forward(v, y);
        },
        h);
    THEN("the relative error is below 1e-7") {
      CHECK(nn::relative_error(analytic, numeric) < 1e-7);
    }
  }
}

SCENARIO("centroid loss refuses bad input clearly", "[lesson10][points:0]") {
  nn::CentroidLoss loss(3);
  THEN("forward before any centroid, labels out of range and wrong dimensions are errors") {
    CHECK_THROWS_WITH(loss.forward(arma::ones(2, 1), {0}), Contains("update_centroids first"));
    CHECK_THROWS_WITH(loss.update_centroids(arma::ones(2, 2), {0, 3}),
                      Contains("label 3 of sample 1") && Contains("3 classes"));
    loss.update_centroids(arma::ones(2, 2), {0, 1});
    CHECK_THROWS_WITH(loss.forward(arma::ones(3, 1), {0}), Contains("expected latent vectors of 2 rows"));
    CHECK_THROWS_WITH(nn::CentroidLoss(1), Contains("at least 2 classes"));
  }
}
