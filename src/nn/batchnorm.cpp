#include "nn/batchnorm.hpp"
#include "util/format.hpp"

#include <cmath>

namespace nn {

// ---- the math ------------------------------------------------------------------------------
// [snippet batchnorm-forward]
arma::mat batchnorm_forward(const arma::mat& x, const arma::vec& gamma, const arma::vec& beta,
                            double eps, arma::vec& batch_mean, arma::vec& batch_var,
                            BatchNormCache& cache) {
  const double n = static_cast<double>(x.n_cols);  // N values per feature
  batch_mean = arma::mean(x, 1);                     // (features)
  const arma::mat centered = x.each_col() - batch_mean;  // (features x N)
  batch_var = arma::sum(arma::square(centered), 1) / n;  // (features) biased: / N
  cache.inv_std = 1.0 / arma::sqrt(batch_var + eps);     // (features)
  cache.x_hat = centered.each_col() % cache.inv_std;     // (features x N) mean 0, var ~1
  arma::mat y = cache.x_hat.each_col() % gamma;          // (features x N)
  y.each_col() += beta;
  return y;
}
// [/snippet]

// [snippet batchnorm-eval-forward]
arma::mat batchnorm_eval_forward(const arma::mat& x, const arma::vec& gamma, const arma::vec& beta,
                                 double eps, const arma::vec& mean, const arma::vec& var,
                                 BatchNormCache& cache) {
  cache.inv_std = 1.0 / arma::sqrt(var + eps);                      // (features)
  cache.x_hat = (x.each_col() - mean).eval().each_col() % cache.inv_std;  // (features x N)
  arma::mat y = cache.x_hat.each_col() % gamma;                     // (features x N)
  y.each_col() += beta;
  return y;
}
// [/snippet]

// [snippet batchnorm-running]
void batchnorm_update_running(arma::vec& running_mean, arma::vec& running_var,
                              const arma::vec& batch_mean, const arma::vec& batch_var,
                              arma::uword n, double momentum) {
  const double unbiased = static_cast<double>(n) / static_cast<double>(n - 1);  // N/(N-1)
  running_mean = (1 - momentum) * running_mean + momentum * batch_mean;
  running_var = (1 - momentum) * running_var + momentum * unbiased * batch_var;
}
// [/snippet]

// [snippet batchnorm-backward]
arma::mat batchnorm_backward(const arma::mat& grad_y, const BatchNormCache& cache,
                             const arma::vec& gamma, arma::mat& grad_gamma, arma::mat& grad_beta) {
  // BEGIN SOLUTION lesson11 "batchnorm_backward"
  // HINT: each row (feature) on its own, N = grad_y.n_cols; cache.x_hat and cache.inv_std
  // HINT: come from the forward. Two per-row sums, sum(G) and sum(G % x_hat), give both
  // HINT: parameter gradients (ADD them) and the two correction terms of dL/dx.
  const double n = static_cast<double>(grad_y.n_cols);
  const arma::vec sum_g = arma::sum(grad_y, 1);                           // (features)
  const arma::vec sum_g_xhat = arma::sum(grad_y % cache.x_hat, 1);        // (features)
  grad_gamma += sum_g_xhat;                                               // (features x 1)
  grad_beta += sum_g;                                                     // (features x 1)
  arma::mat inner = n * grad_y;                                           // (features x N)
  inner.each_col() -= sum_g;
  inner -= cache.x_hat.each_col() % sum_g_xhat;
  const arma::vec scale = gamma % cache.inv_std / n;                      // (features)
  return inner.each_col() % scale;                                        // (features x N)
  // END SOLUTION
}
// [/snippet]

// [snippet batchnorm-eval-backward]
arma::mat batchnorm_eval_backward(const arma::mat& grad_y, const BatchNormCache& cache,
                                  const arma::vec& gamma, arma::mat& grad_gamma,
                                  arma::mat& grad_beta) {
  grad_gamma += arma::sum(grad_y % cache.x_hat, 1);  // (features x 1)
  grad_beta += arma::sum(grad_y, 1);                 // (features x 1)
  const arma::vec slope = gamma % cache.inv_std;     // (features) dy/dx, a constant
  return grad_y.each_col() % slope;                  // (features x N)
}
// [/snippet]

// [snippet channels-as-rows]
arma::mat channels_as_rows(const arma::mat& images, const Shape& shape) {
  const arma::uword plane = shape.height * shape.width;
  arma::mat rows(shape.channels, plane * images.n_cols);  // (C x batch*H*W)
  for (arma::uword b = 0; b < images.n_cols; ++b)
    for (arma::uword ch = 0; ch < shape.channels; ++ch)
      for (arma::uword p = 0; p < plane; ++p) rows.at(ch, b * plane + p) = images.at(ch * plane + p, b);
  return rows;
}
// [/snippet]

arma::mat rows_as_channels(const arma::mat& rows, const Shape& shape) {
  const arma::uword plane = shape.height * shape.width;
  const arma::uword batch = rows.n_cols / plane;
  arma::mat images(shape.size(), batch);  // (C*H*W x batch)
  for (arma::uword b = 0; b < batch; ++b)
    for (arma::uword ch = 0; ch < shape.channels; ++ch)
      for (arma::uword p = 0; p < plane; ++p) images.at(ch * plane + p, b) = rows.at(ch, b * plane + p);
  return images;
}

// ---- the modules ---------------------------------------------------------------------------
static void check_settings(const std::string& where, double eps, double momentum) {
  if (!(eps > 0) || !std::isfinite(eps))
    throw Error(where + ": eps must be positive and finite, got " + util::number(eps, 6));
  if (!(momentum >= 0 && momentum <= 1))
    throw Error(where + ": momentum must be in [0, 1], got " + util::number(momentum, 6));
}

BatchNorm1d::BatchNorm1d(arma::uword features, double eps, double momentum)
    : eps_(eps), momentum_(momentum) {
  if (features == 0) throw Error("BatchNorm1d: features must be positive, got 0");
  check_settings("BatchNorm1d(" + std::to_string(features) + ")", eps, momentum);
  gamma.ones(features, 1);
  beta.zeros(features, 1);
  grad_gamma.zeros(features, 1);
  grad_beta.zeros(features, 1);
  running_mean.zeros(features);
  running_var.ones(features);
}

std::string BatchNorm1d::describe_arguments() const {
  std::string s;
  if (eps_ != 1e-5) s += ", eps = " + util::number(eps_, 6);
  if (momentum_ != 0.1) s += ", momentum = " + util::number(momentum_, 6);
  return s;
}

std::string BatchNorm1d::name() const {
  return "BatchNorm1d(" + std::to_string(gamma.n_rows) + describe_arguments() + ")";
}

std::vector<Parameter> BatchNorm1d::parameters() {
  return {{"gamma", &gamma, &grad_gamma}, {"beta", &beta, &grad_beta}};
}

// [snippet batchnorm-module]
arma::mat BatchNorm1d::forward(const arma::mat& input) {
  check_rows(*this, "forward", input, input_rows(), input_what_);
  const arma::mat x = to_rows(input);  // (features x N)
  if (training_ && x.n_cols < 2)
    throw Error(name() + "::forward: training mode needs more than 1 value per " +
                (input_rows() == gamma.n_rows ? "feature" : "channel") + ", got input " +
                describe(input) + " (use eval mode for single samples)");
  has_forward_ = true;
  last_was_training_ = training_;
  batch_size_ = input.n_cols;
  if (!training_)
    return from_rows(batchnorm_eval_forward(x, gamma, beta, eps_, running_mean, running_var, cache_));
  const arma::mat y = batchnorm_forward(x, gamma, beta, eps_, batch_mean, batch_var, cache_);
  batchnorm_update_running(running_mean, running_var, batch_mean, batch_var, x.n_cols, momentum_);
  return from_rows(y);
}

arma::mat BatchNorm1d::backward(const arma::mat& grad_output) {
  check_grad(*this, "backward", has_forward_, grad_output, input_rows(), batch_size_);
  const arma::mat g = to_rows(grad_output);  // (features x N)
  if (!last_was_training_)
    return from_rows(batchnorm_eval_backward(g, cache_, gamma, grad_gamma, grad_beta));
  return from_rows(batchnorm_backward(g, cache_, gamma, grad_gamma, grad_beta));
}
// [/snippet]

BatchNorm2d::BatchNorm2d(Shape input, double eps, double momentum)
    : BatchNorm1d(input.channels == 0 ? 1 : input.channels, eps, momentum), input_(input) {
  if (input.size() == 0)
    throw Error("BatchNorm2d(input " + describe(input) + "): the input shape has a zero dimension");
  input_what_ = describe(input);
}

std::string BatchNorm2d::name() const {
  return "BatchNorm2d(" + dims(input_) + describe_arguments() + ")";
}

arma::mat BatchNorm2d::to_rows(const arma::mat& input) const {
  return channels_as_rows(input, input_);
}

arma::mat BatchNorm2d::from_rows(const arma::mat& rows) const {
  return rows_as_channels(rows, input_);
}

}  // namespace nn
