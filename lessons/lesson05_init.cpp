// lesson05_init.cpp -- weight initialization diagnostics: does the signal survive 10 layers?
//
// What you will learn: why the scale of the initial weights decides whether a deep net can
// learn at all; how to see it (per-layer mean, std and histograms of the activations, and the
// std of the gradient flowing back); what 0.01 randn, 1.0 randn, Xavier, He, orthogonal and
// LSUV initialization each do to a 10-layer net; and how far a one-line variance formula
// predicts all of it.
//
// The experiment (the "activation statistics" of Arjun Jain's lecture, after cs231n): 1000 samples of 500 features
// X ~ N(0, 1), one column per sample (X is 500 x 1000); 10 layers h_l = f(W_l h_{l-1}),
// W_l 500 x 500, no bias, f = tanh or ReLU.
//
// The math. Let a = W h be a layer's pre-activation, W's entries independent with mean 0 and
// variance sigma^2, independent of h. Then for every unit i
//     Var(a_i) = sum_j Var(W_ij h_j) = fan_in sigma^2 E[h_j^2] = gain2 E[h^2],
// with gain2 = fan_in sigma^2 the variance gain of the weights:
//     0.01 randn: 500 * 1e-4 = 0.05     1.0 randn: 500     Xavier: 1     He: 2
// A linear net multiplies the variance by gain2 per layer: it vanishes (gain2 < 1) or
// explodes (gain2 > 1) exponentially in the depth; gain2 = 1 keeps it.
//   tanh:  tanh(a) ~ a when a is small (the std shrinks by sqrt(0.05) = 0.224 per layer with
//          0.01 randn), and saturates at +-1 when a is large (1.0 randn: std(a) ~ 22).
//   ReLU:  E[relu(a)^2] = Var(a) / 2, half the units are 0: Xavier halves the variance per
//          layer (the std falls by 1/sqrt 2); He's gain2 = 2 undoes exactly that.
// Backward, dL/dh_{l-1} = W_l' (f'(a_l) % dL/dh_l), and the same argument gives
//     Var(dL/dh_{l-1}) = fan_out sigma^2 E[f'(a_l)^2] Var(dL/dh_l):
// the same gain, times the mean squared slope (tanh: 1 - h^2; ReLU: 1/2).

#include <filesystem>
#include <iomanip>
#include <map>
#include <sstream>

#include "course/lesson.hpp"
#include "nn/nn.hpp"
#include "nn/stats.hpp"

namespace {

using nn::util::number;

// File names and short column labels of the seven schemes of nn::classic_init_schemes.
const char* const stems[] = {"small_tanh", "unit_tanh",       "xavier_tanh", "xavier_relu",
                             "he_relu",    "orthogonal_relu", "lsuv_tanh"};
const char* const short_labels[] = {"0.01/tanh", "1.0/tanh",  "Xav/tanh", "Xav/ReLU",
                                    "He/ReLU",   "orth/ReLU", "LSUV/tanh"};

// A number in 3 significant digits, right-aligned: 0.213, 0.0476, 2.96e-07.
// The per-layer table of one scheme: forward statistics beside the mean-field prediction,
// then the gradient at each layer's input.
std::string layer_table(const nn::InitExperiment& e, const nn::MeanField& theory, bool relu) {
  std::ostringstream t;
  t << "layer  std(W h)      mean       std    theory  " << (relu ? "  h == 0" : "|h|>0.99")
    << "    std(dL/dh in)    theory\n";
  for (std::size_t l = 0; l < e.activation.size(); ++l) {
    const nn::Stats& h = e.activation[l];
    t << std::setw(5) << l + 1 << number(e.pre_activation[l].std, 3, 10) << number(h.mean, 3, 10) << number(h.std, 3, 10)
      << number(theory.std(l), 3, 10) << number(relu ? h.zero_fraction : h.saturated_fraction, 3, 10)
      << number(e.input_gradient[l].std, 3, 17) << number(theory.grad_std(l), 3, 10) << "\n";
  }
  return t.str();
}

// The same table as a file, out/lesson5/layers_<stem>.tsv; returns its path.
std::string write_layer_table(const nn::InitExperiment& e, const nn::MeanField& theory,
                              bool relu, const std::string& stem) {
  arma::mat rows(e.activation.size(), 8);
  for (std::size_t l = 0; l < e.activation.size(); ++l)
    rows.row(l) = arma::rowvec{double(l + 1), e.pre_activation[l].std, e.activation[l].mean,
                               e.activation[l].std, theory.std(l),
                               relu ? e.activation[l].zero_fraction
                                    : e.activation[l].saturated_fraction,
                               e.input_gradient[l].std, theory.grad_std(l)};
  return nn::plot::write_table(
      "layers_" + stem, rows,
      {"layer", "std(Wh)", "mean(h)", "std(h)", "theory std(h)",
       relu ? "fraction h == 0" : "fraction |h| > 0.99", "std(dL/dh_in)",
       "theory std(dL/dh_in)"});
}

// One histogram per layer of the activations e.activations. ReLU: half the outputs are
// exactly 0 (the table counts them); their spike would hide the shape of the rest, so the
// histograms show h > 0 only, with its own mean and std.
nn::plot::Histograms activation_histograms(const nn::InitExperiment& e, const std::string& label,
                                           bool relu, const std::string& stem) {
  nn::plot::Histograms histograms(
      "activations_" + stem,
      relu ? "Activations h > 0 of each layer (about half are exactly 0): " + label
           : "Activations h of each layer: " + label);
  histograms.x_label = relu ? "h = relu(W h)" : "h = tanh(W h)";
  histograms.bins = 30;  // ten narrow panels: wider bars
  for (std::size_t l = 0; l < e.activations.size(); ++l) {
    const arma::mat& h = e.activations[l];  // (width x batch)
    histograms.add("layer " + std::to_string(l + 1) + (relu ? ", h > 0" : ""),
                   relu ? arma::mat(h.elem(arma::find(h > 0))) : h);
  }
  return histograms;
}

// One row per layer, one column per scheme.
std::string scheme_table(const std::vector<std::vector<double>>& columns) {
  std::ostringstream t;
  t << "layer";
  for (const char* label : short_labels) t << std::setw(11) << label;
  t << "\n";
  for (std::size_t l = 0; l < columns[0].size(); ++l) {
    t << std::setw(5) << l + 1;
    for (const auto& column : columns) t << number(column[l], 3, 11);
    t << "\n";
  }
  return t.str();
}

// One field of every layer's statistics: per_layer(e.activation, &nn::Stats::std).
std::vector<double> per_layer(const std::vector<nn::Stats>& layers, double nn::Stats::*field) {
  std::vector<double> values;
  for (const nn::Stats& layer : layers) values.push_back(layer.*field);
  return values;
}

// Singular values of W_L ... W_1 for L square matrices drawn by `init` (largest first).
arma::vec product_singular_values(arma::uword width, std::size_t depth,
                                  const std::function<void(arma::mat&)>& init) {
  arma::mat product = arma::eye(width, width);  // (width x width)
  arma::mat weight(width, width);
  for (std::size_t l = 0; l < depth; ++l) {
    init(weight);
    product = weight * product;
  }
  return arma::svd(product);
}

// ---- what the steps share ------------------------------------------------------------------
// The lesson's sizes and every scheme's statistics, computed once by whichever step needs them
// first. Each run seeds itself (nn::run_init_experiment calls nn::seed), so the numbers do not
// depend on which step ran first: --step 9 shows what a full run shows.
struct Context {
  nn::lesson::Lesson& lesson;
  std::map<std::size_t, nn::InitExperiment> cache;  // without the activations (40 MB each)

  // The sizes. --quick (the test suite) shrinks the layers to 100 units and the batch to 200
  // samples: every scheme still does what it does, with noisier numbers.
  std::size_t depth() const { return static_cast<std::size_t>(lesson.integer("--layers")); }
  arma::uword width() const { return size("--units", 100); }
  arma::uword batch() const { return size("--samples", 200); }
  arma::uword size(const std::string& option, arma::uword quick_limit) const {
    const auto value = static_cast<arma::uword>(lesson.integer(option));
    return lesson.quick() ? std::min(value, quick_limit) : value;
  }
  // The seven schemes (their gains depend on the width).
  std::vector<nn::InitScheme> schemes() const { return nn::classic_init_schemes(width()); }

  // Scheme k's experiment, run now (and cached without its activations).
  nn::InitExperiment run_scheme(std::size_t k, bool keep_activations) {
    nn::InitExperiment e = nn::run_init_experiment(schemes()[k], depth(), width(), batch(),
                                                   lesson.seed(), keep_activations);
    std::vector<arma::mat> activations = std::move(e.activations);  // not for the cache
    e.activations.clear();
    cache[k] = e;
    e.activations = std::move(activations);
    return e;
  }
  const nn::InitExperiment& experiment(std::size_t k) {
    if (cache.find(k) == cache.end()) run_scheme(k, false);
    return cache.at(k);
  }
  nn::MeanField theory(std::size_t k) const {
    const nn::InitScheme s = schemes()[k];
    return nn::mean_field(s.activation, s.gain2, depth());
  }
};

// One step's body per scheme: the table, the histograms, the table as a file.
void show_scheme(Context& c, nn::lesson::Step& s, std::size_t k) {
  const nn::InitScheme scheme = c.schemes()[k];
  const bool relu = scheme.activation == "relu";
  const nn::InitExperiment e = c.run_scheme(k, true);
  const nn::MeanField predicted = c.theory(k);
  s.say(layer_table(e, predicted, relu));
  s.plot(activation_histograms(e, scheme.label, relu, stems[k]));
  const std::string table = write_layer_table(e, predicted, relu, stems[k]);
  s.say("table: " + std::filesystem::proximate(table).string());
}

// ---- step 1: The experiment -----------------------------------------------------------------
const nn::lesson::StepText the_experiment_text{
    "The experiment",
    "X: 1000 samples of 500 features ~ N(0, 1), one column per sample (500 x 1000). The net:\n"
    "10 x [Linear(500 -> 500) with bias 0, then tanh or ReLU], an nn::Sequential of the\n"
    "library's modules. Each scheme fills every W; we forward X and record mean and std of\n"
    "every layer's output, then backward an upstream gradient G ~ N(0, 1) and record the std\n"
    "of the gradient at every layer's input. 'theory' in the tables is the variance formula\n"
    "at the top of lessons/lesson05_init.cpp, iterated layer by layer (nn::mean_field)."};

void the_experiment(Context& c, nn::lesson::Step& s) {
  s.code("src/nn/stats.cpp", "deep-net");
  s.code("src/nn/stats.cpp", "layer-statistics");
  s.source("src/nn/stats.cpp", "init-experiment");
  s.source("src/nn/stats.cpp", "mean-field");
  s.say("This run: " + std::to_string(c.depth()) + " layers of " + std::to_string(c.width()) +
        " units, a batch of " + std::to_string(c.batch()) + " samples, seed " +
        std::to_string(c.lesson.seed()) + ".");
  s.say("A 2-layer, 4-unit version of the net: " + nn::deep_net(2, 4, "tanh").name());
  s.say("The seven schemes and their gain2 = fan_in Var(w) (LSUV: measured, not set):");
  for (const nn::InitScheme& scheme : c.schemes())
    s.say("  " + scheme.label + std::string(26 - scheme.label.size(), ' ') +
          (scheme.gain2 > 0 ? number(scheme.gain2, 3, 10) : std::string("         -")));
}

// ---- step 2: 0.01 * randn, tanh: the signal dies --------------------------------------------
const nn::lesson::StepText small_tanh_text{
    "0.01 * randn, tanh: the signal dies",
    "gain2 = 500 * 0.01^2 = 0.05. In tanh's linear zone every layer multiplies the std by\n"
    "sqrt(0.05) = 0.224: 0.213, 0.0476, 0.0106, 0.0024, ... 3e-7 at layer 10, and the\n"
    "histograms collapse onto 0: the output no longer depends on the input. Backward, the\n"
    "gradient shrinks by the same 0.224 per layer on its way down: layer 1 gets 3e-7 of it."};

void small_tanh(Context& c, nn::lesson::Step& s) {
  s.needs({"Linear::backward", "tanh_backward"});
  s.source("src/nn/init.cpp", "xavier-he");
  show_scheme(c, s, 0);
}

// ---- step 3: 1.0 * randn, tanh: saturated ---------------------------------------------------
const nn::lesson::StepText unit_tanh_text{
    "1.0 * randn, tanh: saturated",
    "gain2 = 500: the pre-activations have std ~22 and tanh sends 90% of the units to\n"
    "|h| > 0.99: the histograms are two spikes at -1 and +1, std 0.98 at every layer. There\n"
    "tanh' = 1 - h^2 ~ 0, and a saturated unit passes (almost) no gradient to its weights or\n"
    "inputs. But the other 10% do, times weights 22x too large: dL/dh GROWS ~3.5x per layer\n"
    "on the way down, to 2.5e5 at layer 1. Saturation is not 'all gradients zero': it is a\n"
    "few, huge, ones."};

void unit_tanh(Context& c, nn::lesson::Step& s) {
  s.needs({"Linear::backward", "tanh_backward"});
  show_scheme(c, s, 1);
}

// ---- step 4: Xavier, tanh: almost -----------------------------------------------------------
const nn::lesson::StepText xavier_tanh_text{
    "Xavier, tanh: almost",
    "Xavier (Glorot & Bengio 2010): Var(w) = 1/fan_in, gain2 = 1. Layer 1 is tanh of a unit\n"
    "Gaussian, std 0.628; but |tanh(a)| < |a|, so every layer loses a little: 0.486, 0.408,\n"
    "0.357, ... 0.23 at layer 10. Slow enough for a 10-layer tanh net to train. The gradient\n"
    "shrinks on the way down too (0.95 -> 0.27): tanh' < 1 where the activations are large."};

void xavier_tanh(Context& c, nn::lesson::Step& s) {
  s.needs({"Linear::backward", "tanh_backward", "init::xavier"});
  s.code("src/nn/init.cpp", "xavier-he");
  show_scheme(c, s, 2);
}

// ---- step 5: Xavier, ReLU: halved at every layer --------------------------------------------
const nn::lesson::StepText xavier_relu_text{
    "Xavier, ReLU: halved at every layer",
    "The same weights, ReLU instead of tanh. relu zeroes half the units, so E[h^2] = Var(a)/2\n"
    "and the variance halves per layer: theory says std 0.584 * 2^(-(l-1)/2) = 0.584, 0.413,\n"
    "0.292, ... 0.026 at layer 10; measured: 0.584, 0.411, 0.287, ... 0.029. Theory is the\n"
    "average over random nets. relu(c a) = c relu(a): a layer whose weights happen to be 3%\n"
    "large passes that on untouched, and the errors multiply; seeds 0-7 end between 0.020 and\n"
    "0.030 at layer 10 (mean 0.025). The lecture's 0.026076 is one such draw. The\n"
    "gradient halves too on the way down: 0.72 at layer 10, 0.033 at layer 1."};

void xavier_relu(Context& c, nn::lesson::Step& s) {
  s.needs({"Linear::backward", "relu_backward", "init::xavier"});
  show_scheme(c, s, 3);
}

// ---- step 6: He, ReLU: stable ---------------------------------------------------------------
const nn::lesson::StepText he_relu_text{
    "He, ReLU: stable",
    "He et al. 2015: Var(w) = 2/fan_in, gain2 = 2, exactly what relu takes away. The\n"
    "pre-activations keep std ~1.41, the activations ~0.83 = sqrt(2) * 0.584 at every layer\n"
    "(0.81 to 0.94 measured), the gradient ~1 all the way down: the default for ReLU nets.\n"
    "Stable on average: one net still drifts as in the last step (seeds 0-7 end layer 10\n"
    "between 0.63 and 0.95). tanh nets do not drift: tanh's curve pulls the variance back\n"
    "toward a fixed point, which is why the tanh tables stay within ~1% of theory."};

void he_relu(Context& c, nn::lesson::Step& s) {
  s.needs({"Linear::backward", "relu_backward", "init::he"});
  show_scheme(c, s, 4);
}

// ---- step 7: Orthogonal (LAPACK), ReLU ------------------------------------------------------
const nn::lesson::StepText orthogonal_relu_text{
    "Orthogonal (LAPACK), ReLU",
    "W = g Q, Q from the QR decomposition of a Gaussian matrix (LAPACK), so W W' = g^2 I: W\n"
    "keeps the norm of every sample, |W h| = g |h|, not just on average. With g = sqrt 2 for\n"
    "ReLU the statistics match He's. Where orthogonal differs: the product of 10 layers. Ten\n"
    "Gaussian (Xavier) matrices multiply to one whose singular values spread over 17 orders\n"
    "of magnitude, down to rounding (some directions die); ten orthogonal ones stay\n"
    "orthogonal, every singular value 1 (Saxe et al. 2014)."};

// Orthogonal matrices of three shapes, and what makes them orthogonal.
void show_orthogonal_matrices(arma::uword width, nn::lesson::Step& s) {
  arma::mat wide(3, 5), tall(5, 3), square(width, width);
  nn::init::orthogonal(wide);
  nn::init::orthogonal(tall);
  nn::init::orthogonal(square);
  s.show("wide W (3 x 5)", wide);
  s.show("W W' (3 x 3) = I: orthonormal rows", arma::mat(wide * wide.t()));
  s.show("tall W (5 x 3): W'W = I, orthonormal columns", arma::mat(tall.t() * tall));
  s.show("square W: max |W W' - I|", arma::abs(square * square.t() - arma::eye(width, width)).max(),
         17);
}

// The singular values of a product of depth random matrices: Gaussian against orthogonal.
void show_product_spectrum(arma::uword width, std::size_t depth, nn::lesson::Step& s) {
  const std::string layers = std::to_string(depth);
  const arma::vec gaussian_one = product_singular_values(width, 1, nn::init::xavier);
  const arma::vec gaussian = product_singular_values(width, depth, nn::init::xavier);
  const arma::vec orthogonal =
      product_singular_values(width, depth, [](arma::mat& w) { nn::init::orthogonal(w); });
  s.say("singular values of W_" + layers + " ... W_1, largest and smallest:\n" +
        "  Xavier, 1 layer:    " + number(gaussian_one.max(), 3, 10) + number(gaussian_one.min(), 3, 10) +
        "\n  Xavier, " + layers + " layers:  " + number(gaussian.max(), 3, 10) + number(gaussian.min(), 3, 10) +
        "\n  orthogonal:         " + number(orthogonal.max(), 3, 10) + number(orthogonal.min(), 3, 10));
  nn::plot::Lines spectrum("singular_values",
                           "Singular values of a product of random square matrices");
  spectrum.x_label = "index (largest first)";
  spectrum.y_label = "singular value (log scale)";
  spectrum.log_y = true;
  spectrum.key = "bottom left";
  spectrum.add("Xavier Gaussian, 1 layer", gaussian_one);
  spectrum.add("Xavier Gaussian, " + layers + " layers", gaussian);
  spectrum.add("orthogonal, " + layers + " layers", orthogonal);
  s.plot(spectrum);
}

void orthogonal_relu(Context& c, nn::lesson::Step& s) {
  s.needs({"Linear::backward", "relu_backward", "init::xavier"});
  s.code("src/nn/init.cpp", "orthogonal");
  show_orthogonal_matrices(c.width(), s);
  show_scheme(c, s, 5);
  show_product_spectrum(c.width(), c.depth(), s);
}

// ---- step 8: LSUV, tanh: measure, then rescale ----------------------------------------------
const nn::lesson::StepText lsuv_tanh_text{
    "LSUV, tanh: measure, then rescale",
    "LSUV (Mishkin & Matas 2016, 'All you need is a good init'): orthogonal weights, then layer\n"
    "by layer, forward a batch and divide W by the std of the layer's output until it is 1\n"
    "(within 0.02). It measures what tanh does instead of modelling it, and so fixes what\n"
    "Xavier could not: std 0.628 = std(tanh(N(0, 1))) at every layer. It calibrates on a\n"
    "minibatch of 256 samples; the table measures on X, 1000 others. Backward it is not\n"
    "neutral: undoing tanh's shrinking takes gain2 = 2.5, and the gradient grows ~9% per layer\n"
    "on the way down."};

void lsuv_tanh(Context& c, nn::lesson::Step& s) {
  s.needs({"Linear::backward", "tanh_backward"});
  s.code("src/nn/init.cpp", "lsuv");
  show_scheme(c, s, 6);
  const nn::InitExperiment& e = c.experiment(6);
  arma::rowvec passes(e.lsuv_passes.size());
  for (std::size_t l = 0; l < e.lsuv_passes.size(); ++l) passes(l) = e.lsuv_passes[l];
  s.show("rescaling passes per layer (0: orthogonal alone was within 0.02)", passes);
}

// ---- step 9: Every scheme, layer by layer ---------------------------------------------------
const nn::lesson::StepText every_scheme_text{
    "Every scheme, layer by layer",
    "The std of the activations per layer, every scheme on one log scale: 0.01 randn falls\n"
    "4.5x per layer, Xavier/ReLU 1.41x, Xavier/tanh slowly; 1.0 randn (saturated), He,\n"
    "orthogonal and LSUV stay flat. The means: ~0 for tanh (an odd function of a symmetric\n"
    "input), positive for ReLU (0.4 / 0.58 = 0.68 of the std)."};

void every_scheme(Context& c, nn::lesson::Step& s) {
  s.needs({"Linear::backward", "relu_backward", "tanh_backward", "init::xavier", "init::he"});
  std::vector<std::vector<double>> stds, means;
  nn::plot::Lines std_figure("std_per_layer", "Std of the activations per layer");
  nn::plot::Lines mean_figure("mean_per_layer", "Mean of the activations per layer");
  const std::vector<nn::InitScheme> all = c.schemes();
  for (std::size_t k = 0; k < all.size(); ++k) {
    stds.push_back(per_layer(c.experiment(k).activation, &nn::Stats::std));
    means.push_back(per_layer(c.experiment(k).activation, &nn::Stats::mean));
    std_figure.add(all[k].label, arma::vec(stds.back()));
    mean_figure.add(all[k].label, arma::vec(means.back()));
  }
  s.say("std(h):\n" + scheme_table(stds));
  s.say("mean(h):\n" + scheme_table(means));
  for (nn::plot::Lines* figure : {&std_figure, &mean_figure}) {
    figure->x_label = "layer";
    figure->points = true;
  }
  std_figure.y_label = "std of h (log scale)";
  std_figure.log_y = true;
  std_figure.key = "bottom left";  // where no curve goes
  mean_figure.key = "right center";
  mean_figure.y_label = "mean of h";
  s.plot(std_figure);
  s.plot(mean_figure);
}

// ---- step 10: Backward: the gradient at each layer's input ----------------------------------
const nn::lesson::StepText gradient_per_layer_text{
    "Backward: the gradient at each layer's input",
    "G ~ N(0, 1) arrives at the top; backward_statistics runs each module's backward in turn\n"
    "and records std(dL/dh) at each layer's input. Read the columns bottom-up: that is the\n"
    "way the gradient travels. 0.01 randn and Xavier/ReLU vanish toward the input, 1.0 randn\n"
    "explodes, He, orthogonal and LSUV stay within a factor 2. Then what SGD would use,\n"
    "dL/dW_l = (dL/da_l) h_{l-1}' summed over the batch: with 0.01 randn a tiny gradient\n"
    "meets a large activation at the bottom, a large one a tiny activation at the top."};

void gradient_per_layer(Context& c, nn::lesson::Step& s) {
  s.needs({"Linear::backward", "relu_backward", "tanh_backward", "init::xavier", "init::he"});
  s.code("src/nn/stats.cpp", "backward-statistics");
  std::vector<std::vector<double>> grads, weight_grads;
  nn::plot::Lines figure("gradient_std_per_layer",
                         "Std of dL/dh at each layer's input, for dL/d(output) ~ N(0, 1)");
  const std::vector<nn::InitScheme> all = c.schemes();
  for (std::size_t k = 0; k < all.size(); ++k) {
    grads.push_back(per_layer(c.experiment(k).input_gradient, &nn::Stats::std));
    weight_grads.push_back(c.experiment(k).weight_gradient_std);
    figure.add(all[k].label, arma::vec(grads.back()));
  }
  s.say("std(dL/dh) at the input of each layer:\n" + scheme_table(grads));
  s.say("std(dL/dW) of each layer:\n" + scheme_table(weight_grads));
  figure.x_label = "layer (the gradient flows from right to left)";
  figure.y_label = "std of dL/dh (log scale)";
  figure.log_y = true;
  figure.points = true;
  figure.key = "bottom right";
  s.plot(figure);
}

// ---- step 11: Check the backward numerically ------------------------------------------------
const nn::lesson::StepText check_backward_text{
    "Check the backward numerically",
    "The gradient statistics are only as good as backward. A 3-layer, 6-unit version of the\n"
    "net with Xavier weights through nn::gradient_check: centered differences against the\n"
    "analytic dL/dx and every dL/dW, dL/db (relative error below 1e-7: good)."};

void check_backward(Context& /*c*/, nn::lesson::Step& s) {
  s.needs({"Linear::backward", "relu_backward", "tanh_backward", "init::xavier"});
  s.source("src/nn/gradcheck.cpp", "gradient-check");
  for (const std::string activation : {"tanh", "relu"}) {
    nn::Sequential net = nn::deep_net(3, 6, activation);
    for (std::size_t i = 0; i < net.size(); i += 2)
      nn::init::xavier(dynamic_cast<nn::Linear&>(net[i]).weight);
    std::string report = activation + ":";
    for (const nn::GradientCheck& check : nn::gradient_check(net, arma::randn(6, 4)))
      report += "\n  " + nn::describe(check);
    s.say(report);
  }
}

// ---- step 12: What to try next --------------------------------------------------------------
const nn::lesson::StepText what_next_text{
    "What to try next",
    "Tests: tests/lessons/lesson05_init_test.cpp (build/stepnet_tests \"[lesson05]\").\n"
    "Doc: docs/lesson05.md."};

void what_next(Context& /*c*/, nn::lesson::Step& s) {
  s.say(
      "Try:\n"
      "  make lesson5 ARGS=\"--layers 30\"   Xavier/tanh keeps falling, He/ReLU holds\n"
      "  make lesson5 ARGS=\"--units 50\"    narrow layers: how far from theory now?\n"
      "  make lesson5 ARGS=\"--seed 3\"      which numbers move with the seed, which stay?\n"
      "  make lesson5 ARGS=\"--step 8\"      LSUV alone; then give it ReLU (stats.cpp,\n"
      "                                    classic_init_schemes): what std does it hold?");
}

}  // namespace

int main(int argc, char** argv) {
  nn::lesson::Lesson lesson(5, "Weight initialization diagnostics", argc, argv);
  lesson.option("--layers", "N", "depth of the net", 10, 1);
  lesson.option("--units", "N", "units per layer (and input features)", 500, 1);
  lesson.option("--samples", "N", "samples in the batch", 1000, 1);

  Context c{lesson, {}};
  lesson.step(the_experiment_text, c, the_experiment);
  lesson.step(small_tanh_text, c, small_tanh);
  lesson.step(unit_tanh_text, c, unit_tanh);
  lesson.step(xavier_tanh_text, c, xavier_tanh);
  lesson.step(xavier_relu_text, c, xavier_relu);
  lesson.step(he_relu_text, c, he_relu);
  lesson.step(orthogonal_relu_text, c, orthogonal_relu);
  lesson.step(lsuv_tanh_text, c, lsuv_tanh);
  lesson.step(every_scheme_text, c, every_scheme);
  lesson.step(gradient_per_layer_text, c, gradient_per_layer);
  lesson.step(check_backward_text, c, check_backward);
  lesson.step(what_next_text, c, what_next);
  return lesson.run();
}
