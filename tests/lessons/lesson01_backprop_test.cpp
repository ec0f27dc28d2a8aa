// Lesson 1's claims: the graph's structure and its three local derivatives, the literal Linear
// example, why h = 1e-5 in double (the sweep), and which band a wrong backward lands in.
// The graph's values and gradients themselves are in tests/unit/graph_test.cpp.
#include <sys/wait.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "helpers.hpp"
#include "nn/backprop_example.hpp"

using Catch::Matchers::WithinAbs;
using Catch::Matchers::WithinRel;
using testing::Equals;
using testing::grid;

namespace {

// The lesson's literal Linear(3 -> 2) example and the layers built from it live in one place,
// src/nn/backprop_example.hpp; the scenarios below state its numbers and assert them.
using nn::backprop_example::example_linear;
using nn::backprop_example::loss_in_float;
using nn::backprop_example::ScaledLinear;
const arma::mat& input = nn::backprop_example::example_input;    // X (3 x 2)
const arma::mat& upstream = nn::backprop_example::example_grad;  // G = dL/dY (2 x 2)

// The lesson's sweep function: L(X) = sum(G % tanh(W X + b)), in double through the library
// (loss_in_float is the same L in float, as the lesson evaluates it).
struct TanhLayer {
  nn::Sequential net = nn::backprop_example::example_tanh_net();
  arma::mat analytic() {
    net.forward(input);
    return net.backward(upstream);
  }
  double relative_error_at(double h) {
    const arma::mat exact = analytic();
    auto loss = [&](const arma::mat& x) { return arma::accu(upstream % net.forward(x)); };
    return nn::relative_error(exact, nn::numeric_gradient(loss, input, h));
  }
};

}  // namespace

SCENARIO("the lesson's graph lists every node with its op and inputs", "[lesson01][points:0]") {
  GIVEN("f = (w0 + w1 x1 + w2 x2)^2 built by nn::graph::lesson1_graph") {
    const nn::graph::Graph g = nn::graph::lesson1_graph(-3, 2, -2, -2, -1);
    auto inputs = [&](const char* name) {
      std::string names;
      for (int in : g[g.find(name)].inputs) names += (names.empty() ? "" : ", ") + g[in].name;
      return names;
    };
    THEN("ten nodes, inputs first, as the lesson's table shows them") {
      REQUIRE(g.nodes().size() == 10);
      for (int i = 0; i < 5; ++i) CHECK(g[i].op == "input");
      CHECK(g[g.find("w1*x1")].op == "mul");
      CHECK(inputs("w1*x1") == "w1, x1");
      CHECK(inputs("w2*x2") == "w2, x2");
      CHECK(g[g.find("w0+w1*x1")].op == "add");
      CHECK(inputs("w0+w1*x1") == "w0, w1*x1");
      CHECK(inputs("s") == "w0+w1*x1, w2*x2");
      CHECK(g[g.find("f")].op == "square");
      CHECK(inputs("f") == "s");
      CHECK(g.find("f") == 9);
    }
  }
}

SCENARIO("the three local derivatives: x^2 -> 2x, a*x -> a, c+x -> 1", "[lesson01][points:0]") {
  GIVEN("f = x^2 at x = -5") {
    nn::graph::Graph g;
    const int x = g.input("x", -5);
    const int f = g.square("f", x);
    g.backward(f);
    THEN("df/dx = 2x = -10") { CHECK(g[x].grad == -10); }
  }
  GIVEN("f = a*x at a = 3, x = -2") {
    nn::graph::Graph g;
    const int a = g.input("a", 3), x = g.input("x", -2);
    const int f = g.mul("f", a, x);
    g.backward(f);
    THEN("df/dx = a = 3 and df/da = x = -2: each factor gets the other") {
      CHECK(g[x].grad == 3);
      CHECK(g[a].grad == -2);
    }
  }
  GIVEN("f = c + x at c = 7, x = -4") {
    nn::graph::Graph g;
    const int c = g.input("c", 7), x = g.input("x", -4);
    const int f = g.add("f", c, x);
    g.backward(f);
    THEN("df/dx = df/dc = 1, whatever the values") {
      CHECK(g[x].grad == 1);
      CHECK(g[c].grad == 1);
    }
  }
}

SCENARIO("centered differences are exact for the quadratic f, even with a large h",
         "[lesson01][points:1][exercise:numeric_gradient]") {
  GIVEN("f = (w0 + w1 x1 + w2 x2)^2, a quadratic in each input (f''' = 0)") {
    auto f = [](const arma::mat& v) {
      const nn::graph::Graph g = nn::graph::lesson1_graph(v[0], v[1], v[2], v[3], v[4]);
      return g[g.find("f")].value;
    };
    const arma::mat at = {-3, 2, -2, -2, -1};
    WHEN("differentiated numerically with h = 0.1") {
      const arma::mat numeric = nn::numeric_gradient(f, at, 0.1);
      THEN("it gives the backward's [-10 20 -20 10 20] up to round-off") {
        CHECK_THAT(numeric, Equals(grid({{-10, 20, -20, 10, 20}}), 1e-12));
      }
    }
  }
}

SCENARIO("the Linear layer of the lesson, forward and backward by hand", "[lesson01][points:3]"
         "[exercise:Linear::backward]") {
  GIVEN("W = [[0.5 -1 0.25] [1 0.5 -0.5]], b = [0.1 -0.2], X = [[1 -0.5] [0.5 1.5] [-1 2]]") {
    nn::Linear linear = example_linear();
    THEN("the example holds exactly these numbers, and G = [[1 -0.5] [0.25 2]]") {
      CHECK_THAT(linear.weight, Equals(grid({{0.5, -1.0, 0.25}, {1.0, 0.5, -0.5}})));
      CHECK_THAT(linear.bias, Equals(grid({{0.1}, {-0.2}})));
      CHECK_THAT(input, Equals(grid({{1.0, -0.5}, {0.5, 1.5}, {-1.0, 2.0}})));
      CHECK_THAT(upstream, Equals(grid({{1.0, -0.5}, {0.25, 2.0}})));
    }
    WHEN("it runs forward") {
      THEN("Y = W X + b = [[-0.15 -1.15] [1.55 -0.95]]") {
        CHECK_THAT(linear.forward(input), Equals(grid({{-0.15, -1.15}, {1.55, -0.95}}), 1e-15));
      }
    }
    WHEN("G = [[1 -0.5] [0.25 2]] flows back") {
      linear.forward(input);
      const arma::mat grad_input = linear.backward(upstream);
      THEN("dL/dX = W' G = [[0.75 1.75] [-0.875 1.5] [0.125 -1.125]]") {
        CHECK_THAT(grad_input, Equals(grid({{0.75, 1.75}, {-0.875, 1.5}, {0.125, -1.125}}), 1e-15));
      }
      THEN("dL/dW = G X' = [[1.25 -0.25 -2] [-0.75 3.125 3.75]], dL/db = [0.5 2.25]") {
        CHECK_THAT(linear.grad_weight,
                   Equals(grid({{1.25, -0.25, -2}, {-0.75, 3.125, 3.75}}), 1e-15));
        CHECK_THAT(linear.grad_bias, Equals(grid({{0.5}, {2.25}}), 1e-15));
      }
      AND_WHEN("the same G flows back a second time") {
        linear.backward(upstream);
        THEN("the parameter gradients have doubled: backward adds") {
          CHECK_THAT(linear.grad_weight, Equals(grid({{2.5, -0.5, -4}, {-1.5, 6.25, 7.5}}), 1e-15));
          CHECK_THAT(linear.grad_bias, Equals(grid({{1}, {4.5}}), 1e-15));
        }
      }
    }
    THEN("nn::gradient_check puts input, weight and bias in the good band (< 1e-7)") {
      const auto checks = nn::gradient_check(linear, input);
      REQUIRE(checks.size() == 3);
      CHECK(checks[0].what == "input");
      CHECK(checks[1].what == "weight");
      CHECK(checks[2].what == "bias");
      for (const auto& c : checks) {
        INFO(nn::describe(c));
        CHECK(c.max_relative_error < 1e-7);
        CHECK_FALSE(c.near_kink);
      }
    }
  }
}

SCENARIO("why h = 1e-5 and double: the error of the numeric gradient is a V in h",
         "[lesson02][points:3][exercise:tanh_backward][needs:lesson01/numeric_gradient]"
         "[needs:lesson01/Linear::backward]") {
  GIVEN("L = sum(G % tanh(W X + b)) with the lesson's numbers, its dL/dX from backward") {
    TanhLayer layer;
    const double at_1e1 = layer.relative_error_at(1e-1), at_1e2 = layer.relative_error_at(1e-2),
                 at_1e3 = layer.relative_error_at(1e-3), at_1e5 = layer.relative_error_at(1e-5),
                 at_1e12 = layer.relative_error_at(1e-12);
    INFO("h = 1e-1: " << at_1e1 << ", 1e-5: " << at_1e5 << ", 1e-12: " << at_1e12);
    THEN("h = 1e-5 is in the good band, below 1e-8") { CHECK(at_1e5 < 1e-8); }
    THEN("h = 1e-1 is worse (truncation, ~3e-3), and so is h = 1e-12 (round-off, ~1e-4)") {
      CHECK(at_1e1 > 1e-4);
      CHECK(at_1e12 > 1e-6);
      CHECK(at_1e1 > 100 * at_1e5);
      CHECK(at_1e12 > 100 * at_1e5);
    }
    THEN("for large h the error falls as h^2: a hundredfold per decade") {
      CHECK_THAT(at_1e2 / at_1e3, WithinRel(100.0, 0.05));
    }
    WHEN("L is evaluated in float instead") {
      const arma::mat exact = layer.analytic();
      auto float_error = [&](double h) {
        return nn::relative_error(exact, nn::numeric_gradient(loss_in_float, input, h));
      };
      THEN("h = 1e-5 lands in the wrong band (> 1e-2); h = 1e-2 does far better") {
        CHECK(float_error(1e-5) > 1e-2);
        CHECK(float_error(1e-2) < 1e-3);
      }
      THEN("below the float spacing near 1 (1.2e-7), x +- h rounds to x: the error is 1") {
        CHECK(float_error(1e-9) == 1.0);
      }
    }
  }
}

SCENARIO("a deliberately wrong backward lands in the wrong band", "[lesson01][points:3]"
         "[exercise:Linear::backward]") {
  GIVEN("the lesson's Linear layer whose backward adds factor x dL/dW") {
    auto weight_error = [](double factor) {
      ScaledLinear layer(factor);
      const auto checks = nn::gradient_check(layer, input);
      INFO("factor " << factor << ": " << nn::describe(checks[1]));
      CHECK(checks[0].max_relative_error < 1e-7);  // dL/dX and dL/db are still right
      CHECK(checks[2].max_relative_error < 1e-7);
      return checks[1].max_relative_error;
    };
    THEN("factor 1 (correct) is good: < 1e-7") { CHECK(weight_error(1.0) < 1e-7); }
    THEN("factor 1 + 1e-6 is suspect: between 1e-7 and 1e-2, about 1e-6") {
      const double e = weight_error(1.0 + 1e-6);
      CHECK(e > 1e-7);
      CHECK(e < 1e-2);
      CHECK_THAT(e, WithinRel(1e-6, 0.01));
    }
    THEN("factor 0.5 (half the gradient) is wrong: > 1e-2, in fact 0.5") {
      const double e = weight_error(0.5);
      CHECK(e > 1e-2);
      CHECK_THAT(e, WithinAbs(0.5, 1e-6));
    }
  }
}

TEST_CASE("lesson 1 runs straight through and writes its figures", "[lesson01][run][points:0]") {
  testing::check_lesson_run(1, {"h_sweep.png", "bands.png"});
}
