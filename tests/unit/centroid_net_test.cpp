// Lesson 10's networks and their training (src/nn/centroid_net.hpp): the nets' shapes, the
// recipe's optimizer and config, the centroid refresh around nn::train, the per-epoch tables
// and the latent view. (The loss itself is in centroid_test.cpp; the lesson's claims in
// tests/lessons/lesson10_centroids_test.cpp.)
#include "core_helpers.hpp"
#include "nn/centroid_net.hpp"

using Catch::Matchers::Contains;
using Catch::Matchers::WithinAbs;

namespace {

// 60 samples of 5 features in 3 classes: class k around +-e_k, so directions separate them.
nn::Dataset three_directions(std::uint64_t seed) {
  nn::seed(seed);
  nn::Dataset d;
  d.x = 0.3 * arma::randn(5, 60);
  d.y.set_size(60);
  for (arma::uword i = 0; i < 60; ++i) {
    d.y[i] = i % 3;
    d.x(i % 3, i) += 2;
  }
  return d;
}

// 60 / 20 / 20 samples of 12 features, 3 classes of one cluster each (2 informative, 2 redundant
// features), seed 5: a synthetic set that trains and searches in milliseconds.
nn::SyntheticSpec three_class_spec() {
  nn::SyntheticSpec spec;
  spec.train = 60;
  spec.validation = 20;
  spec.test = 20;
  spec.features = 12;
  spec.classes = 3;
  spec.clusters_per_class = 1;
  spec.informative = 2;
  spec.redundant = 2;
  spec.seed = 5;
  return spec;
}

// Widths 4, 3, batches of 10, Adam lr 1e-2: a few epochs on sixty samples.
nn::CentroidRecipe small_recipe(int epochs) {
  nn::CentroidRecipe recipe;
  recipe.widths = {4, 3};
  recipe.epochs = epochs;
  recipe.batch_size = 10;
  recipe.lr = 1e-2;
  return recipe;
}

}  // namespace

SCENARIO("centroid_net and cross_entropy_net: Linear + LeakyReLU(0.1) per width", "[lesson10][points:0]") {
  GIVEN("5 features and widths 4, 3") {
    nn::seed(0);
    nn::Sequential net = nn::centroid_net(5, {4, 3});
    nn::Sequential mlp = nn::cross_entropy_net(5, {4, 3}, 7);
    THEN("the centroid net has four modules and a 3-D output; the MLP adds Linear(3 -> 7)") {
      REQUIRE(net.size() == 4);
      CHECK(net.forward(arma::ones(5, 2)).n_rows == 3);
      REQUIRE(mlp.size() == 5);
      CHECK(mlp.forward(arma::ones(5, 2)).n_rows == 7);
    }
    THEN("the body's activations are LeakyReLU(0.1): -1 before the last one becomes -0.1") {
      CHECK_THAT(net[3].forward(arma::mat(1, 1, arma::fill::value(-1.0)))(0, 0), WithinAbs(-0.1, 1e-15));
    }
  }
}

SCENARIO("CentroidRecipe: the lesson's defaults and the talk's recipe", "[lesson10][points:0]") {
  const nn::CentroidRecipe r;
  CHECK(r.widths == std::vector<arma::uword>{256, 64});
  CHECK(r.epochs == 15);
  CHECK(r.batch_size == 32);
  const nn::TrainConfig config = r.config(7);
  CHECK(config.epochs == 15);
  CHECK(config.batch_size == 32);
  CHECK(config.quiet);
  CHECK(config.seed.value() == 7);
  const nn::CentroidRecipe talk = nn::CentroidRecipe::talk(), smaller = nn::CentroidRecipe::talk(true);
  CHECK(talk.widths == std::vector<arma::uword>{2048, 256, 4096});
  CHECK(talk.batch_size == 0);
  CHECK(talk.weight_decay == 0);
  CHECK(talk.epochs == 100);
  CHECK(smaller.widths == std::vector<arma::uword>{2048, 128, 2048});
  CHECK(smaller.batch_size == 1700);
  CHECK(smaller.lr == 7.5e-4);
}

SCENARIO("train_centroid_net refreshes the centroids before training and after every epoch",
         "[lesson10][points:0]") {
  GIVEN("a 5 -> 4 -> 3 centroid net on three well separated directions, 4 epochs") {
    const nn::Dataset train = three_directions(1);
    nn::seed(2);
    nn::Sequential net = nn::centroid_net(5, {4, 3});
    nn::CentroidLoss loss(3);
    nn::CentroidRecipe recipe;
    recipe.epochs = 4;
    recipe.batch_size = 10;
    recipe.lr = 1e-2;
    nn::Adam adam = recipe.optimizer(net.parameters());
    std::vector<int> epochs;
    std::vector<bool> with_stats;
    const nn::TrainResult result = nn::train_centroid_net(
        net, loss, adam, train, recipe.config(3), [&](const nn::CentroidRefresh& e) {
          epochs.push_back(e.epoch);
          with_stats.push_back(e.stats != nullptr);
          CHECK(e.latent.n_cols == 60);
        });
    THEN("refreshes at epochs 0 (no trainer row yet) .. 4, then the centroids are the class means") {
      CHECK(epochs == std::vector<int>{0, 1, 2, 3, 4});
      CHECK(with_stats == std::vector<bool>{false, true, true, true, true});
      CHECK(result.history.size() == 4);
      nn::CentroidLoss fresh(3);
      fresh.update_centroids(nn::forward_in_batches(net, train.x), train.y);
      CHECK(arma::abs(fresh.centroids() - loss.centroids()).max() < 1e-12);
    }
    THEN("a config with its own on_epoch is refused, by name") {
      nn::TrainConfig config = recipe.config(3);
      config.on_epoch = [](const nn::EpochStats&) {};
      CHECK_THROWS_WITH(nn::train_centroid_net(net, loss, adam, train, config),
                        Contains("train_centroid_net") && Contains("on_epoch"));
    }
  }
}

SCENARIO("track_centroid_net and track_cross_entropy keep one row per epoch", "[lesson10][points:0]") {
  GIVEN("three directions, 3 epochs, no validation split") {
    const nn::Dataset train = three_directions(1), test = three_directions(4);
    const nn::CentroidRecipe recipe = small_recipe(3);
    nn::seed(2);
    int rows_seen = 0;
    nn::TrackedNet c = nn::track_centroid_net(
        nn::centroid_net(5, recipe.widths), recipe, 3, 3, train, {}, test, "",
        [&](const nn::EpochTable& t) { rows_seen = static_cast<int>(t.rows.size()); });
    THEN("the centroid table: 3 rows of 12 + K columns, accuracies of its last row") {
      REQUIRE(c.table.rows.size() == 3);
      CHECK(rows_seen == 3);
      CHECK(c.table.header.size() == 15);
      CHECK(c.table.header.back() == "move_2");
      CHECK(c.table.column("epoch")(2) == 3);
      CHECK(c.test_accuracy == c.table.column("test_accuracy")(2));
      CHECK(std::isnan(c.validation_accuracy));
      CHECK(c.parameters == 5 * 4 + 4 + 4 * 3 + 3);
      REQUIRE(c.loss.has_value());
      const nn::LatentView view = nn::latent_view(c.net, *c.loss, test);
      CHECK(view.points.n_rows == 2);
      CHECK(view.points.n_cols == 60);
      CHECK(view.marks.n_cols == 3);
      CHECK(view.accuracy == c.test_accuracy);
      CHECK_THROWS_WITH(c.table.column("nothing"), Contains("nothing"));
    }
    nn::seed(5);
    nn::TrackedNet m = nn::track_cross_entropy(nn::cross_entropy_net(5, recipe.widths, 3),
                                                     recipe, 3, 3, train, {}, test);
    THEN("the cross-entropy table: 3 rows of 8 columns; the representation is module 3's output") {
      REQUIRE(m.table.rows.size() == 3);
      CHECK(m.table.header.size() == 8);
      CHECK(m.test_accuracy == nn::accuracy(m.net, test.x, test.y));
      CHECK(m.table.column("representation_norm")(2) > 0);
    }
  }
}

SCENARIO("latent_module and latent_snapshots: the latent space by module, and as it trains",
         "[lesson10][points:0]") {
  GIVEN("5 features and widths 4, 3") {
    const std::vector<arma::uword> widths{4, 3};
    nn::seed(0);
    nn::Sequential body = nn::centroid_net(5, widths);
    nn::seed(0);
    nn::Sequential mlp = nn::cross_entropy_net(5, widths, 3);
    const arma::mat x = arma::randn(5, 4);
    THEN("the latent space is module 3, the last LeakyReLU, and the MLP's bottleneck is there") {
      CHECK(nn::latent_module(widths) == 3);
      CHECK(nn::latent_module({2048, 256, 4096}) == 5);
      CHECK(arma::abs(nn::layer_output(mlp, x, nn::latent_module(widths)) - body.forward(x)).max() == 0);
      CHECK_THROWS_WITH(nn::latent_module({}), Contains("latent_module: no widths"));
    }
  }
  GIVEN("the centroid net on three directions, 3 epochs, snapshots wanted at epochs 0, 3 and 7") {
    const nn::Dataset train = three_directions(1), test = three_directions(4);
    const nn::CentroidRecipe recipe = small_recipe(3);
    nn::seed(2);
    std::vector<nn::LatentSnapshot> shots;
    nn::TrackedNet c = nn::track_centroid_net(nn::centroid_net(5, recipe.widths), recipe, 3, 3,
                                              train, {}, test, "", {},
                                              nn::latent_snapshots({0, 3, 7}, test, shots));
    THEN("epochs 0 and 3 (7 never comes); the last is the trained net's view of the test set") {
      REQUIRE(shots.size() == 2);
      CHECK(shots[0].epoch == 0);
      CHECK(shots[1].epoch == 3);
      const nn::LatentView last = nn::latent_view(c.net, *c.loss, test);
      CHECK(arma::abs(shots[1].view.points - last.points).max() == 0);
      CHECK(arma::abs(shots[1].view.marks - last.marks).max() == 0);
      CHECK(shots[1].view.accuracy == c.test_accuracy);
      CHECK(shots[0].view.points.n_cols == 60);
      CHECK(arma::abs(shots[0].view.points - last.points).max() > 0);  // training moved it
    }
  }
}

SCENARIO("Lesson 10's three models: each from its own seed, the same alone as after the others",
         "[lesson10][points:0]") {
  GIVEN("a small synthetic set (60 / 20 / 20 samples, 12 features, 3 classes, seed 5), widths 4, 3") {
    const nn::SyntheticSpec spec = three_class_spec();
    const nn::SyntheticData d = nn::make_classification(spec);
    const nn::CentroidRecipe recipe = small_recipe(2);
    const nn::TrackedNet regression = nn::track_softmax_regression(d, spec, recipe);
    const nn::TrackedNet mlp = nn::track_mlp(d, spec, recipe);
    const nn::TrackedNet centroid = nn::track_centroid_model(d, spec, recipe);
    THEN("softmax regression is one Linear(12 -> 3), the MLP 12 -> 4 -> 3 -> 3, the centroid net 12 -> 4 -> 3") {
      CHECK(regression.parameters == 12 * 3 + 3);
      CHECK(mlp.parameters == 12 * 4 + 4 + 4 * 3 + 3 + 3 * 3 + 3);
      CHECK(centroid.parameters == 12 * 4 + 4 + 4 * 3 + 3);
      CHECK(centroid.table.rows.size() == 2);
    }
    THEN("each is what the tracker gives from seed 5 + 1, 2 or 3 with batch order seed 15") {
      nn::seed(5 + 2);
      const nn::TrackedNet by_hand = nn::track_cross_entropy(
          nn::cross_entropy_net(12, recipe.widths, 3), recipe, 15, 3, d.train, d.validation, d.test);
      CHECK(by_hand.table.rows == mlp.table.rows);
      nn::seed(5 + 3);
      const nn::TrackedNet centroid_by_hand = nn::track_centroid_net(
          nn::centroid_net(12, recipe.widths), recipe, 15, 3, d.train, d.validation, d.test);
      CHECK(centroid_by_hand.table.rows == centroid.table.rows);
    }
    THEN("trained in the other order, after other random draws, each comes out the same") {
      nn::seed(99);
      CHECK(nn::track_centroid_model(d, spec, recipe).table.rows == centroid.table.rows);
      CHECK(nn::track_mlp(d, spec, recipe).table.rows == mlp.table.rows);
      CHECK(nn::track_softmax_regression(d, spec, recipe).table.rows == regression.table.rows);
    }
  }
}

SCENARIO("centroid_backward: centroids from the batch, then a fresh backward", "[lesson10][points:0]") {
  GIVEN("the lesson's check net on six random samples and the example's labels") {
    nn::seed(0);
    const arma::mat x = arma::randn(5, 6);
    nn::Sequential net = nn::centroid_check_net();
    nn::CentroidLoss loss(3);
    const double first = nn::centroid_backward(net, loss, x, nn::centroid_example_labels());
    const arma::mat grad = *net.parameters()[0].grad;
    THEN("it returns the loss on the batch; a second call gives the same gradient, not twice it") {
      CHECK(first == loss.forward(net.forward(x), nn::centroid_example_labels()));
      nn::centroid_backward(net, loss, x, nn::centroid_example_labels());
      CHECK(arma::abs(*net.parameters()[0].grad - grad).max() == 0);
      CHECK(arma::abs(grad).max() > 0);
    }
  }
}

SCENARIO("spread_rows: at most 16 rows of an epoch table, the last always", "[lesson10][points:0]") {
  CHECK(nn::spread_rows(0).empty());
  CHECK(nn::spread_rows(3) == std::vector<std::size_t>{0, 1, 2});
  CHECK(nn::spread_rows(16).size() == 16);
  // 100 rows: every 7th (ceil(100 / 16)), 0 .. 98, then the last, 99
  const std::vector<std::size_t> r = nn::spread_rows(100);
  REQUIRE(r.size() == 16);
  CHECK(r[1] == 7);
  CHECK(r[14] == 98);
  CHECK(r.back() == 99);
  // 17 rows: every 2nd, 0 .. 16, and 16 is already the last
  CHECK(nn::spread_rows(17).size() == 9);
  CHECK(nn::spread_rows(5, 2) == std::vector<std::size_t>{0, 3, 4});
  CHECK_THROWS_WITH(nn::spread_rows(5, 0), Contains("spread_rows"));
}

SCENARIO("comparison_table: the networks' rows, then kernel ridge's", "[lesson10][points:0]") {
  nn::TrackedNet a, b;
  a.parameters = 110;
  a.train_accuracy = 0.9;
  a.validation_accuracy = 0.8;
  a.test_accuracy = 0.7;
  a.best_epoch = 3;
  a.test_at_best = 0.75;
  a.seconds = 1.5;
  b.parameters = 42;
  nn::KernelRidgeResult k;
  k.train_accuracy = 1;
  k.validation_accuracy = 0.6;
  k.test_accuracy = 0.65;
  k.seconds = 0.25;
  const arma::mat t = nn::comparison_table({&a, &b}, k, 6000);
  REQUIRE(t.n_rows == 3);
  REQUIRE(t.n_cols == nn::comparison_columns().size());
  CHECK(arma::approx_equal(t.row(0), arma::rowvec{0, 110, 0.9, 0.8, 0.7, 3, 0.75, 1.5}, "absdiff", 1e-15));
  CHECK(t(1, 0) == 1);
  CHECK(t(1, 1) == 42);
  CHECK(arma::approx_equal(t.row(2), arma::rowvec{2, 6000, 1, 0.6, 0.65, 0, 0.65, 0.25}, "absdiff", 1e-15));
  CHECK(nn::comparison_columns()[5] == "best_validation_epoch");
}

SCENARIO("centroid_numeric_weight_gradient agrees with backward, the centroids held",
         "[lesson10][points:0]") {
  nn::seed(4);
  const arma::mat x = arma::randn(5, 6);
  nn::Sequential net = nn::centroid_check_net();
  nn::CentroidLoss loss(3);
  nn::centroid_backward(net, loss, x, nn::centroid_example_labels());
  const auto& first = dynamic_cast<const nn::Linear&>(net[0]);
  const arma::mat before = first.weight;
  const arma::mat numeric = nn::centroid_numeric_weight_gradient(net, loss, x, nn::centroid_example_labels(), 0);
  THEN("centered differences match dL/dW1 to ~1e-9 and the weight is left as it was") {
    REQUIRE(numeric.n_rows == 4);
    REQUIRE(numeric.n_cols == 5);
    CHECK(arma::abs(numeric - first.grad_weight).max() < 1e-9);
    CHECK(arma::abs(first.weight - before).max() == 0);
  }
  THEN("a module without weights is refused by its index") {
    CHECK_THROWS_WITH(nn::centroid_numeric_weight_gradient(net, loss, x, nn::centroid_example_labels(), 1),
                      Contains("module 1"));
  }
}

SCENARIO("kernel_baseline scales gamma from the median heuristic", "[lesson10][points:0]") {
  const nn::SyntheticSpec spec = three_class_spec();
  const nn::SyntheticData d = nn::make_classification(spec);
  const double g0 = nn::median_gamma(d.train.x);
  const nn::KernelRidgeResult k = nn::kernel_baseline(d, {0.5, 2}, {1e-3, 1e-1});
  const nn::KernelRidgeResult direct = nn::kernel_ridge_search(d.train, d.validation, d.test,
                                                               {0.5 * g0, 2 * g0}, {1e-3, 1e-1});
  CHECK(k.table.n_rows == 4);
  CHECK_THAT(k.table(0, 0), WithinAbs(0.5 * g0, 1e-15 * g0));
  CHECK_THAT(k.table(3, 0), WithinAbs(2 * g0, 1e-15 * g0));
  CHECK(k.gamma == direct.gamma);
  CHECK(k.lambda == direct.lambda);
  CHECK(k.test_accuracy == direct.test_accuracy);
}
