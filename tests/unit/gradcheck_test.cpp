// Every layer against centered differences, and the checker itself: it must be able to fail,
// it must tell a kink from a bug, and it must refuse to pass vacuously.
#include <memory>

#include "core_helpers.hpp"

using testing::require_all_pass;

namespace {

// Away from kinks: inputs at least 0.05 from zero.
arma::mat away_from_zero(arma::uword rows, arma::uword cols) {
  arma::mat x = arma::randn<arma::mat>(rows, cols);
  x.transform([](double v) { return v >= 0 ? v + 0.05 : v - 0.05; });
  return x;
}

}  // namespace

SCENARIO("Linear passes the gradient check for any size and batch", "[lesson01][points:3]"
         "[exercise:Linear::backward]") {
  const auto [in, out, batch] = GENERATE(table<int, int, int>({{1, 1, 1}, {3, 2, 1}, {5, 4, 3}, {20, 7, 16}}));
  GIVEN("Linear(" << in << " -> " << out << ") on a batch of " << batch) {
    nn::seed(1);
    nn::Linear linear(in, out);
    THEN("input, weight and bias gradients agree with the numeric ones below 1e-7") {
      require_all_pass(linear, arma::randn<arma::mat>(in, batch));
    }
  }
}

SCENARIO("activations pass the gradient check away from their kinks", "[lesson02][points:0]"
         "[needs:lesson02/relu_backward][needs:lesson02/leaky_relu_backward]"
         "[needs:lesson02/sigmoid_backward][needs:lesson02/tanh_backward]") {
  nn::seed(2);
  const arma::mat x = away_from_zero(6, 3);
  GIVEN("ReLU") { nn::ReLU m; require_all_pass(m, x); }
  GIVEN("LeakyReLU(0.05)") { nn::LeakyReLU m(0.05); require_all_pass(m, x); }
  GIVEN("Sigmoid(lambda = 1.5)") { nn::Sigmoid m(1.5); require_all_pass(m, x); }
  GIVEN("Tanh(lambda = 0.7)") { nn::Tanh m(0.7); require_all_pass(m, x); }
}

SCENARIO("Conv2d passes the gradient check over shapes, strides, paddings and batches",
         "[lesson03][points:4][exercise:conv2d_backward]") {
  const auto [c, h, w, k, kh, kw, s, p, batch] = GENERATE(table<int, int, int, int, int, int, int, int, int>({
      {1, 4, 4, 1, 3, 3, 1, 0, 1},
      {2, 4, 4, 2, 2, 2, 1, 0, 1},
      {2, 5, 6, 3, 3, 2, 2, 1, 2},
      {3, 6, 5, 2, 3, 3, 2, 0, 3},
      {1, 7, 7, 2, 4, 4, 3, 2, 2},
  }));
  GIVEN("Conv2d(" << c << "x" << h << "x" << w << ", " << k << " kernels " << kh << "x" << kw
                  << ", stride " << s << ", padding " << p << ") on a batch of " << batch) {
    nn::seed(3);
    nn::Conv2d conv(nn::Shape{arma::uword(c), arma::uword(h), arma::uword(w)}, k, kh, kw, s, p);
    THEN("input, weight and bias gradients agree below 1e-7") {
      require_all_pass(conv, arma::randn<arma::mat>(c * h * w, batch));
    }
  }
}

SCENARIO("MaxPool2d passes the gradient check without ties", "[lesson04][points:2]"
         "[exercise:maxpool2d_backward]") {
  const auto [c, h, w, k, s, batch] = GENERATE(table<int, int, int, int, int, int>({
      {1, 4, 4, 2, 2, 1}, {2, 5, 5, 3, 2, 2}, {1, 6, 7, 3, 1, 1}, {3, 4, 6, 2, 3, 2}}));
  GIVEN("MaxPool2d(" << c << "x" << h << "x" << w << ", kernel " << k << ", stride " << s << ")") {
    nn::seed(4);
    nn::MaxPool2d pool(nn::Shape{arma::uword(c), arma::uword(h), arma::uword(w)}, k, s);
    // Distinct values far apart: no tie, no argmax switch inside +-h.
    arma::mat x = arma::shuffle(arma::linspace<arma::vec>(-1, 1, c * h * w));
    x = arma::repmat(x, 1, batch);
    THEN("the routed gradient agrees below 1e-7") { require_all_pass(pool, x); }
  }
}

SCENARIO("a Sequential network passes as a whole", "[lesson04][points:2]"
         "[exercise:maxpool2d_backward][needs:lesson01/Linear::backward]"
         "[needs:lesson02/relu_backward][needs:lesson02/tanh_backward]"
         "[needs:lesson03/conv2d_backward]") {
  GIVEN("Conv2d -> ReLU -> MaxPool2d -> Linear -> Tanh") {
    nn::seed(5);
    nn::Sequential net;
    auto& conv = net.emplace<nn::Conv2d>(nn::Shape{1, 6, 6}, 2, 3, 3);
    net.emplace<nn::ReLU>();
    auto& pool = net.emplace<nn::MaxPool2d>(conv.output_shape(), 2, 2);
    net.emplace<nn::Linear>(pool.output_shape().size(), 3);
    net.emplace<nn::Tanh>();
    const arma::mat x = arma::randn<arma::mat>(36, 2);
    THEN("every parameter, named by its layer, agrees below 1e-6 away from kinks") {
      const auto checks = nn::gradient_check(net, x);
      REQUIRE(checks.size() == 5);  // input, 0.weight, 0.bias, 3.weight, 3.bias
      CHECK(checks[1].what == "0.weight");
      CHECK(checks[4].what == "3.bias");
      for (const auto& c : checks) {
        INFO(nn::describe(c));
        CHECK(c.max_relative_error < 1e-6);
      }
    }
  }
}

// A Linear layer whose backward forgets the transpose: the checker must catch it.
struct BrokenLinear : nn::Linear {
  using nn::Linear::Linear;
  arma::mat backward(const arma::mat& grad_output) override {
    arma::mat grad_input = nn::Linear::backward(grad_output);
    grad_weight *= 0.5;  // a plausible slip: half the weight gradient
    return grad_input;
  }
};

// A layer that overwrites its gradient instead of adding to it.
struct OverwritingLinear : nn::Linear {
  using nn::Linear::Linear;
  arma::mat backward(const arma::mat& grad_output) override {
    grad_weight.zeros();
    grad_bias.zeros();
    return nn::Linear::backward(grad_output);
  }
};

SCENARIO("the gradient checker can fail", "[lesson01][points:3][exercise:Linear::backward]") {
  nn::seed(6);
  const arma::mat x = arma::randn<arma::mat>(4, 3);
  GIVEN("a backward that halves the weight gradient") {
    BrokenLinear broken(4, 3);
    const auto checks = nn::gradient_check(broken, x);
    THEN("the input passes but the weight lands in the 'wrong' band (> 1e-2)") {
      CHECK(checks[0].max_relative_error < 1e-7);
      CHECK(checks[1].what == "weight");
      CHECK(checks[1].max_relative_error > 1e-2);
      CHECK(checks[2].max_relative_error < 1e-7);
    }
  }
  GIVEN("a backward that overwrites its gradients instead of adding") {
    OverwritingLinear overwriting(4, 3);
    const auto checks = nn::gradient_check(overwriting, x);
    THEN("the pre-filled gradients expose it") {
      CHECK(checks[1].max_relative_error > 1e-2);
      CHECK(checks[2].max_relative_error > 1e-2);
    }
  }
}

SCENARIO("the checker flags kinks instead of failing silently", "[lesson04][points:2]"
         "[exercise:maxpool2d_backward][needs:lesson02/relu_backward]") {
  GIVEN("a ReLU whose input has an exact 0") {
    nn::ReLU relu;
    const arma::mat x = testing::grid({{0.3}, {0}, {-0.4}, {0.8}});
    const nn::GradientCheck c = nn::gradient_check(relu, x)[0];
    THEN("entry 1 is reported as a kink and left out; the rest agree") {
      CHECK(c.near_kink);
      CHECK(c.kinks == 1);
      CHECK(c.max_relative_error < 1e-7);
    }
  }
  GIVEN("two max-pool windows, the left one with a tie") {
    nn::MaxPool2d pool(nn::Shape{1, 2, 4}, 2, 2);
    const arma::mat x = testing::image({testing::grid({{0.5, 0.9, 0.2, 0.3}, {0.9, 0.1, 0.7, 0.4}})});
    const nn::GradientCheck c = nn::gradient_check(pool, x)[0];
    THEN("both tied entries are kinks (a nudge of either switches the argmax); the rest agree") {
      CHECK(c.near_kink);
      CHECK(c.kinks == 2);
      CHECK(c.max_relative_error < 1e-7);
    }
  }
}

SCENARIO("the checker refuses a gradient that is zero everywhere", "[lesson02][points:1]"
         "[exercise:relu_backward]") {
  GIVEN("a ReLU whose inputs are all negative") {
    nn::ReLU relu;
    THEN("gradient_check throws instead of passing vacuously") {
      CHECK_THROWS_WITH(nn::gradient_check(relu, testing::grid({{-1}, {-2}})),
                        Catch::Matchers::Contains("zero everywhere"));
    }
  }
}

// y = 2x, remembering the G the checker sends back through it.
struct Doubling : nn::Module {
  arma::mat seen_grad_output;
  arma::mat forward(const arma::mat& input) override { return 2 * input; }
  arma::mat backward(const arma::mat& grad_output) override {
    seen_grad_output = grad_output;
    return 2 * grad_output;
  }
  std::string name() const override { return "Doubling"; }
};

SCENARIO("the checker's random G is its own, not the input a test drew with the same seed",
         "[infra]") {
  GIVEN("an input drawn with randn after nn::seed(0), and gradient_check's default seed 0") {
    nn::seed(0);
    const arma::mat x = arma::randn(4, 3);
    Doubling twice;
    const nn::GradientCheck c = nn::gradient_check(twice, x)[0];
    THEN("the check passes, with a G that is not x: L = sum(x % m(x)) would check less") {
      CHECK(c.max_relative_error < 1e-8);
      REQUIRE(twice.seen_grad_output.n_rows == 4);
      CHECK(arma::abs(twice.seen_grad_output - x).max() > 0.1);
    }
  }
}
