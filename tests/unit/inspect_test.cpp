// The inspection tools of lesson 9 (src/nn/inspect.hpp): first-layer weights as images, a
// hidden layer's output, saliency (the input gradient of a class score) and the guided ReLU
// rule, PCA through the SVD and exact t-SNE, checked on inputs whose answers are known.
#include <cmath>

#include "core_helpers.hpp"

using Catch::Matchers::Contains;

namespace {

// Linear(3 -> 4) -> ReLU -> Linear(4 -> 4) -> ReLU -> Linear(4 -> 2), seeded.
nn::Sequential small_relu_net(std::uint64_t seed) {
  nn::seed(seed);
  nn::Sequential net;
  net.emplace<nn::Linear>(3, 4);
  net.emplace<nn::ReLU>();
  net.emplace<nn::Linear>(4, 4);
  net.emplace<nn::ReLU>();
  net.emplace<nn::Linear>(4, 2);
  return net;
}

// Two Gaussian clusters in 10-D, 40 points each (std 1), centres 10 apart along axis 0.
void two_clusters(arma::mat& x, arma::uvec& labels) {
  nn::seed(5);
  x = arma::randn(10, 80);
  x.submat(0, 40, 0, 79) += 10;
  labels = arma::join_cols(arma::uvec(40, arma::fill::zeros), arma::uvec(40, arma::fill::ones));
}

}  // namespace

SCENARIO("first-layer weights are read back as images, column-major", "[lesson09][points:0]") {
  GIVEN("a 2 x 6 weight for 1x2x3 images: row 1 is 1 .. 6, row 2 is its negative") {
    const arma::mat w = {{1, 2, 3, 4, 5, 6}, {-1, -2, -3, -4, -5, -6}};
    WHEN("each row becomes an image") {
      const std::vector<arma::mat> images = nn::weight_images(w, nn::Shape{1, 2, 3});
      THEN("pixel (r, c) is entry c*2 + r of the row, as in every image column") {
        REQUIRE(images.size() == 2);
        CHECK_THAT(images[0], testing::Equals(testing::grid({{1, 3, 5}, {2, 4, 6}})));
        CHECK_THAT(images[1], testing::Equals(testing::grid({{-1, -3, -5}, {-2, -4, -6}})));
      }
    }
    THEN("a weight that is not one image per row is refused") {
      REQUIRE_THROWS_WITH(nn::weight_images(w, nn::Shape{1, 2, 2}),
                          Contains("weight_images") && Contains("4 columns") && Contains("2x6"));
    }
  }
}

SCENARIO("layer_output returns a hidden layer for every column, in batches",
         "[lesson09][points:0]") {
  GIVEN("the small ReLU net and 7 inputs") {
    nn::Sequential net = small_relu_net(1);
    const arma::mat x = arma::randn(3, 7);
    WHEN("module 3 (the second ReLU) is read in batches of 3") {
      const arma::mat h = nn::layer_output(net, x, 3, 3);
      THEN("it equals that module's output of one forward over all 7") {
        net.forward(x);
        CHECK_THAT(h, testing::Equals(net.outputs()[3], 1e-14));
      }
    }
    THEN("a layer the net does not have is refused") {
      REQUIRE_THROWS_WITH(nn::layer_output(net, x, 5), Contains("layer 5") && Contains("5 modules"));
    }
  }
}

SCENARIO("saliency is the gradient of a class score with respect to the input",
         "[lesson09][points:3][exercise:guided_ReLU_backward][needs:lesson01/numeric_gradient]"
         "[needs:lesson01/Linear::backward][needs:lesson02/relu_backward]"
         "[needs:lesson02/leaky_relu_backward]") {
  GIVEN("a single Linear(4 -> 3) layer: s = W x + b") {
    nn::seed(2);
    nn::Sequential net;
    nn::Linear& linear = net.emplace<nn::Linear>(4, 3);
    const arma::vec x = {0.5, -1.0, 2.0, 0.25};
    THEN("d s_c / d x is row c of W, exactly") {
      for (arma::uword c = 0; c < 3; ++c)
        CHECK_THAT(nn::saliency(net, x, c), testing::Equals(linear.weight.row(c).t(), 0));
    }
  }
  GIVEN("the small ReLU net (two ReLU layers) and an input away from every kink") {
    nn::Sequential net = small_relu_net(3);
    const arma::vec x = {0.3, -0.8, 1.1};
    WHEN("saliency is taken for class 1") {
      const arma::mat analytic = nn::saliency(net, x, 1);
      const arma::mat numeric = nn::numeric_gradient(
          [&](const arma::mat& input) { return arma::mat(net.forward(input))(1); }, x);
      THEN("it equals centered differences (h = 1e-5) to 1e-9: the net is linear between kinks") {
        REQUIRE(arma::abs(analytic).max() > 1e-3);  // not vacuous
        CHECK_THAT(analytic, testing::Equals(numeric, 1e-9));
      }
    }
  }
  GIVEN("a net whose parameter gradients already hold something") {
    nn::Sequential net = small_relu_net(4);
    net.forward(arma::randn(3, 5));
    net.backward(arma::randn(2, 5));
    std::vector<arma::mat> values, grads;
    for (const nn::Parameter& p : net.parameters()) {
      values.push_back(*p.value);
      grads.push_back(*p.grad);
    }
    WHEN("saliency and guided backprop are taken") {
      nn::saliency(net, arma::randn(3), 0);
      nn::guided_backprop(net, arma::randn(3), 1);
      THEN("every parameter and every gradient is as it was") {
        const auto params = net.parameters();
        for (std::size_t i = 0; i < params.size(); ++i) {
          INFO(params[i].name);
          CHECK_THAT(*params[i].value, testing::Equals(values[i], 0));
          CHECK_THAT(*params[i].grad, testing::Equals(grads[i], 0));
        }
      }
    }
    THEN("a batch instead of one column, or a class it does not have, is refused") {
      REQUIRE_THROWS_WITH(nn::saliency(net, arma::randn(3, 2), 0),
                          Contains("saliency") && Contains("one image column") && Contains("3x2"));
      REQUIRE_THROWS_WITH(nn::guided_backprop(net, arma::randn(3), 2),
                          Contains("guided_backprop") && Contains("class 2") && Contains("2 scores"));
    }
  }
}

SCENARIO("the guided ReLU rule keeps what fired AND pushes the score up", "[lesson09][points:3]"
         "[exercise:guided_ReLU_backward][needs:lesson02/relu_backward]"
         "[needs:lesson02/leaky_relu_backward]") {
  GIVEN("inputs x = [[1 -2] [0 3]] and incoming gradients G = [[0.5 0.7] [2 -1]]") {
    const arma::mat x = testing::grid({{1, -2}, {0, 3}});
    const arma::mat g = testing::grid({{0.5, 0.7}, {2, -1}});
    THEN("ReLU: G % [x > 0] = [[0.5 0] [0 -1]], guided also drops G < 0: [[0.5 0] [0 0]]") {
      CHECK_THAT(nn::guided_relu_backward(x, g), testing::Equals(testing::grid({{0.5, 0}, {0, 0}})));
      CHECK_THAT(nn::relu_backward(x, g), testing::Equals(testing::grid({{0.5, 0}, {0, -1}})));
    }
    THEN("LeakyReLU(0.1): slope 0.1 where x <= 0, so guided = [[0.5 0.07] [0.2 0]]") {
      CHECK_THAT(nn::guided_relu_backward(x, g, 0.1),
                 testing::Equals(testing::grid({{0.5, 0.07}, {0.2, 0}}), 1e-15));
    }
    THEN("shapes that differ are refused") {
      REQUIRE_THROWS_WITH(nn::guided_relu_backward(x, arma::mat(2, 3, arma::fill::ones)),
                          Contains("2x2") && Contains("2x3"));
    }
  }
}

SCENARIO("PCA recovers known principal axes", "[lesson09][points:0]") {
  GIVEN("five points on the line c + t a, a = (1, 2, 2)/3, t = -2 -1 0 1 3") {
    const arma::vec a = arma::vec{1, 2, 2} / 3.0, c = {4, -1, 0.5};
    const arma::rowvec t = {-2, -1, 0, 1, 3};
    const arma::mat x = arma::repmat(c, 1, 5) + a * t;  // (3 x 5)
    WHEN("two components are taken") {
      const nn::PrincipalComponents pc = nn::principal_components(x, 2);
      THEN("axis 1 is a (sign: largest entry positive), the scores are t - mean(t), and the "
           "variance is var(t) along it and 0 across") {
        CHECK_THAT(arma::mat(pc.axes.col(0)), testing::Equals(a, 1e-10));
        CHECK_THAT(arma::mat(pc.scores.row(0)), testing::Equals(t - arma::mean(t), 1e-10));
        CHECK(pc.variance(0) == Approx(arma::var(t)).epsilon(1e-12));
        CHECK(std::abs(pc.variance(1)) < 1e-20);
        CHECK_THAT(pc.mean, testing::Equals(c + a * arma::mean(t), 1e-12));
      }
    }
  }
  GIVEN("12 points evenly around an ellipse with semi-axes 3 and 1, turned by 30 degrees") {
    const double angle = arma::datum::pi / 6;
    const arma::mat turn = {{std::cos(angle), -std::sin(angle)}, {std::sin(angle), std::cos(angle)}};
    arma::mat x(2, 12);
    for (arma::uword k = 0; k < 12; ++k) {
      const double theta = 2 * arma::datum::pi * k / 12.0;
      x.col(k) = turn * arma::vec{3 * std::cos(theta), std::sin(theta)} + arma::vec{1, 2};
    }
    WHEN("both components are taken") {
      const nn::PrincipalComponents pc = nn::principal_components(x, 2);
      THEN("the axes are the turned x and y axes, long one first, variances 9*6/11 and 6/11") {
        CHECK_THAT(pc.axes, testing::Equals(turn, 1e-10));  // both columns' largest entry > 0
        CHECK(pc.variance(0) == Approx(9 * 6 / 11.0).epsilon(1e-12));
        CHECK(pc.variance(1) == Approx(6 / 11.0).epsilon(1e-12));
      }
      THEN("the sign convention makes the axes the same for the mirrored data -x") {
        CHECK_THAT(nn::principal_components(-x, 2).axes, testing::Equals(pc.axes, 1e-12));
        CHECK_THAT(nn::pca(-x, 2), testing::Equals(-pc.scores, 1e-12));
      }
    }
    THEN("more components than dimensions is refused") {
      REQUIRE_THROWS_WITH(nn::pca(x, 3), Contains("pca") && Contains("3 components") && Contains("1 .. 2"));
    }
  }
}

SCENARIO("t-SNE's perplexity search and gradient", "[lesson09][points:0]"
         "[needs:lesson01/numeric_gradient]") {
  GIVEN("30 random points in 5-D") {
    nn::seed(7);
    const arma::mat x = arma::randn(5, 30);
    WHEN("the conditional probabilities are fitted to perplexity 8") {
      arma::vec betas;
      const arma::mat p = nn::conditional_probabilities(nn::squared_distances(x), 8, &betas);
      THEN("every row sums to 1, has p_ii = 0 and entropy ln 8 (within 1e-5)") {
        for (arma::uword i = 0; i < 30; ++i) {
          const arma::rowvec row = p.row(i);
          CHECK(arma::accu(row) == Approx(1).epsilon(1e-12));
          CHECK(row(i) == 0);
          const arma::rowvec positive = row.elem(arma::find(row > 0)).t();
          CHECK(-arma::accu(positive % arma::log(positive)) == Approx(std::log(8.0)).margin(1e-5));
          CHECK(betas(i) > 0);
        }
      }
    }
    WHEN("the joint P is built") {
      const arma::mat p = nn::tsne_affinities(x, 8);
      THEN("it is symmetric and sums to 1") {
        CHECK_THAT(p, testing::Equals(p.t(), 0));
        CHECK(arma::accu(p) == Approx(1).epsilon(1e-9));
      }
      AND_WHEN("the gradient of KL(P || Q) at a random 2-D layout is compared with centered differences") {
        const arma::mat y = arma::randn(2, 30);
        const arma::mat analytic = nn::tsne_gradient(p, y);
        const arma::mat numeric =
            nn::numeric_gradient([&](const arma::mat& layout) { return nn::tsne_cost(p, layout); }, y);
        THEN("they agree to a relative error below 1e-6") {
          CHECK(nn::relative_error(analytic, numeric) < 1e-6);
        }
      }
    }
    THEN("a perplexity the points cannot have is refused") {
      REQUIRE_THROWS_WITH(nn::tsne_affinities(x, 40), Contains("perplexity") && Contains("29"));
    }
  }
}

SCENARIO("t-SNE separates two well-separated clusters, reproducibly", "[lesson09][points:0]") {
  GIVEN("two Gaussian clusters of 40 points in 10-D, centres 10 standard deviations apart") {
    arma::mat x;
    arma::uvec labels;
    two_clusters(x, labels);
    nn::TsneConfig config;
    config.perplexity = 10;
    config.iterations = 300;
    config.exaggeration_iterations = 100;
    config.seed = 3;
    WHEN("embedded in 2-D with seed 3") {
      const nn::TsneResult result = nn::tsne_run(x, config);
      THEN("every point's nearest neighbour in 2-D is from its own cluster") {
        REQUIRE(result.embedding.n_rows == 2);
        REQUIRE(result.embedding.n_cols == 80);
        CHECK(nn::nearest_neighbour_agreement(result.embedding, labels) == 1.0);
      }
      THEN("KL(P || Q) went down from the first recorded value to the last") {
        REQUIRE(result.cost.size() >= 2);
        CHECK(result.cost.back() < result.cost.front());
      }
      AND_WHEN("it is run again with the same seed, and with seed 4") {
        const arma::mat again = nn::tsne(x, config);
        config.seed = 4;
        const arma::mat other = nn::tsne(x, config);
        THEN("the same seed gives a bit-identical embedding; another seed does not") {
          CHECK(arma::all(arma::vectorise(again == result.embedding)));
          CHECK_FALSE(arma::all(arma::vectorise(other == result.embedding)));
        }
      }
    }
  }
  GIVEN("2001 points: more than exact t-SNE takes") {
    const arma::mat x(2, nn::tsne_max_points + 1, arma::fill::zeros);
    THEN("tsne refuses them, saying how many, the limit and what to do") {
      REQUIRE_THROWS_AS(nn::tsne(x), nn::Error);
      REQUIRE_THROWS_WITH(nn::tsne(x), Contains("2001 points") && Contains("limit of 2000") &&
                                           Contains("subset"));
    }
  }
}

SCENARIO("nearest-neighbour agreement counts points whose nearest point shares their label",
         "[lesson09][points:0]") {
  GIVEN("points 0, 1, 10, 11 on a line with labels 0, 0, 1, 0") {
    const arma::mat points = {{0, 1, 10, 11}};
    const arma::uvec labels = {0, 0, 1, 0};
    THEN("0 and 1 agree, 10 and 11 do not: 0.5") {
      CHECK(nn::nearest_neighbour_agreement(points, labels) == 0.5);
    }
  }
}

SCENARIO("template_similarity: each unit's best cosine with an image and with another unit",
         "[lesson09][points:0]") {
  GIVEN("units [1 0], [1 1], [0 -2] and images [3 0]', [1 1]'") {
    const arma::mat w = {{1, 0}, {1, 1}, {0, -2}};
    const arma::mat images = {{3, 1}, {0, 1}};
    const nn::TemplateSimilarity t = nn::template_similarity(w, images);
    THEN("to an image: 1 (copies image 1), 1 (copies image 2), max(0, -1/sqrt 2) = 0") {
      CHECK(t.to_image(0) == Approx(1).epsilon(1e-12));
      CHECK(t.to_image(1) == Approx(1).epsilon(1e-12));
      CHECK(t.to_image(2) == Approx(0).margin(1e-12));
    }
    THEN("to another unit: 1/sqrt 2, 1/sqrt 2, max(0, -1/sqrt 2) = 0") {
      CHECK(t.to_unit(0) == Approx(1 / std::sqrt(2.0)).epsilon(1e-12));
      CHECK(t.to_unit(1) == Approx(1 / std::sqrt(2.0)).epsilon(1e-12));
      CHECK(t.to_unit(2) == Approx(0).margin(1e-12));
    }
  }
  GIVEN("one unit") {
    THEN("it has no other unit: -1") {
      CHECK(nn::template_similarity(arma::mat{{1, 2}}, arma::mat(arma::vec{1, 0})).to_unit(0) == -1);
    }
  }
  GIVEN("3 weight columns against images of 2 rows") {
    THEN("it refuses, naming both shapes") {
      REQUIRE_THROWS_WITH(nn::template_similarity(arma::mat(2, 3, arma::fill::ones), arma::mat(2, 5)),
                          Contains("template_similarity") && Contains("2x3") && Contains("2x5"));
    }
  }
}

SCENARIO("positive_share: the positive part of a map's absolute mass", "[lesson09][points:0]") {
  THEN("[3 -1; 0 -4]: 3 / 8") { CHECK(nn::positive_share(arma::mat{{3, -1}, {0, -4}}) == Approx(0.375)); }
  THEN("an all-positive map: 1, an all-negative one: 0") {
    CHECK(nn::positive_share(arma::mat{{1, 2}}) == 1);
    CHECK(nn::positive_share(arma::mat{{-1, -2}}) == 0);
  }
}
