// The Module protocol: Linear by hand, accumulation until zero_grad, Sequential, losses, and
// the errors every module gives for bad input.
#include "core_helpers.hpp"

using Catch::Matchers::Contains;
using Catch::Matchers::WithinAbs;
using testing::Equals;
using testing::grid;

SCENARIO("Linear computes Y = W X + b and its three gradients", "[lesson01][points:3]"
         "[exercise:Linear::backward]") {
  GIVEN("W = [[1 2] [3 4] [5 6]], b = [0.5 -1 0], a batch of two columns") {
    nn::Linear linear(2, 3);
    linear.weight = grid({{1, 2}, {3, 4}, {5, 6}});
    linear.bias = grid({{0.5}, {-1}, {0}});
    const arma::mat x = grid({{1, -1}, {2, 0}});
    WHEN("forward") {
      THEN("Y = [[5.5 -0.5] [10 -4] [17 -5]]") {
        CHECK_THAT(linear.forward(x), Equals(grid({{5.5, -0.5}, {10, -4}, {17, -5}})));
      }
    }
    WHEN("backward with G = [[1 0] [0 1] [1 1]]") {
      linear.forward(x);
      linear.zero_grad();
      const arma::mat g = grid({{1, 0}, {0, 1}, {1, 1}});
      const arma::mat grad_x = linear.backward(g);
      THEN("dX = W'G = [[6 8] [8 10]], dW = G X' = [[1 2] [-1 0] [0 2]], db = [1 1 2]") {
        CHECK_THAT(grad_x, Equals(grid({{6, 8}, {8, 10}})));
        CHECK_THAT(linear.grad_weight, Equals(grid({{1, 2}, {-1, 0}, {0, 2}})));
        CHECK_THAT(linear.grad_bias, Equals(grid({{1}, {1}, {2}})));
      }
    }
  }
}

SCENARIO("gradients accumulate until zero_grad", "[lesson03][points:2][exercise:conv2d_backward]"
         "[needs:lesson01/Linear::backward]") {
  GIVEN("a Linear layer after one forward") {
    nn::seed(11);
    nn::Linear linear(3, 2);
    const arma::mat x = arma::randn<arma::mat>(3, 4), g = arma::randn<arma::mat>(2, 4);
    linear.forward(x);
    linear.zero_grad();
    linear.backward(g);
    const arma::mat once_w = linear.grad_weight, once_b = linear.grad_bias;
    WHEN("backward runs a second time") {
      linear.backward(g);
      THEN("the parameter gradients have doubled") {
        CHECK_THAT(linear.grad_weight, Equals(2 * once_w, 1e-12));
        CHECK_THAT(linear.grad_bias, Equals(2 * once_b, 1e-12));
      }
      AND_WHEN("zero_grad runs") {
        linear.zero_grad();
        THEN("they are zero again") {
          CHECK(arma::accu(arma::abs(linear.grad_weight)) == 0);
          CHECK(arma::accu(arma::abs(linear.grad_bias)) == 0);
        }
      }
    }
  }
  GIVEN("a Conv2d layer") {
    nn::seed(12);
    nn::Conv2d conv(nn::Shape{1, 4, 4}, 2, 2, 2);
    const arma::mat x = arma::randn<arma::mat>(16, 2), g = arma::randn<arma::mat>(18, 2);
    conv.forward(x);
    conv.zero_grad();
    conv.backward(g);
    const arma::mat once = conv.grad_weight;
    conv.backward(g);
    THEN("two backward calls double its kernel gradients too") {
      CHECK_THAT(conv.grad_weight, Equals(2 * once, 1e-12));
    }
  }
}

SCENARIO("Sequential chains modules and names their parameters", "[lesson01][points:0]") {
  GIVEN("Linear(4 -> 3) -> ReLU -> Linear(3 -> 2)") {
    nn::seed(13);
    nn::Sequential net;
    auto& first = net.emplace<nn::Linear>(4, 3);
    net.emplace<nn::ReLU>();
    auto& last = net.emplace<nn::Linear>(3, 2);
    const arma::mat x = arma::randn<arma::mat>(4, 5);
    THEN("forward equals applying the three by hand") {
      const arma::mat by_hand = last.weight * nn::relu_forward(first.forward(x)) +
                                arma::repmat(last.bias, 1, 5);
      CHECK_THAT(net.forward(x), Equals(by_hand, 1e-12));
      CHECK(net.size() == 3);
      CHECK(net.outputs().size() == 3);
    }
    THEN("parameters are 0.weight, 0.bias, 2.weight, 2.bias") {
      const auto params = net.parameters();
      REQUIRE(params.size() == 4);
      CHECK(params[0].name == "0.weight");
      CHECK(params[3].name == "2.bias");
      CHECK(params[2].value == &last.weight);
    }
  }
  GIVEN("Linear(4 -> 3) followed by Linear(5 -> 2)") {
    nn::Sequential net;
    net.emplace<nn::Linear>(4, 3);
    net.emplace<nn::Linear>(5, 2);
    THEN("the first forward names both layers") {
      CHECK_THROWS_WITH(net.forward(arma::ones(4, 1)),
                        Contains("layer 1 Linear(5 -> 2)") && Contains("layer 0 Linear(4 -> 3)") &&
                            Contains("got 3x1"));
    }
  }
}

SCENARIO("MSE and softmax cross-entropy, averaged over the batch", "[lesson06][points:3]"
         "[exercise:SoftmaxCrossEntropy::backward][needs:lesson01/numeric_gradient]") {
  GIVEN("outputs [[1 0] [2 0]] and targets [[0 0] [0 1]]") {
    nn::MSELoss mse;
    THEN("L = (0.5 (1 + 4) + 0.5 (0 + 1)) / 2 = 1.5 and dL/dy = (y - t) / 2") {
      CHECK_THAT(mse.forward(grid({{1, 0}, {2, 0}}), grid({{0, 0}, {0, 1}})), WithinAbs(1.5, 1e-15));
      CHECK_THAT(mse.backward(), Equals(grid({{0.5, 0}, {1, -0.5}})));
    }
  }
  GIVEN("logits [[0 1000] [0 -1000] [0 0]] and labels [0 1]") {
    nn::SoftmaxCrossEntropy ce;
    const double loss = ce.forward(grid({{0, 1000}, {0, -1000}, {0, 0}}), {0, 1});
    THEN("sample 1 costs ln 3, sample 2 costs 2000, no overflow: L = (ln 3 + 2000) / 2") {
      CHECK_THAT(loss, WithinAbs((std::log(3.0) + 2000) / 2, 1e-9));
      const arma::mat g = ce.backward();
      CHECK_THAT(g, Equals(grid({{(1.0 / 3 - 1) / 2, 0.5}, {1.0 / 6, -0.5}, {1.0 / 6, 0}}), 1e-12));
    }
  }
  GIVEN("random logits") {
    nn::seed(14);
    const arma::mat z = arma::randn<arma::mat>(4, 3);
    const arma::uvec labels = {3, 0, 2};
    THEN("the backward agrees with centered differences below 1e-8") {
      nn::SoftmaxCrossEntropy ce;
      ce.forward(z, labels);
      const arma::mat analytic = ce.backward();
      const arma::mat numeric = nn::numeric_gradient(
          [&](const arma::mat& v) { nn::SoftmaxCrossEntropy l; return l.forward(v, labels); }, z);
      CHECK(nn::relative_error(analytic, numeric) < 1e-8);
    }
  }
  GIVEN("a label out of range") {
    nn::SoftmaxCrossEntropy ce;
    THEN("the error names the sample and the class count") {
      CHECK_THROWS_WITH(ce.forward(arma::zeros(3, 2), {0, 3}),
                        Contains("label 3 of sample 1") && Contains("3 classes"));
    }
  }
}

SCENARIO("bad input is an nn::Error naming the module and both shapes", "[lesson01][points:0]") {
  GIVEN("a Linear(4 -> 3)") {
    nn::Linear linear(4, 3);
    THEN("backward before forward says so") {
      CHECK_THROWS_WITH(linear.backward(arma::ones(3, 1)),
                        Contains("Linear(4 -> 3)::backward") && Contains("before forward"));
    }
    THEN("an input with 5 rows names 4 expected and 5x2 got") {
      CHECK_THROWS_WITH(linear.forward(arma::ones(5, 2)),
                        Contains("Linear(4 -> 3)::forward") && Contains("4 rows") && Contains("got 5x2"));
    }
    THEN("a grad_output of the wrong shape names both shapes") {
      linear.forward(arma::ones(4, 2));
      CHECK_THROWS_WITH(linear.backward(arma::ones(3, 3)),
                        Contains("expected grad_output 3x2") && Contains("got 3x3"));
    }
  }
  GIVEN("a Conv2d over 1x28x28 images") {
    nn::Conv2d conv(nn::Shape{1, 28, 28}, 4, 5, 5);
    THEN("a 756-row input is refused with the expected image shape") {
      CHECK_THROWS_WITH(conv.forward(arma::ones(756, 1)),
                        Contains("Conv2d::forward") && Contains("1x28x28 (784 rows)") &&
                            Contains("got 756x1"));
    }
    THEN("a gradient of the wrong shape after forward names both shapes") {
      conv.forward(arma::ones(784, 1));
      CHECK_THROWS_WITH(conv.backward(arma::ones(10, 1)),
                        Contains("Conv2d::backward") && Contains("2304x1") && Contains("got 10x1"));
    }
  }
  THEN("constructors refuse stride 0 and kernels larger than the padded input") {
    CHECK_THROWS_WITH(nn::Conv2d(nn::Shape{1, 4, 4}, 1, 2, 2, 0), Contains("stride must be at least 1"));
    CHECK_THROWS_WITH(nn::Conv2d(nn::Shape{1, 4, 4}, 1, 7, 3, 1, 1),
                      Contains("kernel 7x3 is larger than the padded input 6x6"));
    CHECK_THROWS_WITH(nn::MaxPool2d(nn::Shape{1, 3, 3}, 4, 1), Contains("larger than the input 3x3"));
    CHECK_THROWS_WITH(nn::MaxPool2d(nn::Shape{1, 3, 3}, 2, 0), Contains("stride must be at least 1"));
    CHECK_THROWS_WITH(nn::Linear(0, 3), Contains("must be positive"));
  }
  GIVEN("a MaxPool2d") {
    nn::MaxPool2d pool(nn::Shape{2, 4, 4}, 2, 2);
    THEN("backward before forward and a wrong input are refused") {
      CHECK_THROWS_WITH(pool.backward(arma::ones(8, 1)), Contains("MaxPool2d::backward") && Contains("before forward"));
      CHECK_THROWS_WITH(pool.forward(arma::ones(16, 1)), Contains("2x4x4 (32 rows)") && Contains("got 16x1"));
    }
  }
  GIVEN("activations") {
    nn::Tanh t;
    THEN("backward before forward is refused") {
      CHECK_THROWS_WITH(t.backward(arma::ones(2, 1)), Contains("before forward"));
    }
  }
}

SCENARIO("as_cube and flatten agree with the image-column convention", "[lesson03][points:0]") {
  GIVEN("a 2x2x3 cube (height 2, width 3, channels 2) numbered 0..11 column-major") {
    arma::cube c(2, 3, 2);
    for (arma::uword i = 0; i < c.n_elem; ++i) c[i] = double(i);
    const arma::vec col = nn::flatten(c);
    THEN("element (row r, col c, channel k) sits at k*H*W + c*H + r") {
      CHECK(col(1 * 6 + 2 * 2 + 1) == c(1, 2, 1));
      const arma::cube back = nn::as_cube(col, nn::Shape{2, 2, 3});
      CHECK(back(1, 2, 1) == 11);
    }
    THEN("a writable column gives a view: writing the cube writes the column") {
      arma::vec writable = col;
      arma::cube view = nn::as_cube(writable, nn::Shape{2, 2, 3});
      CHECK(view.memptr() == writable.memptr());
      view(1, 2, 1) = -1;
      CHECK(writable(11) == -1);
    }
    THEN("a const column gives a copy: writing the cube leaves the column as it was") {
      arma::cube copy = nn::as_cube(col, nn::Shape{2, 2, 3});
      copy(1, 2, 1) = -1;
      CHECK(col(11) == 11);
      CHECK(copy.memptr() != col.memptr());
    }
  }
}

namespace {

// A layer that accepts any input and fails in its own way: an nn::Error that is no shape
// mismatch, or an exercise still to write.
struct Failing : nn::Module {
  explicit Failing(bool unwritten) : unwritten(unwritten) {}
  arma::mat forward(const arma::mat&) override {
    if (unwritten) throw nn::Unwritten(2, "relu_backward", "src/nn/activations.cpp", 1);
    throw nn::Error("Failing::forward: the weights are NaN");
  }
  arma::mat backward(const arma::mat& g) override { return g; }
  std::string name() const override { return "Failing"; }
  bool unwritten;
};

}  // namespace

SCENARIO("Sequential names the layer that failed without guessing the cause",
         "[modules][sequential]") {
  GIVEN("Linear(2 -> 3) followed by a layer whose forward throws for its own reasons") {
    nn::seed(0);
    nn::Sequential net;
    net.emplace<nn::Linear>(2, 3);
    net.emplace<Failing>(false);
    const arma::mat x = arma::ones(2, 4);  // (2 x batch 4)
    THEN("the message names layer 1, what fed it, and the layer's own reason; no 'does not fit'") {
      CHECK_THROWS_WITH(net.forward(x),
                        Contains("Sequential: layer 1 Failing (its input: the 3x4 output of layer 0") &&
                            Contains("the weights are NaN") && !Contains("does not fit"));
    }
  }
  GIVEN("a layer whose forward is an exercise still to write") {
    nn::Sequential net;
    net.emplace<nn::Linear>(2, 3);
    net.emplace<Failing>(true);
    THEN("nn::Unwritten passes through as itself, so the runner can skip the step") {
      CHECK_THROWS_AS(net.forward(arma::ones(2, 1)), nn::Unwritten);
    }
  }
}
