// lesson11_normalization.cpp -- batch normalization, average pooling, strided and dilated
// convolutions, and the linear regions of a ReLU layer.
//
// What you will learn: how batch normalization computes its output and its gradient (the
// closed form, derived in docs/lesson11.md), why it rescues lesson 5's deep nets from a bad
// init and lets a net train at a learning rate that breaks the plain one, why it behaves
// differently in training and in eval mode; what max and average pooling keep of an image, and
// what a stride-2 convolution costs instead; how dilation grows the receptive field
// exponentially with depth; and how many linear pieces a layer of n ReLUs can cut the plane into.
//
// The math (one feature, a batch of N values x_1 .. x_N; BatchNorm1d does each row on its own):
//     mu = (1/N) sum x_i      var = (1/N) sum (x_i - mu)^2      (biased: / N)
//     x_hat_i = (x_i - mu) / sqrt(var + eps)      y_i = gamma x_hat_i + beta
//   backward, with g_i = dL/dy_i:
//     dL/dgamma = sum g_i x_hat_i       dL/dbeta = sum g_i
//     dL/dx_i = gamma / (N sqrt(var + eps)) * (N g_i - sum_j g_j - x_hat_i sum_j g_j x_hat_j)
//   running_mean <- 0.9 running_mean + 0.1 mu,  running_var <- 0.9 running_var + 0.1 var N/(N-1);
//   eval mode uses the running statistics instead of the batch's.
// Average pooling: y = mean of a k x k window; backward gives each of its pixels g / k^2.
// Dilation d: a 3x3 kernel's taps sit d pixels apart; stacking dilations 1, 2, 4, ... grows
// the receptive field as 2^(L+1) - 1 instead of 2L + 1.
// Regions: n lines in general position cut the plane into 1 + n + n(n-1)/2 regions.
#include <cmath>
#include <iomanip>
#include <optional>
#include <sstream>

#include "course/lesson.hpp"
#include "nn/nn.hpp"
#include "nn/normalization_nets.hpp"
#include "nn/normalization_probes.hpp"

namespace {

using nn::util::number;

using nn::util::percent;

// The worked batch of the doc and the tests: 3 features (rows) x 4 samples (columns).
arma::mat worked_batch() { return {{0, 2, 0, 2}, {1, 1, 1, 5}, {0, 0, 4, 4}}; }

// The quiet training runs of steps 5 and 8: batches of 32, the lesson's seed.
nn::TrainConfig quiet_config(const nn::lesson::Lesson& lesson, int epochs) {
  nn::TrainConfig config;
  config.epochs = epochs;
  config.batch_size = 32;
  config.seed = lesson.seed();
  config.quiet = true;
  return config;
}

// The worked example's BatchNorm1d(3): gamma = [1 2 0.5], beta = [0 1 -1].
void set_worked_parameters(nn::BatchNorm1d& bn) {
  bn.gamma = arma::mat{1, 2, 0.5}.t();
  bn.beta = arma::mat{0, 1, -1}.t();
}

// ---- what the steps share ------------------------------------------------------------------
// The lesson (its options), the data loaded by the first step that asks for it, and the two
// Fashion-MNIST runs of step 5, trained on first use and reused by step 6.
struct Context {
  explicit Context(nn::lesson::Lesson& l) : lesson(l) {}
  nn::lesson::Lesson& lesson;
  nn::Dataset train, test, raw_test;  // empty until load(); raw_test before standardizing
  std::optional<nn::TrainedNet> runs[2];  // [0] plain, [1] with batch norm

  void load(nn::lesson::Step& s);
  int epochs() const;
  nn::TrainedNet& trained(nn::lesson::Step& s, bool batchnorm);
};

void Context::load(nn::lesson::Step& s) {
  if (train.n_samples() > 0) return;
  nn::SplitOptions options;
  options.quick = lesson.quick();
  options.keep_raw_test = true;
  nn::Splits data = nn::fashion_splits(options);
  s.say("data: " + data.description());
  train = std::move(data.train);
  test = std::move(data.test);
  raw_test = std::move(data.raw_test);
}

// Epochs of the Fashion-MNIST runs: --epochs when given, else 6 (1 with --quick).
int Context::epochs() const {
  if (lesson.given("--epochs")) return static_cast<int>(lesson.integer("--epochs"));
  return lesson.quick() ? 1 : 6;
}

nn::TrainedNet& Context::trained(nn::lesson::Step& s, bool batchnorm) {
  load(s);
  std::optional<nn::TrainedNet>& run = runs[batchnorm];
  if (!run) {
    nn::TrainConfig config = quiet_config(lesson, epochs());
    config.tsv_path = lesson.output_dir() + (batchnorm ? "/train-bn.tsv" : "/train-plain.tsv");
    run.emplace(nn::train_bn_mlp(batchnorm, lesson.number("--lr"), train, test, config));
  }
  return *run;
}

// ---- step 1: Batch norm by hand -----------------------------------------------------------------
const nn::lesson::StepText bn_by_hand_text{
    "Batch norm by hand: 4 samples, 3 features",
    "X holds one column per sample (3 features x 4 samples; PyTorch would store it 4x3).\n"
    "Each ROW is normalized over the batch: subtract its mean, divide by sqrt(var + eps) with\n"
    "the biased variance (divide by N = 4), then scale by gamma and shift by beta. Worked by\n"
    "hand: row 1 = [0 2 0 2] has mean 1, var 1, so x_hat = [-1 1 -1 1] (times 1/sqrt(1.00001));\n"
    "row 2 = [1 1 1 5]: mean 2, var (1+1+1+9)/4 = 3, x_hat = [-1 -1 -1 3]/sqrt(3);\n"
    "row 3 = [0 0 4 4]: mean 2, var 4, x_hat = [-1 -1 1 1]."};

void bn_by_hand(Context& /*c*/, nn::lesson::Step& s) {
  s.code("src/nn/batchnorm.cpp", "batchnorm-forward");
  nn::BatchNorm1d bn(3);
  set_worked_parameters(bn);
  const arma::mat x = worked_batch();
  s.show("X (features x batch)", x);
  const arma::mat y = bn.forward(x);
  s.show("batch mean", arma::mat(bn.batch_mean));
  s.show("batch variance (biased)", arma::mat(bn.batch_var));
  s.show("x_hat = (X - mean) / sqrt(var + 1e-5)", bn.cache().x_hat, 6);
  s.show("gamma = [1 2 0.5], beta = [0 1 -1]: y = gamma x_hat + beta", y, 6);
  s.say("Every row of x_hat has mean 0 and (biased) variance var/(var + eps) ~ 1: "
        "row variances " + number(arma::var(bn.cache().x_hat.row(0), 1), 7, 0) + ", " +
        number(arma::var(bn.cache().x_hat.row(1), 1), 7, 0) + ", " +
        number(arma::var(bn.cache().x_hat.row(2), 1), 7, 0) +
        ". gamma and beta then choose any mean and scale the next layer wants, "
        "including undoing the normalization (gamma = sqrt(var + eps), beta = mean).");
}

// ---- step 2: Batch norm backward, in closed form ------------------------------------------------
const nn::lesson::StepText bn_backward_text{
    "Batch norm backward, in closed form",
    "Each x_i reaches the loss three ways: through its own x_hat_i, through the mean and through\n"
    "the variance (which every x_hat_j uses). Summing the three paths (docs/lesson11.md) gives\n"
    "    dx_i = gamma / (N sqrt(var + eps)) * (N g_i - sum_j g_j - x_hat_i sum_j g_j x_hat_j)\n"
    "Row 1 by hand with G = [1 0 0 0]: sum g = 1, sum g x_hat = -1, so\n"
    "    dx = (1/4)(4 [1 0 0 0] - 1 + [-1 1 -1 1]) = [0.5 0 -0.5 0].\n"
    "The two subtracted terms remove the part of G along the directions the normalization\n"
    "erases (shifting the row, scaling it): each row of dx sums to 0."};

void bn_backward(Context& c, nn::lesson::Step& s) {
  s.code("src/nn/batchnorm.cpp", "batchnorm-backward");
  nn::BatchNorm1d bn(3);
  set_worked_parameters(bn);
  bn.forward(worked_batch());
  const arma::mat g = {{1, 0, 0, 0}, {0, 1, 0, 0}, {1, 2, 3, 4}};
  s.show("G = dL/dy", g);
  const arma::mat dx = bn.backward(g);
  s.show("dL/dX", dx, 6);
  s.show("dL/dgamma = sum(G % x_hat) per row", bn.grad_gamma, 6);
  s.show("dL/dbeta = sum(G) per row", bn.grad_beta);
  s.show("row sums of dL/dX (0: shifting a feature changes nothing)", arma::mat(arma::sum(dx, 1)), 12);
  s.source("src/nn/gradcheck.cpp", "gradient-check");
  nn::seed(c.lesson.seed());
  nn::BatchNorm1d random_bn(3);
  random_bn.gamma = arma::mat{1, 2, 0.5}.t();
  std::string report = "nn::gradient_check on a random 3x16 batch (training mode):\n";
  // gradient_check's G comes from its own seed (1 here). Not 0: with nn::seed(0), G
  // would equal this very x, and G = x is the one upstream gradient BN maps to dx = 0
  // (x lies in the span of 1 and x_hat, the directions BN erases).
  for (const nn::GradientCheck& check : nn::gradient_check(random_bn, arma::randn(3, 16), 1e-5, 1))
    report += "  " + nn::describe(check) + "\n";
  s.say(report);
}

// ---- step 3: Running statistics, and eval mode --------------------------------------------------
const nn::lesson::StepText running_stats_text{
    "Running statistics, and eval mode",
    "At test time there may be one sample, or a batch of one class: its own statistics would\n"
    "be wrong. So training keeps running averages (momentum 0.1, PyTorch's default), with the\n"
    "UNBIASED variance var N/(N-1), and eval mode normalizes with those. Two steps from the\n"
    "start (mean 0, var 1): the worked batch (means [1 2 2], unbiased variances 4/3 [1 3 4]),\n"
    "then 2X + 1 (means [3 5 5], unbiased variances [16/3 16 64/3])."};

void running_stats(Context& /*c*/, nn::lesson::Step& s) {
  s.code("src/nn/batchnorm.cpp", "batchnorm-running");
  s.source("src/nn/batchnorm.cpp", "batchnorm-module");
  nn::BatchNorm1d bn(3);
  bn.forward(worked_batch());
  s.show("after step 1: running mean = 0.9*0 + 0.1*[1 2 2]", arma::mat(bn.running_mean), 6);
  s.show("after step 1: running var = 0.9*1 + 0.1*[4/3 4 16/3]", arma::mat(bn.running_var), 6);
  bn.forward(2 * worked_batch() + 1);
  s.show("after step 2: running mean = 0.9*[0.1 0.2 0.2] + 0.1*[3 5 5]", arma::mat(bn.running_mean), 6);
  s.show("after step 2: running var = 0.9*[1.0333 1.3 1.4333] + 0.1*[5.3333 16 21.3333]",
         arma::mat(bn.running_var), 6);
  const arma::mat train_y = bn.forward(worked_batch());
  bn.set_training(false);
  const arma::mat eval_y = bn.forward(worked_batch());
  s.show("the worked batch in training mode (its own statistics)", train_y, 4);
  s.show("the same batch in eval mode: (X - running mean)/sqrt(running var + eps)", eval_y, 4);
  s.say("After two steps the running statistics are far from this batch's, and eval mode\n"
        "says so. In a trained net they converge to the data's statistics (step 6).");
}

// ---- step 4: Lesson 5's deep nets under a bad init ----------------------------------------------
struct DeepCase {
  const char* label;
  std::size_t scheme;  // into classic_init_schemes: 0 = 0.01 randn, 1 = 1.0 randn
  const char* activation;
};
const DeepCase deep_cases[] = {{"0.01 randn, tanh", 0, "tanh"},
                               {"1.0 randn, tanh", 1, "tanh"},
                               {"0.01 randn, ReLU", 0, "relu"}};

const nn::lesson::StepText deep_nets_text{
    "Lesson 5's deep nets under a bad init, with and without batch norm",
    "Lesson 5's 10-layer nets (no bias) with the two bad inits: 0.01 randn (the signal dies)\n"
    "and 1.0 randn (tanh saturates). The same nets with a BatchNorm1d between every Linear and\n"
    "its nonlinearity: whatever the weights' scale, each pre-activation row is forced to mean 0,\n"
    "variance 1, so every layer sees tanh or ReLU of a unit Gaussian, at every depth. The same\n"
    "X, G and weights for both; statistics by nn::statistics (lesson 5)."};

void deep_nets(Context& c, nn::lesson::Step& s) {
  s.code("src/nn/blocks.cpp", "normalized-deep-net");
  s.source("src/nn/stats.cpp", "layer-statistics");
  const auto units = static_cast<arma::uword>(std::max<long>(c.lesson.integer("--units"), 2));
  const arma::uword width = c.lesson.quick() ? std::min<arma::uword>(units, 64) : units;
  const arma::uword batch = c.lesson.quick() ? 128 : 500;
  const std::size_t depth = 10;
  const std::vector<nn::InitScheme> schemes = nn::classic_init_schemes(width);
  auto stds = nn::plot::Lines("bn-deep-std", "std of each layer's activations, 10-layer nets: plain vs with batch norm",
                              "layer", "std of the activations h (log scale)").keyed("bottom left").marked().log_scale_y();
  auto grads = nn::plot::Lines("bn-deep-grad", "std of the gradient at each layer's input: plain vs with BN", "layer",
                               "std of dL/dh (log scale)").keyed("bottom right").marked().log_scale_y();
  nn::plot::Histograms histograms("bn-deep-histograms", "Activations of each layer, 0.01 randn, tanh, WITH batch norm");
  histograms.x_label = "h = tanh(BN(W h))";
  histograms.bins = 30;
  histograms.columns = 4;
  arma::mat act_std(depth, 6), grad_std(depth, 6);
  for (std::size_t k = 0; k < 3; ++k)
    for (bool bn : {false, true}) {
      const nn::DeepRun run = nn::deep_net_run(depth, width, batch, deep_cases[k].activation, bn,
                                               schemes[deep_cases[k].scheme], c.lesson.seed());
      const nn::DepthProfile& profile = run.profile;
      if (k == 0 && bn)
        for (std::size_t l = 0; l < depth; l += 3)  // layers 1, 4, 7, 10
          histograms.add("layer " + std::to_string(l + 1), run.layer_outputs[l]);
      act_std.col(2 * k + bn) = profile.activation_std;
      grad_std.col(2 * k + bn) = profile.gradient_std;
      // BN(a W x) = BN(W x): the 1.0 randn BN line lies exactly on the 0.01 randn one.
      const std::string label = std::string(deep_cases[k].label) +
                                (bn ? (k == 1 ? ", BN (on top of 0.01 randn, BN)" : ", BN") : ", plain");
      stds.add(label, arma::regspace(1, depth), arma::clamp(profile.activation_std, 1e-12, arma::datum::inf));
      grads.add(label, arma::regspace(1, depth), arma::clamp(profile.gradient_std, 1e-12, arma::datum::inf));
    }
  std::ostringstream table;
  table << "layer";
  for (const DeepCase& d : deep_cases) table << std::setw(22) << d.label;
  table << "\n     ";
  for (std::size_t k = 0; k < 3; ++k) table << "       plain      + BN";
  s.say("std of the activations h_l (" + std::to_string(width) + " units, " + std::to_string(batch) +
        " samples):\n" + table.str() + "\n" + nn::per_layer_rows(act_std));
  s.say("The BN columns: tanh of a unit Gaussian has std 0.628, relu of one 0.584, at every\n"
        "layer, whatever the init. Backward, BN divides by the std it measured: tiny weights\n"
        "no longer shrink the gradient, huge ones no longer blow it up.");
  std::ostringstream gt;
  gt << "std of dL/dh at each layer's input:\nlayer";
  for (std::size_t k = 0; k < 6; ++k) gt << std::setw(11) << (k % 2 ? "+ BN" : "plain");
  s.say(gt.str() + "\n" + nn::per_layer_rows(grad_std));
  s.plot(stds);
  s.plot(grads);
  s.plot(histograms);
}

// ---- step 5: Fashion-MNIST at a learning rate where the plain net fails -------------------------
// Both runs trained (or reused): their curves, and the table of what each reached.
void high_lr_runs(Context& c, nn::lesson::Step& s) {
  const std::string lr = number(c.lesson.number("--lr"), 3, 0);
  auto loss = nn::plot::Lines("bn-fashion-loss", "Training loss per epoch, lr " + lr, "epoch", "training loss (as trained)")
                  .marked();
  auto acc = nn::plot::Lines("bn-fashion-accuracy",
                             "Test accuracy per epoch, lr " + lr + " (a net the guard stopped in epoch 1 has no point)",
                             "epoch", "test accuracy").keyed("bottom right").marked();
  std::ostringstream t;
  t << "net          epochs  train loss  test acc   (initial loss " << "ln 10 = 2.30)\n";
  for (bool bn : {false, true}) {
    nn::TrainedNet& run = c.trained(s, bn);
    const std::string label = bn ? "with BN" : "plain";
    const auto& h = run.result.history;
    loss.add(label, nn::per_epoch(h, &nn::EpochStats::train_loss));
    const arma::vec test_acc = nn::per_epoch(h, &nn::EpochStats::test_accuracy);
    const arma::uvec evaluated = arma::find_finite(test_acc);  // an exploded epoch has none
    if (!evaluated.is_empty())
      acc.add(label, arma::conv_to<arma::vec>::from(evaluated + 1), test_acc.elem(evaluated));
    const double final_acc = nn::accuracy(run.net, c.test.x, c.test.y);
    t << std::left << std::setw(12) << label << std::right << std::setw(7) << h.size()
      << number(h.back().train_loss, 3, 12) << std::setw(10) << percent(final_acc) << "\n";
    if (run.result.stopped_early) t << "   stopped: " << run.result.reason << "\n";
  }
  s.say(t.str());
  s.plot(loss);
  s.plot(acc);
}

// The first 60 steps, batch by batch: where the plain net leaves the road.
void first_steps(Context& c, nn::lesson::Step& s) {
  auto steps = nn::plot::Lines("bn-fashion-first-steps",
                               "Loss of each of the first 60 batches, lr " + number(c.lesson.number("--lr"), 3, 0) + " (log scale)",
                               "step (batch of 32)", "batch loss").log_scale_y();
  std::ostringstream first;
  first << "batch loss at steps 1, 5, 10, 20, 60:\n";
  for (bool bn : {false, true}) {
    const std::vector<double> losses =
        nn::bn_mlp_first_losses(bn, c.lesson.number("--lr"), c.train, 60, 32, c.lesson.seed());
    steps.add(bn ? "with BN" : "plain", arma::vec(losses));
    first << "  " << std::left << std::setw(9) << (bn ? "with BN" : "plain") << std::right;
    for (std::size_t k : {1u, 5u, 10u, 20u, 60u})
      first << (k <= losses.size() ? number(losses[k - 1], 3, 11) : std::string("  (stopped)"));
    first << "\n";
  }
  s.say(first.str());
  s.plot(steps);
}

const nn::lesson::StepText high_lr_text{
    "Fashion-MNIST at a learning rate where the plain net fails",
    "The MLP 784 -> 128 -> 128 -> 10 (ReLU) with and without a BatchNorm1d before each ReLU,\n"
    "plain SGD at a large rate (--lr, default 1), batches of 32, same seed and data. The\n"
    "plain net's first steps overshoot, its loss explodes and the trainer's guard stops it;\n"
    "the BN net is insensitive to the scale of its weights (BN(a W x) = BN(W x)), so a large\n"
    "step cannot blow its activations up, and it trains."};

void high_lr(Context& c, nn::lesson::Step& s) {
  s.code("src/nn/normalization_nets.cpp", "bn-mlp");
  high_lr_runs(c, s);
  first_steps(c, s);
}

// ---- step 6: Train mode vs eval mode on one batch -----------------------------------------------
const nn::lesson::StepText train_vs_eval_text{
    "Train mode vs eval mode on one batch",
    "The trained BN net, one batch of 64 test images, forward twice: in training mode (the\n"
    "batch's own statistics) and in eval mode (the running ones). Then a batch of 64 images of\n"
    "ONE class: in training mode, BN subtracts that batch's mean, which is the class itself."};

void train_vs_eval(Context& c, nn::lesson::Step& s) {
  nn::Sequential& net = c.trained(s, true).net;
  const nn::Dataset& test = c.test;
  const arma::uword n = std::min<arma::uword>(64, test.n_samples());
  const arma::uvec trousers = arma::find(test.y == 1, n);  // trousers only
  // (784 x 64) mixed classes, then trousers only
  const std::vector<nn::ModeComparison> m = nn::compare_modes(
      net, {{test.x.cols(0, n - 1), test.y.subvec(0, n - 1)}, {test.x.cols(trousers), test.y.elem(trousers)}});
  const auto& bn1 = dynamic_cast<nn::BatchNorm1d&>(net[1]);
  std::ostringstream t;
  t << "first BN layer: running mean of 128 features in [" << number(bn1.running_mean.min(), 3, 0)
    << ", " << number(bn1.running_mean.max(), 3, 0) << "], running var in ["
    << number(bn1.running_var.min(), 3, 0) << ", " << number(bn1.running_var.max(), 3, 0) << "]\n"
    << "mixed batch:  max |train-mode output - eval-mode output| = " << number(m[0].max_difference, 3, 0) << "\n"
    << "              accuracy train mode " << percent(m[0].train_accuracy) << ", eval mode "
    << percent(m[0].eval_accuracy) << "\n"
    << "trousers only (" << trousers.n_elem << "): accuracy train mode " << percent(m[1].train_accuracy)
    << ", eval mode " << percent(m[1].eval_accuracy);
  s.say(t.str());
  s.say("On a mixed batch the two modes mostly agree: its statistics are close to the running\n"
        "ones (not equal: 64 samples, and the running averages lag the changing weights). On\n"
        "one class, training mode normalizes the class away. Evaluate in eval mode\n"
        "(nn::train, nn::evaluate and nn::accuracy switch it for you).");
}

// ---- step 7: Max vs average pooling on one image ------------------------------------------------
const nn::lesson::StepText pooling_text{
    "Max vs average pooling on one image",
    "Max pooling keeps the strongest response of each window (and where it was: the argmax);\n"
    "average pooling keeps the window's mean, a blur followed by subsampling. Backward, max\n"
    "pooling gives each window's gradient to one pixel, average pooling spreads it evenly."};

void pooling(Context& c, nn::lesson::Step& s) {
  s.code("src/nn/avgpool2d.cpp", "avgpool-backward");
  const arma::mat toy = {{0, 0, 0, 0}, {0, 8, 0, 0}, {1, 1, 2, 2}, {1, 1, 2, 2}};
  const nn::Shape toy_shape{1, 4, 4};
  nn::MaxPool2d max_toy(toy_shape, 2, 2);
  nn::AvgPool2d avg_toy(toy_shape, 2, 2);
  const arma::vec toy_col = arma::vectorise(toy);
  s.show("a 4x4 image: one bright pixel, then two flat patches", toy);
  s.show("max pooling 2x2: the spike survives whole", arma::mat(arma::reshape(max_toy.forward(toy_col), 2, 2)));
  s.show("average pooling 2x2: the spike is diluted 4x, flat patches kept exactly",
         arma::mat(arma::reshape(avg_toy.forward(toy_col), 2, 2)));
  s.show("average pooling backward of ones: 1/4 to every pixel",
         arma::mat(arma::reshape(avg_toy.backward(arma::ones(4, 1)), 4, 4)));
  c.load(s);
  const arma::uvec sneaker = arma::find(c.raw_test.y == 7, 1);
  const arma::vec image = c.raw_test.x.col(sneaker(0));  // (784) raw pixels
  const nn::Shape shape{1, 28, 28};
  nn::plot::Images images("pooling", "A sneaker, max-pooled and average-pooled (2x2 and 4x4 windows)");
  images.columns = 5;
  images.scale_each = true;
  images.add(arma::reshape(image, 28, 28), "28x28 input");
  for (arma::uword k : {2u, 4u}) {
    const nn::PooledImages p = nn::pooled_images(image, shape, k);  // every panel 28x28 on the page
    const std::string sizes = std::to_string(k) + "x" + std::to_string(k) + " -> " +
                              std::to_string(p.out.height) + "x" + std::to_string(p.out.width);
    images.add(p.max, "max " + sizes);
    images.add(p.avg, "avg " + sizes);
  }
  s.plot(images);
  s.say("Max pooling keeps the thin bright stitching and edges at full strength (thicker,\n"
        "since each window shows its brightest pixel); average pooling keeps the overall\n"
        "shape and shading, and washes thin features out.");
}

// ---- step 8: Pooling or a stride-2 convolution --------------------------------------------------
const nn::lesson::StepText downsampling_text{
    "Pooling or a stride-2 convolution: parameters and accuracy",
    "Three small CNNs that differ only in how they halve the 8 feature maps: max pooling,\n"
    "average pooling (no parameters), or a 3x3 convolution with stride 2 that learns its own\n"
    "downsampling (Springenberg et al., 'Striving for simplicity: the all convolutional net').\n"
    "Same seed, SGD lr 0.01 with momentum 0.9, batches of 32."};

void downsampling(Context& c, nn::lesson::Step& s) {
  c.load(s);
  s.code("src/nn/normalization_nets.cpp", "downsampling-cnns");
  const char* labels[] = {"max pool 2x2", "avg pool 2x2", "conv 3x3 stride 2"};
  const nn::Downsample kinds[] = {nn::Downsample::max_pool, nn::Downsample::avg_pool, nn::Downsample::strided_conv};
  std::ostringstream t;
  t << std::left << std::setw(20) << "downsampling" << std::right
    << "  maps after   parameters  train acc  test acc  s/epoch\n";
  auto curve = nn::plot::Lines("downsampling-accuracy", "Test accuracy per epoch: how the maps are halved", "epoch",
                               "test accuracy").keyed("bottom right").marked();
  for (int k = 0; k < 3; ++k) {
    const nn::DownsamplingRun run =
        nn::downsampling_run(kinds[k], c.train, c.test, quiet_config(c.lesson, c.lesson.quick() ? 1 : 3));
    t << std::left << std::setw(20) << labels[k] << std::right << std::setw(12) << run.maps << std::setw(13)
      << run.parameters << std::setw(11) << percent(run.train_accuracy) << std::setw(10)
      << percent(run.test_accuracy) << number(run.seconds_per_epoch, 2, 9) << "\n";
    curve.add(labels[k], run.test_curve);
  }
  s.say(t.str());
  s.plot(curve);
  s.say("The strided convolution costs 584 more weights (8x8x3x3 + 8) but computes a quarter\n"
        "of the outputs a stride-1 convolution would, and its maps are 12x12 instead of\n"
        "13x13, so the dense layer is smaller: fewer parameters in all.");
}

// ---- step 9: Dilation: receptive fields of stacked 3x3 layers -----------------------------------
const nn::lesson::StepText dilation_text{
    "Dilation: receptive fields of stacked 3x3 layers",
    "L stacked 3x3 convolutions see 2L + 1 pixels across: 3, 5, 7, 9. With dilations 1, 2,\n"
    "4, 8 (each layer's taps twice as far apart; Yu and Koltun 2016) the same 9 weights per\n"
    "layer see 3, 7, 15, 31: 2^(L+1) - 1, exponential in depth, with no pooling and no loss\n"
    "of resolution. Each picture is the backward of a 1 at the centre output through the stack\n"
    "with all-ones kernels: the number of paths from each input pixel to the centre."};

void dilation(Context& /*c*/, nn::lesson::Step& s) {
  s.code("src/nn/blocks.cpp", "receptive-field");
  const arma::uword size = 33;
  nn::plot::Images images("receptive-fields",
                          "Receptive field of the centre pixel: 1-4 layers of 3x3, dilation 1 (top) vs 1-2-4-8 (bottom)");
  images.columns = 4;
  images.palette = nn::plot::Palette::sequential;
  std::ostringstream t;
  t << "layers   dilation 1: field, paths   dilations 1,2,4,..: field, pixels reached\n";
  const nn::StackedFields f = nn::stacked_fields(4, size);
  std::vector<std::string> bottom_labels;  // of the dilated fields, drawn below
  std::string ds;                          // "1-2-4-8"
  for (arma::uword l = 0; l < 4; ++l) {
    const arma::uword side_a = f.plain_side(l), side_b = f.dilated_side(l);
    ds += (l > 0 ? "-" : "") + std::to_string(f.dilations[l]);
    t << std::setw(6) << l + 1 << std::setw(14) << side_a << "x" << side_a << std::setw(8) << f.plain_paths(l)
      << std::setw(20) << side_b << "x" << side_b << std::setw(8) << f.dilated_reached(l) << "\n";
    images.add(f.plain[l], std::to_string(l + 1) + " layer" + (l > 0 ? "s" : "") + ", d = 1: " +
                               std::to_string(side_a) + "x" + std::to_string(side_a));
    bottom_labels.push_back("d = " + ds + ": " + std::to_string(side_b) + "x" + std::to_string(side_b));
  }
  for (arma::uword l = 0; l < 4; ++l) images.add(f.dilated[l], bottom_labels[l]);
  s.say(t.str());
  s.plot(images);
  s.say("Dilations 1-2-4-8 reach every pixel of their 31x31 field (961 of 961): along each\n"
        "axis the offsets a + 2b + 4c + 8d with a, b, c, d in {-1, 0, 1} hit every integer\n"
        "from -15 to 15, so there are no gaps. Doubling the dilation each layer is what makes\n"
        "the cover complete; dilations 1-3-9 would too, 1-4-16 would leave holes. Plain\n"
        "stacks pile their paths onto the centre (a binomial bump).");
}

// ---- step 10: The dilated Toeplitz matrix -------------------------------------------------------
const nn::lesson::StepText dilated_toeplitz_text{
    "The dilated Toeplitz matrix",
    "Conv2d with dilation is still a matrix: vec(y) = T vec(x) + b (lesson 3). A 3x3 kernel\n"
    "[1..9] with dilation 2 on a 7x7 image: 3x3 outputs, each a dot product with 9 pixels two\n"
    "apart. T is 9 x 49; each row holds the kernel's 9 weights, now spread over 5 image rows.\n"
    "It equals the undilated convolution with the zero-stuffed 5x5 kernel."};

void dilated_toeplitz(Context& c, nn::lesson::Step& s) {
  s.source("src/nn/conv2d.cpp", "conv2d-toeplitz");
  const arma::mat kernel = arma::reshape(arma::regspace(1, 9), 3, 3).t();  // rows 1 2 3 / 4 5 6 / 7 8 9
  s.show("kernel", kernel);
  const nn::DilatedToeplitz d = nn::dilated_toeplitz(kernel, 2, 7, c.lesson.seed());  // (9 x 49)
  s.show("the same taps as a 5x5 kernel with zeros between", d.stuffed);
  s.show("T (9 x 49), first 12 columns (image column 0, then column 1: rows 0-6, 0-4)", arma::mat(d.t.cols(0, 11)));
  s.show("max |T_dilated - T_zero-stuffed|", d.stuffed_difference, 1);
  s.show("max |forward(x) - T x| for a random x", d.forward_difference, 17);
  nn::plot::Heatmap map("dilated-toeplitz", "Toeplitz matrix of a 3x3 kernel [1..9], dilation 2, on a 7x7 image", d.t);
  map.x_label = "input pixel (column-major: 7 per image column)";
  map.y_label = "output pixel";
  map.palette = nn::plot::Palette::sequential;
  s.plot(map);
}

// ---- step 11: Linear regions of a random ReLU layer on the plane --------------------------------
// The regions of one layer in [-extent, extent]^2, a colour each (shuffled: neighbours apart).
void plot_regions(nn::lesson::Step& s, const arma::mat& weight, const arma::vec& bias, double extent,
                  bool whole) {
  const arma::umat image = nn::region_image(weight, bias, extent, 240);
  nn::plot::Heatmap map = nn::plot::regions_heatmap(
      whole ? "regions-10" : "regions-10-zoom",
      "The " + std::to_string(image.max() + 1) + " regions of 10 ReLUs seen in [-" + number(extent, 2, 0) + ", " +
          number(extent, 2, 0) + "]^2" + (whole ? " (every crossing)" : " (zoomed)"),
      image);
  map.x_label = "x (240 pixels across)";
  map.y_label = "y (240 pixels, up at the top)";
  s.plot(map);
}

const nn::lesson::StepText linear_regions_text{
    "Linear regions of a random ReLU layer on the plane",
    "A layer of n ReLUs on R^2, h = relu(W p + b) (W n x 2, b n, both randn), is linear on each\n"
    "region where the pattern of active units is fixed. Unit i switches on the line\n"
    "w_i . p + b_i = 0, and n lines in general position cut the plane into\n"
    "sum_{s=0..2} C(n, s) = 1 + n + n(n-1)/2 regions. We count the distinct activation\n"
    "patterns on a grid that provably meets every region: one grid column per slab between\n"
    "neighbouring line crossings, one grid row between every two neighbouring lines on each\n"
    "column (docs/lesson11.md says why that is enough; a uniform grid is not: a region can be\n"
    "arbitrarily thin). The pictures use a uniform grid and show what it misses."};

void linear_regions(Context& c, nn::lesson::Step& s) {
  s.source("src/nn/blocks.cpp", "region-sample-grid");  // 35 lines: the doc shows them
  s.source("src/nn/blocks.cpp", "count-regions");
  nn::seed(c.lesson.seed());
  const arma::uword max_units = 10;
  std::ostringstream t;
  t << "   n   formula  counted   grid points   uniform 400x400 grid over the crossings\n";
  const nn::RegionTable table = nn::region_table(max_units);  // layers of 1 .. 10 units
  for (arma::uword n = 1; n <= max_units; ++n) {
    const nn::RegionCounts& r = table.rows[n - 1];
    t << std::setw(4) << n << std::setw(10) << r.formula << std::setw(9) << r.counted
      << std::setw(14) << r.grid_points << std::setw(10) << r.uniform << " (extent " << number(r.extent, 3, 0) << ")\n";
  }
  s.say(t.str());
  auto lines = nn::plot::Lines("linear-regions", "Linear regions of a ReLU layer R^2 -> R^n", "n (units)", "regions")
                   .keyed("top left").marked();
  lines.add("1 + n + n(n-1)/2", arma::regspace(1, max_units), table.formula);
  lines.add("counted on the slab grid (on top of the formula)", arma::regspace(1, max_units), table.counted);
  lines.add("seen by a uniform 400x400 grid", arma::regspace(1, max_units), table.uniform);
  s.plot(lines);
  plot_regions(s, table.weight, table.bias, table.rows.back().extent, true);  // every crossing
  plot_regions(s, table.weight, table.bias, 3.0, false);                      // zoomed
  s.say("Each colour is one linear piece. A deep net composes such layers: its pieces can\n"
        "multiply with depth (Montufar et al. 2014), which this bound for one layer does not.");
}

// ---- step 12: What to try next ------------------------------------------------------------------
const nn::lesson::StepText what_next_text{
    "What to try next",
    "Claims of this lesson are tested in tests/lessons/lesson11_normalization_test.cpp\n"
    "(build/stepnet_tests \"[lesson11]\"); the prose is docs/lesson11.md."};

void what_next(Context& /*c*/, nn::lesson::Step& s) {
  s.say("- --lr 0.1 and --lr 1: where does the plain net start to fail, and the BN net?\n"
        "- Put the BatchNorm1d after the ReLU instead of before: does step 4 still hold?\n"
        "- BatchNorm2d in the CNNs of step 8 (after the first convolution).\n"
        "- Dilations 1-2-4 with 5x5 kernels: what field, and are there gaps?\n"
        "- Linear regions of a 2-layer ReLU net on the plane: count them on a fine grid.");
}

}  // namespace

// main: the lesson, its options, the context, then the table of steps.
int main(int argc, char** argv) {
  nn::lesson::Lesson lesson(11, "Batch norm, pooling, strided and dilated convolution, linear regions",
                            argc, argv);
  lesson.option("--lr", "RATE", "learning rate of the Fashion-MNIST runs with and without BN", 1.0);
  lesson.option("--epochs", "N", "epochs of the Fashion-MNIST runs (--quick: 1)", 6, 1);
  lesson.option("--units", "N", "units per layer of the deep nets (step 4)", 256);

  Context c(lesson);
  lesson.step(bn_by_hand_text, c, bn_by_hand);
  lesson.step(bn_backward_text, c, bn_backward);
  lesson.step(running_stats_text, c, running_stats);
  lesson.step(deep_nets_text, c, deep_nets);
  lesson.step(high_lr_text, c, high_lr);
  lesson.step(train_vs_eval_text, c, train_vs_eval);
  lesson.step(pooling_text, c, pooling);
  lesson.step(downsampling_text, c, downsampling);
  lesson.step(dilation_text, c, dilation);
  lesson.step(dilated_toeplitz_text, c, dilated_toeplitz);
  lesson.step(linear_regions_text, c, linear_regions);
  lesson.step(what_next_text, c, what_next);
  return lesson.run();
}
