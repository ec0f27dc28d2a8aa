// lesson09_inside.cpp -- looking inside a trained network.
//
// What you will learn: to read a small trained classifier from the inside: its first-layer
// weights drawn as images; which pixels move a class score (saliency: the gradient of the
// score with respect to the input image, one backward pass) and the sharper picture guided
// backpropagation draws; where the test images land in a hidden layer, flattened to 2-D by PCA
// and by t-SNE; what it confuses; and, by training the same network on shuffled labels, that
// it has the capacity to memorize noise, so training accuracy alone says nothing.
//
//   make lesson9                          step through (about 16 s of CPU; step 3 is 3 s of it)
//   make lesson9 ARGS="--quick"           small and fast (what make test runs)
//   make lesson9 ARGS="--full"            step 3's 300- and 800-unit nets 20 epochs, not 3
//
// The network (one column per image, 784 = 1x28x28, standardized per pixel as in lesson 6):
//   Linear(784 -> 64) -> ReLU -> Linear(64 -> 32) -> ReLU -> Linear(32 -> 10) = scores s(x)
// Row u of the first weight matrix multiplies the 784 pixels: it IS a 28x28 image, the
// pattern unit u responds to most.
//
// Saliency (Simonyan, Vedaldi & Zisserman 2014). For an image x and a class c,
//   S = d s_c / d x   (784 values: how much each pixel moves the score of class c)
// is one backward pass from the upstream gradient e_c (1 at c, 0 elsewhere). At a ReLU the
// backward passes G % [x > 0]. Guided backpropagation (Springenberg et al. 2015) passes
// G % [x > 0] % [G > 0] instead: only what increases the score, through units that fired.
// That is not the gradient of anything; it is a picture, and usually a sharper one.
//
// Embeddings. H (32 x n) is the second hidden layer for the n test images. PCA: the
// projection onto the two directions of largest variance (an SVD of the centred H). t-SNE
// (van der Maaten & Hinton 2008): 2-D points whose Student-t neighbour probabilities match the
// Gaussian ones of H (perplexity ~ the number of neighbours each point keeps), found by
// gradient descent; it keeps neighbourhoods, not distances.
//
// Random labels (Zhang et al. 2017, "Understanding deep learning requires rethinking
// generalization"): the same net on the same images with the labels shuffled.
#include <chrono>
#include <iomanip>
#include <optional>
#include <sstream>

#include "nn/inspect.hpp"
#include "course/lesson.hpp"
#include "nn/nn.hpp"
#include "nn/optim.hpp"
#include "nn/trainer.hpp"

namespace {

using nn::util::fixed;
using nn::util::percent;

using nn::lesson::Lesson;
using nn::lesson::Step;

constexpr arma::uword classes = 10;
const nn::Shape image_shape{1, 28, 28};
constexpr std::size_t hidden_layer = 3;  // the second ReLU's output: 32 units

// [snippet inside-net]
// 784 -> 64 -> ReLU -> 32 -> ReLU -> 10: small enough to train in a second or two.
nn::Sequential inside_net() {
  nn::Sequential net;
  nn::Linear& first = net.emplace<nn::Linear>(784, 64);  // (64 x batch)
  // Row u of the weight is a 28x28 image. Start it small (std 0.001, not Torch's +-1/28), so
  // what training writes into it is what we see, not the random start (as lesson 7 did).
  first.weight = 0.001 * arma::randn(64, 784);
  net.emplace<nn::ReLU>();
  net.emplace<nn::Linear>(64, 32);   // (32 x batch)
  net.emplace<nn::ReLU>();           // module 3: the hidden layer we embed in 2-D
  net.emplace<nn::Linear>(32, classes);  // (10 x batch) class scores
  return net;
}

nn::TrainResult train_inside(nn::Sequential& net, const nn::Dataset& train, const nn::Dataset& test,
                             int epochs, std::uint64_t seed) {
  nn::SGD sgd(net.parameters(), 0.01, 0.9);  // momentum 0.9 (lesson 8)
  nn::TrainConfig config;
  config.epochs = epochs;
  config.batch_size = 32;
  config.seed = seed;
  config.quiet = true;
  config.explosion_factor = 0;  // random labels: the loss may rise for a while; no guard
  return nn::train(net, sgd, train, config, test);
}
// [/snippet]

// [snippet wide-net]
// CSC321's wide nets (Frossard): 784 -> hidden -> ReLU -> Dropout(0.5) -> 10, weights from a
// truncated normal with std 0.01, biases 0.1 (so no ReLU starts dead), Adam lr 5e-4, L2 1e-3
// on the weights.
nn::Sequential wide_net(arma::uword hidden) {
  nn::Sequential net;
  nn::Linear& first = net.emplace<nn::Linear>(784, hidden);  // (hidden x batch)
  nn::init::truncated_normal(first.weight, 0.01);
  first.bias.fill(0.1);
  net.emplace<nn::ReLU>();
  net.emplace<nn::Dropout>(0.5);
  nn::Linear& last = net.emplace<nn::Linear>(hidden, classes);  // (10 x batch)
  nn::init::truncated_normal(last.weight, 0.01);
  last.bias.fill(0.1);
  return net;
}

nn::TrainResult train_wide(nn::Sequential& net, const nn::Dataset& train, const nn::Dataset& test,
                           int epochs, std::uint64_t seed) {
  nn::Adam adam(net.parameters(), 5e-4);
  adam.set_weight_decay(1e-3);
  adam.set_weight_decay("bias", 0.0);
  nn::TrainConfig config;
  config.epochs = epochs;
  config.batch_size = 32;
  config.seed = seed;
  config.quiet = true;
  return nn::train(net, adam, train, config, test);
}
// [/snippet]

// ---- what the steps share ------------------------------------------------------------------
// The data and the trained network, built by the first step that asks for them (so any step
// runs alone: --step K); everything from the lesson's seed.
struct Context {
  Lesson& lesson;
  nn::Dataset train, test;            // empty until data() loads them
  std::optional<nn::Sequential> net;  // empty until trained() trains it
  nn::TrainResult result;             // its training history

  void data();
  nn::Sequential& trained(Step& s);
};

// The shipped Fashion-MNIST subset, 2000 training and 1000 test images (--quick: 300 and 200),
// standardized per pixel with the training images' statistics (lesson 6).
void Context::data() {
  if (train.n_samples() > 0) return;
  nn::SplitOptions options;
  options.quick = lesson.quick();  // make test: 300 training and 200 test images
  nn::Splits data = nn::fashion_splits(options);
  train = std::move(data.train);
  test = std::move(data.test);
}

// The network every step looks into, trained once (--epochs; --quick: 3).
nn::Sequential& Context::trained(Step& s) {
  if (net) return *net;
  data();
  nn::seed(lesson.seed());
  net = inside_net();
  const int epochs = lesson.quick() ? 3 : static_cast<int>(lesson.integer("--epochs"));
  result = train_inside(*net, train, test, epochs, lesson.seed());
  s.say("trained " + net->name() + "\non " + std::to_string(train.n_samples()) +
        " training images of the shipped Fashion-MNIST subset (standardized per pixel), SGD\n"
        "lr 0.01 with momentum 0.9, batches of 32, " + std::to_string(epochs) + " epochs, " +
        fixed(result.seconds, 1) + " s: test accuracy " +
        percent(result.history.back().test_accuracy) + " on " +
        std::to_string(test.n_samples()) + " test images");
  return *net;
}

// ---- step 1: The network we look into -------------------------------------------------------
const nn::lesson::StepText the_network_text{
    "The network we look into",
    "Two hidden layers of ReLUs, trained with cross-entropy. Nothing in this lesson changes\n"
    "the network: every later step reads it (weights, gradients with respect to the input,\n"
    "hidden activations) and puts it back as it found it."};

void the_network(Context& c, Step& s) {
  s.needs({"Linear::backward", "relu_backward", "SoftmaxCrossEntropy::backward", "SGD::step"});
  s.code("lessons/lesson09_inside.cpp", "inside-net");
  c.trained(s);
  std::ostringstream t;
  t << "epoch  train acc  test acc\n";
  for (const nn::EpochStats& e : c.result.history)
    t << std::setw(5) << e.epoch << std::setw(11) << percent(e.train_accuracy) << std::setw(10)
      << percent(e.test_accuracy) << "\n";
  s.say(t.str());
}

// ---- step 2: First-layer weights as images --------------------------------------------------
const nn::lesson::StepText first_layer_text{
    "First-layer weights as images",
    "Unit u of the first layer computes w_u . x + b_u: its 784 weights are a 28x28 template,\n"
    "drawn here red where a bright pixel raises the unit's input and blue where it lowers it.\n"
    "weight_images reads each row of W (64 x 784) back into the image layout."};

void first_layer(Context& c, Step& s) {
  s.needs({"Linear::backward", "relu_backward", "SoftmaxCrossEntropy::backward", "SGD::step"});
  nn::Sequential& net = c.trained(s);
  s.code("src/nn/inspect.cpp", "weight-images");
  const arma::mat& w = dynamic_cast<nn::Linear&>(net[0]).weight;  // (64 x 784)
  nn::plot::Images grid("first-layer", "The 64 first-layer units as 28x28 images (blue < 0 < red)");
  grid.palette = nn::plot::Palette::diverging;
  const std::vector<arma::mat> images = nn::weight_images(w, image_shape);
  for (const arma::mat& image : images) grid.add(image);  // units 1-8 in the top row
  s.plot(grid);
  s.show("unit 1's weights, rows 10-13 and columns 10-15 of its image",
         arma::mat(images[0].submat(10, 10, 13, 15)));
  s.say("Most units are garment-shaped templates: the outline of a shirt or a pullover, a\n"
        "trouser's two legs, the sole of a shoe, often as a difference (red where one class\n"
        "has ink, blue where another has). A unit is a detector for that contrast; none is\n"
        "'the trouser unit': the classes are read from all 64 by the layers above.");
}

// ---- step 3: Wider: the weights of 300- and 800-unit nets -----------------------------------
const nn::lesson::StepText wide_nets_text{
    "Wider: the weights of 300- and 800-unit nets",
    "CSC321's assignment (Frossard) draws sample weights of two wide one-layer nets, 300 and\n"
    "800 ReLUs with dropout 0.5 and L2 1e-3, and reads in them templates, and units that\n"
    "memorize single training images, some twice over, more of them in the bigger net.\n"
    "The same nets here on Fashion-MNIST: how close is each unit to one training image\n"
    "(the largest cosine similarity) and to another unit of its layer?"};

// One row of step 3's table: a wide net of `hidden` units trained on `images`, its accuracies,
// and how close its units come to a training image and to each other. 16 of its units
// (evenly spaced) go into `grid`.
std::string wide_net_row(arma::uword hidden, const nn::Dataset& images, const nn::Dataset& test,
                         int epochs, std::uint64_t seed, nn::plot::Images& grid) {
  nn::seed(seed);
  nn::Sequential net = wide_net(hidden);
  const nn::TrainResult r = train_wide(net, images, test, epochs, seed);
  const arma::mat& w = dynamic_cast<nn::Linear&>(net[0]).weight;  // (hidden x 784)
  const auto [to_image, to_unit] = nn::template_similarity(w, images.x);
  const auto share_above = [](const arma::vec& v, double level) {
    return percent(arma::mean(arma::conv_to<arma::vec>::from(v > level)));
  };
  std::ostringstream t;
  t << std::setw(5) << hidden << std::setw(7) << percent(nn::accuracy(net, images.x, images.y))
    << std::setw(7) << percent(nn::accuracy(net, test.x, test.y))
    << std::setw(9) << fixed(r.seconds, 1) << std::setw(9) << fixed(arma::median(to_image), 2)
    << std::setw(6) << fixed(to_image.max(), 2) << std::setw(7) << share_above(to_image, 0.7)
    << std::setw(11) << fixed(arma::median(to_unit), 2) << std::setw(6)
    << fixed(to_unit.max(), 2) << std::setw(7) << share_above(to_unit, 0.7) << "\n";
  const std::vector<arma::mat> pictures = nn::weight_images(w, image_shape);
  for (arma::uword k = 0; k < 16; ++k) grid.add(pictures[k * hidden / 16]);  // evenly spaced units
  return t.str();
}

void wide_nets(Context& c, Step& s) {
  s.needs({"Linear::backward", "relu_backward", "SoftmaxCrossEntropy::backward"});
  c.data();
  s.source("lessons/lesson09_inside.cpp", "wide-net");  // 41 lines: the doc shows them
  const bool full = c.lesson.is_set("--full");
  const nn::Dataset images =
      full ? c.train : nn::first_per_class(c.train, c.lesson.quick() ? 10 : 100);
  const int epochs = full ? 20 : (c.lesson.quick() ? 1 : 3);
  nn::plot::Images grid("wide-weights", "16 units each: 300-unit net (top two rows), "
                                        "800-unit net (bottom two) (blue < 0 < red)");
  grid.palette = nn::plot::Palette::diverging;
  std::ostringstream t;
  t << images.n_samples() << " training images, " << epochs << " epochs"
    << (full ? "" : " (--full: all 2000, 20 epochs)") << "\n"
    << "                               cosine of a unit's weights with its nearest\n"
    << "                               training image          other unit of the layer\n"
    << "units  train   test  seconds   median   max  > 0.7     median   max  > 0.7\n";
  for (arma::uword hidden : {300, 800})
    t << wide_net_row(hidden, images, c.test, epochs, c.lesson.seed(), grid);
  s.say(t.str());
  s.plot(grid);
  s.say("A unit that had copied one training image would have a cosine near 1 with it; the\n"
        "largest is in the table. Twins (two units storing the same thing, which dropout\n"
        "rewards: when one is dropped the other carries on) show as a high cosine with\n"
        "another unit. Adam moves every weight by about the same step, so a few epochs leave\n"
        "the pictures noisier than step 2's SGD-trained ones; --full trains 20 epochs.");
}

// ---- step 4: Saliency -----------------------------------------------------------------------
const nn::lesson::StepText saliency_map_text{
    "Saliency: the gradient of a class score with respect to the image",
    "One backward pass from the upstream gradient e_c (1 for class c, 0 for the others)\n"
    "gives d s_c / d x, one number per pixel: the pixels that move the score of class c\n"
    "the most. Checked here against centered differences on the first test image."};

void saliency_map(Context& c, Step& s) {
  s.needs({"numeric_gradient", "Linear::backward", "relu_backward",
           "SoftmaxCrossEntropy::backward", "SGD::step"});
  nn::Sequential& net = c.trained(s);
  s.code("src/nn/inspect.cpp", "input-gradient");
  const std::vector<std::string>& names = nn::fashion_mnist_classes();
  const arma::vec x = c.test.x.col(0);  // (784)
  const arma::vec scores = nn::forward_in_batches(net, x);
  const arma::uword top = scores.index_max();
  s.say("first test image: a " + names[c.test.y(0)] + "; top class " + names[top] +
        ", score " + fixed(scores(top), 3));
  const arma::mat analytic = nn::saliency(net, x, top);  // (784 x 1)
  net.set_training(false);
  const arma::mat numeric = nn::numeric_gradient(
      [&](const arma::mat& image) { return arma::mat(net.forward(image))(top); }, x);
  net.set_training(true);
  s.show("d s_c / d x at rows 10-13, columns 12-15 of the image",
         arma::mat(arma::reshape(analytic, 28, 28)).submat(10, 12, 13, 15), 5);
  s.show("largest |d s_c / d x|", arma::abs(analytic).max(), 5);
  s.show("max |analytic - numeric| (numeric_gradient, h = 1e-5)", arma::abs(analytic - numeric).max(), 12);
  s.show("relative error (entry by entry, the worst)", nn::relative_error(analytic, numeric), 12);
  s.say("Between kinks the net is linear in x (the ReLUs only pick the piece), so centered\n"
        "differences have no O(h^2) error: what is left is round-off, ~1e-16 x score / h.\n"
        "The relative error is larger only because some pixels' gradients are tiny.");
}

// ---- step 5: Guided backpropagation, beside the plain gradient ------------------------------
const nn::lesson::StepText guided_maps_text{
    "Guided backpropagation, beside the plain gradient",
    "At each ReLU the ordinary backward passes G % [x > 0]. Guided backpropagation also drops\n"
    "the negative incoming gradients: G % [x > 0] % [G > 0]. Only evidence FOR the class flows\n"
    "back. First the rule on four numbers, then six test images: the image, the plain\n"
    "gradient and the guided one, each for the net's top class (blue < 0 < red)."};

// One test image of each of six classes: the image (top row), the plain gradient (middle) and
// the guided one (bottom), each for the net's top class; then how alike the two maps are.
void compare_saliency_maps(nn::Sequential& net, const nn::Dataset& test, Step& s) {
  const std::vector<std::string>& names = nn::fashion_mnist_classes();
  nn::plot::Images grid("saliency",
                        "Test images (top), d score / d x (middle), guided backprop (bottom)");
  grid.palette = nn::plot::Palette::diverging;
  grid.columns = 6;
  const arma::uvec shown_classes{0, 1, 3, 5, 7, 8};  // T-shirt, Trouser, Dress, Sandal, Sneaker, Bag
  const arma::uword shown = shown_classes.n_elem;
  std::vector<arma::mat> rows[3];
  arma::mat compare(3, shown);  // per image: positive share (plain, guided), correlation
  for (arma::uword k = 0; k < shown; ++k) {
    const arma::uvec first = arma::find(test.y == shown_classes(k), 1);
    const arma::uword i = first(0);
    const arma::vec x_i = test.x.col(i);  // (784) standardized
    const arma::uword top = nn::forward_in_batches(net, x_i).index_max();
    const arma::mat plain = nn::saliency(net, x_i, top);
    const arma::mat guided = nn::guided_backprop(net, x_i, top);
    rows[0].push_back(arma::reshape(nn::unapply(test.preprocessing, x_i), 28, 28));
    rows[1].push_back(arma::reshape(plain, 28, 28));
    rows[2].push_back(arma::reshape(guided, 28, 28));
    compare(0, k) = nn::positive_share(plain);
    compare(1, k) = nn::positive_share(guided);
    compare(2, k) = arma::as_scalar(arma::cor(plain, guided));
    s.say("image " + std::to_string(k + 1) + ": a " + names[test.y(i)] + ", top class " +
          names[top]);
  }
  for (int r = 0; r < 3; ++r)
    for (arma::uword k = 0; k < shown; ++k)
      grid.add(rows[r][k], r == 0 ? std::to_string(k + 1) + ": " + names[shown_classes(k)]
                                  : (r == 1 ? "gradient" : "guided"));
  s.plot(grid);
  s.show("per image: positive share of |plain|, of |guided|; their correlation", compare, 2);
}

void guided_maps(Context& c, Step& s) {
  s.needs({"Linear::backward", "relu_backward", "leaky_relu_backward",
           "SoftmaxCrossEntropy::backward", "SGD::step", "guided ReLU backward"});
  s.code("src/nn/inspect.cpp", "guided-relu-backward");
  const arma::mat x{{1.0, -2.0, 3.0, 0.5}};     // (1 x 4) what the ReLU saw
  const arma::mat g{{0.5, 0.7, -1.0, 2.0}};     // (1 x 4) incoming gradient
  s.show("x", x, 2);
  s.show("G (incoming)", g, 2);
  s.show("relu_backward: G % [x > 0]", nn::relu_backward(x, g), 2);
  s.show("guided_relu_backward: G % [x > 0] % [G > 0]", nn::guided_relu_backward(x, g), 2);
  compare_saliency_maps(c.trained(s), c.test, s);
  s.say("Both maps are signed templates: red where more ink raises the score (the legs and\n"
        "the gap between them for the trouser, the strap and heel for the sandal), blue where\n"
        "it lowers it. Here they look alike: with two ReLU layers there is little to mask,\n"
        "and the map is W1' (a hidden gradient) either way, so it carries the first layer's\n"
        "templates with both signs. Guided backprop's clean pictures come from deep convnets,\n"
        "where the masks of many layers compound; and it is no longer a gradient: it shows\n"
        "which pixels feed units that vote for the class, not how the score would change.");
}

// ---- step 6: The confusion matrix -----------------------------------------------------------
const nn::lesson::StepText confusion_table_text{
    "The confusion matrix",
    "Row t, column p counts the test images of class t the net calls p (rows are the truth,\n"
    "as scikit-learn's). The diagonal is what it gets right; the rest says what it mixes up."};

void confusion_table(Context& c, Step& s) {
  s.needs({"Linear::backward", "relu_backward", "SoftmaxCrossEntropy::backward", "SGD::step"});
  nn::Sequential& net = c.trained(s);
  s.source("src/nn/trainer.cpp", "confusion-matrix");
  const std::vector<std::string>& names = nn::fashion_mnist_classes();
  const arma::uvec predicted = nn::predict(net, c.test.x);
  const arma::umat confusion = nn::confusion_matrix(predicted, c.test.y, classes);
  // The matrix with its class names: rows in full, columns by their first 5 letters.
  std::ostringstream m;
  m << "confusion matrix (rows: true class, columns: predicted)\n" << std::setw(13) << "";
  for (arma::uword p = 0; p < classes; ++p) m << std::setw(6) << names[p].substr(0, 5);
  for (arma::uword t = 0; t < classes; ++t) {
    m << "\n" << std::left << std::setw(13) << names[t] << std::right;
    for (arma::uword p = 0; p < classes; ++p) m << std::setw(6) << confusion(t, p);
  }
  s.say(m.str());
  s.plot(nn::plot::confusion_heatmap("confusion", "Confusion matrix on the test set", confusion,
                                     names));
  const arma::vec per_class = arma::conv_to<arma::vec>::from(arma::diagvec(confusion)) /
                              arma::conv_to<arma::vec>::from(arma::sum(confusion, 1));
  std::ostringstream t;
  t << "accuracy per class:";
  for (arma::uword k = 0; k < classes; ++k)
    t << (k % 5 ? "  " : "\n  ") << names[k] << " " << percent(per_class(k));
  s.say(t.str());
}

// ---- step 7: A hidden layer in 2-D: PCA -----------------------------------------------------
const nn::lesson::StepText pca_plane_text{
    "A hidden layer in 2-D: PCA",
    "H = the second hidden layer's 32 activations for every test image (32 x n). PCA centres\n"
    "the columns and takes the SVD H_c = U S V' (LAPACK): the columns of U are the directions\n"
    "of largest variance, and U_2' H_c are the images' coordinates along the first two."};

void pca_plane(Context& c, Step& s) {
  s.needs({"Linear::backward", "relu_backward", "SoftmaxCrossEntropy::backward", "SGD::step"});
  nn::Sequential& net = c.trained(s);
  s.source("src/nn/inspect.cpp", "layer-output");
  s.code("src/nn/inspect.cpp", "pca");
  const arma::mat h = nn::layer_output(net, c.test.x, hidden_layer);  // (32 x n)
  const nn::PrincipalComponents pc = nn::principal_components(h, 10);
  const double total = arma::accu(arma::var(h, 0, 1));  // variance summed over the 32 units
  s.show("variance along the first 10 axes", arma::mat(pc.variance.t()), 2);
  s.show("fraction of the total variance in the first 2", arma::accu(pc.variance.head(2)) / total, 3);
  nn::plot::Scatter scatter("pca", "Second hidden layer, test set: first two principal components",
                            pc.scores.rows(0, 1), c.test.y);
  scatter.class_names = nn::fashion_mnist_classes();
  scatter.x_label = "PC1";
  scatter.y_label = "PC2";
  s.plot(scatter);
  s.source("src/nn/inspect.cpp", "nearest-neighbour-agreement");
  s.show("nearest neighbour has the same class: in the 32-D layer",
         nn::nearest_neighbour_agreement(h, c.test.y), 3);
  s.show("                                      in the 2-D PCA",
         nn::nearest_neighbour_agreement(pc.scores.rows(0, 1), c.test.y), 3);
  s.say("Trousers, bags and the shoes stand apart; the tops (T-shirt, pullover, coat, shirt)\n"
        "overlap in one cloud: two directions cannot hold what 32 units separate.");
}

// ---- step 8: A hidden layer in 2-D: t-SNE ---------------------------------------------------
const nn::lesson::StepText tsne_plane_text{
    "A hidden layer in 2-D: t-SNE",
    "t-SNE places one 2-D point per image so that who-is-near-whom matches the 32-D layer:\n"
    "Gaussian neighbour probabilities P in 32-D (a width per point, found by binary search\n"
    "for the perplexity), Student-t probabilities Q in 2-D, and gradient descent on KL(P||Q)\n"
    "with early exaggeration and momentum. Exact: O(n^2) per iteration."};

// What the run did: its points and settings, its time, and KL(P || Q) at six iterations.
std::string tsne_summary(arma::uword points, const nn::TsneConfig& config,
                         const nn::TsneResult& result, double seconds) {
  std::ostringstream t;
  t << points << " points, perplexity " << config.perplexity << ", " << config.iterations
    << " iterations (exaggeration " << config.exaggeration << " for the first "
    << config.exaggeration_iterations << "), learning rate " << fixed(result.learning_rate, 1)
    << ": " << fixed(seconds, 1) << " s\nKL(P || Q) at iteration";
  for (std::size_t k = 0; k < result.cost.size(); k += std::max<std::size_t>(1, result.cost.size() / 5))
    t << "  " << result.cost_iterations[k] << ": " << fixed(result.cost[k], 3);
  t << "  " << result.cost_iterations.back() << ": " << fixed(result.cost.back(), 3);
  return t.str();
}

void tsne_plane(Context& c, Step& s) {
  s.needs({"Linear::backward", "relu_backward", "SoftmaxCrossEntropy::backward", "SGD::step"});
  nn::Sequential& net = c.trained(s);
  s.source("src/nn/inspect.cpp", "tsne-perplexity");
  s.code("src/nn/inspect.cpp", "tsne-gradient");
  s.source("src/nn/inspect.cpp", "tsne-loop");
  const arma::uword n = std::min<arma::uword>(
      c.lesson.quick() ? 200 : static_cast<arma::uword>(c.lesson.integer("--tsne-points")),
      c.test.n_samples());
  const arma::uvec picks = nn::balanced_indices(c.test.y, std::max<arma::uword>(1, n / classes));
  const arma::mat h = nn::layer_output(net, c.test.x.cols(picks), hidden_layer);  // (32 x n)
  const arma::uvec labels = c.test.y(picks);
  nn::TsneConfig config;
  config.perplexity = c.lesson.number("--perplexity");
  config.seed = c.lesson.seed();
  if (c.lesson.quick()) {
    config.iterations = 300;
    config.exaggeration_iterations = 100;
  }
  const auto start = std::chrono::steady_clock::now();
  const nn::TsneResult result = nn::tsne_run(h, config);
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  s.say(tsne_summary(picks.n_elem, config, result, seconds));
  nn::plot::Scatter scatter("tsne", "Second hidden layer, test set: t-SNE", result.embedding, labels);
  scatter.class_names = nn::fashion_mnist_classes();
  scatter.x_label = "t-SNE 1";
  scatter.y_label = "t-SNE 2";
  s.plot(scatter);
  s.show("nearest neighbour has the same class: in the 32-D layer",
         nn::nearest_neighbour_agreement(h, labels), 3);
  s.show("                                      in the 2-D t-SNE",
         nn::nearest_neighbour_agreement(result.embedding, labels), 3);
  s.show("                                      in the 2-D PCA",
         nn::nearest_neighbour_agreement(nn::pca(h, 2), labels), 3);
  s.say("t-SNE keeps almost all of the 32-D neighbourhoods in two dimensions, where PCA\n"
        "loses a quarter of them. Read it for clusters, not for distances: the gaps between\n"
        "clusters and their sizes mean little (change --perplexity and they change).");
}

// ---- step 9: Random labels: the same network memorizes noise --------------------------------
const nn::lesson::StepText random_labels_text{
    "Random labels: the same network memorizes noise",
    "Shuffle the training labels (each image gets the label of another, so every class keeps\n"
    "its count) and train the same network from the same start, beside the true labels.\n"
    "There is nothing to learn that carries over to the test set; is there anything to fit?"};

// A fresh inside_net trained on `d` from the lesson's seed: its accuracy per epoch as two
// curves, and rows of the table `t` (the first epoch, every fifth of the run, the end).
void train_on_labels(const std::string& label, const nn::Dataset& d, const nn::Dataset& test,
                     int epochs, std::uint64_t seed, nn::plot::Lines& curves, std::ostream& t) {
  nn::seed(seed);
  nn::Sequential net = inside_net();
  const nn::TrainResult r = train_inside(net, d, test, epochs, seed);
  arma::vec train_acc(r.history.size()), test_acc(r.history.size());
  for (std::size_t e = 0; e < r.history.size(); ++e) {
    train_acc(e) = r.history[e].train_accuracy;
    test_acc(e) = r.history[e].test_accuracy;
    if ((e + 1) % std::max<std::size_t>(1, r.history.size() / 5) == 0 || e == 0)
      t << std::left << std::setw(10) << label << std::right << std::setw(6) << e + 1
        << std::setw(11) << percent(train_acc(e)) << std::setw(10) << percent(test_acc(e)) << "\n";
  }
  curves.add(label + " labels, train", train_acc);
  curves.add(label + " labels, test", test_acc);
  t << std::left << std::setw(10) << label << std::right << "   end" << std::setw(11)
    << percent(nn::accuracy(net, d.x, d.y)) << std::setw(10)
    << percent(nn::accuracy(net, test.x, test.y)) << "   (eval mode, "
    << fixed(r.seconds, 1) << " s)\n";
}

void random_labels(Context& c, Step& s) {
  s.needs({"Linear::backward", "relu_backward", "SoftmaxCrossEntropy::backward", "SGD::step"});
  c.data();
  s.code("lessons/lesson09_inside.cpp", "random-labels");
  const arma::uword per_class = c.lesson.quick() ? 30 : 100;
  const int epochs = c.lesson.quick() ? 10 : static_cast<int>(c.lesson.integer("--random-epochs"));
  // [snippet random-labels]
  const nn::Dataset images = nn::first_per_class(c.train, per_class);
  nn::Dataset shuffled = images;
  nn::seed(c.lesson.seed());
  shuffled.y = images.y(nn::shuffled_indices(images.y.n_elem));  // a permutation of the labels
  // [/snippet]
  s.show("labels that stayed right by chance", nn::accuracy(shuffled.y, images.y), 3);
  nn::plot::Lines curves("random-labels", "Accuracy per epoch: true labels and shuffled labels");
  curves.x_label = "epoch";
  curves.y_label = "accuracy";
  curves.key = "center right";
  std::ostringstream t;
  t << images.n_samples() << " training images, " << epochs << " epochs each\n"
    << "labels     epoch  train acc  test acc\n";
  train_on_labels("true", images, c.test, epochs, c.lesson.seed(), curves, t);
  train_on_labels("shuffled", shuffled, c.test, epochs, c.lesson.seed(), curves, t);
  nn::Sequential sizes = inside_net();
  arma::uword weights = 0;
  for (const nn::Parameter& p : sizes.parameters()) weights += p.value->n_elem;
  t << "(the net has " << weights << " trainable numbers)";
  s.say(t.str());
  s.plot(curves);
  s.say("On shuffled labels the training accuracy climbs to about 90% (with setbacks: at a\n"
        "fixed rate every batch of noise drags the weights elsewhere) while the test accuracy\n"
        "stays at chance (10%): the net can store an arbitrary label for each training image.\n"
        "So the capacity to memorize is there; what makes the true-label net\n"
        "generalize is the data (similar images share labels), not a limit of the model, and\n"
        "a high training accuracy alone proves nothing. Note also the pace: true labels are\n"
        "fitted in a few epochs, noise takes many.");
}

// ---- step 10: What to try next --------------------------------------------------------------
const nn::lesson::StepText what_next_text{
    "What to try next",
    "Claims of this lesson are tested in tests/lessons/lesson09_inside_test.cpp and the library in\n"
    "tests/unit/inspect_test.cpp (build/stepnet_tests \"[lesson09]\"); the prose is docs/lesson09.md."};

void what_next(Context& /*c*/, Step& s) {
  s.say("- --perplexity 5 and --perplexity 100: how do the t-SNE clusters change?\n"
        "- Embed the raw pixels (c.test.x) instead of the hidden layer: which classes\n"
        "  does the network pull apart that the pixels leave mixed?\n"
        "- Saliency for a class that is NOT the top one: where would the image have to\n"
        "  change to look like a Sandal?\n"
        "- Random labels with --random-epochs 60, or half the labels shuffled: where does\n"
        "  the test accuracy land?");
}

}  // namespace

int main(int argc, char** argv) {
  Lesson lesson(9, "Looking inside a trained network", argc, argv);
  lesson.option("--epochs", "N", "epochs for the network (quick: 3)", 10, 1);
  lesson.option("--tsne-points", "N", "test images t-SNE embeds (at most the 1000 of the test set)", 1000, 1);
  lesson.option("--perplexity", "P", "t-SNE's perplexity (neighbours per point)", 30.0);
  lesson.option("--random-epochs", "N", "epochs for the random-label experiment (quick: 10)", 50, 1);
  lesson.flag("--full", "the wide nets of step 3 train 20 epochs on all 2000 images (about 30 s of CPU)");

  Context c{lesson, {}, {}, {}, {}};
  lesson.step(the_network_text, c, the_network);
  lesson.step(first_layer_text, c, first_layer);
  lesson.step(wide_nets_text, c, wide_nets);
  lesson.step(saliency_map_text, c, saliency_map);
  lesson.step(guided_maps_text, c, guided_maps);
  lesson.step(confusion_table_text, c, confusion_table);
  lesson.step(pca_plane_text, c, pca_plane);
  lesson.step(tsne_plane_text, c, tsne_plane);
  lesson.step(random_labels_text, c, random_labels);
  lesson.step(what_next_text, c, what_next);
  return lesson.run();
}
