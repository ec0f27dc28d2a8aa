// lesson07_cnn.cpp -- a CNN from the parts: the CNN report's networks (Guerdan) on Fashion-MNIST.
//
// What you will learn: that the layers written in lessons 1-5 (Conv2d, the activations,
// Linear, the losses) train a real classifier with nothing added but the trainer's epoch loop;
// what a convolution filter learns (drawn as images, epoch by epoch); how the choice of
// activation, loss and presentation order changes training; and how to look back from an
// activation map to the pixels that caused it (deconvolution: T' applied to the map).
//
// The networks (one column per image, 784 = 1x28x28):
//   two-class:  Conv2d(1x28x28, 2 filters 28x28) -> 2 scores: each filter covers the whole
//               image, so it is a template, and the net is a linear classifier you can look at
//   A:          Conv2d(1x28x28, 16 filters 7x7) -> f -> Linear(16*22*22 = 7744 -> 10)
//   B:          Conv2d(1x28x28, 16 filters 7x7) -> f -> Linear(7744 -> 128) -> f -> Linear(128 -> 10)
//   f = LeakyReLU(0.01) (y = x for x >= 0, 0.01 x below), tanh or sigmoid.
// The losses: softmax cross-entropy on the labels, or MSE on one-hot targets
//   L = (1/n) sum_i 0.5 * ||onehot(y_i) - output_i||^2   (as the CNN report trained).
//
// Deconvolution. A convolution is a matrix: vec(y) = T vec(x) + b (lesson 3). Its transpose
// T' maps an output-sized array back onto the input pixels: T' a puts every activation a[k](r, c)
// back on the 7x7 patch it came from, weighted by filter k. So T' (filter k's map, the other
// maps 0) shows which pixels filter k responded to. Conv2d::backward(G) computes exactly T' G.
#include <cctype>
#include <cstdlib>
#include <cmath>
#include <iomanip>
#include <map>
#include <sstream>

#include "course/lesson.hpp"
#include "nn/nn.hpp"
#include "nn/optim.hpp"
#include "nn/trainer.hpp"

namespace {

using nn::util::percent;

constexpr arma::uword classes = 10;
const nn::Shape image_shape{1, 28, 28};

// [snippet cnn-architectures]
enum class Act { leaky_relu, tanh, sigmoid };

void add_activation(nn::Sequential& net, Act act) {
  if (act == Act::leaky_relu) net.emplace<nn::LeakyReLU>(0.01);
  if (act == Act::tanh) net.emplace<nn::Tanh>();
  if (act == Act::sigmoid) net.emplace<nn::Sigmoid>();
}

// A: conv 16 filters 7x7 -> f -> dense 10.  B: the same with a dense 128 layer (and f) before
// the output.
nn::Sequential cnn(bool dense_128, Act act) {
  nn::Sequential net;
  nn::Conv2d& conv = net.emplace<nn::Conv2d>(image_shape, 16, 7, 7);  // (16*22*22 x batch)
  add_activation(net, act);
  const arma::uword features = conv.output_shape().size();           // 7744
  if (dense_128) {
    net.emplace<nn::Linear>(features, 128);
    add_activation(net, act);
    net.emplace<nn::Linear>(128, classes);
  } else {
    net.emplace<nn::Linear>(features, classes);
  }
  return net;
}
// [/snippet]

// [snippet cnn-sweep-net]
// Architecture A with the activation's parameter spelled out, as the CNN report varies it:
// LeakyReLU(gamma) = max(gamma x, x), tanh(k x), sigmoid(k x) with slope k (their derivatives
// are k (1 - tanh^2) and k s (1 - s): the slope scales the gradient that flows back).
nn::Sequential cnn_a(Act act, double param) {
  nn::Sequential net;
  nn::Conv2d& conv = net.emplace<nn::Conv2d>(image_shape, 16, 7, 7);  // (7744 x batch)
  if (act == Act::leaky_relu) net.emplace<nn::LeakyReLU>(param);
  if (act == Act::tanh) net.emplace<nn::Tanh>(param);
  if (act == Act::sigmoid) net.emplace<nn::Sigmoid>(param);
  net.emplace<nn::Linear>(conv.output_shape().size(), classes);       // (10 x batch)
  return net;
}
// [/snippet]

// The samples of two classes, relabelled 0 (first) and 1 (second).
nn::Dataset two_classes(const nn::Dataset& d, arma::uword first, arma::uword second) {
  const arma::uvec keep = arma::find(d.y == first || d.y == second);
  nn::Dataset out = nn::subset(d, keep);
  out.y = arma::conv_to<arma::uvec>::from(out.y == second);
  return out;
}

// The MSE of the class scores against one-hot targets, whatever the loss: softmax
// probabilities for a net trained with cross-entropy, the outputs themselves for one trained
// with MSE. Mean over samples of 0.5 * ||onehot - scores||^2. And the accuracy, from the same
// forward pass (argmax, as nn::accuracy).
struct Score {
  double mse, accuracy;
};
Score score(nn::Sequential& net, const nn::Dataset& d, nn::LossKind loss) {
  const arma::mat out = nn::forward_in_batches(net, d.x);  // (10 x n)
  const arma::mat scores = loss == nn::LossKind::cross_entropy ? nn::softmax(out) : out;
  const double mse = 0.5 * arma::accu(arma::square(nn::one_hot(d.y, classes) - scores)) /
                     static_cast<double>(d.y.n_elem);
  return {mse, nn::accuracy(nn::argmax(out), d.y)};
}

struct Variant {
  std::string label;
  bool dense_128;
  Act act;
  nn::LossKind loss;
  bool shuffle;
  double lr;
};

struct Run {
  Variant variant;
  nn::TrainResult result;
  double train_mse = 0, test_mse = 0, train_acc = 0, test_acc = 0;
};
// ---- what the steps share ------------------------------------------------------------------
// The lesson (its options), the data loaded by the first step that asks for it, and step 3's
// trained variants, which step 4 reads (or trains itself when it runs alone: --step 4).
struct Context {
  nn::lesson::Lesson& lesson;
  nn::Dataset train, test;  // empty until load() fills them
  std::vector<Run> runs;    // step 3's variants, in the order of `variants`

  void load(nn::lesson::Step& s);
  int epochs() const;
};

void Context::load(nn::lesson::Step& s) {
  if (train.n_samples() > 0) return;
  nn::SplitOptions options;
  options.full = lesson.is_set("--full");
  options.quick = lesson.quick();  // make test: 30 training and 20 test images per class
  options.subset_source = "data/fashion-mnist (the shipped subset; --full for the 60000/10000 set)";
  nn::Splits data = nn::fashion_splits(options);
  if (!data.notice.empty()) s.say(data.notice);
  s.say("data: " + data.description() + " (lesson 6)");
  train = std::move(data.train);
  test = std::move(data.test);
}

// Epochs for architectures A and B: 1 with --quick; else --epochs when given, else 3 (5 with
// --full).
int Context::epochs() const {
  if (lesson.quick()) return 1;
  if (lesson.given("--epochs")) return static_cast<int>(lesson.integer("--epochs"));
  return lesson.is_set("--full") ? 5 : 3;
}

// ---- step 1: Two whole-image filters: Trouser versus Bag ----------------------------------------
const nn::lesson::StepText two_filters_text{
    "Two whole-image filters: Trouser versus Bag",
    "Conv2d with two 28x28 filters on a 28x28 image has one output position per filter: each\n"
    "filter is a template, and its score is the dot product with the image (plus a bias).\n"
    "Softmax over the two scores, cross-entropy, SGD. The filters are drawn after every\n"
    "epoch: they turn from noise into a trouser and a bag (and their negatives)."};

void two_filters(Context& c, nn::lesson::Step& s) {
  s.needs({"conv2d_backward", "SoftmaxCrossEntropy::backward"});
  c.load(s);
  s.source("src/nn/conv2d.cpp", "conv2d-forward");
  const nn::Dataset tr = two_classes(c.train, 1, 8), te = two_classes(c.test, 1, 8);
  nn::seed(c.lesson.seed());
  nn::Sequential net;
  nn::Conv2d& conv = net.emplace<nn::Conv2d>(image_shape, 2, 28, 28);
  s.say("net: " + net.name() + "  (output 2x1x1: one score per filter)");
  // Small initial filters (std 0.001), so what training writes into them shows.
  for (arma::uword k = 0; k < 2; ++k) conv.set_kernel(k, 0, 0.001 * arma::randn(28, 28));
  nn::SGD sgd(net.parameters(), 1e-3);
  std::vector<arma::mat> history[2] = {{conv.kernel(0, 0)}, {conv.kernel(1, 0)}};
  nn::TrainConfig config;
  config.epochs = c.lesson.quick() ? 1 : 4;
  config.batch_size = 1;
  config.quiet = true;
  config.on_epoch = [&](const nn::EpochStats&) {
    for (arma::uword k = 0; k < 2; ++k) history[k].push_back(conv.kernel(k, 0));
  };
  config.tsv_path = c.lesson.output_dir() + "/two-filters-history.tsv";
  const nn::TrainResult result = nn::train(net, sgd, tr, config, te);
  std::ostringstream t;
  t << "epoch  train acc  test acc  (" << tr.n_samples() << " / " << te.n_samples() << " images)\n";
  for (const nn::EpochStats& e : result.history)
    t << std::setw(5) << e.epoch << std::setw(11) << percent(e.train_accuracy) << std::setw(10)
      << percent(e.test_accuracy) << "\n";
  s.say(t.str());
  nn::plot::Images grid("two-filters", "Filters 1 (Trouser, top) and 2 (Bag, bottom) after each epoch");
  grid.columns = history[0].size();
  grid.palette = nn::plot::Palette::diverging;
  for (arma::uword k = 0; k < 2; ++k)
    for (std::size_t e = 0; e < history[k].size(); ++e)
      grid.add(history[k][e], e == 0 ? "start" : "epoch " + std::to_string(e));
  s.plot(grid);
  s.say("Filter 1 becomes trouser minus bag, filter 2 its negative: only the difference of\n"
        "the two scores matters to softmax, so the two templates learn opposite images.");
}

// ---- step 2: Architecture A: the shapes ---------------------------------------------------------
const nn::lesson::StepText shapes_text{
    "Architecture A: the shapes",
    "16 filters of 7x7 slide over the 28x28 image: 22x22 positions each (28 - 7 + 1), 16x22x22\n"
    "= 7744 activations, all of them connected to the 10 outputs. One image through the\n"
    "untrained net, layer by layer:"};

void shapes(Context& c, nn::lesson::Step& s) {
  c.load(s);
  s.code("lessons/lesson07_cnn.cpp", "cnn-architectures");
  for (bool dense : {false, true}) {
    nn::seed(c.lesson.seed());
    nn::Sequential net = cnn(dense, Act::leaky_relu);
    net.forward(c.test.x.col(0));
    std::ostringstream t;
    t << (dense ? "B: " : "A: ") << "input 784x1\n";
    arma::uword weights = 0;
    for (const nn::Parameter& p : net.parameters()) weights += p.value->n_elem;
    for (std::size_t i = 0; i < net.size(); ++i)
      t << "   " << std::left << std::setw(40) << net[i].name() << std::right << " -> "
        << net.outputs()[i].n_rows << "x" << net.outputs()[i].n_cols << "\n";
    t << "   " << weights << " trainable numbers";
    s.say(t.str());
  }
}

// ---- step 3: Training the variants --------------------------------------------------------------
const std::vector<Variant> variants = {
    {"A leaky CE", false, Act::leaky_relu, nn::LossKind::cross_entropy, true, 0.01},
    {"A tanh CE", false, Act::tanh, nn::LossKind::cross_entropy, true, 0.01},
    {"A sigmoid CE", false, Act::sigmoid, nn::LossKind::cross_entropy, true, 0.01},
    {"A leaky MSE (lr 1e-3)", false, Act::leaky_relu, nn::LossKind::mse, true, 0.001},
    {"A leaky CE fixed order", false, Act::leaky_relu, nn::LossKind::cross_entropy, false, 0.01},
    {"B leaky CE", true, Act::leaky_relu, nn::LossKind::cross_entropy, true, 0.01},
};

// Trains `net` as variant v says (SGD, the trainer's log on the console) and scores it.
Run train_variant(Context& c, const Variant& v, nn::Sequential& net) {
  nn::SGD sgd(net.parameters(), v.lr);
  nn::TrainConfig config;
  config.epochs = c.epochs();
  config.batch_size = static_cast<arma::uword>(c.lesson.integer("--batch"));
  config.shuffle = v.shuffle;
  config.loss = v.loss;
  config.seed = c.lesson.seed();
  config.log = &std::cout;
  std::string stem = v.label;
  for (char& ch : stem) ch = std::isalnum(static_cast<unsigned char>(ch)) ? ch : '-';
  config.tsv_path = c.lesson.output_dir() + "/train-" + stem + ".tsv";
  Run run{v, nn::train(net, sgd, c.train, config, c.test)};
  const Score on_train = score(net, c.train, v.loss), on_test = score(net, c.test, v.loss);
  run.train_mse = on_train.mse;
  run.test_mse = on_test.mse;
  run.train_acc = on_train.accuracy;
  run.test_acc = on_test.accuracy;
  return run;
}

// Deconvolution: for the first test image of every class, T' applied to each filter's
// activation map alone; then a check that Conv2d::backward is T'.
void show_deconvolution(Context& c, nn::lesson::Step& s, nn::Sequential& net) {
  const std::vector<std::string>& names = nn::fashion_mnist_classes();
  nn::Conv2d& conv = dynamic_cast<nn::Conv2d&>(net[0]);
  nn::plot::Images deconv("deconvolution", "T' (filter k's activation map), first test image of each class");
  deconv.columns = 17;
  const nn::Shape maps = conv.output_shape();                        // 16 x 22 x 22
  const arma::uword plane = maps.height * maps.width;                // 484
  const arma::uword shown_classes = c.lesson.quick() ? 3 : classes;  // quick: 3 rows
  for (arma::uword cls = 0; cls < shown_classes; ++cls) {
    const arma::uvec first = arma::find(c.test.y == cls, 1);
    if (first.is_empty()) continue;
    const arma::vec x = c.test.x.col(first(0));                      // (784)
    net.forward(x);
    const arma::vec activation = net.outputs()[1];                   // (7744) after f
    deconv.add(arma::reshape(x, 28, 28), names[cls]);
    for (arma::uword k = 0; k < 16; ++k) {
      arma::vec g(activation.n_elem, arma::fill::zeros);             // only map k
      g.subvec(k * plane, (k + 1) * plane - 1) = activation.subvec(k * plane, (k + 1) * plane - 1);
      const arma::vec back = conv.backward(g);                       // T' g  (784)
      deconv.add(arma::reshape(back, 28, 28), cls == 0 ? "f" + std::to_string(k + 1) : "");
    }
  }
  net.zero_grad();
  s.code("src/nn/conv2d.cpp", "conv2d-toeplitz");
  s.say("Check on the last image: Conv2d::backward(G) equals toeplitz().t() * G");
  const arma::vec g = arma::randn(maps.size());
  net.forward(c.test.x.col(0));
  const double diff = arma::abs(conv.backward(g) - conv.toeplitz().t() * g).max();
  std::ostringstream d;
  d << "max |backward(G) - T' G| = " << std::setprecision(2) << diff << " (round-off)";
  s.say(d.str());
  net.zero_grad();
  s.plot(deconv);
}

// The trained baseline: its confusion matrix, its filters and what training changed in them,
// and the deconvolution of its activation maps.
void show_baseline(Context& c, nn::lesson::Step& s, nn::Sequential& net,
                   const std::vector<arma::mat>& initial_kernels) {
  const arma::uvec predicted = nn::predict(net, c.test.x);
  const arma::umat confusion = nn::confusion_matrix(predicted, c.test.y, classes);
  s.show("baseline confusion matrix on the test set (rows: true class, columns: predicted)", confusion);
  s.plot(nn::plot::confusion_heatmap("confusion", "Confusion matrix of A (LeakyReLU, cross-entropy), test set",
                                     confusion, nn::fashion_mnist_classes()));
  nn::Conv2d& conv = dynamic_cast<nn::Conv2d&>(net[0]);
  nn::plot::Images filters("filters", "The 16 7x7 filters of A after training, and their change (blue < 0 < red)");
  filters.palette = nn::plot::Palette::diverging;
  for (arma::uword k = 0; k < 16; ++k) filters.add(conv.kernel(k, 0), "filter " + std::to_string(k + 1));
  for (arma::uword k = 0; k < 16; ++k)
    filters.add(conv.kernel(k, 0) - initial_kernels[k], "change " + std::to_string(k + 1));
  s.plot(filters);
  s.say("Top rows: the filters; bottom rows: what training added to the random start.\n"
        "In a few epochs on 2000 images the change is small next to the init: the\n"
        "random start still dominates the picture (try --full).");
  show_deconvolution(c, s, net);
}

// Trains every variant into c.runs; with `show`, the baseline's pictures after it.
void train_variants(Context& c, nn::lesson::Step& s, bool show) {
  c.load(s);
  s.source("src/nn/conv2d.cpp", "conv2d-backward");
  s.source("src/nn/activations.cpp", "leaky-relu");
  s.source("src/nn/losses.cpp", "mse");
  c.runs.clear();
  for (const Variant& v : variants) {
    s.say("-- " + v.label);
    nn::seed(c.lesson.seed());
    nn::Sequential net = cnn(v.dense_128, v.act);
    std::vector<arma::mat> initial_kernels;
    for (arma::uword k = 0; k < 16; ++k)
      initial_kernels.push_back(dynamic_cast<nn::Conv2d&>(net[0]).kernel(k, 0));
    c.runs.push_back(train_variant(c, v, net));
    if (show && v.label == "A leaky CE") show_baseline(c, s, net, initial_kernels);
  }
}

const nn::lesson::StepText training_variants_text{
    "Training the variants",
    "Architecture A with LeakyReLU(0.01), softmax cross-entropy and shuffled order is the\n"
    "baseline; each other run changes one thing: tanh, sigmoid, MSE on one-hot targets, a\n"
    "fixed presentation order, or architecture B. Same seed, same initial filters, lr 0.01\n"
    "(MSE: 1e-3; at 0.01 its outputs blow up and the explosion guard stops it in epoch 1)."};

void training_variants(Context& c, nn::lesson::Step& s) {
  s.needs({"Linear::backward", "leaky_relu_backward", "sigmoid_backward", "tanh_backward",
           "conv2d_backward", "SoftmaxCrossEntropy::backward"});
  train_variants(c, s, true);
}

// ---- step 4: Curves and the final table ---------------------------------------------------------
const nn::lesson::StepText curves_and_table_text{
    "Curves and the final table",
    "Test accuracy per epoch for every variant, then train/test MSE (of the class scores:\n"
    "softmax probabilities for cross-entropy nets, raw outputs for MSE nets, against one-hot\n"
    "targets) and accuracy at the end."};

void curves_and_table(Context& c, nn::lesson::Step& s) {
  s.needs({"Linear::backward", "leaky_relu_backward", "sigmoid_backward", "tanh_backward",
           "conv2d_backward", "SoftmaxCrossEntropy::backward"});
  if (c.runs.empty()) {
    s.say("(step 3 had not run: training its variants here first, without its figures)");
    train_variants(c, s, false);
  }
  auto test_curve = nn::plot::Lines("curves-test", "Test accuracy per epoch", "epoch", "test accuracy")
                        .keyed("outside right").marked();
  auto train_curve = nn::plot::Lines("curves-train", "Training accuracy per epoch (as trained)", "epoch",
                                     "training accuracy").keyed("outside right").marked();
  std::ostringstream t;
  t << std::left << std::setw(24) << "variant" << std::right
    << "  train MSE  test MSE  train acc  test acc  s/epoch\n";
  arma::mat table(c.runs.size(), 4);
  for (std::size_t i = 0; i < c.runs.size(); ++i) {
    const Run& r = c.runs[i];
    test_curve.add(r.variant.label, nn::per_epoch(r.result.history, &nn::EpochStats::test_accuracy));
    train_curve.add(r.variant.label, nn::per_epoch(r.result.history, &nn::EpochStats::train_accuracy));
    t << std::left << std::setw(24) << r.variant.label << std::right << std::fixed
      << std::setprecision(4) << std::setw(11) << r.train_mse << std::setw(10) << r.test_mse
      << std::setw(11) << percent(r.train_acc) << std::setw(10) << percent(r.test_acc)
      << std::setprecision(1) << std::setw(9) << r.result.seconds / r.result.history.size()
      << std::defaultfloat << "\n";
    table.row(i) = arma::rowvec{r.train_mse, r.test_mse, r.train_acc, r.test_acc};
  }
  s.say(t.str());
  s.say("table: " + nn::plot::write_table("final", table,
                                          {"train_mse", "test_mse", "train_accuracy", "test_accuracy"}) +
        " (rows in the order above)");
  s.plot(train_curve);
  s.plot(test_curve);
  s.say("Read it (default run: subset, 3 epochs, batch 10): LeakyReLU and tanh lead; sigmoid\n"
        "lags (its slope is at most 1/4 and its outputs are all positive, so the dense layer's\n"
        "inputs share one sign); MSE on one-hot targets learns but needed a 10x smaller rate;\n"
        "the fixed order, the same batches in the same sequence every epoch, is clearly worse\n"
        "on the test set although the subset is stored in mixed class order; B has 12x the\n"
        "weights and is not better after 3 epochs.");
}

// ---- step 5: The CNN report's experiments -------------------------------------------------------
struct Setting {
  std::string label;
  Act act;
  double param, lr;
  bool shuffle;
};

const std::vector<Setting> settings = {
    {"leaky 0.01, lr 0.1", Act::leaky_relu, 0.01, 0.1, true},      // 0  learning rate
    {"leaky 0.01, lr 0.01", Act::leaky_relu, 0.01, 0.01, true},    // 1
    {"leaky 0.01, lr 0.001", Act::leaky_relu, 0.01, 0.001, true},  // 2
    {"leaky 0.05, lr 0.01", Act::leaky_relu, 0.05, 0.01, true},    // 3  gamma x lr
    {"leaky 0.1, lr 0.01", Act::leaky_relu, 0.1, 0.01, true},      // 4
    {"leaky 0.05, lr 0.001", Act::leaky_relu, 0.05, 0.001, true},  // 5
    {"leaky 0.1, lr 0.001", Act::leaky_relu, 0.1, 0.001, true},    // 6
    {"tanh k 1, lr 0.01", Act::tanh, 1, 0.01, true},               // 7  slopes
    {"tanh k 0.5, lr 0.01", Act::tanh, 0.5, 0.01, true},           // 8
    {"sigmoid k 1, lr 0.01", Act::sigmoid, 1, 0.01, true},         // 9
    {"sigmoid k 0.7, lr 0.01", Act::sigmoid, 0.7, 0.01, true},     // 10
    {"sigmoid k 0.05, lr 0.01", Act::sigmoid, 0.05, 0.01, true},   // 11
    {"leaky 0.01, lr 0.01, fixed", Act::leaky_relu, 0.01, 0.01, false},  // 12 order
};

// The sweep: architecture A per setting on a small class-balanced subset.
struct Sweep {
  nn::Dataset train, test;
  int epochs = 0;
  std::vector<nn::TrainResult> results;  // one per setting
  arma::mat table;                       // per setting: train acc, test acc, first and last conv delta
};

Sweep run_sweep(Context& c) {
  const bool full = c.lesson.is_set("--full");
  const bool quick = c.lesson.quick();
  Sweep sweep;
  sweep.train = nn::first_per_class(c.train, quick ? 10 : full ? 100 : 30);
  sweep.test = nn::first_per_class(c.test, quick ? 10 : full ? 100 : 30);
  sweep.epochs = quick ? 1 : full ? 30 : 5;
  sweep.table.set_size(settings.size(), 4);
  for (std::size_t i = 0; i < settings.size(); ++i) {
    const Setting& g = settings[i];
    nn::seed(c.lesson.seed());
    nn::Sequential net = cnn_a(g.act, g.param);
    nn::SGD sgd(net.parameters(), g.lr);
    nn::TrainConfig config;
    config.epochs = sweep.epochs;
    config.batch_size = 10;
    config.shuffle = g.shuffle;
    config.seed = c.lesson.seed();
    config.quiet = true;
    sweep.results.push_back(nn::train(net, sgd, sweep.train, config, sweep.test));
    const arma::vec delta = nn::per_epoch(sweep.results.back().history, &nn::EpochStats::conv_delta);
    sweep.table.row(i) = arma::rowvec{nn::accuracy(net, sweep.train.x, sweep.train.y),
                                      nn::accuracy(net, sweep.test.x, sweep.test.y), delta(0),
                                      delta(delta.n_elem - 1)};
  }
  return sweep;
}

std::string sweep_text(const Sweep& sweep) {
  const arma::mat& table = sweep.table;
  std::ostringstream t;
  t << sweep.train.n_samples() << " training / " << sweep.test.n_samples() << " test images, "
    << sweep.epochs << " epochs\n"
    << std::left << std::setw(28) << "setting" << std::right
    << "  train acc  test acc  conv delta: epoch 1    last  stopped\n";
  for (std::size_t i = 0; i < settings.size(); ++i)
    t << std::left << std::setw(28) << settings[i].label << std::right << std::setw(11)
      << percent(table(i, 0)) << std::setw(10) << percent(table(i, 1)) << std::setw(20)
      << std::setprecision(3) << table(i, 2) << std::setw(8) << table(i, 3)
      << (sweep.results[i].diverged ? "  diverged in epoch " + std::to_string(sweep.results[i].history.size())
                                    : std::string())
      << "\n";
  return t.str();
}

// One figure of the sweep: `field` per epoch for the settings in `rows`.
void sweep_curves(nn::lesson::Step& s, const Sweep& sweep, const std::string& name,
                  const std::string& title, const std::vector<std::size_t>& rows,
                  double nn::EpochStats::*field, const std::string& y_label, bool log_y) {
  auto fig = nn::plot::Lines(name, title, "epoch", y_label).keyed("outside right").marked(sweep.epochs <= 10);
  fig.log_y = log_y;
  for (std::size_t r : rows) fig.add(settings[r].label, nn::per_epoch(sweep.results[r].history, field));
  s.plot(fig);
}

const nn::lesson::StepText report_experiments_text{
    "The CNN report's experiments: learning rate, leak, slope, order, conv deltas",
    "Luke Guerdan's CNN report varies one thing at a time: the learning rate (0.1, 0.01,\n"
    "0.001), the leak gamma (0.01, 0.05, 0.1) against the rate (0.01, 0.001), the slopes of\n"
    "tanh(k x) and sigmoid(k x) (k = 1, 0.5; 1, 0.7, 0.05), shuffled against fixed order,\n"
    "and plots the conv layer's delta magnitude over training. Architecture A, cross-entropy,\n"
    "batches of 10, one seed; default: 30 images per class, 5 epochs (--full: 100, 30)."};

void report_experiments(Context& c, nn::lesson::Step& s) {
  s.needs({"Linear::backward", "leaky_relu_backward", "sigmoid_backward", "tanh_backward",
           "conv2d_backward", "SoftmaxCrossEntropy::backward"});
  c.load(s);
  s.code("lessons/lesson07_cnn.cpp", "cnn-sweep-net");
  const Sweep sweep = run_sweep(c);
  const arma::mat& table = sweep.table;
  s.say(sweep_text(sweep));
  s.say("table: " + nn::plot::write_table("sweeps", table,
                                          {"train_accuracy", "test_accuracy",
                                           "conv_delta_first", "conv_delta_last"}) +
        " (rows in the order above)");
  const arma::mat grid_acc = {{table(1, 1), table(2, 1)},
                              {table(3, 1), table(5, 1)},
                              {table(4, 1), table(6, 1)}};
  s.show("test accuracy, gamma (rows 0.01, 0.05, 0.1) x lr (columns 0.01, 0.001)", grid_acc, 3);
  sweep_curves(s, sweep, "sweep-lr", "Test accuracy per epoch: learning rate", {0, 1, 2},
               &nn::EpochStats::test_accuracy, "test accuracy", false);
  sweep_curves(s, sweep, "sweep-slopes", "Test accuracy per epoch: activation slope k", {1, 7, 8, 9, 10, 11},
               &nn::EpochStats::test_accuracy, "test accuracy", false);
  sweep_curves(s, sweep, "sweep-conv-delta", "Conv-layer delta magnitude per epoch", {0, 1, 2, 7, 9, 11},
               &nn::EpochStats::conv_delta, "mean ||dl/d(conv output)||", true);
  sweep_curves(s, sweep, "sweep-order", "Test accuracy per epoch: shuffled against fixed order", {1, 12},
               &nn::EpochStats::test_accuracy, "test accuracy", false);
  s.say("Read it with docs/lesson07.md. The slope k scales what a unit passes back, "
        "k f'(k x): tanh with k = 0.5 halves the conv deltas and ends as tanh with k = 1 "
        "here; sigmoid with k = 0.7 is slower than k = 1. k = 0.05 makes sigmoid(k x) "
        "nearly 0.5 everywhere: the dense layer then sees 7744 inputs of about 0.5, a "
        "huge and uncentred input, and lr 0.01 is far too large for it (it diverges at "
        "once, as lr 0.1 does for every activation). So an optimal k exists only together "
        "with a learning rate and an input scale. The report trained on MNIST digits; "
        "ours is Fashion-MNIST (shipped, offline; docs/data.md): compare trends, not "
        "percentages.");
}

// ---- step 6: What to try next -------------------------------------------------------------------
const nn::lesson::StepText what_next_text{
    "What to try next",
    "Claims of this lesson are tested in tests/lessons/lesson07_cnn_test.cpp\n"
    "(build/stepnet_tests \"[lesson07]\"); the prose is docs/lesson07.md."};

void what_next(Context& /*c*/, nn::lesson::Step& s) {
  s.say("- --full (after make data): 60000 images, 5 epochs. How far does A get?\n"
        "- --batch 1: online training as the CNN report did. Slower; better or worse?\n"
        "- Sort the training set by class (nn::subset with sorted indices) and train in fixed\n"
        "  order: what does the network predict at the end of each epoch?\n"
        "- Deconvolve through the whole net: start from one output score and backward().");
}

}  // namespace

// main: the lesson, its options, the context, then the table of steps.
int main(int argc, char** argv) {
  nn::lesson::Lesson lesson(7, "A CNN from the parts", argc, argv);
  // One BLAS thread unless OPENBLAS_NUM_THREADS says otherwise. Training here multiplies
  // batches of 10 (one thread already, fast_path.hpp); only the evaluation's batches of 128
  // through B's Linear(7744 -> 128) are split, and after each split OpenBLAS's second thread
  // spins (sched_yield) for a while, taking a core from the training that follows: on the
  // shared 2-core machine (load 7) the default run took 62 s wall, 37 s CPU with two threads
  // and 38 s wall, 25 s CPU with one.
  const nn::SingleThreadBlas one_blas_thread(std::getenv("OPENBLAS_NUM_THREADS") == nullptr);
  lesson.option("--epochs", "N", "epochs for architectures A and B (--full: 5; --quick: 1)", 3, 1);
  lesson.option("--batch", "N", "minibatch size (1 = online, as the CNN report)", 10);
  lesson.flag("--full", "the full Fashion-MNIST set (make data) and 5 epochs");

  Context c{lesson, {}, {}, {}};
  lesson.step(two_filters_text, c, two_filters);
  lesson.step(shapes_text, c, shapes);
  lesson.step(training_variants_text, c, training_variants);
  lesson.step(curves_and_table_text, c, curves_and_table);
  lesson.step(report_experiments_text, c, report_experiments);
  lesson.step(what_next_text, c, what_next);
  return lesson.run();
}
