// Hyper-parameter search (src/nn/search.hpp): uniform draws, grid and random layouts over two
// log10 axes, scoring, the winner by validation loss, and grid against random search.
#include <set>

#include "core_helpers.hpp"
#include "nn/search.hpp"

using Catch::Matchers::Contains;
using Catch::Matchers::WithinAbs;

namespace {

struct Settings {  // a trial as a lesson keeps it: its settings and its evaluations
  nn::Evaluation validation;
  int id = 0;
};

}  // namespace

SCENARIO("uniform01 draws 53 bits from nn::rng(), reproducibly", "[lesson08][points:0]") {
  nn::seed(3);
  const double a = nn::uniform01(), b = nn::uniform01();
  nn::seed(3);
  CHECK(nn::uniform01() == a);
  CHECK(nn::uniform01() == b);
  double sum = 0;
  for (int i = 0; i < 10000; ++i) {
    const double u = nn::uniform01();
    REQUIRE(u >= 0);
    REQUIRE(u < 1);
    sum += u;
  }
  CHECK_THAT(sum / 10000, WithinAbs(0.5, 0.015));  // std of the mean 0.0029
}

SCENARIO("grid and random layouts over a log10 box", "[lesson08][points:0]") {
  const nn::LogBox box{-4, -0.5, -5, -2};
  GIVEN("a 3 x 3 grid") {
    const std::vector<nn::LogPoint> g = nn::grid_layout(3, box);
    THEN("the centres of the tiling, x-major: only 3 distinct x values") {
      REQUIRE(g.size() == 9);
      CHECK_THAT(g[0].x, WithinAbs(-4 + 3.5 / 6, 1e-15));
      CHECK_THAT(g[0].y, WithinAbs(-4.5, 1e-15));
      CHECK_THAT(g[1].y, WithinAbs(-3.5, 1e-15));
      CHECK_THAT(g[3].x, WithinAbs(-2.25, 1e-15));
      CHECK_THAT(g[8].x, WithinAbs(-0.5 - 3.5 / 6, 1e-15));
      CHECK_THAT(g[8].y, WithinAbs(-2.5, 1e-15));
      std::set<double> xs;
      for (const auto& p : g) xs.insert(p.x);
      CHECK(xs.size() == 3);
    }
  }
  GIVEN("nine random draws") {
    nn::seed(1);
    const std::vector<nn::LogPoint> r = nn::random_layout(9, box);
    THEN("every point is inside the box, with 9 distinct x values, drawn x then y") {
      std::set<double> xs;
      for (const auto& p : r) {
        CHECK(p.x >= -4);
        CHECK(p.x < -0.5);
        CHECK(p.y >= -5);
        CHECK(p.y < -2);
        xs.insert(p.x);
      }
      CHECK(xs.size() == 9);
      nn::seed(1);
      CHECK(r[0].x == -4 + 3.5 * nn::uniform01());
      CHECK(r[0].y == -5 + 3.0 * nn::uniform01());
    }
  }
}

SCENARIO("scoring a layout and picking its best", "[lesson08][points:0]") {
  std::vector<nn::LogPoint> points = nn::grid_layout(2, nn::LogBox{0, 2, 0, 2});
  nn::score_layout(points, [](const nn::LogPoint& p) {
    return p.x > 1 && p.y > 1 ? arma::datum::nan : p.x + 0.1 * p.y;
  });
  THEN("a non-finite score counts as 0; the highest wins, the first of a tie") {
    CHECK(points[3].score == 0);
    CHECK_THAT(points[2].score, WithinAbs(1.55, 1e-15));  // (1.5, 0.5)
    CHECK(nn::best_score(points) == 2);
    points[1].score = points[2].score;
    CHECK(nn::best_score(points) == 1);
    CHECK_THROWS_WITH(nn::best_score({}), Contains("best_score"));
  }
  THEN("lowest_validation_loss picks the smallest validation loss, the first of a tie") {
    std::vector<Settings> trials(4);
    const double losses[] = {0.9, 0.4, 0.7, 0.4};
    for (int i = 0; i < 4; ++i) trials[i].validation.loss = losses[i];
    CHECK(nn::lowest_validation_loss(trials) == 1);
  }
}

SCENARIO("grid against random search when only x matters", "[lesson08][points:0]") {
  GIVEN("a score that peaks at x = -1.7 whatever y is, 3 repeats of 3 x 3 trials") {
    std::vector<std::uint64_t> seeds;
    const nn::GridRandomComparison c = nn::compare_grid_random(
        3, 3, nn::LogBox{-4, -0.5, -5, -2}, 10, 0.0005, [&](const nn::LogPoint& p, std::uint64_t seed) {
          seeds.push_back(seed);
          return 1 - std::abs(p.x + 1.7);
        });
    THEN("each repeat scores 18 points at its own seed; repeat 0's layouts are kept") {
      REQUIRE(seeds.size() == 54);
      CHECK(seeds.front() == 10);
      CHECK(seeds[18] == 110);
      CHECK(seeds.back() == 210);
      CHECK(c.grid.size() == 9);
      CHECK(c.random.size() == 9);
      REQUIRE(c.repeats.size() == 3);
    }
    THEN("the grid's best is its centre rate -2.25 (0.55 away) every time; wins and ties add up") {
      for (const auto& r : c.repeats) CHECK_THAT(r.grid_best.x, WithinAbs(-2.25, 1e-15));
      int ties = 0;
      for (const auto& r : c.repeats) ties += r.winner == 0;
      CHECK(c.ties == ties);
      CHECK(c.random_wins + c.grid_wins + c.ties == 3);
      CHECK(c.random_wins >= 2);  // P(one of nine draws lands within 0.55 of -1.7) = 0.97
    }
  }
  GIVEN("a score that ignores the point, 2 repeats of 2 x 2 trials") {
    const nn::GridRandomComparison c = nn::compare_grid_random(
        2, 2, nn::LogBox{}, 0, 0.0005, [](const nn::LogPoint&, std::uint64_t) { return 0.5; });
    THEN("every repeat is a tie: no wins, 2 ties") {
      CHECK(c.repeats[0].winner == 0);
      CHECK(c.repeats[1].winner == 0);
      CHECK(c.random_wins == 0);
      CHECK(c.grid_wins == 0);
      CHECK(c.ties == 2);
    }
  }
  THEN("no repeats is refused") {
    CHECK_THROWS_WITH(nn::compare_grid_random(0, 3, {}, 0, 0, {}), Contains("compare_grid_random"));
  }
}

SCENARIO("image_mlp and decay_weights_only: lesson 8's nets", "[lesson08][points:0]") {
  GIVEN("image_mlp(50), image_mlp(20, tanh, 0.5)") {
    nn::seed(0);
    nn::Sequential relu = nn::image_mlp(50);
    nn::Sequential tanh = nn::image_mlp(20, "tanh", 0.5);
    THEN("784 -> 50 -> ReLU -> 10; the dropout net has a fifth module; biases start at 0") {
      REQUIRE(relu.size() == 3);
      REQUIRE(tanh.size() == 4);
      CHECK(relu.forward(arma::zeros(784, 2)).n_rows == 10);
      const nn::Linear& out = dynamic_cast<const nn::Linear&>(relu[2]);
      CHECK(arma::abs(out.bias).max() == 0);
      CHECK_THAT(arma::stddev(arma::vectorise(out.weight)), WithinAbs(0.01, 0.002));  // 500 draws
      CHECK(tanh.forward(arma::zeros(784, 2)).n_rows == 10);
    }
    THEN("another activation is refused by name") {
      CHECK_THROWS_WITH(nn::image_mlp(5, "sigmoid"), Contains("sigmoid"));
    }
    WHEN("decay_weights_only(sgd, 0.1) and every bias set to 1") {
      nn::SGD sgd(relu.parameters(), 0.01);
      nn::decay_weights_only(sgd, 0.1);
      double weights = 0;
      for (const nn::Parameter& p : relu.parameters()) {
        if (p.name.find("bias") != std::string::npos) p.value->ones();
        else weights += arma::accu(arma::square(*p.value));
      }
      THEN("the penalty is 0.5 lambda ||W||^2 over the weights alone") {
        CHECK_THAT(sgd.l2_penalty(), WithinAbs(0.05 * weights, 1e-12 * weights));
      }
    }
  }
}

namespace {

// 40 random "images" of 784 pixels, labels 0..9 four times: enough for lesson 8's MLPs to run.
nn::Dataset tiny_images(std::uint64_t seed) {
  nn::seed(seed);
  nn::Dataset d;
  d.x = arma::randn(784, 40);
  d.y = arma::regspace<arma::uvec>(0, 39);
  d.y.transform([](arma::uword i) { return i % 10; });
  return d;
}

}  // namespace

SCENARIO("quiet_config: lesson 8's training configuration", "[lesson08][points:0]") {
  const nn::TrainConfig c = nn::quiet_config(7);
  CHECK(c.epochs == 7);
  CHECK(c.batch_size == 20);
  CHECK(c.quiet);
  CHECK(c.stats_steps == 0);
  CHECK(nn::quiet_config(1, 5).batch_size == 5);
}

SCENARIO("search_table and by_rate: the data of step 10's table and step 11's figure",
         "[lesson08][points:0]") {
  GIVEN("two trials, the second picked") {
    std::vector<nn::SearchTrial> trials(2);
    trials[0].hidden = 25;
    trials[0].lambda = 1e-3;
    trials[0].best_epoch = 4;
    trials[0].train = {0.5, 0.8};
    trials[0].validation = {0.6, 0.75};
    trials[0].test = {0.7, 0.7};
    trials[0].history.resize(7);
    trials[1].hidden = 200;
    trials[1].act = "tanh";
    trials[1].validation = {0.4, 0.85};
    const arma::mat t = nn::search_table(trials, 1);
    THEN("one row per trial, in search_columns() order") {
      REQUIRE(t.n_rows == 2);
      REQUIRE(t.n_cols == nn::search_columns().size());
      CHECK(nn::search_columns()[6] == "val_loss");
      CHECK(arma::approx_equal(t.row(0), arma::rowvec{25, 0, 1e-3, 4, 0.5, 0.8, 0.6, 0.75, 0.7, 0.7, 0, 7},
                               "absdiff", 1e-15));
      CHECK(t(1, 0) == 200);
      CHECK(t(1, 1) == 1);      // tanh
      CHECK(t(1, 6) == 0.4);    // its validation loss
      CHECK(t(1, 10) == 1);     // picked
      CHECK(t(1, 11) == 0);     // no epochs recorded
    }
  }
  GIVEN("three points at log10 rates -1, -3, -2 and a tie at -3") {
    const std::vector<nn::LogPoint> points = {{-1, 0, 0.5}, {-3, 0, 0.1}, {-2, 0, 0.7}, {-3, 1, 0.2}};
    const arma::mat r = nn::by_rate(points);
    THEN("sorted by rate, 10^x beside its score; a tie keeps its order") {
      REQUIRE(r.n_rows == 4);
      CHECK_THAT(r(0, 0), WithinAbs(1e-3, 1e-18));
      CHECK(r(0, 1) == 0.1);
      CHECK(r(1, 1) == 0.2);
      CHECK_THAT(r(2, 0), WithinAbs(1e-2, 1e-17));
      CHECK(r(2, 1) == 0.7);
      CHECK_THAT(r(3, 0), WithinAbs(0.1, 1e-16));
      CHECK(r(3, 1) == 0.5);
    }
  }
}

SCENARIO("train_with_eval_accuracy: accuracy as trained against eval mode", "[lesson08][points:0]") {
  const nn::Dataset d = tiny_images(5);
  nn::seed(6);
  nn::Sequential net = nn::image_mlp(30, "relu", 0.5);
  nn::Adam adam(net.parameters(), 1e-3);
  nn::TrainConfig config = nn::quiet_config(3, 10);
  config.seed = 6;
  config.restore_best = false;
  const nn::EvalTracked t = nn::train_with_eval_accuracy(net, adam, d, d, config);
  THEN("one eval-mode accuracy per epoch; the last is the returned net's, in eval mode") {
    REQUIRE(t.result.history.size() == 3);
    REQUIRE(t.eval_train.size() == 3);
    CHECK(t.eval_train.back() == nn::accuracy(net, d.x, d.y));
    // the validation set is the training set here, and validation is measured in eval mode
    for (std::size_t e = 0; e < 3; ++e)
      CHECK_THAT(t.eval_train[e], WithinAbs(t.result.history[e].validation_accuracy, 1e-12));
  }
  THEN("a config with its own on_epoch is refused") {
    config.on_epoch = [](const nn::EpochStats&) {};
    CHECK_THROWS_WITH(nn::train_with_eval_accuracy(net, adam, d, d, config), Contains("on_epoch"));
  }
}

SCENARIO("random_search and rate_accuracy: seeded, scored trials", "[lesson08][points:0]") {
  const nn::Dataset train = tiny_images(7), validation = tiny_images(8);
  nn::seed(9);
  const std::vector<nn::SearchTrial> a = nn::random_search(3, 2, train, validation, validation);
  nn::seed(9);
  const std::vector<nn::SearchTrial> b = nn::random_search(3, 2, train, validation, validation);
  THEN("settings drawn from the stated sets; the same seed repeats the search exactly") {
    REQUIRE(a.size() == 3);
    for (std::size_t i = 0; i < 3; ++i) {
      const arma::uword h = a[i].hidden;
      CHECK((h == 25 || h == 50 || h == 100 || h == 200));
      CHECK((a[i].act == "relu" || a[i].act == "tanh"));
      CHECK(a[i].lambda >= 1e-5);
      CHECK(a[i].lambda < 1e-1);
      CHECK(a[i].history.size() <= 2);
      CHECK(a[i].best_epoch >= 1);
      CHECK(a[i].validation.loss == b[i].validation.loss);
      CHECK(a[i].validation.loss == a[i].test.loss);  // the same set, the same net
    }
    CHECK_THROWS_WITH(nn::random_search(0, 2, train, validation, validation), Contains("random_search"));
  }
  THEN("rate_accuracy is a fraction of 40 images, the same for the same seed") {
    const nn::LogPoint p{-2, -4, 0};
    const double s = nn::rate_accuracy(p, 11, 1, train, validation);
    CHECK(s == nn::rate_accuracy(p, 11, 1, train, validation));
    CHECK_THAT(s * 40, WithinAbs(std::round(s * 40), 1e-9));
    CHECK(s >= 0);
    CHECK(s <= 1);
  }
}

SCENARIO("compare_rates: step 11's comparison over rate_box", "[lesson08][points:0]") {
  const nn::Dataset train = tiny_images(22), validation = tiny_images(23);
  const nn::GridRandomComparison c = nn::compare_rates(1, 1, 6, train, validation);
  THEN("3 x 3 grid centres of the box and 9 draws, each scored by rate_accuracy at the seed") {
    REQUIRE(c.grid.size() == 9);
    REQUIRE(c.random.size() == 9);
    REQUIRE(c.repeats.size() == 1);
    CHECK_THAT(c.grid[0].x, WithinAbs(-4 + 3.5 / 6, 1e-15));
    CHECK_THAT(c.grid[0].y, WithinAbs(-4.5, 1e-15));
    CHECK(c.grid[4].score == nn::rate_accuracy(c.grid[4], 6, 1, train, validation));
    CHECK(c.random[2].score == nn::rate_accuracy(c.random[2], 6, 1, train, validation));
    CHECK(c.repeats[0].grid_best.score == c.grid[nn::best_score(c.grid)].score);
    CHECK(c.random_wins + c.grid_wins + c.ties == 1);
  }
}

SCENARIO("schedule_run and l2_run: steps 5 and 6 on a tiny set", "[lesson08][points:0]") {
  const nn::Dataset train = tiny_images(12), validation = tiny_images(13);
  THEN("schedule_run sets each epoch's rate from the schedule and keeps every epoch's row") {
    const nn::TrainResult r = nn::schedule_run(nn::schedule::step_decay(0.01, 0.5, 1), 3, 4, train, validation);
    REQUIRE(r.history.size() == 3);
    CHECK_THAT(r.history[0].lr, WithinAbs(0.01, 1e-15));
    CHECK_THAT(r.history[1].lr, WithinAbs(0.005, 1e-15));
    CHECK_THAT(r.history[2].lr, WithinAbs(0.0025, 1e-15));
    CHECK(std::isfinite(r.history[2].validation_loss));
  }
  THEN("l2_run: no decay has no penalty; the penalty is 0.5 lambda (||W1||^2 + ||W2||^2)") {
    const nn::L2Run none = nn::l2_run(0, 1, 4, train, validation);
    CHECK(none.penalty == 0);
    const nn::L2Run some = nn::l2_run(0.1, 1, 4, train, validation);
    const double sq = some.w1_norm * some.w1_norm + some.w2_norm * some.w2_norm;
    CHECK_THAT(some.penalty, WithinAbs(0.05 * sq, 1e-9 * sq));
    CHECK(some.w1_norm < none.w1_norm);  // decay shrinks the weights from the same start
    CHECK(some.train.accuracy * 40 == std::round(some.train.accuracy * 40));
  }
}

SCENARIO("dropout_run: step 8's run, reproducible from its seed", "[lesson08][points:0]") {
  const nn::Dataset train = tiny_images(14), validation = tiny_images(15);
  const nn::EvalTracked a = nn::dropout_run(0.5, 2, 3, train, validation);
  const nn::EvalTracked b = nn::dropout_run(0.5, 2, 3, train, validation);
  REQUIRE(a.result.history.size() == 2);
  REQUIRE(a.eval_train.size() == 2);
  CHECK(a.eval_train == b.eval_train);
  CHECK(a.result.history[1].validation_loss == b.result.history[1].validation_loss);
  CHECK(a.eval_train[1] * 40 == std::round(a.eval_train[1] * 40));  // a fraction of 40 images
}

SCENARIO("optimizer_run: step 3's three optimizers from one start", "[lesson08][points:0]") {
  const nn::Dataset train = tiny_images(16), validation = tiny_images(17);
  const nn::TrainResult sgd = nn::optimizer_run("sgd", 2, 5, "", train, validation, validation);
  const nn::TrainResult momentum = nn::optimizer_run("momentum", 2, 5, "", train, validation, validation);
  const nn::TrainResult adam = nn::optimizer_run("adam", 2, 5, "", train, validation, validation);
  THEN("the same initial net for all three, each at its own rate, every epoch kept") {
    REQUIRE(sgd.history.size() == 2);
    REQUIRE(adam.history.size() == 2);
    CHECK(momentum.initial_loss == sgd.initial_loss);
    CHECK(adam.initial_loss == sgd.initial_loss);
    CHECK(sgd.history[0].lr == 0.01);
    CHECK(momentum.history[0].lr == 0.01);
    CHECK(adam.history[0].lr == 0.001);
    CHECK(momentum.history[1].train_loss != sgd.history[1].train_loss);  // the velocity differs
    CHECK(nn::optimizer_run("sgd", 2, 5, "", train, validation, validation).history[1].train_loss ==
          sgd.history[1].train_loss);
  }
  THEN("another optimizer is refused by name") {
    CHECK_THROWS_WITH(nn::optimizer_run("rmsprop", 1, 5, "", train, validation, validation),
                      Contains("rmsprop"));
  }
}

SCENARIO("per_layer_run: step 4's multipliers by parameter name", "[lesson08][points:0]") {
  const nn::Dataset train = tiny_images(18), validation = tiny_images(19);
  GIVEN("no pattern, the output layer at 0.1, the hidden layer frozen") {
    const nn::PerLayerRun all = nn::per_layer_run("", 1.0, 3, train, validation);
    const nn::PerLayerRun output = nn::per_layer_run("2", 0.1, 3, train, validation);
    const nn::PerLayerRun frozen = nn::per_layer_run("0", 0.0, 3, train, validation);
    THEN("each parameter's rate is 0.01 times its multiplier") {
      REQUIRE(all.parameters.size() == 4);
      CHECK(all.parameters[0].name == "0.weight");
      CHECK(all.parameters[3].name == "2.bias");
      CHECK(all.lr == std::vector<double>{0.01, 0.01, 0.01, 0.01});
      REQUIRE(output.lr.size() == 4);
      CHECK(output.lr[0] == 0.01);
      CHECK_THAT(output.lr[2], WithinAbs(0.001, 1e-18));
      CHECK_THAT(output.lr[3], WithinAbs(0.001, 1e-18));
      CHECK(frozen.lr == std::vector<double>{0, 0, 0.01, 0.01});
    }
    THEN("a frozen layer does not move; the others do; accuracy is a fraction of 40 images") {
      CHECK(frozen.parameters[0].update_ratio == 0);
      CHECK(frozen.parameters[2].update_ratio > 0);
      CHECK(all.parameters[0].update_ratio > 0);
      CHECK(all.validation_accuracy * 40 == std::round(all.validation_accuracy * 40));
    }
  }
  THEN("a pattern that names no parameter is refused") {
    CHECK_THROWS_WITH(nn::per_layer_run("7", 0.5, 3, train, validation), Contains("no parameter matches '7'"));
  }
}

SCENARIO("early_stopping_run: step 9 hands back the best epoch's net", "[lesson08][points:0]") {
  const nn::Dataset train = tiny_images(20), validation = tiny_images(21);
  const nn::EarlyStoppingRun run = nn::early_stopping_run(8, 1, 4, train, validation, validation);
  const nn::TrainResult& r = run.result;
  THEN("on random labels the first epoch is the best; one more without a lower loss stops the run") {
    CHECK(r.stopped_early);
    CHECK(r.best_epoch == 1);
    REQUIRE(r.history.size() == 2);
    CHECK(r.history[1].validation_loss > r.history[0].validation_loss);
  }
  THEN("the net handed back has the best epoch's validation loss, not the last one's") {
    CHECK_THAT(run.validation.loss, WithinAbs(r.history[r.best_epoch - 1].validation_loss, 1e-12));
    CHECK(run.validation.loss < r.history.back().validation_loss);
    CHECK(run.test.loss == run.validation.loss);  // the same set, the same net
  }
}
