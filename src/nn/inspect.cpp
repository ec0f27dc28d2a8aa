#include "nn/inspect.hpp"

#include <algorithm>
#include <cmath>
#include <string>

#include "nn/activations.hpp"
#include "nn/error.hpp"
#include "nn/random.hpp"
#include "nn/trainer.hpp"
#include "util/format.hpp"

namespace nn {

// ---- a hidden layer ----------------------------------------------------------------------------
// [snippet layer-output]
arma::mat layer_output(Sequential& net, const arma::mat& x, std::size_t layer,
                       arma::uword batch_size) {
  if (layer >= net.size())
    throw Error("layer_output: layer " + std::to_string(layer) + " does not exist: the net has " +
                std::to_string(net.size()) + " modules (0 .. " + std::to_string(net.size() - 1) +
                ")");
  if (batch_size == 0) batch_size = x.n_cols;
  const bool was_training = net.training();
  net.set_training(false);
  arma::mat out;  // (units x n)
  for (arma::uword from = 0; from < x.n_cols; from += batch_size) {
    const arma::uword to = std::min(from + batch_size, x.n_cols) - 1;
    net.forward(x.cols(from, to));
    const arma::mat& h = net.outputs()[layer];  // (units x batch)
    if (out.is_empty()) out.set_size(h.n_rows, x.n_cols);
    out.cols(from, to) = h;
  }
  net.set_training(was_training);
  return out;
}
// [/snippet]

// ---- weights as images -----------------------------------------------------------------------
// [snippet weight-images]
std::vector<arma::mat> weight_images(const arma::mat& weight, const Shape& shape,
                                     arma::uword channel) {
  if (weight.n_cols != shape.size())
    throw Error("weight_images: expected a weight with " + std::to_string(shape.size()) +
                " columns (one " + describe(shape) + " image per row), got " + describe(weight));
  if (channel >= shape.channels)
    throw Error("weight_images: channel " + std::to_string(channel) + " of a " +
                describe(shape) + " image does not exist");
  const arma::uword plane = shape.height * shape.width;  // pixels of one channel
  std::vector<arma::mat> images;
  for (arma::uword unit = 0; unit < weight.n_rows; ++unit) {
    const arma::rowvec row = weight.row(unit);                    // (1 x C*H*W)
    const arma::rowvec pixels = row.cols(channel * plane, (channel + 1) * plane - 1);
    // An image column is column-major (index c*H + r): reshape reads it back the same way.
    images.push_back(arma::reshape(pixels, shape.height, shape.width));  // (H x W)
  }
  return images;
}
// [/snippet]

// ---- input gradients ---------------------------------------------------------------------------
// [snippet guided-relu-backward]
// Guided backpropagation's rule at a ReLU: pass back only what the ordinary backward passes
// (the unit fired: x > 0) AND what pushes the class score up (the incoming gradient G > 0).
arma::mat guided_relu_backward(const arma::mat& x, const arma::mat& grad_y, double gamma) {
  if (arma::size(x) != arma::size(grad_y))
    throw Error("guided_relu_backward: the input is " + describe(x) + " but the gradient is " +
                describe(grad_y));
  // BEGIN SOLUTION lesson09 "guided ReLU backward"
  // HINT: first the ordinary backward, G % f'(x) (leaky_relu_backward; gamma = 0 is ReLU),
  // HINT: then zero every entry whose incoming gradient G is negative.
  const arma::mat plain = leaky_relu_backward(x, grad_y, gamma);      // G % f'(x)
  const arma::mat positive = arma::conv_to<arma::mat>::from(grad_y > 0);  // [G > 0]
  return plain % positive;
  // END SOLUTION
}
// [/snippet]

namespace {

// Keeps a net's parameter gradients and puts them back (and the net in training mode) when it
// goes out of scope, also when a backward throws.
class KeepGradients {
public:
  explicit KeepGradients(Sequential& net)
      : net_(net), params_(net.parameters()), was_training_(net.training()) {
    for (const Parameter& p : params_) saved_.push_back(*p.grad);
  }
  ~KeepGradients() {
    for (std::size_t i = 0; i < params_.size(); ++i) *params_[i].grad = saved_[i];
    net_.set_training(was_training_);
  }

private:
  Sequential& net_;
  std::vector<Parameter> params_;
  std::vector<arma::mat> saved_;
  bool was_training_;
};

// [snippet input-gradient]
// d score_cls / dx by walking the modules last to first; `guided` swaps the ReLUs' rule.
arma::mat input_gradient(Sequential& net, const arma::mat& x, arma::uword cls, bool guided,
                         const std::string& who) {
  if (x.n_cols != 1)
    throw Error(who + ": expected one image column (features x 1), got " + describe(x));
  KeepGradients keep(net);
  net.set_training(false);
  const arma::mat scores = net.forward(x);  // (classes x 1)
  if (cls >= scores.n_rows)
    throw Error(who + ": class " + std::to_string(cls) + " does not exist: the net has " +
                std::to_string(scores.n_rows) + " scores");
  net.zero_grad();
  arma::mat grad(scores.n_rows, 1, arma::fill::zeros);  // d score_cls / d scores = e_cls
  grad(cls) = 1;
  for (std::size_t i = net.size(); i-- > 0;) {
    Module& module = net[i];
    const arma::mat& input = i == 0 ? x : net.outputs()[i - 1];  // what module i saw
    const auto* relu = dynamic_cast<const ReLU*>(&module);
    const auto* leaky = dynamic_cast<const LeakyReLU*>(&module);
    if (guided && (relu || leaky)) {
      grad = guided_relu_backward(input, grad, leaky ? leaky->gamma : 0.0);
    } else {
      grad = module.backward(grad);  // (rows of module i's input x 1)
    }
  }
  return grad;  // (features x 1)
}
// [/snippet]

}  // namespace

arma::mat saliency(Sequential& net, const arma::mat& x, arma::uword cls) {
  return input_gradient(net, x, cls, false, "saliency");
}

arma::mat guided_backprop(Sequential& net, const arma::mat& x, arma::uword cls) {
  return input_gradient(net, x, cls, true, "guided_backprop");
}

// ---- PCA ---------------------------------------------------------------------------------------
// [snippet pca]
PrincipalComponents principal_components(const arma::mat& x, arma::uword k) {
  const arma::uword dims = x.n_rows, n = x.n_cols;
  if (n < 2) throw Error("pca: needs at least 2 samples (columns), got " + describe(x));
  if (k == 0 || k > std::min(dims, n))
    throw Error("pca: asked for " + std::to_string(k) + " components of " + describe(x) +
                " (dims x samples): k must be 1 .. " + std::to_string(std::min(dims, n)));
  PrincipalComponents pc;
  pc.mean = arma::mean(x, 1);                         // (dims)
  const arma::mat centred = x.each_col() - pc.mean;   // (dims x n)
  arma::mat u, v;                                     // u (dims x min(dims, n)); v unused
  arma::vec s;                                        // singular values, decreasing
  if (!arma::svd_econ(u, s, v, centred, "left"))
    throw Error("pca: the SVD (LAPACK) did not converge on " + describe(x));
  pc.axes = u.cols(0, k - 1);                         // (dims x k)
  for (arma::uword j = 0; j < k; ++j) {               // the sign: largest |entry| positive
    const arma::uword largest = arma::abs(pc.axes.col(j)).index_max();  // first on a tie
    if (pc.axes(largest, j) < 0) pc.axes.col(j) *= -1;
  }
  const arma::vec top = s.head(k);
  pc.variance = arma::square(top) / static_cast<double>(n - 1);  // (k)
  pc.scores = pc.axes.t() * centred;                  // (k x n)
  return pc;
}
// [/snippet]

arma::mat pca(const arma::mat& x, arma::uword k) { return principal_components(x, k).scores; }

// ---- t-SNE -------------------------------------------------------------------------------------
// Written as loops, not as |x_i|^2 + |x_j|^2 - 2 X'X through BLAS: exact (no cancellation), and
// the same bits however many threads BLAS uses, so a seed fixes the t-SNE embedding.
arma::mat squared_distances(const arma::mat& x) {
  const arma::uword n = x.n_cols, dims = x.n_rows;
  arma::mat d(n, n, arma::fill::zeros);  // (n x n)
  for (arma::uword j = 0; j < n; ++j) {
    const double* xj = x.colptr(j);
    for (arma::uword i = j + 1; i < n; ++i) {
      const double* xi = x.colptr(i);
      double sum = 0;
      for (arma::uword k = 0; k < dims; ++k) sum += (xi[k] - xj[k]) * (xi[k] - xj[k]);
      d.at(i, j) = sum;
    }
  }
  return arma::symmatl(d);  // copy the lower triangle to the upper one
}

// [snippet tsne-perplexity]
arma::mat conditional_probabilities(const arma::mat& sq_distances, double perplexity,
                                    arma::vec* betas) {
  const arma::uword n = sq_distances.n_rows;
  if (sq_distances.n_cols != n)
    throw Error("conditional_probabilities: distances must be square, got " +
                describe(sq_distances));
  if (n < 2 || !(perplexity >= 1) || perplexity >= static_cast<double>(n) - 1)
    throw Error("t-SNE: perplexity " + util::number(perplexity, 6) +
                " needs 1 <= perplexity < points - 1 = " +
                std::to_string(n > 0 ? n - 1 : 0));
  const double target = std::log(perplexity);  // entropy wanted, in nats
  arma::mat p(n, n, arma::fill::zeros);        // (n x n) row i: p_{j|i}
  if (betas) betas->set_size(n);
  for (arma::uword i = 0; i < n; ++i) {
    arma::rowvec d = sq_distances.row(i);
    d.shed_col(i);                                   // (n - 1) distances to the others
    const arma::rowvec shifted = d - d.min();        // exp never underflows to all zeros
    double beta = 1, low = 0, high = arma::datum::inf;
    arma::rowvec row;
    for (int tries = 0; tries < 200; ++tries) {
      row = arma::exp(-beta * shifted);
      const double sum = arma::accu(row);
      row /= sum;
      // H = log(sum) + beta E[d - d_min] (the shift cancels): the entropy of this row
      const double entropy = std::log(sum) + beta * arma::accu(shifted % row);
      if (std::abs(entropy - target) < 1e-5) break;
      if (entropy > target) {  // too flat: a larger precision
        low = beta;
        beta = std::isinf(high) ? 2 * beta : 0.5 * (beta + high);
      } else {                 // too peaked: a smaller precision
        high = beta;
        beta = 0.5 * (beta + low);
      }
    }
    if (betas) (*betas)(i) = beta;
    row.insert_cols(i, 1);  // p_{i|i} = 0
    p.row(i) = row;
  }
  return p;
}
// [/snippet]

arma::mat tsne_affinities(const arma::mat& x, double perplexity) {
  const double n = static_cast<double>(x.n_cols);
  const arma::mat conditional = conditional_probabilities(squared_distances(x), perplexity);
  arma::mat p = (conditional + conditional.t()) / (2 * n);  // (n x n) p_ij = p_ji, sums to 1
  p = arma::clamp(p, 1e-12, arma::datum::inf);
  p.diag().zeros();
  return p;
}

namespace {

// (n x n) the Student-t kernel (1 + |y_i - y_j|^2)^-1, 0 on the diagonal.
arma::mat student_t_kernel(const arma::mat& y) {
  arma::mat kernel = 1.0 / (1.0 + squared_distances(y));
  kernel.diag().zeros();
  return kernel;
}

void check_tsne_shapes(const arma::mat& p, const arma::mat& y, const std::string& who) {
  if (p.n_rows != y.n_cols || p.n_cols != y.n_cols)
    throw Error(who + ": P is " + describe(p) + " but Y has " + std::to_string(y.n_cols) +
                " points (columns)");
}

// A standard normal draw from nn::rng() by Box-Muller: the same numbers on every platform.
double standard_normal() {
  constexpr double two_pi = 6.283185307179586;
  const double u1 = (static_cast<double>(rng()() >> 11) + 0.5) * 0x1.0p-53;  // (0, 1)
  const double u2 = static_cast<double>(rng()() >> 11) * 0x1.0p-53;          // [0, 1)
  return std::sqrt(-2.0 * std::log(u1)) * std::cos(two_pi * u2);
}

}  // namespace

double tsne_cost(const arma::mat& p, const arma::mat& y) {
  check_tsne_shapes(p, y, "tsne_cost");
  const arma::mat kernel = student_t_kernel(y);
  const arma::mat q = kernel / arma::accu(kernel);  // (n x n) q_ij, sums to 1
  double cost = 0;
  for (arma::uword j = 0; j < p.n_cols; ++j)
    for (arma::uword i = 0; i < p.n_rows; ++i)
      if (i != j && p.at(i, j) > 0) cost += p.at(i, j) * std::log(p.at(i, j) / q.at(i, j));
  return cost;
}

// [snippet tsne-gradient]
arma::mat tsne_gradient(const arma::mat& p, const arma::mat& y) {
  check_tsne_shapes(p, y, "tsne_gradient");
  const arma::uword n = y.n_cols, dims = y.n_rows;
  // The Student-t kernel (1 + |y_i - y_j|^2)^-1 of every pair i > j, and its sum z over i != j.
  arma::mat kernel(n, n);  // (n x n) only the part below the diagonal is used
  double z = 0;
  for (arma::uword j = 0; j < n; ++j)
    for (arma::uword i = j + 1; i < n; ++i) {
      double d2 = 0;
      for (arma::uword k = 0; k < dims; ++k) d2 += (y.at(k, i) - y.at(k, j)) * (y.at(k, i) - y.at(k, j));
      kernel.at(i, j) = 1.0 / (1.0 + d2);
      z += 2 * kernel.at(i, j);
    }
  // dC/dy_j = 4 sum_i (p_ij - q_ij) kernel_ij (y_j - y_i), q_ij = kernel_ij / z; each pair
  // adds to y_j and the opposite to y_i (P symmetric).
  arma::mat grad(dims, n, arma::fill::zeros);  // (dims x n)
  for (arma::uword j = 0; j < n; ++j)
    for (arma::uword i = j + 1; i < n; ++i) {
      const double m = (p.at(i, j) - kernel.at(i, j) / z) * kernel.at(i, j);
      for (arma::uword k = 0; k < dims; ++k) {
        const double pull = m * (y.at(k, j) - y.at(k, i));
        grad.at(k, j) += pull;
        grad.at(k, i) -= pull;
      }
    }
  return 4.0 * grad;
}
// [/snippet]

// [snippet tsne-loop]
TsneResult tsne_run(const arma::mat& x, const TsneConfig& config) {
  const arma::uword n = x.n_cols;
  if (n > tsne_max_points)
    throw Error("tsne: " + std::to_string(n) + " points (columns) is more than exact t-SNE's " +
                "limit of " + std::to_string(tsne_max_points) + ": its time and memory grow as "
                "n^2 per iteration; embed a subset");
  if (config.iterations < 1 || config.dims < 1)
    throw Error("tsne: needs iterations >= 1 and dims >= 1, got " +
                std::to_string(config.iterations) + " and " + std::to_string(config.dims));
  const arma::mat p = tsne_affinities(x, config.perplexity);  // (n x n)

  if (config.seed) seed(*config.seed);
  TsneResult result;
  arma::mat& y = result.embedding;
  y.set_size(config.dims, n);                                 // (dims x n)
  for (arma::uword j = 0; j < n; ++j)
    for (arma::uword d = 0; d < config.dims; ++d) y(d, j) = 1e-2 * standard_normal();

  const double learning_rate =
      config.learning_rate > 0 ? config.learning_rate : std::max(1.0, n / (4 * config.exaggeration));
  result.learning_rate = learning_rate;
  arma::mat update(config.dims, n, arma::fill::zeros);        // the last step (velocity)
  arma::mat gains(config.dims, n, arma::fill::ones);          // per-entry step multipliers
  const arma::mat exaggerated = config.exaggeration * p;
  for (int it = 0; it < config.iterations; ++it) {
    const bool early = it < config.exaggeration_iterations;
    const arma::mat grad = tsne_gradient(early ? exaggerated : p, y);  // (dims x n)
    const double momentum = early ? config.initial_momentum : config.final_momentum;
    // Gains: grow where the gradient keeps pointing the way we already move, shrink elsewhere.
    const arma::mat same_sign = arma::conv_to<arma::mat>::from((grad > 0) == (update > 0));
    gains = arma::clamp((gains + 0.2) % (1 - same_sign) + (gains * 0.8) % same_sign, 0.01,
                        arma::datum::inf);
    update = momentum * update - learning_rate * (gains % grad);
    y += update;
    y.each_col() -= arma::mean(y, 1);                         // keep the embedding centred
    if (config.cost_every > 0 &&
        ((it + 1) % config.cost_every == 0 || it + 1 == config.iterations)) {
      result.cost_iterations.push_back(it + 1);
      result.cost.push_back(tsne_cost(p, y));
    }
  }
  return result;
}
// [/snippet]

arma::mat tsne(const arma::mat& x, const TsneConfig& config) {
  return tsne_run(x, config).embedding;
}

// ---- how well an embedding separates the classes -----------------------------------------------
// [snippet nearest-neighbour-agreement]
double nearest_neighbour_agreement(const arma::mat& points, const arma::uvec& labels) {
  const arma::uword n = points.n_cols;
  if (n < 2 || labels.n_elem != n)
    throw Error("nearest_neighbour_agreement: needs at least 2 points and one label each, got " +
                describe(points) + " points and " + std::to_string(labels.n_elem) + " labels");
  arma::mat d = squared_distances(points);  // (n x n)
  d.diag().fill(arma::datum::inf);          // a point is not its own neighbour
  arma::uword agree = 0;
  for (arma::uword i = 0; i < n; ++i)
    if (labels(d.col(i).index_min()) == labels(i)) ++agree;
  return static_cast<double>(agree) / static_cast<double>(n);
}
// [/snippet]

// ---- what a layer's weights store, what a map keeps ----------------------------------------------
// [snippet template-similarity]
// For each row of `weight` (units x 784), the largest cosine similarity with any column of
// `images` (784 x n), and with any OTHER row: a unit that copies a training image scores near
// 1 in the first, two units that store the same thing near 1 in the second.
TemplateSimilarity template_similarity(const arma::mat& weight, const arma::mat& images) {
  if (weight.n_cols != images.n_rows)
    throw Error("template_similarity: weight " + describe(weight) + " and images " + describe(images) +
                " differ in features (weight columns, image rows)");
  const arma::mat w = arma::normalise(weight, 2, 1);  // (units x 784) unit rows
  const arma::mat x = arma::normalise(images, 2, 0);  // (784 x n) unit columns
  const arma::vec to_image = arma::max(w * x, 1);     // (units)
  arma::mat between = w * w.t();                       // (units x units)
  between.diag().fill(-1);
  const arma::vec to_unit = arma::max(between, 1);     // (units)
  return {to_image, to_unit};
}
// [/snippet]

// The share of a map's absolute mass that is positive: sum max(m, 0) / sum |m|.
double positive_share(const arma::mat& map) {
  return arma::accu(arma::clamp(map, 0.0, arma::datum::inf)) / arma::accu(arma::abs(map));
}

}  // namespace nn
