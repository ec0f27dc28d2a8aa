// inspect.hpp -- looking inside a trained network: weights as images, input gradients
// (saliency, guided backpropagation) and 2-D embeddings of a hidden layer (PCA, t-SNE).
//
// Contract
//   layer_output(net, x, layer)  the output of module `layer` of net for every column of x,
//       forward in batches of batch_size columns, eval mode (left in the mode it was in): a hidden
//       layer's activity, (units x n). layer >= net.size() throws nn::Error.
//
//   weight_images(W, shape, channel)  W (units x C*H*W), one row per unit of a first layer
//       (a Linear's weight; a Conv2d with whole-image kernels is the same thing). Returns one
//       (H x W) image per row: channel `channel` of the row read as an image column (shape.hpp).
//
//   saliency(net, x, cls)        x: ONE image column (features x 1). Returns d score_cls / dx
//       (features x 1), where score_cls = net.forward(x)(cls) is the raw class score (before
//       any softmax): the net's own backward, module by module, from the one-hot upstream
//       gradient e_cls (Simonyan, Vedaldi & Zisserman 2014).
//   guided_backprop(net, x, cls) the same walk, last module to first, except that every ReLU
//       and LeakyReLU module applies guided_relu_backward instead of its backward: the
//       ordinary backward AND zero wherever the incoming gradient is negative (Springenberg
//       et al. 2015). Other modules (Linear, Conv2d, MaxPool2d, ...) run their backward.
//   Both run the forward in eval mode (set_training(false)) and leave the net in training
//   mode, as the trainer's evaluation helpers do. They leave every parameter AND every
//   parameter gradient as they found them (the grads are saved, zeroed, and put back): a net
//   is unchanged after, except for the caches of its last forward. x with more than one
//   column, or cls >= the number of scores, throws nn::Error.
//
//   guided_relu_backward(x, G, gamma)  the rule as a pure function: G % f'(x) % [G > 0]
//       with f' of LeakyReLU(gamma) (1 for x > 0, gamma otherwise; gamma = 0 is ReLU, whose
//       ReLU'(0) = 0 as in activations.hpp). Same shape as x and G.
//
//   pca(x, k)               x (dims x n): columns are samples. Centres the columns (subtracts the
//       mean sample), takes the thin SVD  X_c = U S V'  (LAPACK through arma::svd_econ) and
//       returns the scores U_k' X_c (k x n): sample i's coordinates along the first k
//       principal axes, in order of decreasing variance. Signs are fixed so the output is
//       reproducible: each axis (column of U) is flipped so its entry of largest magnitude is
//       positive (the first such entry on a tie). principal_components() also returns the
//       axes, the mean and the variance along each axis, s_j^2 / (n - 1).
//       k = 0, k > min(dims, n) or n < 2 throws nn::Error.
//
//   tsne(x, config)         exact t-SNE (van der Maaten & Hinton 2008), O(n^2) time and memory
//       per iteration: for at most tsne_max_points columns; more throws nn::Error (take a
//       subset). x (dims x n); returns the embedding Y (config.dims x n), one column per sample.
//         1. D_ij = |x_i - x_j|^2; per point i a binary search for the precision beta_i =
//            1/(2 sigma_i^2) such that p_{j|i} ~ exp(-beta_i D_ij) has perplexity
//            exp(H(P_i)) = config.perplexity (entropy in nats): conditional_probabilities().
//         2. P = (P_cond + P_cond') / (2n), off-diagonal entries at least 1e-12, diagonal 0:
//            symmetric, sums to 1.
//         3. Y starts as N(0, 1e-4) draws from nn::rng() (config.seed, when set, calls
//            nn::seed first; the same seed gives a bit-identical embedding: the distances and
//            the gradient are summed by plain loops, not BLAS, so the thread count does not
//            matter either).
//         4. Gradient descent on KL(P || Q), q_ij = (1 + |y_i - y_j|^2)^-1 / sum_{k != l} (...):
//              dC/dy_i = 4 sum_j (p_ij - q_ij) (y_i - y_j) / (1 + |y_i - y_j|^2)
//            with P multiplied by config.exaggeration for the first exaggeration_iterations
//            ("early exaggeration": clusters form first, then spread), momentum 0.5 during
//            those iterations and 0.8 after, and per-entry adaptive gains (+0.2 where the
//            gradient's sign differs from the last update's, i.e. the step still goes
//            downhill the same way; x0.8 elsewhere; at least 0.01), as the authors' reference
//            implementation. Y is re-centred after every step.
//            The learning rate, unless set, is n / (4 exaggeration) (at least 1): the "auto" rate
//            of Belkina et al. 2019, as scikit-learn's but without its floor of 50. The paper's
//            fixed 100-200 makes early exaggeration overshoot and oscillate when n is small
//            (exaggeration x rate must stay below about n).
//       perplexity outside [1, n - 1), iterations < 1 or dims < 1 throws nn::Error.
//   tsne_run(x, config) returns the embedding with the cost KL(P || Q) every config.cost_every
//   iterations and the learning rate used. tsne_cost(P, Y) and tsne_gradient(P, Y) (P
//   symmetric) are step 4's KL(P || Q) and its gradient (dims x n), as pure functions; the
//   tests check one against the other numerically.
//
//   nearest_neighbour_agreement(points, labels)  the fraction of points (columns) whose nearest
//       other point (Euclidean; the first on a tie) has the same label: how well an embedding
//       keeps the classes apart. Fewer than 2 points, or labels of the wrong length, throw.
//
//   template_similarity(W, images)  W (units x features), images (features x n). For each row
//       of W: .to_image = the largest cosine similarity with any column of images, .to_unit =
//       the largest with any OTHER row (-1 when W has one row). A unit that copies an image
//       scores near 1 in the first, two units that store the same thing near 1 in the second.
//       Feature counts that differ throw nn::Error.
//   positive_share(map)  sum max(m, 0) / sum |m|: the share of a map's absolute mass that is
//       positive (NaN for an all-zero map).
#pragma once

#include <armadillo>
#include <cstdint>
#include <optional>
#include <vector>

#include "nn/sequential.hpp"
#include "nn/shape.hpp"

namespace nn {

// ---- a hidden layer ----------------------------------------------------------------------------
arma::mat layer_output(Sequential& net, const arma::mat& x, std::size_t layer,
                       arma::uword batch_size = 256);  // (units x n)

// ---- weights as images -----------------------------------------------------------------------
std::vector<arma::mat> weight_images(const arma::mat& weight, const Shape& shape,
                                     arma::uword channel = 0);  // each (height x width)

// ---- input gradients ---------------------------------------------------------------------------
arma::mat guided_relu_backward(const arma::mat& x, const arma::mat& grad_y, double gamma = 0);
arma::mat saliency(Sequential& net, const arma::mat& x, arma::uword cls);         // (features x 1)
arma::mat guided_backprop(Sequential& net, const arma::mat& x, arma::uword cls);  // (features x 1)

// ---- PCA ---------------------------------------------------------------------------------------
struct PrincipalComponents {
  arma::vec mean;      // (dims) the mean sample, subtracted before the SVD
  arma::mat axes;      // (dims x k) orthonormal principal axes, sign-fixed as above
  arma::vec variance;  // (k) variance of the samples along each axis, decreasing
  arma::mat scores;    // (k x n) the samples' coordinates along the axes
};
PrincipalComponents principal_components(const arma::mat& x, arma::uword k);
arma::mat pca(const arma::mat& x, arma::uword k);  // principal_components(x, k).scores

// ---- t-SNE -------------------------------------------------------------------------------------
constexpr arma::uword tsne_max_points = 2000;

struct TsneConfig {
  double perplexity = 30;             // effective number of neighbours of each point
  int iterations = 1000;
  int exaggeration_iterations = 250;  // early exaggeration, and momentum 0.5, for these
  double exaggeration = 12;
  double learning_rate = 0;           // 0: "auto", n / (4 exaggeration), at least 1 (see above)
  double initial_momentum = 0.5, final_momentum = 0.8;
  arma::uword dims = 2;
  std::optional<std::uint64_t> seed;  // when set, tsne() calls nn::seed(*seed) first
  int cost_every = 50;                // record KL(P || Q) every this many iterations; 0: never
};

struct TsneResult {
  arma::mat embedding;                // (dims x n)
  std::vector<int> cost_iterations;   // when the cost was recorded (1-based iteration)
  std::vector<double> cost;           // KL(P || Q) with the true P (no exaggeration)
  double learning_rate = 0;           // the rate used (config's, or the auto rate)
};

arma::mat squared_distances(const arma::mat& x);  // (n x n) |x_i - x_j|^2, columns are points
// (n x n) row i is p_{j|i}, 0 on the diagonal; each row sums to 1 and has the perplexity asked
// for (within 1e-5 in entropy). *betas (n), when given, receives each point's precision.
arma::mat conditional_probabilities(const arma::mat& sq_distances, double perplexity,
                                    arma::vec* betas = nullptr);
arma::mat tsne_affinities(const arma::mat& x, double perplexity);  // (n x n) symmetric P
double tsne_cost(const arma::mat& p, const arma::mat& y);           // KL(P || Q)
arma::mat tsne_gradient(const arma::mat& p, const arma::mat& y);    // (dims x n) dC/dY
TsneResult tsne_run(const arma::mat& x, const TsneConfig& config = {});
arma::mat tsne(const arma::mat& x, const TsneConfig& config = {});  // tsne_run(...).embedding

// ---- how well an embedding separates the classes -----------------------------------------------
double nearest_neighbour_agreement(const arma::mat& points, const arma::uvec& labels);

// ---- what a layer's weights store, what a map keeps ----------------------------------------------
struct TemplateSimilarity {
  arma::vec to_image;  // (units) largest cosine with any image
  arma::vec to_unit;   // (units) largest cosine with any other unit
};
TemplateSimilarity template_similarity(const arma::mat& weight, const arma::mat& images);
double positive_share(const arma::mat& map);

}  // namespace nn
