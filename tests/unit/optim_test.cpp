// Optimizers by hand: one SGD step, two with momentum, weight decay, Adam's bias-corrected
// first steps, per-layer learning rates, schedules, and momentum beating plain SGD on an
// ill-conditioned quadratic.
#include "core_helpers.hpp"
#include "nn/optim.hpp"

using Catch::Matchers::Contains;
using Catch::Matchers::WithinAbs;
using testing::Equals;
using testing::grid;

namespace {

// One parameter "w" whose gradient the test writes by hand.
struct Hand {
  arma::mat value, grad;
  std::vector<nn::Parameter> list(const std::string& name = "w") {
    return {{name, &value, &grad}};
  }
};

}  // namespace

SCENARIO("SGD takes one step w <- w - lr g", "[optim][lesson08][points:0]") {
  GIVEN("w = [1 2], g = [0.5 -1] and lr = 0.1") {
    Hand p{grid({{1, 2}}), grid({{0.5, -1}})};
    nn::SGD sgd(p.list(), 0.1);
    WHEN("it steps once") {
      sgd.step();
      THEN("w = [0.95 2.1], the gradient is left alone, and the update was [0.05 -0.1]") {
        CHECK_THAT(p.value, Equals(grid({{0.95, 2.1}})));
        CHECK_THAT(p.grad, Equals(grid({{0.5, -1}})));
        CHECK_THAT(sgd.last_update(0), Equals(grid({{0.05, -0.1}})));
      }
      AND_WHEN("zero_grad runs") {
        sgd.zero_grad();
        THEN("the gradient is [0 0]") { CHECK_THAT(p.grad, Equals(grid({{0, 0}}))); }
      }
    }
  }
}

SCENARIO("SGD with momentum: v <- mu v + lr g, w <- w - v, two steps by hand",
         "[optim][lesson08][points:3][exercise:SGD::step]") {
  GIVEN("w = [1 2], the same g = [0.5 -1] twice, lr = 0.1, momentum 0.9") {
    Hand p{grid({{1, 2}}), grid({{0.5, -1}})};
    nn::SGD sgd(p.list(), 0.1, 0.9);
    WHEN("it steps once") {
      sgd.step();
      THEN("v = 0.1 g = [0.05 -0.1] and w = [0.95 2.1]: the first step is plain SGD") {
        CHECK_THAT(sgd.velocity(0), Equals(grid({{0.05, -0.1}})));
        CHECK_THAT(p.value, Equals(grid({{0.95, 2.1}})));
      }
      AND_WHEN("it steps again") {
        sgd.step();
        THEN("v = 0.9 [0.05 -0.1] + [0.05 -0.1] = [0.095 -0.19] and w = [0.855 2.29]") {
          CHECK_THAT(sgd.velocity(0), Equals(grid({{0.095, -0.19}}), 1e-15));
          CHECK_THAT(p.value, Equals(grid({{0.855, 2.29}}), 1e-15));
        }
      }
    }
  }
}

SCENARIO("weight decay adds wd w to the gradient", "[optim][lesson08][points:2]"
         "[exercise:SGD::step]") {
  GIVEN("w = [1 2], g = [0.5 -1], lr = 0.1, weight decay 0.01") {
    Hand p{grid({{1, 2}}), grid({{0.5, -1}})};
    nn::SGD sgd(p.list(), 0.1, 0, 0.01);
    THEN("the L2 penalty is 0.5 * 0.01 * (1 + 4) = 0.025") {
      CHECK_THAT(sgd.l2_penalty(), WithinAbs(0.025, 1e-15));
    }
    WHEN("it steps once") {
      sgd.step();
      THEN("g + wd w = [0.51 -0.98], so w = [1 - 0.051, 2 + 0.098] = [0.949 2.098]") {
        CHECK_THAT(p.value, Equals(grid({{0.949, 2.098}}), 1e-15));
      }
    }
  }
}

SCENARIO("Adam's first step is lr * sign(g), thanks to bias correction",
         "[optim][lesson08][points:0]") {
  GIVEN("w = [1 1 1], g = [0.5 -2 4], lr = 0.01 and the default betas and eps") {
    Hand p{grid({{1, 1, 1}}), grid({{0.5, -2, 4}})};
    nn::Adam adam(p.list(), 0.01);
    WHEN("it steps once") {
      adam.step();
      THEN("m^ = g and v^ = g^2, so every weight moves by 0.01 against its gradient's sign") {
        // m = 0.1 g, m^ = m / (1 - 0.9) = g;  v = 0.001 g^2, v^ = v / (1 - 0.999) = g^2
        // update = lr g / (|g| + 1e-8): within 0.01 * 2e-8 of lr sign(g)
        CHECK_THAT(p.value, Equals(grid({{0.99, 1.01, 0.99}}), 1e-9));
      }
    }
  }
  GIVEN("one weight w = 1, lr = 0.01, gradient 1 then 3") {
    Hand p{grid({{1}}), grid({{1}})};
    nn::Adam adam(p.list(), 0.01);
    adam.step();
    WHEN("the second step sees g = 3") {
      p.grad = grid({{3}});
      adam.step();
      THEN("m^ = (0.09 + 0.3) / 0.19 = 2.0526, v^ = (0.000999 + 0.009) / 0.001999 = 5.0020, and "
           "the update is 0.01 * 2.0526 / 2.2365 = 0.0091778") {
        CHECK_THAT(adam.last_update(0)(0), WithinAbs(0.009177811148766772, 1e-15));
        CHECK_THAT(p.value(0), WithinAbs(0.9808221889512332, 1e-15));
      }
    }
  }
}

SCENARIO("a per-layer learning rate applies only to its layer", "[optim][lesson08][points:0]") {
  GIVEN("Linear(1 -> 1) -> Linear(1 -> 1) with every weight 1, bias 0 and gradient 1") {
    nn::Sequential net;
    auto& first = net.emplace<nn::Linear>(1, 1);
    auto& second = net.emplace<nn::Linear>(1, 1);
    for (nn::Linear* layer : {&first, &second}) {
      layer->weight.fill(1);
      layer->bias.fill(0);
      layer->grad_weight.fill(1);
      layer->grad_bias.fill(1);
    }
    nn::SGD sgd(net.parameters(), 0.1);
    WHEN("module 0's multiplier is 0.5 and one step is taken") {
      CHECK(sgd.set_lr_multiplier("0", 0.5) == 2);  // 0.weight and 0.bias
      sgd.step();
      THEN("module 0 moved by 0.05, module 1 by the full 0.1") {
        CHECK_THAT(first.weight, Equals(grid({{0.95}})));
        CHECK_THAT(first.bias, Equals(grid({{-0.05}})));
        CHECK_THAT(second.weight, Equals(grid({{0.9}})));
        CHECK_THAT(second.bias, Equals(grid({{-0.1}})));
        CHECK(sgd.lr_of(0) == 0.05);
        CHECK(sgd.lr_of(2) == 0.1);
      }
    }
    WHEN("the biases are frozen with a multiplier of 0 and the base rate halves") {
      CHECK(sgd.set_lr_multiplier("bias", 0) == 2);
      sgd.set_lr(0.05);
      sgd.step();
      THEN("the weights moved by 0.05 and the biases not at all") {
        CHECK_THAT(first.weight, Equals(grid({{0.95}})));
        CHECK_THAT(second.weight, Equals(grid({{0.95}})));
        CHECK_THAT(first.bias, Equals(grid({{0}})));
        CHECK_THAT(second.bias, Equals(grid({{0}})));
      }
    }
    WHEN("a pattern matches no parameter (\"2\", or \"weigh\")") {
      THEN("it throws, listing the names") {
        CHECK_THROWS_WITH(sgd.set_lr_multiplier("2", 0.5),
                          Contains("no parameter matches '2'") && Contains("0.weight, 0.bias, 1.weight, 1.bias"));
        CHECK_THROWS_WITH(sgd.set_lr_multiplier("weigh", 0.5), Contains("no parameter matches"));
      }
    }
    WHEN("weight decay is on for the weights only") {
      sgd.set_weight_decay("weight", 0.1);
      THEN("the penalty counts the two weights: 0.5 * 0.1 * (1 + 1) = 0.1") {
        CHECK_THAT(sgd.l2_penalty(), WithinAbs(0.1, 1e-15));
        CHECK(sgd.weight_decay_of(1) == 0);
      }
    }
  }
}

// The number of steps until L = 0.5 (w1^2 + 100 w2^2) < 1e-6, from w = (1, 1).
static int steps_to_threshold(double lr, double momentum) {
  Hand p{grid({{1}, {1}}), grid({{0}, {0}})};
  nn::SGD sgd(p.list(), lr, momentum);
  const arma::vec curvature = {1, 100};
  for (int step = 0; step < 10000; ++step) {
    const double loss = 0.5 * (curvature(0) * p.value(0) * p.value(0) +
                               curvature(1) * p.value(1) * p.value(1));
    if (loss < 1e-6) return step;
    p.grad = curvature % p.value;  // dL/dw = A w
    sgd.step();
  }
  return -1;
}

SCENARIO("momentum reaches a loss threshold in fewer steps on an ill-conditioned quadratic",
         "[optim][lesson08][points:3][exercise:SGD::step]") {
  GIVEN("L(w) = 0.5 (w1^2 + 100 w2^2) from w = (1, 1), lr = 0.01 (1 / largest curvature)") {
    WHEN("plain SGD, momentum 0.5 and momentum 0.9 run until L < 1e-6") {
      const int plain = steps_to_threshold(0.01, 0), half = steps_to_threshold(0.01, 0.5),
                heavy = steps_to_threshold(0.01, 0.9);
      THEN("plain SGD crawls along the flat direction: 653 steps; momentum 0.5: 319; 0.9: 138") {
        CHECK(plain == 653);
        CHECK(half == 319);
        CHECK(heavy == 138);
        CHECK(heavy < plain / 4);
      }
    }
  }
}

SCENARIO("learning-rate schedules", "[optim][lesson08][points:0]") {
  GIVEN("lr0 = 0.1") {
    THEN("step decay by 0.5 every 2 epochs: 0.1 0.1 0.05 0.05 0.025") {
      const nn::Schedule s = nn::schedule::step_decay(0.1, 0.5, 2);
      CHECK(s(0) == 0.1);
      CHECK(s(1) == 0.1);
      CHECK(s(2) == 0.05);
      CHECK(s(3) == 0.05);
      CHECK(s(4) == 0.025);
    }
    THEN("exponential with gamma 0.9 at epoch 2 is 0.081; with gamma 2 it grows to 0.4") {
      CHECK_THAT(nn::schedule::exponential(0.1, 0.9)(2), WithinAbs(0.081, 1e-15));
      CHECK_THAT(nn::schedule::exponential(0.1, 2)(2), WithinAbs(0.4, 1e-15));
    }
    THEN("inverse time with k = 1: 0.1 / (1 + 4) = 0.02 at epoch 4") {
      CHECK_THAT(nn::schedule::inverse_time(0.1, 1)(4), WithinAbs(0.02, 1e-15));
    }
    THEN("linear from 0.1 to 0.3 over 4 epochs: 0.1 0.15 0.2 0.25 0.3 0.3") {
      const nn::Schedule s = nn::schedule::linear(0.1, 0.3, 4);
      for (int e = 0; e <= 5; ++e) CHECK_THAT(s(e), WithinAbs(std::min(0.3, 0.1 + 0.05 * e), 1e-15));
    }
  }
}

SCENARIO("optimizers refuse bad settings", "[optim][lesson08][points:0]") {
  Hand p{grid({{1, 2}}), grid({{0.5, -1}})};
  THEN("a negative rate, momentum 1, negative decay, bad betas or an empty list throw") {
    CHECK_THROWS_WITH(nn::SGD(p.list(), -0.1), Contains("learning rate must be a finite number >= 0"));
    CHECK_THROWS_WITH(nn::SGD(p.list(), 0.1, 1.0), Contains("momentum must be in [0, 1), got 1"));
    CHECK_THROWS_WITH(nn::SGD(p.list(), 0.1, 0, -1), Contains("weight decay"));
    CHECK_THROWS_WITH(nn::Adam(p.list(), 0.1, 1.0), Contains("beta1 and beta2 must be in [0, 1)"));
    CHECK_THROWS_WITH(nn::SGD({}, 0.1), Contains("the parameter list is empty"));
  }
  WHEN("a gradient has the wrong shape") {
    nn::SGD sgd(p.list(), 0.1);
    p.grad = grid({{0.5}});
    THEN("step() names the parameter and both shapes") {
      CHECK_THROWS_WITH(sgd.step(), Contains("parameter 'w' is 1x2 but its grad is 1x1"));
    }
  }
}
