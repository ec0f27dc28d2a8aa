// The fast paths (fast_conv.hpp, fast_layers.cpp, the activations' loops) compute what the
// teaching functions compute: every one is checked against its teaching function to 1e-12,
// and the gate that lets a module use it only after the teaching function agreed.
#include "nn/fast_conv.hpp"

#include "core_helpers.hpp"

using testing::Equals;
using testing::grid;

namespace {

// Relative 1e-12: the fast path sums in another order.
void check_close(const arma::mat& fast, const arma::mat& teaching) {
  REQUIRE(arma::size(fast) == arma::size(teaching));
  const double scale = std::max(1.0, arma::abs(teaching).max());
  CHECK(arma::abs(fast - teaching).max() <= 1e-12 * scale);
}

// Geometries with every feature: channels, rectangular kernels, stride, padding, dilation.
std::vector<nn::ConvSpec> geometries() {
  return {
      {nn::Shape{1, 28, 28}, 16, 7, 7, 1, 0, 1},  // the lesson 7 layer
      {nn::Shape{2, 7, 6}, 3, 3, 2, 2, 1, 2},
      {nn::Shape{3, 9, 8}, 4, 2, 3, 3, 2, 1},
      {nn::Shape{1, 5, 6}, 2, 3, 3, 1, 2, 2},
      {nn::Shape{2, 4, 4}, 1, 4, 4, 1, 0, 1},
  };
}

struct FastPathsOff {  // the teaching path for the life of the object
  FastPathsOff() { nn::set_fast_paths(false); }
  ~FastPathsOff() { nn::set_fast_paths(true); }
};

}  // namespace

SCENARIO("the transposed patch matrix is im2col's transpose, entry for entry", "[fast]") {
  GIVEN("a 1x3x3 image x(r, c) = 3c + r + 1 under a 2x2 kernel with padding 1") {
    const nn::ConvSpec spec{nn::Shape{1, 3, 3}, 1, 2, 2, 2, 1, 1};  // stride 2: 2x2 positions
    const arma::mat x = arma::vectorise(grid({{1, 4, 7}, {2, 5, 8}, {3, 6, 9}}));
    WHEN("fast::im2col_t builds it") {
      arma::mat ct;
      nn::fast::im2col_t(x, spec, ct);
      THEN("row q is the patch under position q, zero where it hangs over the edge") {
        // positions (orow, oc): (0,0) (1,0) (0,1) (1,1); patch entries (i, j): (0,0) (1,0) (0,1) (1,1)
        CHECK_THAT(ct, Equals(grid({{0, 0, 0, 1},
                                    {0, 0, 2, 3},
                                    {0, 4, 0, 7},
                                    {5, 6, 8, 9}}), 0));
        CHECK_THAT(ct, Equals(nn::im2col(x, spec).t(), 0));
      }
    }
  }
  GIVEN("random batches under every geometry") {
    for (const nn::ConvSpec& spec : geometries()) {
      nn::seed(5);
      const arma::mat x = arma::randn<arma::mat>(spec.input.size(), 3);
      arma::mat ct;
      nn::fast::im2col_t(x, spec, ct);
      CHECK_THAT(ct, Equals(nn::im2col(x, spec).t(), 0));
      const arma::mat c = arma::randn<arma::mat>(spec.patch_size(), ct.n_rows);
      arma::mat images;
      nn::fast::col2im_t(c.t(), spec, 3, images);
      check_close(images, nn::col2im(c, spec, 3));
    }
  }
}

SCENARIO("the fast convolution computes what conv2d_forward and conv2d_backward compute",
         "[fast]") {
  for (const nn::ConvSpec& spec : geometries()) {
    GIVEN("a batch of 4 under " + std::to_string(spec.kernel_h) + "x" +
          std::to_string(spec.kernel_w) + " kernels, stride " + std::to_string(spec.stride) +
          ", padding " + std::to_string(spec.padding) + ", dilation " +
          std::to_string(spec.dilation)) {
      nn::seed(6);
      const arma::uword batch = 4;
      const arma::mat w = arma::randn<arma::mat>(spec.out_channels, spec.patch_size());
      const arma::vec bias = arma::randn<arma::vec>(spec.out_channels);
      const arma::mat x = arma::randn<arma::mat>(spec.input.size(), batch);
      const arma::mat g = arma::randn<arma::mat>(spec.output().size(), batch);
      const arma::mat columns = nn::im2col(x, spec);
      nn::fast::ConvBuffers buffers;
      WHEN("both run forward") {
        arma::mat y;
        nn::fast::conv2d_forward(w, bias, x, spec, y, buffers);
        THEN("the outputs agree") { check_close(y, nn::conv2d_forward(w, bias, columns, spec, batch)); }
      }
      WHEN("both run backward from the same gradients") {
        arma::mat gw = arma::ones(arma::size(w)), gb = arma::ones(arma::size(bias));
        arma::mat fw = gw, fb = gb, fx;
        const arma::mat gx = nn::conv2d_backward(w, columns, g, spec, gw, gb);
        nn::fast::conv2d_backward(w, x, g, spec, fw, fb, &fx, buffers);
        THEN("they add the same parameter gradients and return the same input gradient") {
          check_close(fw, gw);
          check_close(fb, gb);
          check_close(fx, gx);
        }
        AND_WHEN("forward ran first on the same images (their patches kept, not rebuilt)") {
          arma::mat y, fw2 = arma::ones(arma::size(w)), fb2 = arma::ones(arma::size(bias)), fx2;
          nn::fast::conv2d_forward(w, bias, x, spec, y, buffers);
          nn::fast::conv2d_backward(w, x, g, spec, fw2, fb2, &fx2, buffers);
          THEN("the gradients are the same") {
            CHECK(buffers.kept_images == x.memptr());
            check_close(fw2, gw);
            check_close(fb2, gb);
            check_close(fx2, gx);
          }
        }
        AND_WHEN("no input gradient is asked for") {
          arma::mat fw2 = arma::ones(arma::size(w)), fb2 = arma::ones(arma::size(bias));
          nn::fast::conv2d_backward(w, x, g, spec, fw2, fb2, nullptr, buffers);
          THEN("the parameter gradients are still the same") {
            check_close(fw2, gw);
            check_close(fb2, gb);
          }
        }
      }
    }
  }
}

SCENARIO("a network on the fast path and on the teaching path gives the same numbers",
         "[fast]") {
  GIVEN("Conv2d(1x9x8, 3 filters 3x2, stride 2, padding 1, dilation 2) -> each activation -> "
        "Linear -> each activation -> Linear, softmax cross-entropy, SGD with momentum and decay") {
    const nn::Shape shape{1, 9, 8};
    auto build = [&](int act) {
      nn::seed(7);
      auto net = std::make_unique<nn::Sequential>();
      auto& conv = net->emplace<nn::Conv2d>(shape, 3, 3, 2, 2, 1, 2);
      auto activation = [&] {
        if (act == 0) net->emplace<nn::ReLU>();
        if (act == 1) net->emplace<nn::LeakyReLU>(0.1);
        if (act == 2) net->emplace<nn::Sigmoid>(1.5);
        if (act == 3) net->emplace<nn::Tanh>(0.7);
      };
      activation();
      net->emplace<nn::Linear>(conv.output_shape().size(), 6);
      activation();
      net->emplace<nn::Linear>(6, 4);
      return net;
    };
    nn::seed(8);
    const arma::mat x = arma::randn<arma::mat>(shape.size(), 5);
    const arma::uvec y = {0, 3, 1, 2, 3};
    for (int act = 0; act < 4; ++act) {
      WHEN("both train three steps with activation " + std::to_string(act)) {
        auto run = [&](nn::Sequential& net, bool fast) {
          nn::set_fast_paths(fast);
          nn::SGD sgd(net.parameters(), 0.1, 0.9, 0.01);
          nn::SoftmaxCrossEntropy loss;
          arma::mat gx;
          for (int step = 0; step < 3; ++step) {
            net.zero_grad();
            loss.forward(net.forward(x), y);
            gx = net.backward(loss.backward());
            sgd.step();
          }
          nn::set_fast_paths(true);
          return gx;
        };
        auto teaching = build(act), fast = build(act);
        const arma::mat gx_teaching = run(*teaching, false), gx_fast = run(*fast, true);
        THEN("every parameter, output and input gradient agrees to 1e-12") {
          const auto pt = teaching->parameters(), pf = fast->parameters();
          REQUIRE(pt.size() == pf.size());
          for (std::size_t i = 0; i < pt.size(); ++i) {
            check_close(*pf[i].value, *pt[i].value);
            check_close(*pf[i].grad, *pt[i].grad);
          }
          for (std::size_t i = 0; i < teaching->size(); ++i)
            check_close(fast->outputs()[i], teaching->outputs()[i]);
          check_close(gx_fast, gx_teaching);
          CHECK(fast->kink_signature().n_elem == teaching->kink_signature().n_elem);
          CHECK(arma::all(fast->kink_signature() == teaching->kink_signature()));
        }
      }
    }
  }
}

SCENARIO("the activations' vectorized loops compute what the teaching functions compute",
         "[fast]") {
  GIVEN("13x7 inputs (91 numbers: blocks of 8 and a rest of 3) with zeros, both signs, tiny "
        "and huge values, and a random upstream gradient") {
    nn::seed(12);
    arma::mat x = 3 * arma::randn<arma::mat>(13, 7);
    const double specials[] = {0.0, -0.0, 1e-300, -1e-300, 1e-9, -1e-9, 0.5, -0.5, 20, -20,
                               400, -400};
    for (arma::uword i = 0; i < sizeof specials / sizeof specials[0]; ++i) x(5 * i) = specials[i];
    const arma::mat g = arma::randn<arma::mat>(13, 7);
    auto fast = [&](nn::Module& m, arma::mat& y, arma::mat& gx) {
      y = m.forward(x);
      m.backward(g);       // the first backward at this batch size runs the teaching function
      gx = m.backward(g);  // and vouches for the loop, which runs from now on
    };
    arma::mat y, gx;
    WHEN("ReLU") {
      nn::ReLU m;
      fast(m, y, gx);
      THEN("both agree") {
        check_close(y, nn::relu_forward(x));
        check_close(gx, nn::relu_backward(x, g));
      }
    }
    WHEN("LeakyReLU(0.1)") {
      nn::LeakyReLU m(0.1);
      fast(m, y, gx);
      THEN("both agree; where x < 0 the gradient is exactly 0.1 g") {
        check_close(y, nn::leaky_relu_forward(x, 0.1));
        check_close(gx, nn::leaky_relu_backward(x, g, 0.1));
        CHECK(gx(1) == (x(1) > 0 ? g(1) : 0.1 * g(1)));
      }
    }
    WHEN("Sigmoid(1.5)") {
      nn::Sigmoid m(1.5);
      fast(m, y, gx);
      THEN("both agree") {
        check_close(y, nn::sigmoid_forward(x, 1.5));
        check_close(gx, nn::sigmoid_backward(nn::sigmoid_forward(x, 1.5), g, 1.5));
      }
    }
    WHEN("Tanh(0.7), computed from exp") {
      nn::Tanh m(0.7);
      fast(m, y, gx);
      THEN("both agree to 1e-12; tanh(0) is exactly 0, tanh(+-400 * 0.7) exactly +-1") {
        check_close(y, nn::tanh_forward(x, 0.7));
        check_close(gx, nn::tanh_backward(nn::tanh_forward(x, 0.7), g, 0.7));
        CHECK(y(0) == 0.0);
        CHECK(y(5 * 10) == 1.0);
        CHECK(y(5 * 11) == -1.0);
        CHECK(arma::approx_equal(m.forward(grid({{arma::datum::inf, -arma::datum::inf}})),
                                 grid({{1, -1}}), "absdiff", 0));
      }
    }
  }
}

SCENARIO("a first layer whose input is data skips dL/dinput", "[fast]") {
  GIVEN("Conv2d -> Tanh -> Linear on a batch of 3, once with set_input_grad(false)") {
    auto build = [] {
      nn::seed(9);
      auto net = std::make_unique<nn::Sequential>();
      net->emplace<nn::Conv2d>(nn::Shape{1, 6, 6}, 2, 3, 3);
      net->emplace<nn::Tanh>();
      net->emplace<nn::Linear>(32, 3);
      return net;
    };
    auto with = build(), without = build();
    without->set_input_grad(false);
    nn::seed(10);
    const arma::mat x = arma::randu<arma::mat>(36, 3), g = arma::randn<arma::mat>(3, 3);
    arma::mat gx_with, gx_without;
    for (int step = 0; step < 2; ++step) {  // the second step runs the trusted fast path
      with->zero_grad();
      without->zero_grad();
      with->forward(x);
      without->forward(x);
      gx_with = with->backward(g);
      gx_without = without->backward(g);
    }
    THEN("backward returns an empty matrix and the same parameter gradients") {
      CHECK(gx_with.n_rows == 36);
      CHECK(gx_without.n_elem == 0);
      CHECK_FALSE((*without)[0].input_grad());
      CHECK((*without)[1].input_grad());
      const auto a = with->parameters(), b = without->parameters();
      for (std::size_t i = 0; i < a.size(); ++i) check_close(*b[i].grad, *a[i].grad);
    }
  }
  GIVEN("nn::train on a net whose first layer computes dL/dinput") {
    nn::seed(11);
    nn::Sequential net;
    net.emplace<nn::Linear>(4, 2);
    nn::Dataset d;
    d.x = arma::randn<arma::mat>(4, 8);
    d.y = arma::uvec{0, 1, 0, 1, 0, 1, 0, 1};
    nn::SGD sgd(net.parameters(), 0.1);
    nn::TrainConfig config;
    config.epochs = 1;
    config.quiet = true;
    nn::train(net, sgd, d, config);
    THEN("the flag is back afterwards: backward returns dL/dinput again") {
      CHECK(net[0].input_grad());
      net.forward(d.x);
      CHECK(net.backward(arma::ones(2, 8)).n_rows == 4);
    }
  }
}

SCENARIO("the gate trusts a fast path per batch size, and never after a disagreement",
         "[fast]") {
  GIVEN("a fresh gate") {
    nn::FastPathGate gate;
    CHECK_FALSE(gate.trusted(3));
    WHEN("the teaching function agreed at batch 3") {
      gate.record(3, true);
      THEN("batch 3 is trusted, batch 4 is checked again") {
        CHECK(gate.trusted(3));
        CHECK_FALSE(gate.trusted(4));
      }
      AND_WHEN("fast paths are switched off") {
        FastPathsOff off;
        THEN("nothing is trusted") { CHECK_FALSE(gate.trusted(3)); }
      }
      AND_WHEN("it disagreed at batch 4") {
        gate.record(4, false);
        THEN("the teaching function decides from now on, at every batch size") {
          CHECK(gate.distrusted());
          CHECK_FALSE(gate.trusted(3));
        }
      }
    }
  }
  GIVEN("agree() with a tolerance of 1e-12 relative to the largest teaching value") {
    CHECK(nn::agree(grid({{1e6, 1}}), grid({{1e6 + 1e-7, 1}})));
    CHECK_FALSE(nn::agree(grid({{1, 1}}), grid({{1 + 1e-11, 1}})));
    CHECK_FALSE(nn::agree(grid({{1, 2}}), grid({{1}, {2}})));
  }
}
