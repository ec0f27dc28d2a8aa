// lesson08_optimization.cpp -- optimization: momentum, Adam, schedules, regularization, search.
//
// What you will learn, on the shipped Fashion-MNIST subset (1500 training / 500 validation
// images split off the 2000 training ones, and the 1000 test images) with small MLPs:
//   1. classical momentum by hand: two steps on a 1-parameter quadratic, next to plain SGD and
//      Adam's first step;
//   2. why momentum helps: an ill-conditioned valley, where plain SGD crawls;
//   3. plain SGD, momentum and Adam training the same MLP from the same start;
//   4. per-layer learning rates (a multiplier per parameter, the base rate shared);
//   5. learning-rate schedules: a step decay, and the increasing rate of Assignment 1 (Pan);
//   6. L2 weight decay: smaller weights, a smaller gap between training and validation;
//   7. inverted dropout: the mask, E[mask] = 1, eval mode, a gradient check in eval mode;
//   8. dropout in training: accuracy as trained (dropout on) versus in eval mode;
//   9. early stopping on the validation split, keeping the best epoch's parameters;
//  10. a random search over hidden units, activation and L2 strength, printed as a paper's
//      table and decided by the validation loss.
//  11. grid versus random search at the same budget of nine trials: which finds the better
//      learning rate when only the rate matters (Bergstra & Bengio, as the lecture argues).
//
// The math. For a parameter w with gradient g, rate lr, momentum mu and L2 decay lambda:
//     plain SGD     w <- w - lr (g + lambda w)
//     momentum      v <- mu v + lr (g + lambda w),   w <- w - v        (v starts at 0)
//     Adam          m <- b1 m + (1 - b1) g,  s <- b2 s + (1 - b2) g^2,
//                   w <- w - lr (m / (1 - b1^t)) / (sqrt(s / (1 - b2^t)) + eps)
// On a quadratic L = 0.5 a w^2 plain SGD multiplies w by (1 - lr a) each step: along a
// direction of small curvature a that factor is close to 1, and the rate cannot grow past
// 2 / a_max without diverging along the steepest one. Momentum lets the velocity build up
// along the flat direction (about lr / (1 - mu) per unit gradient) while the oscillation
// across the steep one cancels itself out.
// Inverted dropout keeps each unit with probability 1 - p and scales it by 1 / (1 - p), so
// E[mask] = 1 and nothing changes at test time (eval mode is the identity).
#include <algorithm>
#include <cmath>
#include <iomanip>
#include <sstream>
#include <tuple>

#include "nn/nn.hpp"
#include "nn/momentum_example.hpp"
#include "nn/search.hpp"

namespace {

using nn::util::fixed;
using nn::util::number;
using nn::util::pad;
using nn::util::percent;

// What the steps compute lives in src/nn/search.{hpp,cpp}: the MLP of every experiment,
// nn::image_mlp(hidden, "relu" or "tanh", dropout), 784 -> hidden -> f -> [Dropout(p)] -> 10
// (snippet opt-mlp); the runs and searches of steps 3 to 11 but 7. Steps 1 and 2's worked
// examples are in src/nn/momentum_example. The lesson keeps what it prints and draws.

std::string act_name(const std::string& activation) { return activation == "relu" ? "ReLU" : "tanh"; }

// The training loss (as trained) and the validation loss per epoch of one run: steps 9 and 10.
nn::plot::Lines loss_curves(const std::string& name, const std::string& title, const std::string& y_label,
                            const std::vector<nn::EpochStats>& history) {
  auto curve = nn::plot::Lines(name, title, "epoch", y_label).marked();
  curve.add("training (as trained)", nn::per_epoch(history, &nn::EpochStats::train_loss));
  return curve.add("validation", nn::per_epoch(history, &nn::EpochStats::validation_loss));
}

// ---- what the steps share ------------------------------------------------------------------

// The lesson (its options) and the data of the header (nn::fashion_splits: a seeded split,
// standardized per pixel with the training split's statistics as in lesson 6; --quick: 30 / 10
// / 20 images per class), loaded by the first step that asks for it: any step runs alone.
struct Context {
  nn::lesson::Lesson& lesson;
  nn::Splits splits;  // empty until data() loads it

  using Datasets = std::tuple<const nn::Dataset&, const nn::Dataset&, const nn::Dataset&>;
  Datasets data(nn::lesson::Step& s);  // train, validation, test
  // Epochs of the optimizer comparisons: --epochs, 3 with --quick.
  int epochs() const { return lesson.quick() ? 3 : static_cast<int>(lesson.integer("--epochs")); }
};

Context::Datasets Context::data(nn::lesson::Step& s) {
  if (splits.train.n_samples() == 0) {
    nn::SplitOptions options;
    options.full = lesson.is_set("--full");
    options.quick = lesson.quick();
    options.validation_share = 0.25;           // 500 of the subset's 2000
    options.validation_share_full = 1.0 / 12;  // 5000 of 60000
    options.seed = lesson.seed();
    options.subset_source = "data/fashion-mnist (the shipped subset; --full for the full set)";
    splits = nn::fashion_splits(options);
    if (!splits.notice.empty()) s.say(splits.notice);
    s.say("data: " + splits.description() + " with the training split's statistics");
  }
  return {splits.train, splits.validation, splits.test};
}

// ---- step 1: Momentum by hand: two steps on L(w) = 2 w^2 ----------------------------------------
const nn::lesson::StepText momentum_by_hand_text{
    "Momentum by hand: two steps on L(w) = 2 w^2",
    "One parameter, w = 1, gradient g = 4w, lr = 0.1. Plain SGD multiplies w by 1 - 0.4 = 0.6\n"
    "each step. Momentum 0.9: v1 = 0.1 * 4 = 0.4, w1 = 0.6 (the first step is plain SGD);\n"
    "v2 = 0.9 * 0.4 + 0.1 * 2.4 = 0.6, w2 = 0.6 - 0.6 = 0: the velocity carries it to the\n"
    "minimum in two steps. Adam's first step is lr * sign(g) = 0.1 whatever |g| is."};

void momentum_by_hand(Context& /*c*/, nn::lesson::Step& s) {
  s.needs({"SGD::step"});
  s.code("src/nn/optim.cpp", "sgd-step");
  s.source("src/nn/optim.cpp", "adam-step");
  // The library's optimizers on one parameter whose gradient nn::two_steps writes by hand,
  // g = 4 w before each step (src/nn/momentum_example.cpp, momentum-by-hand).
  arma::mat w = {1.0}, grad = {0.0};
  const std::vector<nn::Parameter> params = {{"w", &w, &grad}};
  nn::SGD plain(params, 0.1);
  s.show("plain SGD, lr 0.1:  w0 w1 w2", nn::two_steps(plain, w, grad));
  w = {1.0};
  nn::SGD momentum(params, 0.1, 0.9);
  s.show("momentum 0.9, lr 0.1:  w0 w1 w2", nn::two_steps(momentum, w, grad));
  s.show("its velocity after step 2 (0.9 * 0.4 + 0.1 * 2.4)", momentum.velocity(0)(0));
  w = {1.0};
  nn::Adam adam(params, 0.1);
  s.show("Adam, lr 0.1:  w0 w1 w2", nn::two_steps(adam, w, grad));
  s.say("Momentum overshoots later (w3 = 0 - (0.9 * 0.6 + 0) = -0.54): on a single\n"
        "quadratic it trades a faster start for oscillation. Adam moves by ~lr per step\n"
        "whatever the gradient's scale: 1 -> 0.9 -> ~0.8.");
}

// ---- step 2: Momentum in an ill-conditioned valley ----------------------------------------------
const nn::lesson::StepText momentum_in_a_valley_text{
    "Momentum in an ill-conditioned valley",
    "L(w) = 0.5 (w1^2 + 100 w2^2) from w = (1, 1): curvatures 1 and 100. The rate must stay\n"
    "below 2/100 or w2 diverges; we take lr 0.015. Plain SGD then shrinks w1 by only 1.5%\n"
    "per step. Momentum builds up speed along w1. 100 steps of each, mu = 0, 0.5, 0.9."};

void momentum_in_a_valley(Context& /*c*/, nn::lesson::Step& s) {
  s.needs({"SGD::step"});
  s.source("src/nn/optim.cpp", "sgd-step");
  auto loss_curve = nn::plot::Lines("valley-loss", "L = 0.5 (w1^2 + 100 w2^2): loss per step, lr 0.015",
                                    "step", "loss").log_scale_y();
  // The key at the bottom: the paths stay above w2 = -0.75 between w1 = 0 and 0.7.
  auto path = nn::plot::Lines("valley-path", "The first 40 steps in the (w1, w2) plane, lr 0.015",
                              "w1 (curvature 1)", "w2 (curvature 100)").keyed("bottom center").marked();
  const int steps = 100;
  std::ostringstream table;
  table << "  momentum   loss after " << steps << " steps   w1         w2\n";
  for (double mu : {0.0, 0.5, 0.9}) {
    // SGD, lr 0.015, momentum mu: loss and w before each step (src/nn/momentum_example.cpp, valley)
    const nn::ValleyRun v = nn::valley_run(mu, steps);
    const std::string label = mu == 0 ? "plain SGD" : "momentum " + number(mu, 3);
    loss_curve.add(label, arma::regspace<arma::vec>(0, steps), v.loss);
    path.add(label, v.path.row(0).head(41).t(), v.path.row(1).head(41).t());
    table << std::setw(10) << mu << number(v.loss(steps), 3, 20) << number(v.path(0, steps), 3, 11)
          << number(v.path(1, steps), 3, 11) << "\n";
  }
  s.say(table.str());
  s.plot(loss_curve);
  s.plot(path);
  s.say("Plain SGD: w1 = 0.985^100 = 0.22 after 100 steps. With mu = 0.9 the path zigzags\n"
        "across the valley and even overshoots the minimum along w1 (to -0.23), yet after\n"
        "100 steps its loss is ~400 times lower.");
}

// ---- step 3: Plain SGD, momentum and Adam on Fashion-MNIST --------------------------------------
const nn::lesson::StepText three_optimizers_text{
    "Plain SGD, momentum and Adam on Fashion-MNIST",
    "MLP 784-100-ReLU-10, the same initial weights and batch order (seed) for each, batches of\n"
    "20: plain SGD at lr 0.01, SGD with momentum 0.9 at the same lr 0.01, and Adam at its\n"
    "usual lr 1e-3. Training loss (as trained) and validation accuracy per epoch."};

void three_optimizers(Context& c, nn::lesson::Step& s) {
  s.needs({"Linear::backward", "relu_backward", "init::he", "SoftmaxCrossEntropy::backward",
           "SGD::step"});
  const auto& [train, validation, test] = c.data(s);
  s.source("src/nn/search.cpp", "opt-mlp");
  s.source("src/nn/trainer.cpp", "train-batch");
  auto loss_curve = nn::plot::Lines("optimizers-loss", "Training loss per epoch, MLP 784-100-10",
                                    "epoch", "training loss (as trained)").marked();
  auto acc_curve = nn::plot::Lines("optimizers-accuracy", "Validation accuracy per epoch, MLP 784-100-10",
                                   "epoch", "validation accuracy").keyed("bottom right").marked();
  std::ostringstream table;
  table << "optimizer                 train loss  val loss  val acc  test acc\n";
  const std::pair<std::string, std::string> optimizers[] = {  // name, label
      {"sgd", "SGD lr 0.01"}, {"momentum", "momentum 0.9, lr 0.01"}, {"adam", "Adam lr 1e-3"}};
  for (int k = 0; k < 3; ++k) {
    const auto& [name, label] = optimizers[k];
    // MLP 784-100-10 from the same start and batch order (src/nn/search.cpp, three-optimizers)
    const std::string tsv = c.lesson.output_dir() + "/optimizer-" + std::to_string(k) + ".tsv";
    const nn::TrainResult result = nn::optimizer_run(name, c.epochs(), c.lesson.seed(), tsv, train, validation, test);
    const nn::EpochStats& last = result.history.back();
    loss_curve.add(label, nn::per_epoch(result.history, &nn::EpochStats::train_loss));
    acc_curve.add(label, nn::per_epoch(result.history, &nn::EpochStats::validation_accuracy));
    table << pad(label, 24) << fixed(last.train_loss, 4, 12) << fixed(last.validation_loss, 4, 10)
          << percent(last.validation_accuracy, 1, 8) << percent(last.test_accuracy, 1, 9) << "\n";
  }
  s.say("after " + std::to_string(c.epochs()) + " epochs (the last epoch's parameters):\n" + table.str());
  s.plot(loss_curve);
  s.plot(acc_curve);
  s.say("At the same lr, momentum ~ SGD at lr / (1 - mu) = 0.1 once the velocity has built\n"
        "up: it is well ahead of plain SGD. Adam adapts each weight's step to its gradient's\n"
        "running RMS. Both fit the training set faster; the validation loss of the fast ones\n"
        "is already turning up (overfitting: step 9 stops there).");
}

// ---- step 4: Per-layer learning rates -----------------------------------------------------------
const nn::lesson::StepText per_layer_learning_rates_text{
    "Per-layer learning rates",
    "Each parameter i steps with lr * multiplier_i; set_lr_multiplier(pattern, m) sets m by\n"
    "name (\"2\" matches 2.weight and 2.bias: the output Linear). One epoch of momentum SGD\n"
    "(lr 0.01, mu 0.9) three ways: every multiplier 1; the output layer at 0.1; the hidden\n"
    "layer frozen at 0 (only the output learns, on 100 random ReLU features)."};

void per_layer_learning_rates(Context& c, nn::lesson::Step& s) {
  s.needs({"Linear::backward", "relu_backward", "init::he", "SoftmaxCrossEntropy::backward",
           "SGD::step"});
  const auto& [train, validation, test] = c.data(s);
  nn::plot::Bars bars("per-layer-ratio", "Update/weight ratio per layer, first epoch (want ~1e-3)");
  bars.y_label = "mean ||update|| / ||W||";
  bars.log_y = true;
  std::ostringstream table;
  table << "setting           parameter   lr_of    ||update||/||W||\n";
  // [snippet per-layer-lr]
  // label, name pattern ("2": 2.weight and 2.bias, the output Linear; "": none), multiplier
  const std::vector<std::tuple<std::string, std::string, double>> settings = {
      {"all x1", "", 1.0}, {"output x0.1", "2", 0.1}, {"hidden x0", "0", 0.0}};  // x0: frozen
  // [/snippet]
  for (const auto& [label, pattern, multiplier] : settings) {
    // momentum SGD on MLP 784-100-10 from the same start, one epoch (src/nn/search.cpp)
    const nn::PerLayerRun run = nn::per_layer_run(pattern, multiplier, c.lesson.seed(), train, validation);
    for (std::size_t i = 0; i < run.parameters.size(); ++i) {
      const nn::ParameterStats& p = run.parameters[i];
      table << pad(label, 18) << pad(p.name, 10) << std::setw(7) << run.lr[i]
            << number(p.update_ratio, 3, 20) << "\n";
      if (p.name.find("weight") != std::string::npos)
        bars.add((p.name[0] == '0' ? "W1, " : "W2, ") + label, std::max(p.update_ratio, 1e-6));
    }
    s.say(label + ": validation accuracy after 1 epoch " + percent(run.validation_accuracy, 1));
  }
  s.say(table.str() + "(nan: a bias that is still exactly 0, frozen: 0 / 0)");
  s.plot(bars);
  s.say("The output layer's ratio is high because its weights start small (std 0.01), not\n"
        "because its rate is too high: slowing it down costs accuracy in the first epoch.\n"
        "The ~1e-3 rule is for weights that have settled. A frozen layer (ratio 0, drawn\n"
        "at 1e-6) is what fine-tuning uses. A schedule (next step) changes only the base\n"
        "rate: the ratios between layers stay.");
}

// ---- step 5: Learning-rate schedules: decay, and an increasing rate -----------------------------
const nn::lesson::StepText learning_rate_schedules_text{
    "Learning-rate schedules: decay, and an increasing rate",
    "The trainer sets the base rate from the schedule before each epoch. Momentum SGD (mu 0.9)\n"
    "from the same start: a constant 0.01; a step decay (0.01, halved every 3 epochs); an\n"
    "exponential decay 0.01 * 0.8^epoch; and, as a curiosity Assignment 1 (Pan) tried, a rate\n"
    "rising linearly from 0.001 to 0.01 over the run."};

void learning_rate_schedules(Context& c, nn::lesson::Step& s) {
  s.needs({"Linear::backward", "relu_backward", "init::he", "SoftmaxCrossEntropy::backward",
           "SGD::step"});
  const auto& [train, validation, test] = c.data(s);
  const int n = c.epochs();
  // [snippet schedules]
  const std::vector<std::pair<std::string, nn::Schedule>> schedules = {
      {"constant 0.01", nn::schedule::constant(0.01)},
      {"step decay x0.5 every 3", nn::schedule::step_decay(0.01, 0.5, 3)},
      {"exponential 0.01 * 0.8^e", nn::schedule::exponential(0.01, 0.8)},
      {"increasing 0.001 -> 0.01", nn::schedule::linear(0.001, 0.01, n - 1)},
  };
  // [/snippet]
  auto rates = nn::plot::Lines("schedules", "Learning rate per epoch", "epoch", "learning rate").log_scale_y().marked();
  auto losses = nn::plot::Lines("schedules-loss", "Validation loss per epoch under each schedule (momentum 0.9)",
                                "epoch", "validation loss").marked();
  std::ostringstream table;
  table << pad("schedule", 26) << "   lr: first     last  best val loss (epoch)   last val loss  val acc\n";
  for (const auto& [label, schedule] : schedules) {
    // momentum SGD from the same start, the last epoch's net (src/nn/search.cpp)
    const nn::TrainResult result = nn::schedule_run(schedule, n, c.lesson.seed(), train, validation);
    rates.add(label, nn::per_epoch(result.history, &nn::EpochStats::lr));
    const arma::vec val = nn::per_epoch(result.history, &nn::EpochStats::validation_loss);
    losses.add(label, val);
    table << pad(label, 26) << number(schedule(0), 3, 12) << number(schedule(n - 1), 3, 9)
          << fixed(val.min(), 4, 18) << " (" << std::setw(2) << result.best_epoch << ")"
          << fixed(val(val.n_elem - 1), 4, 16) << percent(result.history.back().validation_accuracy, 1, 9)
          << "\n";
  }
  s.say(table.str());
  s.plot(rates);
  s.plot(losses);
  s.say("At a constant rate the validation loss bottoms out early and climbs: the net keeps\n"
        "fitting the training set's noise with full-size steps. Decay takes big steps first\n"
        "and small ones when they would only add noise. The increasing rate starts slowly\n"
        "and ends with its largest, noisiest steps: the worst of both.");
}

// ---- step 6: L2 weight decay --------------------------------------------------------------------
const nn::lesson::StepText l2_weight_decay_text{
    "L2 weight decay",
    "The objective gets + 0.5 lambda ||W||^2 (weights only), and every step adds lambda * W to\n"
    "the gradient: weights decay towards 0 unless the data holds them up. MLP 784-100-10,\n"
    "momentum SGD (lr 0.01, mu 0.9), four lambdas: the weight norms, the penalty, training\n"
    "and validation accuracy after the same number of epochs."};

void l2_weight_decay(Context& c, nn::lesson::Step& s) {
  s.needs({"Linear::backward", "relu_backward", "init::he", "SoftmaxCrossEntropy::backward",
           "SGD::step"});
  const auto& [train, validation, test] = c.data(s);
  s.source("src/nn/optim.cpp", "sgd-step");
  nn::plot::Bars bars("l2-gap", "Training minus validation accuracy after training, per lambda");
  bars.y_label = "train accuracy - validation accuracy";
  std::ostringstream table;
  table << "   lambda     ||W1||    ||W2||  0.5 lambda ||W||^2  train acc  val acc  val loss\n";
  for (double lambda : {0.0, 1e-3, 1e-2, 1e-1}) {
    const nn::L2Run r = nn::l2_run(lambda, c.epochs(), c.lesson.seed(), train, validation);
    table << std::setw(9) << lambda << fixed(r.w1_norm, 2, 11) << fixed(r.w2_norm, 2, 10) << fixed(r.penalty, 4, 20)
          << percent(r.train.accuracy, 1, 10) << percent(r.validation.accuracy, 1, 9)
          << fixed(r.validation.loss, 4, 10) << "\n";
    bars.add("lambda " + number(lambda, 3), r.train.accuracy - r.validation.accuracy);
  }
  s.say(table.str());
  s.plot(bars);
  s.say("lambda 0.1 is strong: with momentum the decay alone shrinks W by about\n"
        "lr lambda / (1 - mu) = 1% per step, half in an epoch of 75 steps, unless the data\n"
        "holds it up: the weights stay small and the net underfits. lambda 0.01 shrinks the\n"
        "gap and gives the lowest validation loss: the regime the search of step 10 looks for.");
}

// ---- step 7: Inverted dropout: the mask, eval mode and a gradient check -------------------------
const nn::lesson::StepText inverted_dropout_text{
    "Inverted dropout: the mask, eval mode and a gradient check",
    "Dropout(p) draws a mask from the seeded generator: 1/(1-p) with probability 1-p, else 0.\n"
    "Its mean is 1 in expectation, so E[Y] = X. In eval mode forward and backward are the\n"
    "identity, which makes a net containing dropout differentiable in the usual sense: the\n"
    "gradient check passes (in training mode every forward draws a new mask, so it cannot)."};

void inverted_dropout(Context& c, nn::lesson::Step& s) {
  s.needs({"Linear::backward", "relu_backward"});
  s.code("src/nn/dropout.cpp", "dropout-mask");
  s.source("src/nn/dropout.cpp", "dropout-forward-backward");
  nn::seed(c.lesson.seed());
  nn::Dropout dropout(0.5);
  const arma::mat ones(4, 6, arma::fill::ones);
  s.show("Dropout(0.5).forward(ones(4, 6)), training mode: the mask", dropout.forward(ones));
  // E[mask] = 1; the mean of N entries has std sqrt(p / (1 - p) / N).
  const double p = 0.5;
  const arma::mat big = nn::dropout_mask(1000, 100, p);  // (1000 x 100)
  s.show("mean of a 1000x100 mask, p = 0.5 (expected 1, std of the mean sqrt(1/1e5) = 0.0032)", arma::mean(arma::vectorise(big)));
  s.show("fraction dropped (expected 0.5)", arma::accu(big == 0) / 1e5);
  dropout.set_training(false);
  const arma::mat x = arma::randn(4, 6);
  s.show("eval mode: max |forward(X) - X|", arma::abs(dropout.forward(x) - x).max());

  // [snippet dropout-gradcheck]
  nn::Sequential net;  // 6 -> 5 -> ReLU -> Dropout(0.5) -> 3, checked in eval mode
  net.emplace<nn::Linear>(6, 5);
  net.emplace<nn::ReLU>();
  net.emplace<nn::Dropout>(0.5);
  net.emplace<nn::Linear>(5, 3);
  net.set_training(false);
  const std::vector<nn::GradientCheck> checks = nn::gradient_check(net, arma::randn(6, 4));
  // [/snippet]
  std::ostringstream t;
  for (const nn::GradientCheck& c : checks) t << "  " << nn::describe(c) << "\n";
  s.code("lessons/lesson08_optimization.cpp", "dropout-gradcheck");
  s.say("gradient check of " + net.name() + " in eval mode:\n" + t.str());
}

// ---- step 8: Dropout in training: accuracy as trained versus in eval mode -----------------------
const nn::lesson::StepText dropout_in_training_text{
    "Dropout in training: accuracy as trained versus in eval mode",
    "MLP 784-200-ReLU-10 without and with Dropout(0.5) after the hidden layer, Adam lr 1e-3.\n"
    "The trainer's training accuracy is measured as trained, with dropout on (half the units\n"
    "gone); evaluated in eval mode the same weights do better. Dropout narrows the gap\n"
    "between training and validation."};

void dropout_in_training(Context& c, nn::lesson::Step& s) {
  s.needs({"Linear::backward", "relu_backward", "init::he", "SoftmaxCrossEntropy::backward"});
  const auto& [train, validation, test] = c.data(s);
  auto curve = nn::plot::Lines("dropout", "Accuracy per epoch, MLP 784-200-10 with Dropout(0.5)", "epoch",
                               "accuracy").keyed("bottom right").marked();
  std::ostringstream table;
  table << "net                 train acc (as trained)  train acc (eval)  val acc  val loss\n";
  for (double p : {0.0, 0.5}) {
    // Adam on MLP 784-200-p-10, the last epoch's net: the trainer's history, and the training
    // accuracy in eval mode after each epoch (src/nn/search.cpp).
    const auto [result, eval_train] = nn::dropout_run(p, c.epochs(), c.lesson.seed(), train, validation);
    const std::string label = p > 0 ? "dropout 0.5" : "no dropout";
    const nn::EpochStats& last = result.history.back();
    table << pad(label, 20) << percent(last.train_accuracy, 1, 22) << percent(eval_train.back(), 1, 18)
          << percent(last.validation_accuracy, 1, 9) << fixed(last.validation_loss, 4, 10) << "\n";
    if (p > 0) {
      curve.add("train, as trained (dropout on)", nn::per_epoch(result.history, &nn::EpochStats::train_accuracy));
      curve.add("train, eval mode", arma::vec(eval_train));
      curve.add("validation (eval mode)", nn::per_epoch(result.history, &nn::EpochStats::validation_accuracy));
    } else {
      curve.add("no dropout: validation", nn::per_epoch(result.history, &nn::EpochStats::validation_accuracy));
    }
  }
  s.say(table.str());
  s.plot(curve);
  s.say("As trained, half the hidden units are missing from every forward, so the training\n"
        "accuracy the trainer reports is well below what the same weights score in eval\n"
        "mode. Dropout shrinks the train-validation gap and the validation loss (its\n"
        "predictions are less overconfident); in so short a run it does not buy accuracy.");
}

// ---- step 9: Early stopping: keep the best validation epoch -------------------------------------
const nn::lesson::StepText early_stopping_text{
    "Early stopping: keep the best validation epoch",
    "Adam (lr 1e-3) on MLP 784-200-10 overfits the training split within a few epochs: the\n"
    "training loss keeps falling while the validation loss turns up. The trainer copies the\n"
    "parameters at every new best validation loss, stops after `patience` epochs without one,\n"
    "and puts the best back. We check: the net handed back has exactly the best epoch's loss."};

void early_stopping(Context& c, nn::lesson::Step& s) {
  s.needs({"Linear::backward", "relu_backward", "init::he", "SoftmaxCrossEntropy::backward"});
  const auto& [train, validation, test] = c.data(s);
  s.source("src/nn/trainer.cpp", "early-stopping");
  s.source("src/nn/trainer.cpp", "early-stopping-patience");
  const int epochs = c.lesson.quick() ? 8 : 40, patience = c.lesson.quick() ? 2 : 5;
  // Adam on MLP 784-200-10, the best epoch's parameters put back (src/nn/search.cpp,
  // early-stopping-config); the net it hands back evaluated on validation and test
  const nn::EarlyStoppingRun run = nn::early_stopping_run(epochs, patience, c.lesson.seed(), train, validation, test);
  const nn::TrainResult& result = run.result;
  s.say(result.stopped_early ? "stopped early: " + result.reason
                             : "ran all " + std::to_string(epochs) + " epochs");
  s.show("best epoch", static_cast<double>(result.best_epoch), 0);
  s.show("its validation loss (recorded after that epoch)", result.history[result.best_epoch - 1].validation_loss);
  s.show("validation loss of the net train() returned", run.validation.loss);
  s.show("validation loss after the last epoch", result.history.back().validation_loss);
  s.show("test accuracy: best epoch's net vs the last epoch's",
         arma::rowvec{run.test.accuracy, result.history.back().test_accuracy}, 4);
  auto curve = loss_curves("early-stopping", "Adam on MLP 784-200-10: loss per epoch, early stopping", "loss",
                           result.history);
  const double top = std::max(curve.series[1].y.max(), result.history.front().train_loss);  // of both
  curve.add("best epoch " + std::to_string(result.best_epoch),
            arma::vec{double(result.best_epoch), double(result.best_epoch)}, arma::vec{0.0, top});
  s.plot(curve.keyed("outside right"));  // inside, the key covered the marker's top
}

// ---- step 10: A random search: units, activation and L2 strength --------------------------------
const nn::lesson::StepText search_hyperparameters_text{
    "A random search: units, activation and L2 strength",
    "Each trial draws the hidden units from {25, 50, 100, 200}, ReLU or tanh, and lambda =\n"
    "10^U(-5, -1); trains with Adam and early stopping; and reports train, validation and test\n"
    "cost (cross-entropy) and accuracy, as a paper's table. The winner is chosen by the\n"
    "validation loss alone: the test columns are for reading, never for choosing."};

void search_hyperparameters(Context& c, nn::lesson::Step& s) {
  s.needs({"Linear::backward", "relu_backward", "tanh_backward", "init::xavier", "init::he",
           "SoftmaxCrossEntropy::backward"});
  const auto& [train, validation, test] = c.data(s);
  s.code("src/nn/search.cpp", "opt-search");
  const int trials = c.lesson.quick() ? 4 : static_cast<int>(c.lesson.integer("--trials"));
  const int max_epochs = c.lesson.quick() ? 4 : 15;
  nn::seed(c.lesson.seed() + 1);
  const std::vector<nn::SearchTrial> results = nn::random_search(trials, max_epochs, train, validation, test);
  const std::size_t best = nn::lowest_validation_loss(results);
  std::ostringstream t;
  t << "  units  function  regularization  epoch | train cost   acc |  val cost   acc | test cost   acc\n";
  for (std::size_t i = 0; i < results.size(); ++i) {
    const nn::SearchTrial& r = results[i];
    t << (i == best ? "* " : "  ") << std::setw(5) << r.hidden << std::setw(10) << act_name(r.act) << std::setw(16)
      << ("L2 " + number(r.lambda, 3)) << std::setw(7) << r.best_epoch << " |"
      << fixed(r.train.loss, 4, 11) << percent(r.train.accuracy, 1, 6) << " |"
      << fixed(r.validation.loss, 4, 10) << percent(r.validation.accuracy, 1, 6) << " |"
      << fixed(r.test.loss, 4, 10) << percent(r.test.accuracy, 1, 6) << "\n";
  }
  s.say("(epoch: the best validation epoch, whose parameters each row reports; cost: mean\n"
        "cross-entropy; * the lowest validation cost, the winner)\n" + t.str());
  s.say("table: " + nn::plot::write_table("search", nn::search_table(results, best), nn::search_columns()));
  const nn::SearchTrial& b = results[best];
  const std::string winner = std::to_string(b.hidden) + " " + act_name(b.act) + " units, lambda " + number(b.lambda, 3);
  s.say("best by validation cost: " + winner + ": validation " + percent(b.validation.accuracy, 1) + ", test " +
        percent(b.test.accuracy, 1));
  s.plot(loss_curves("search-best", "The search's winner: " + winner, "cross-entropy", b.history));
}

// 10^x of a point, the learning rate of step 11, as the tables print it.
std::string rate(const nn::LogPoint& p) { return number(std::pow(10.0, p.x), 3); }

// The grid-versus-random comparison, `repeats` times (nn::compare_grid_random): repeat r has
// its own initial weights and batch order (seed + 100 r) for both searches, and its own random
// draws. Repeat 0's trials are kept, to print in full and draw; the tally has one line per repeat.
std::string tally(const nn::GridRandomComparison& c) {
  std::ostringstream t;
  t << "repeat  grid: best lr  val acc | random: best lr  val acc | better\n";
  for (std::size_t r = 0; r < c.repeats.size(); ++r) {
    const nn::LogPoint &gb = c.repeats[r].grid_best, &xb = c.repeats[r].random_best;
    t << std::setw(6) << r << std::setw(15) << rate(gb) << percent(gb.score, 1, 9) << " |" << std::setw(16)
      << rate(xb) << percent(xb.score, 1, 9) << " | "
      << (c.repeats[r].winner > 0 ? "random" : c.repeats[r].winner < 0 ? "grid" : "tie") << "\n";
  }
  t << "over " << c.repeats.size() << " repeats, the better rate was found by random search in "
    << c.random_wins << ", by the grid in " << c.grid_wins << ", ties: " << c.ties;
  return t.str();
}

// The two searches' trials side by side, 36 columns each: lr, lambda, validation accuracy;
// * the best of each.
std::string rate_tables(const nn::GridRandomComparison& c) {
  const std::size_t grid_best = nn::best_score(c.grid), random_best = nn::best_score(c.random);
  auto row = [](const nn::LogPoint& p, bool best) {
    std::ostringstream t;
    t << (best ? "  * " : "    ") << std::setw(9) << rate(p) << number(std::pow(10.0, p.y), 3, 10)
      << percent(p.score, 1, 9);
    return t.str();
  };
  std::ostringstream t;
  t << pad("grid (3 rates x 3 lambdas)", 36) << "random (9 draws)\n"
    << pad("         lr     lambda   val acc", 36) << "         lr     lambda   val acc\n";
  for (std::size_t i = 0; i < c.grid.size() && i < c.random.size(); ++i)
    t << pad(row(c.grid[i], i == grid_best), 36) << row(c.random[i], i == random_best) << "\n";
  return t.str();
}

// Validation accuracy against the rate, each search's trials sorted by rate.
nn::plot::Lines rate_curve(const nn::GridRandomComparison& c) {
  // The key top left, where no rate reaches: nothing of the curves hidden.
  auto curve = nn::plot::Lines("grid-vs-random", "Validation accuracy against the learning rate, 9 trials each, 2 epochs",
                               "learning rate (log scale)", "validation accuracy").keyed("top left").marked();
  curve.log_x = true;
  const arma::mat g = nn::by_rate(c.grid), r = nn::by_rate(c.random);  // (9 x 2) rate, accuracy
  curve.add("grid: 3 rates, each with 3 lambdas", g.col(0), g.col(1));
  curve.add("random: 9 rates", r.col(0), r.col(1));
  return curve;
}

// ---- step 11: Grid or random search, at the same budget -----------------------------------------
const nn::lesson::StepText grid_or_random_text{
    "Grid or random search, at the same budget",
    "Nine trials each over the learning rate of plain SGD, 10^-4 .. 10^-0.5, and the L2\n"
    "strength, 10^-5 .. 10^-2: a 3x3 grid, and nine random draws. Same net, start and batch\n"
    "order for every trial, 2 epochs. In a run this short lambda hardly matters and the rate\n"
    "decides everything: the grid spends its nine trials on three rates, random search on nine."};

void grid_or_random(Context& c, nn::lesson::Step& s) {
  s.needs({"Linear::backward", "relu_backward", "init::he", "SoftmaxCrossEntropy::backward",
           "SGD::step"});
  const auto& [train, validation, test] = c.data(s);
  s.code("src/nn/search.cpp", "grid-vs-random");
  const int repeats = c.lesson.quick() ? 1 : static_cast<int>(c.lesson.integer("--search-repeats"));
  // 3 x 3 trials of each, 2 epochs each (nn::rate_accuracy), `repeats` times (src/nn/search.cpp)
  const nn::GridRandomComparison searches = nn::compare_rates(repeats, 2, c.lesson.seed(), train, validation);
  s.say(rate_tables(searches) + "(* the best validation accuracy of each search)");

  const nn::GridRandomRepeat& first = searches.repeats[0];  // the best of each, and who won
  const nn::LogPoint &g = first.grid_best, &r = first.random_best;
  s.say("best rate found: grid " + rate(g) + " (" + percent(g.score, 1) + "), random " + rate(r) + " (" +
        percent(r.score, 1) + "): " +
        (first.winner > 0   ? "random search found the better rate"
         : first.winner < 0 ? "the grid found the better rate"
                            : "a tie") +
        ".\ndistinct rates tried: grid 3, random 9 (same 9 trials).");
  if (repeats > 1) s.say(tally(searches));

  s.plot(rate_curve(searches));
  s.say("Look at the grid's rows: its three trials at one rate land within a point or so of\n"
        "one another, because lambda hardly matters in two epochs; six of its nine trials\n"
        "said little new about the rate. Random search put nine points on the rate's curve.\n"
        "The winners differ by a point or two, and one validation image is 0.2 points here:\n"
        "what random search buys is the finer look at the axis that matters, which wins\n"
        "more often than not, not every time.");
}

// ---- step 12: What to try next ------------------------------------------------------------------
const nn::lesson::StepText what_next_text{
    "What to try next",
    "Claims of this lesson are tested in tests/lessons/lesson08_optimization_test.cpp\n"
    "(build/stepnet_tests \"[lesson08]\"); the prose is docs/lesson08.md."};

void what_next(Context& /*c*/, nn::lesson::Step& s) {
  s.say("- Step 2 with lr 0.019 (just under 2/100): how do plain SGD and mu = 0.9 compare now?\n"
        "- Nesterov momentum: evaluate the gradient at w - mu v. Add it to a copy of SGD::step.\n"
        "- --trials 40: does the winner change? Is the search's best test accuracy its best\n"
        "  validation one?\n"
        "- Dropout on the input (p = 0.2) as well as the hidden layer: better or worse?\n"
        "- --full (after make data): 55000 training images. Which optimizer wins now?");
}

}  // namespace

int main(int argc, char** argv) {
  nn::lesson::Lesson lesson(8, "Optimization", argc, argv);
  lesson.option("--epochs", "N", "epochs of the optimizer comparisons (quick: 3)", 12, 1);
  lesson.option("--trials", "N", "trials of the random search (quick: 4)", 8, 1);
  lesson.option("--search-repeats", "N", "grid-versus-random comparisons, each with its own seed (quick: 1)", 5, 1);
  lesson.flag("--full", "the full Fashion-MNIST set (make data): 55000 / 5000 / 10000, slow");

  Context c{lesson, {}};
  lesson.step(momentum_by_hand_text, c, momentum_by_hand);
  lesson.step(momentum_in_a_valley_text, c, momentum_in_a_valley);
  lesson.step(three_optimizers_text, c, three_optimizers);
  lesson.step(per_layer_learning_rates_text, c, per_layer_learning_rates);
  lesson.step(learning_rate_schedules_text, c, learning_rate_schedules);
  lesson.step(l2_weight_decay_text, c, l2_weight_decay);
  lesson.step(inverted_dropout_text, c, inverted_dropout);
  lesson.step(dropout_in_training_text, c, dropout_in_training);
  lesson.step(early_stopping_text, c, early_stopping);
  lesson.step(search_hyperparameters_text, c, search_hyperparameters);
  lesson.step(grid_or_random_text, c, grid_or_random);
  lesson.step(what_next_text, c, what_next);
  return lesson.run();
}
