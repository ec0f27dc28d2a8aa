// Lesson 1's computational graph: f = (w0 + w1 x1 + w2 x2)^2 at w0=-3, w1=2, x1=-2, w2=-2,
// x2=-1, every node forward and backward, and the same numbers from centered differences.
#include "core_helpers.hpp"

using Catch::Matchers::WithinAbs;

SCENARIO("backprop by hand through f = (w0 + w1 x1 + w2 x2)^2", "[lesson01][points:4]"
         "[exercise:numeric_gradient]") {
  GIVEN("w0 = -3, w1 = 2, x1 = -2, w2 = -2, x2 = -1") {
    nn::graph::Graph g = nn::graph::lesson1_graph(-3, 2, -2, -2, -1);
    auto value = [&](const char* n) { return g[g.find(n)].value; };
    auto grad = [&](const char* n) { return g[g.find(n)].grad; };

    WHEN("the graph runs forward") {
      THEN("every node holds its value: w1*x1 = -4, w2*x2 = 2, w0+w1*x1 = -7, s = -5, f = 25") {
        CHECK(value("w1*x1") == -4);
        CHECK(value("w2*x2") == 2);
        CHECK(value("w0+w1*x1") == -7);
        CHECK(value("s") == -5);
        CHECK(value("f") == 25);
      }
    }
    WHEN("it runs backward from f") {
      g.backward(g.find("f"));
      THEN("df/ds = 2s = -10 flows through the adds unchanged") {
        CHECK(grad("f") == 1);
        CHECK(grad("s") == -10);
        CHECK(grad("w0+w1*x1") == -10);
        CHECK(grad("w1*x1") == -10);
        CHECK(grad("w2*x2") == -10);
      }
      THEN("the muls swap their factors: df/dw0 = -10, df/dw1 = 20, df/dx1 = -20, df/dw2 = 10, "
           "df/dx2 = 20") {
        CHECK(grad("w0") == -10);
        CHECK(grad("w1") == 20);
        CHECK(grad("x1") == -20);
        CHECK(grad("w2") == 10);
        CHECK(grad("x2") == 20);
      }
      THEN("centered differences (h = 1e-5) agree to a relative error below 1e-9") {
        const arma::mat inputs = {-3, 2, -2, -2, -1};  // w0 w1 x1 w2 x2
        auto f = [](const arma::mat& v) {
          nn::graph::Graph h = nn::graph::lesson1_graph(v[0], v[1], v[2], v[3], v[4]);
          return h[h.find("f")].value;
        };
        const arma::mat numeric = nn::numeric_gradient(f, inputs);
        const arma::mat analytic = {grad("w0"), grad("w1"), grad("x1"), grad("w2"), grad("x2")};
        CHECK_THAT(numeric, testing::Equals(analytic, 1e-8));
        CHECK(nn::relative_error(analytic, numeric) < 1e-9);
      }
    }
  }
}

SCENARIO("a node used twice collects the gradient of both paths", "[lesson01][points:0]") {
  GIVEN("f = (a*a) + a at a = 3") {
    nn::graph::Graph g;
    const int a = g.input("a", 3);
    const int sq = g.mul("a*a", a, a);
    const int f = g.add("f", sq, a);
    WHEN("backward runs") {
      g.backward(f);
      THEN("df/da = 2a + 1 = 7, the sum over its three uses") {
        CHECK(g[f].value == 12);
        CHECK(g[a].grad == 7);
      }
    }
  }
}

SCENARIO("relative error follows the cs231n definition", "[lesson01][points:0]") {
  GIVEN("analytic [1, 0.5, 0] and numeric [1.001, 0.5, 0]") {
    const arma::mat a = {1, 0.5, 0}, n = {1.001, 0.5, 0};
    THEN("the worst entry gives |a-n|/max(|a|,|n|) = 0.001/1.001, zeros give 0") {
      CHECK_THAT(nn::relative_error(a, n), WithinAbs(0.001 / 1.001, 1e-15));
    }
    THEN("shapes that differ are an nn::Error") {
      CHECK_THROWS_AS(nn::relative_error(a, arma::mat(2, 2)), nn::Error);
    }
  }
}
