// lesson06_babysitting.cpp -- babysitting the learning process (after Arjun Jain's lecture
// "ConvNets and Babysitting the Learning Process", itself after cs231n's "Neural Networks 3").
//
// What you will learn: the checks to run before trusting a training run, on the shipped
// Fashion-MNIST subset (2000 training / 1000 test images) with a linear softmax classifier
// and a small MLP (784 -> 50 -> ReLU -> 10):
//   1. preprocessing: per-pixel mean and std "images", fitted on the training set only;
//   2. the initial loss: -ln(1/10) = ln 10 = 2.303 with small weights, and how much the L2
//      term 0.5 * lambda * ||W||^2 adds when regularization is on;
//   3. overfitting 20 examples to 100% training accuracy (regularization off): if the net
//      cannot, something is broken and no hyper-parameter will fix it;
//   4. the learning rate's two failures: 1e-7 (the loss does not move) and 1e6 (NaN), and the
//      trainer's explosion guard stopping the second;
//   5. the update/weight ratio ||lr * dW|| / ||W|| per layer (want about 1e-3);
//   6. a coarse random search in log space with short runs, then a finer one around the best,
//      on a validation set carved out of the training set (never the test set).
//
// The math. Softmax cross-entropy of scores s = W x + b for the true class y:
//     L_i = -ln( exp(s_y) / sum_k exp(s_k) )
// With W ~ 0 every score is ~0, every class gets probability 1/10 and L = ln 10 = 2.3026.
// With L2 regularization the objective is
//     L = (1/n) sum_i L_i + 0.5 * lambda * sum_layers ||W||_F^2      (biases not decayed)
// and plain SGD steps  W <- W - lr * (dL/dW + lambda * W): the trainer adds lambda * W to the
// weights' gradients (TrainConfig::l2), so no optimizer needs a weight decay of its own.
// Random search samples the exponents, not the values: lr = 10^u with u ~ U(a, b), because
// what matters is the order of magnitude (Bergstra & Bengio 2012).
#include <cmath>
#include <iomanip>
#include <sstream>

#include "course/lesson.hpp"
#include "nn/nn.hpp"
#include "nn/optim.hpp"
#include "nn/trainer.hpp"

namespace {

using nn::util::number;

constexpr arma::uword classes = 10;
constexpr arma::uword hidden = 50;
constexpr arma::uword search_batch = 10;  // minibatch size of every SGD run in this lesson

// [snippet babysit-nets]
// The linear softmax classifier: one Linear(784 -> 10). Small weights (std 0.001) and zero
// biases make every score ~0 at the start: the sanity check of step 2 relies on it.
nn::Sequential linear_classifier() {
  nn::Sequential net;
  nn::Linear& fc = net.emplace<nn::Linear>(784, classes);
  nn::init::small_random(fc.weight, 0.001);
  fc.bias.zeros();
  return net;
}

// The small MLP: 784 -> 50 -> ReLU -> 10. He init for the hidden layer (so it learns), small
// output weights (so the initial loss is still ln 10).
nn::Sequential small_mlp() {
  nn::Sequential net;
  nn::Linear& fc1 = net.emplace<nn::Linear>(784, hidden);
  nn::init::he(fc1.weight);
  fc1.bias.zeros();
  net.emplace<nn::ReLU>();
  nn::Linear& fc2 = net.emplace<nn::Linear>(hidden, classes);
  nn::init::small_random(fc2.weight, 0.01);
  fc2.bias.zeros();
  return net;
}

// Every run of this lesson is plain SGD (no momentum, no weight decay of its own) in minibatches
// of search_batch. L2 on the weights only is the trainer's: config.l2 = lambda adds lambda * W
// to every weight's gradient before the step (biases are not decayed).
nn::TrainConfig sgd_config(int epochs, double lambda = 0) {
  nn::TrainConfig config;
  config.epochs = epochs;
  config.batch_size = search_batch;
  config.l2 = lambda;
  config.quiet = true;
  return config;
}
// [/snippet]

// [snippet l2-penalty]
// 0.5 * lambda * sum over the Linear layers of ||W||_F^2, by hand (biases excluded).
double l2_penalty_by_hand(nn::Sequential& net, double lambda) {
  double sum = 0;
  for (std::size_t i = 0; i < net.size(); ++i)
    if (auto* fc = dynamic_cast<nn::Linear*>(&net[i])) sum += arma::accu(arma::square(fc->weight));
  return 0.5 * lambda * sum;
}
// [/snippet]

// A uniform number in [0, 1) from nn::rng(), the same on every platform (53 random bits).
double uniform01() { return static_cast<double>(nn::rng()() >> 11) * 0x1.0p-53; }

// One short training run of the search.
struct Trial {
  double log_lr = 0, log_lambda = 0;
  double train_loss = arma::datum::nan, validation_accuracy = arma::datum::nan;
  bool exploded = false;
};

// [snippet random-search]
// n trials with lr = 10^U(lr_range) and lambda = 10^U(lambda_range), each a fresh MLP (the
// same initial weights for every trial: seed `init_seed`) trained for `epochs` epochs. The
// trainer's explosion guard ends a diverging run early ("early break"): it costs a fraction
// of an epoch and is recorded as exploded.
std::vector<Trial> random_search(int n, std::pair<double, double> lr_range,
                                 std::pair<double, double> lambda_range, int epochs,
                                 const nn::Dataset& train, const nn::Dataset& validation,
                                 std::uint64_t init_seed) {
  std::vector<Trial> trials;
  for (int t = 0; t < n; ++t) {
    Trial trial;
    trial.log_lr = lr_range.first + (lr_range.second - lr_range.first) * uniform01();
    trial.log_lambda = lambda_range.first + (lambda_range.second - lambda_range.first) * uniform01();
    trials.push_back(trial);
  }
  for (Trial& trial : trials) {
    nn::seed(init_seed);
    nn::Sequential net = small_mlp();
    nn::SGD sgd(net.parameters(), std::pow(10.0, trial.log_lr));
    nn::TrainConfig config = sgd_config(epochs, std::pow(10.0, trial.log_lambda));
    config.stats_steps = 0;
    const nn::TrainResult result = nn::train(net, sgd, train, config);
    trial.exploded = result.diverged;
    trial.train_loss = result.history.back().train_loss;
    if (!trial.exploded) trial.validation_accuracy = nn::accuracy(net, validation.x, validation.y);
  }
  return trials;
}
// [/snippet]

// The trials as a table, best validation accuracy first.
std::vector<Trial> sorted_by_accuracy(std::vector<Trial> trials) {
  std::stable_sort(trials.begin(), trials.end(), [](const Trial& a, const Trial& b) {
    const double x = std::isnan(a.validation_accuracy) ? -1 : a.validation_accuracy;
    const double y = std::isnan(b.validation_accuracy) ? -1 : b.validation_accuracy;
    return x > y;
  });
  return trials;
}

std::string trial_table(const std::vector<Trial>& sorted, std::size_t max_rows) {
  std::ostringstream t;
  t << "   rank        lr    lambda  log10 lr  log10 lambda  train loss  val acc\n";
  for (std::size_t i = 0; i < sorted.size() && i < max_rows; ++i) {
    const Trial& r = sorted[i];
    t << std::setw(7) << i + 1 << number(std::pow(10.0, r.log_lr), 3, 10) << number(std::pow(10.0, r.log_lambda), 3, 10)
      << std::fixed << std::setprecision(2) << std::setw(10) << r.log_lr << std::setw(14)
      << r.log_lambda << std::defaultfloat;
    if (r.exploded)
      t << "    exploded        -\n";
    else
      t << number(r.train_loss, 4, 12) << std::fixed << std::setprecision(1) << std::setw(8)
        << 100 * r.validation_accuracy << "%" << std::defaultfloat << "\n";
  }
  if (sorted.size() > max_rows) t << "   ... (" << sorted.size() - max_rows << " more in the TSV)\n";
  return t.str();
}

arma::mat trial_matrix(const std::vector<Trial>& trials) {  // (trials x 6)
  arma::mat rows(trials.size(), 6);
  for (std::size_t i = 0; i < trials.size(); ++i) {
    const Trial& r = trials[i];
    rows.row(i) = arma::rowvec{std::pow(10.0, r.log_lr), std::pow(10.0, r.log_lambda), r.log_lr,
                               r.log_lambda, r.train_loss, r.validation_accuracy};
  }
  return rows;
}

// Accuracy over (log10 lr, log10 lambda), one colour per accuracy band; the best as a cross.
nn::plot::Scatter trial_scatter(const std::string& name, const std::string& title,
                                const std::vector<Trial>& trials, const Trial& best) {
  arma::mat points(2, trials.size());
  arma::uvec band(trials.size());
  for (std::size_t i = 0; i < trials.size(); ++i) {
    points(0, i) = trials[i].log_lr;
    points(1, i) = trials[i].log_lambda;
    const double a = trials[i].validation_accuracy;
    band(i) = trials[i].exploded ? 0 : a < 0.3 ? 1 : a < 0.6 ? 2 : a < 0.75 ? 3 : 4;
  }
  nn::plot::Scatter scatter(name, title, points, band);
  scatter.x_label = "log10 learning rate";
  scatter.y_label = "log10 lambda (L2 weight decay)";
  scatter.class_names = {"exploded", "val acc < 30%", "30-60%", "60-75%", ">= 75%"};
  scatter.marks = arma::mat(arma::vec{best.log_lr, best.log_lambda});  // (2 x 1)
  scatter.marks_label = "best";
  return scatter;
}

// [snippet search-boundary]
// A best value in the outer 10% of a searched range may have a better neighbour outside it.
std::string boundary_warning(const Trial& best, std::pair<double, double> lr_range,
                             std::pair<double, double> lambda_range) {
  auto near_edge = [](double v, std::pair<double, double> r) {
    const double margin = 0.1 * (r.second - r.first);
    return v < r.first + margin ? -1 : v > r.second - margin ? 1 : 0;
  };
  std::string warning;
  if (const int e = near_edge(best.log_lr, lr_range))
    warning += std::string("WARNING: the best learning rate is at the ") + (e < 0 ? "low" : "high") +
               " edge of the searched range: widen the range in that direction and search again.\n";
  if (const int e = near_edge(best.log_lambda, lambda_range))
    warning += std::string("WARNING: the best lambda is at the ") + (e < 0 ? "low" : "high") +
               " edge of the searched range: widen the range in that direction and search again.\n";
  return warning;
}
// [/snippet]

std::string range_text(std::pair<double, double> r) {
  std::ostringstream s;
  s << std::setprecision(3) << "10^U(" << r.first << ", " << r.second << ")";
  return s.str();
}

// ---- what the steps share ------------------------------------------------------------------

// The shipped subset, preprocessed per pixel with training statistics. 1500 images train the
// searches, 500 validate them; the 1000 test images stay unseen.
struct Data {
  nn::Dataset train, test, search_train, validation;
};

// The lesson (its options), the data (loaded by the first step that asks for it) and step 6's
// coarse search, which step 7 runs quietly when step 6 has not: any step runs alone (--step K).
struct Context {
  nn::lesson::Lesson& lesson;
  Data data_;                 // empty until data() loads it
  std::vector<Trial> coarse;  // step 6's trials, in the order drawn
  Trial coarse_best;          // the best of them by validation accuracy

  const Data& data(nn::lesson::Step& s);
  // The quick mode (make test) trains on fewer images.
  nn::Dataset quick_cut(const nn::Dataset& d, arma::uword n) const {
    return lesson.quick() ? nn::first_per_class(d, n / classes) : d;
  }
  int trials() const { return lesson.quick() ? 6 : static_cast<int>(lesson.integer("--trials")); }
};

const Data& Context::data(nn::lesson::Step& s) {
  auto& [train, test, search_train, validation] = data_;
  if (train.n_samples() > 0) return data_;
  nn::Splits splits = nn::fashion_splits({});  // the shipped subset, standardized
  s.say("data: " + splits.description());
  train = std::move(splits.train);
  test = std::move(splits.test);
  nn::seed(lesson.seed());
  const arma::uvec order = nn::shuffled_indices(train.n_samples());  // (2000)
  search_train = nn::subset(train, order.head(1500));
  validation = nn::subset(train, order.tail(500));
  return data_;
}

// ---- step 1: Preprocessing: per-pixel mean and std ----------------------------------------------
const nn::lesson::StepText preprocessing_text{
    "Preprocessing: per-pixel mean and std",
    "Every pixel position gets its own mean and standard deviation over the 2000 training\n"
    "images; x' = (x - mean) / std. The same two images scale the test set: statistics come\n"
    "from the training data only. Border pixels are almost always 0 and get std = 1 (min_std)\n"
    "instead of ~0, so they are not blown up."};

void preprocessing(Context& c, nn::lesson::Step& s) {
  const nn::Dataset raw = nn::fashion_mnist_subset("train");
  const nn::Preprocessing p = nn::fit_per_pixel(raw);
  s.show("raw pixels: min / max / mean", arma::rowvec{raw.x.min(), raw.x.max(), arma::mean(arma::vectorise(raw.x))}, 2);
  s.show("mean image (28x28, gray levels), top-left corner", arma::reshape(p.mean, 28, 28), 1);
  const arma::mat x = nn::apply(p, raw.x);  // (784 x 2000)
  s.show("after: mean and std over every entry",
         arma::rowvec{arma::mean(arma::vectorise(x)), arma::stddev(arma::vectorise(x))}, 3);
  nn::plot::Images images("mean-std", "Per-pixel statistics of the 2000 training images");
  images.columns = 2;
  images.add(arma::reshape(p.mean, 28, 28), "mean (0 .. " + number(p.mean.max(), 3, 0) + ")");
  images.add(arma::reshape(p.std, 28, 28), "std (1 .. " + number(p.std.max(), 3, 0) + ")");
  s.plot(images);
  c.data(s);
}

// ---- step 2: Sanity check: the initial loss is ln 10 --------------------------------------------
const nn::lesson::StepText initial_loss_text{
    "Sanity check: the initial loss is ln 10",
    "With weights of std 0.001 every score is ~0, softmax gives every class 1/10 and the loss\n"
    "is -ln(1/10) = 2.3026. A different number means a bug in the loss or the init. Then\n"
    "regularization on: the objective adds 0.5 * lambda * ||W||^2, so the loss goes UP; we\n"
    "compute that term by hand and compare it with nn::l2_penalty(), the penalty whose\n"
    "gradient the trainer adds (TrainConfig::l2)."};

void initial_loss(Context& c, nn::lesson::Step& s) {
  s.needs({"init::he"});
  const auto& [train, test, search_train, validation] = c.data(s);
  s.source("lessons/lesson06_babysitting.cpp", "babysit-nets");
  s.source("src/nn/losses.cpp", "softmax");
  nn::seed(c.lesson.seed());
  nn::Sequential linear = linear_classifier();
  const double loss = nn::evaluate(linear, train.x, train.y).loss;
  s.show("ln 10", std::log(10.0));
  s.show("initial loss, linear classifier (2000 training images)", loss);
  nn::Sequential mlp = small_mlp();
  s.show("initial loss, MLP 784-50-10", nn::evaluate(mlp, train.x, train.y).loss);
  s.code("lessons/lesson06_babysitting.cpp", "l2-penalty");
  for (double lambda : {1e2, 1e3}) {
    const double penalty = l2_penalty_by_hand(linear, lambda);
    s.say("lambda = " + number(lambda, 3, 0) + ":  ||W||^2 = " + number(penalty * 2 / lambda, 4, 0) +
          "  penalty by hand " + number(penalty, 4, 0) + "  nn::l2_penalty() " +
          number(nn::l2_penalty(linear.parameters(), lambda), 4, 0) + "  loss + penalty " +
          number(loss + penalty, 4, 0));
  }
  s.say("7840 weights of std 0.001 give ||W||^2 ~ 7840 * 1e-6 = 0.0078: lambda = 1e3 adds ~3.9.\n"
        "(The MLP starts a little higher: its He-initialized hidden layer is not small.)");
}

// ---- step 3: Overfit a tiny set: 20 examples to 100% --------------------------------------------
const nn::lesson::StepText overfit_tiny_set_text{
    "Overfit a tiny set: 20 examples to 100%",
    "Two images of each class, regularization off, full-batch SGD. A working net and backward\n"
    "pass drive the training loss to ~0 and the accuracy to 100%; the test accuracy stays\n"
    "poor (20 images teach little). If this fails, look for a bug before tuning anything."};

void overfit_tiny_set(Context& c, nn::lesson::Step& s) {
  s.needs({"Linear::backward", "relu_backward", "init::he", "SoftmaxCrossEntropy::backward"});
  const auto& [train, test, search_train, validation] = c.data(s);
  s.source("src/nn/optim.cpp", "sgd-step");
  const nn::Dataset tiny = nn::first_per_class(train, 2);  // 20 images
  nn::seed(c.lesson.seed());
  nn::Sequential mlp = small_mlp();
  nn::SGD sgd(mlp.parameters(), 0.05);
  nn::TrainConfig config;
  config.epochs = 60;
  config.batch_size = 0;  // full batch: all 20
  config.quiet = true;
  config.tsv_path = c.lesson.output_dir() + "/overfit-history.tsv";
  const nn::TrainResult result = nn::train(mlp, sgd, tiny, config, test);
  const nn::EpochStats& last = result.history.back();
  s.show("training accuracy after 60 epochs (of 20 images)", nn::accuracy(mlp, tiny.x, tiny.y), 3);
  s.show("training loss", nn::evaluate(mlp, tiny.x, tiny.y).loss, 5);
  s.show("test accuracy (1000 images)", last.test_accuracy, 3);
  nn::plot::Lines curve("overfit", "MLP 784-50-10 on 20 training images, no regularization");
  curve.x_label = "epoch";
  curve.y_label = "accuracy";
  curve.add("training accuracy (20 images)", nn::per_epoch(result.history, &nn::EpochStats::train_accuracy));
  curve.add("test accuracy (1000 images)", nn::per_epoch(result.history, &nn::EpochStats::test_accuracy));
  s.plot(curve);
}

// ---- step 4: Learning rate: 1e-7 versus 1e6 -----------------------------------------------------
const nn::lesson::StepText learning_rate_extremes_text{
    "Learning rate: 1e-7 versus 1e6",
    "Too small: one epoch at lr 1e-7 leaves the loss where it was (it changes in the 5th\n"
    "decimal). Too large: at lr 1e6 the first updates throw the weights to ~1e6, the scores\n"
    "and the loss explode (1e50, then Inf and NaN); the trainer's explosion guard stops the\n"
    "run within a few batches, says why, and puts back the last good weights."};

void learning_rate_extremes(Context& c, nn::lesson::Step& s) {
  s.needs({"Linear::backward", "relu_backward", "init::he", "SoftmaxCrossEntropy::backward"});
  const auto& [train, test, search_train, validation] = c.data(s);
  const nn::Dataset data = c.quick_cut(search_train, 500);
  nn::plot::Lines curve("learning-rates", "Training loss per epoch: lr 1e-7 (too small) and 1e-2 (learns)");
  curve.x_label = "epoch";
  curve.y_label = "training loss (as trained)";
  curve.key = "center right";  // top right would cover lr 1e-7's flat line
  const int epochs = c.lesson.quick() ? 2 : 5;
  for (double lr : {1e-7, 1e-2, 1e6}) {
    nn::seed(c.lesson.seed());
    nn::Sequential mlp = small_mlp();
    nn::SGD sgd(mlp.parameters(), lr);
    nn::TrainConfig config = sgd_config(epochs);
    const double before = nn::evaluate(mlp, data.x, data.y).loss;
    const nn::TrainResult result = nn::train(mlp, sgd, data, config);
    std::ostringstream line;
    line << "lr " << lr << ": loss before " << std::setprecision(6) << before;
    if (result.diverged) {
      line << ", diverged in epoch " << result.history.size() << " (train loss "
           << result.history.back().train_loss << ")\n  guard: " << result.reason;
    } else {
      const nn::EpochStats& first = result.history.front();
      line << ", after epoch 1 " << nn::evaluate(mlp, data.x, data.y).loss
           << " (change " << std::setprecision(2) << first.train_loss - before
           << " as trained), after " << epochs << " epochs "
           << std::setprecision(4) << result.history.back().train_loss;
      curve.add("lr " + number(lr, 3, 0), nn::per_epoch(result.history, &nn::EpochStats::train_loss));
    }
    s.say(line.str());
  }
  s.say("(lr 1e6 is not on the plot: it has no finite loss to draw.)");
  s.plot(curve);
}

// ---- step 5: The update/weight ratio per layer --------------------------------------------------
const nn::lesson::StepText update_weight_ratio_text{
    "The update/weight ratio per layer",
    "Each step, the trainer measures ||update|| / ||W|| for every parameter (the update is\n"
    "what SGD subtracted: lr * dW). About 1e-3 is healthy; 1e-1 and more means the rate is\n"
    "too high, 1e-6 too low. Three rates, one bar per layer's weights, after one epoch."};

void update_weight_ratio(Context& c, nn::lesson::Step& s) {
  s.needs({"Linear::backward", "relu_backward", "init::he", "SoftmaxCrossEntropy::backward"});
  const auto& [train, test, search_train, validation] = c.data(s);
  const nn::Dataset data = c.quick_cut(search_train, 500);
  nn::plot::Bars bars("update-ratio", "Update/weight ratio after one epoch (want ~1e-3)");
  bars.y_label = "mean ||update|| / ||W|| over the epoch";
  bars.log_y = true;
  std::ostringstream table;
  table << "        lr    parameter       ||W||   ||dL/dW||   ||update||/||W||\n";
  for (double lr : {1e-4, 1e-2, 1.0}) {
    nn::seed(c.lesson.seed());
    nn::Sequential mlp = small_mlp();
    nn::SGD sgd(mlp.parameters(), lr);
    nn::TrainConfig config = sgd_config(1);
    config.tsv_path = c.lesson.output_dir() + "/ratio-lr" + number(lr, 3, 0) + ".tsv";
    const nn::TrainResult result = nn::train(mlp, sgd, data, config);
    for (const nn::ParameterStats& p : result.history.back().parameters) {
      table << number(lr, 3, 10) << "    " << std::left << std::setw(10) << p.name << std::right
            << number(p.norm, 3, 10) << number(p.grad_norm, 3, 12) << number(p.update_ratio, 3, 19) << "\n";
      if (p.name.find("weight") != std::string::npos)
        bars.add((p.name[0] == '0' ? "W1, lr " : "W2, lr ") + number(lr, 3, 0), p.update_ratio);
    }
  }
  s.say(table.str());
  s.say("The ratio grows in proportion to lr. Layer 2 (the output) starts with small weights,\n"
        "so its ratio is the larger one early on. The trainer writes these columns to its TSV\n"
        "every epoch (<name>.update_ratio): watch them during any long run.");
  s.plot(bars);
}

const std::pair<double, double> coarse_lr{-5, 0}, coarse_lambda{-5, 1};

// The coarse search of step 6 into c.coarse and c.coarse_best.
void run_coarse_search(Context& c, const nn::Dataset& search_train, const nn::Dataset& validation) {
  nn::seed(c.lesson.seed() + 1);
  c.coarse = random_search(c.trials(), coarse_lr, coarse_lambda,
                           static_cast<int>(c.lesson.integer("--search-epochs")),
                           c.quick_cut(search_train, 300), c.quick_cut(validation, 200), c.lesson.seed());
  c.coarse_best = sorted_by_accuracy(c.coarse).front();
}

// ---- step 6: Coarse random search in log space --------------------------------------------------
const nn::lesson::StepText coarse_search_text{
    "Coarse random search in log space",
    "lr = 10^U(-5, 0) and lambda = 10^U(-5, 1), each trial a fresh MLP trained briefly on\n"
    "1500 images and scored on the 500 validation images. (The lecture samples lr = 10^U(-7, -3)\n"
    "for one linear layer on standardized CIFAR-10, one image per step; a range belongs to its\n"
    "model, data and batch, so ours starts wide. lambda above ~10 makes lr * lambda > 1 at\n"
    "useful rates: weights decay to nothing or oscillate, so the range stops at 10.)\n"
    "Exploding runs stop at once."};

void coarse_search(Context& c, nn::lesson::Step& s) {
  s.needs({"Linear::backward", "relu_backward", "init::he", "SoftmaxCrossEntropy::backward"});
  const auto& [train, test, search_train, validation] = c.data(s);
  s.code("lessons/lesson06_babysitting.cpp", "random-search");
  const int epochs = static_cast<int>(c.lesson.integer("--search-epochs"));
  run_coarse_search(c, search_train, validation);
  const std::vector<Trial> sorted = sorted_by_accuracy(c.coarse);
  s.say("lr " + range_text(coarse_lr) + ", lambda " + range_text(coarse_lambda) + ", " +
        std::to_string(epochs) + " epoch(s) per trial:");
  s.say(trial_table(sorted, 12));
  s.say("table: " + nn::plot::write_table(
                        "coarse-search", trial_matrix(sorted),
                        {"lr", "lambda", "log10_lr", "log10_lambda", "train_loss", "val_accuracy"}));
  s.plot(trial_scatter("coarse-search", "Coarse search: validation accuracy over (lr, lambda)",
                       c.coarse, c.coarse_best));
  s.say(boundary_warning(c.coarse_best, coarse_lr, coarse_lambda) +
        "Read the picture: the good region is a band of learning rates, and any lambda\n"
        "below ~1e-2 hardly matters for so short a run.");
}

// ---- step 7: Finer search around the best -------------------------------------------------------
const nn::lesson::StepText fine_search_text{
    "Finer search around the best",
    "The new ranges: one decade of lr and two of lambda centred on the coarse winner, and\n"
    "trials twice as long. The warning below fires when the winner sits in the outer 10% of\n"
    "a range: the optimum may lie outside it."};

void fine_search(Context& c, nn::lesson::Step& s) {
  s.needs({"Linear::backward", "relu_backward", "init::he", "SoftmaxCrossEntropy::backward"});
  const auto& [train, test, search_train, validation] = c.data(s);
  if (c.coarse.empty()) {
    s.say("(step 6's coarse search had not run: it runs here first, quietly)");
    run_coarse_search(c, search_train, validation);
  }
  s.code("lessons/lesson06_babysitting.cpp", "search-boundary");
  const std::pair<double, double> lr_range{c.coarse_best.log_lr - 0.5, c.coarse_best.log_lr + 0.5};
  const std::pair<double, double> lambda_range{c.coarse_best.log_lambda - 1, c.coarse_best.log_lambda + 1};
  const int epochs = 2 * static_cast<int>(c.lesson.integer("--search-epochs"));
  nn::seed(c.lesson.seed() + 2);
  const std::vector<Trial> fine = random_search(c.trials(), lr_range, lambda_range, epochs,
                                                c.quick_cut(search_train, 300),
                                                c.quick_cut(validation, 200), c.lesson.seed());
  const std::vector<Trial> sorted = sorted_by_accuracy(fine);
  const Trial& best = sorted.front();
  s.say("lr " + range_text(lr_range) + ", lambda " + range_text(lambda_range) + ", " +
        std::to_string(epochs) + " epochs per trial:");
  s.say(trial_table(sorted, 12));
  s.say("table: " + nn::plot::write_table(
                        "fine-search", trial_matrix(sorted),
                        {"lr", "lambda", "log10_lr", "log10_lambda", "train_loss", "val_accuracy"}));
  s.plot(trial_scatter("fine-search", "Fine search: validation accuracy over (lr, lambda)", fine, best));
  const std::string warning = boundary_warning(best, lr_range, lambda_range);
  s.say(warning.empty() ? "The best is inside both ranges: no warning." : warning);

  // The winner, trained longer on all 2000 training images, scored once on the test set.
  nn::seed(c.lesson.seed());
  nn::Sequential mlp = small_mlp();
  nn::SGD sgd(mlp.parameters(), std::pow(10.0, best.log_lr));
  nn::TrainConfig config = sgd_config(c.lesson.quick() ? 1 : 10, std::pow(10.0, best.log_lambda));
  config.tsv_path = c.lesson.output_dir() + "/best-history.tsv";
  const nn::TrainResult result = nn::train(mlp, sgd, c.quick_cut(train, 500), config, test);
  s.show("the winner after " + std::to_string(config.epochs) + " epochs: test accuracy",
         result.history.back().test_accuracy, 3);
  nn::plot::Lines curve("best", "The search's winner trained on all 2000 training images");
  curve.x_label = "epoch";
  curve.y_label = "accuracy";
  curve.points = true;
  curve.add("training accuracy (as trained)", nn::per_epoch(result.history, &nn::EpochStats::train_accuracy));
  curve.add("test accuracy", nn::per_epoch(result.history, &nn::EpochStats::test_accuracy));
  s.plot(curve);
}

// ---- step 8: What to try next -------------------------------------------------------------------
const nn::lesson::StepText what_next_text{
    "What to try next",
    "Claims of this lesson are tested in tests/lessons/lesson06_babysitting_test.cpp\n"
    "(build/stepnet_tests \"[lesson06]\"); the prose is docs/lesson06.md."};

void what_next(Context& /*c*/, nn::lesson::Step& s) {
  s.say("- --trials 60: does the coarse picture sharpen? Where is the band of good rates?\n"
        "- --search-epochs 3: do short runs rank the trials the same way as longer ones?\n"
        "- Train the linear classifier instead of the MLP: which rates work, what accuracy?\n"
        "- Skip the preprocessing (raw pixels 0..255): which rates survive now?");
}
}  // namespace

int main(int argc, char** argv) {
  nn::lesson::Lesson lesson(6, "Babysitting the learning process", argc, argv);
  lesson.option("--trials", "N", "trials of each random search", 20);
  lesson.option("--search-epochs", "N", "epochs of each coarse trial (the fine ones get twice that)", 1);

  Context c{lesson, {}, {}, {}};
  lesson.step(preprocessing_text, c, preprocessing);
  lesson.step(initial_loss_text, c, initial_loss);
  lesson.step(overfit_tiny_set_text, c, overfit_tiny_set);
  lesson.step(learning_rate_extremes_text, c, learning_rate_extremes);
  lesson.step(update_weight_ratio_text, c, update_weight_ratio);
  lesson.step(coarse_search_text, c, coarse_search);
  lesson.step(fine_search_text, c, fine_search);
  lesson.step(what_next_text, c, what_next);
  return lesson.run();
}
