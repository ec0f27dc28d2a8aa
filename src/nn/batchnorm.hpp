// batchnorm.hpp -- batch normalization (Ioffe and Szegedy 2015), as torch.nn.BatchNorm1d/2d.
//
// Contract
//   BatchNorm1d(features, eps = 1e-5, momentum = 0.1)
//     input   (features x batch)   one column per sample; each ROW (feature) is normalized
//                                  over the batch
//     output  (features x batch)
//   BatchNorm2d(Shape{C, H, W}, eps = 1e-5, momentum = 0.1)
//     input   (C*H*W x batch)      image columns; each CHANNEL is normalized over the batch
//                                  and all H*W positions (N = batch*H*W values per channel)
//     output  (C*H*W x batch)
//   Parameters gamma (ones) and beta (zeros), one per feature / channel; grad_gamma, grad_beta.
//   Training mode (the default, set_training(true)), per feature over its N values x_i:
//     mu = mean(x), var = (1/N) sum (x_i - mu)^2           (biased: divides by N)
//     x_hat = (x - mu) / sqrt(var + eps),   y = gamma x_hat + beta
//     running_mean = (1 - momentum) running_mean + momentum mu
//     running_var  = (1 - momentum) running_var  + momentum var N/(N - 1)   (unbiased)
//     (running_mean starts at 0, running_var at 1). N = 1 throws: one value has no variance.
//   Eval mode (set_training(false)): y = gamma (x - running_mean)/sqrt(running_var + eps) + beta,
//     a fixed affine map per feature; running statistics untouched.
//   caches x_hat and 1/sqrt(var + eps) of the last forward (and which mode it ran in).
//   backward(G) returns dL/dx and ADDS dL/dgamma = sum(G % x_hat), dL/dbeta = sum(G) (per
//   feature, over the N values). Training mode, the compact closed form (derived in
//   docs/lesson11.md), per feature:
//     dL/dx = gamma/(N sqrt(var + eps)) * (N G - sum(G) - x_hat sum(G % x_hat))
//   Eval mode: dL/dx = gamma G / sqrt(running_var + eps).
//   backward follows the mode of the forward it belongs to. backward before forward, or a
//   grad_output of the wrong shape, throws nn::Error naming the module and both shapes.
// These are PyTorch's float64 semantics (same defaults, same running update).
#pragma once

#include "nn/module.hpp"
#include "nn/shape.hpp"

namespace nn {

// ---- the math, as pure functions, on (features x N) ----------------------------------------
// What backward needs from a forward.
struct BatchNormCache {
  arma::mat x_hat;    // (features x N) the normalized input
  arma::vec inv_std;  // (features) 1 / sqrt(var + eps), var of the batch or the running one
};

// Training mode: normalizes each row with its own mean and biased variance, writes them
// into batch_mean and batch_var (features), fills cache. Returns y (features x N).
arma::mat batchnorm_forward(const arma::mat& x, const arma::vec& gamma, const arma::vec& beta,
                            double eps, arma::vec& batch_mean, arma::vec& batch_var,
                            BatchNormCache& cache);
// Eval mode: the given (running) statistics instead of the batch's.
arma::mat batchnorm_eval_forward(const arma::mat& x, const arma::vec& gamma, const arma::vec& beta,
                                 double eps, const arma::vec& mean, const arma::vec& var,
                                 BatchNormCache& cache);
// running = (1 - momentum) running + momentum batch; the variance unbiased (times N/(N-1)).
void batchnorm_update_running(arma::vec& running_mean, arma::vec& running_var,
                              const arma::vec& batch_mean, const arma::vec& batch_var,
                              arma::uword n, double momentum);
// Training-mode backward (closed form). Returns dL/dx (features x N); ADDS into grad_gamma
// and grad_beta (features x 1).
arma::mat batchnorm_backward(const arma::mat& grad_y, const BatchNormCache& cache,
                             const arma::vec& gamma, arma::mat& grad_gamma, arma::mat& grad_beta);
// Eval-mode backward: the statistics are constants. Same accumulation.
arma::mat batchnorm_eval_backward(const arma::mat& grad_y, const BatchNormCache& cache,
                                  const arma::vec& gamma, arma::mat& grad_gamma,
                                  arma::mat& grad_beta);

// Image columns (C*H*W x batch) <-> one row per channel (C x batch*H*W): column b*H*W + p of
// the result is position p of sample b. BatchNorm2d is batchnorm on these rows.
arma::mat channels_as_rows(const arma::mat& images, const Shape& shape);
arma::mat rows_as_channels(const arma::mat& rows, const Shape& shape);

// ---- the modules ---------------------------------------------------------------------------
class BatchNorm1d : public Module {
public:
  explicit BatchNorm1d(arma::uword features, double eps = 1e-5, double momentum = 0.1);

  arma::mat forward(const arma::mat& input) override;
  arma::mat backward(const arma::mat& grad_output) override;
  std::vector<Parameter> parameters() override;
  std::string name() const override;
  void set_training(bool training) override { training_ = training; }
  bool training() const override { return training_; }

  double eps() const { return eps_; }
  double momentum() const { return momentum_; }
  const BatchNormCache& cache() const { return cache_; }

  arma::mat gamma, beta;            // (features x 1) ones, zeros
  arma::mat grad_gamma, grad_beta;  // (features x 1)
  arma::vec running_mean;           // (features) starts at 0
  arma::vec running_var;            // (features) starts at 1
  arma::vec batch_mean, batch_var;  // (features) of the last training forward (var biased)

protected:
  // The (features x N) view of an input, and back; BatchNorm2d regroups by channel.
  virtual arma::mat to_rows(const arma::mat& input) const { return input; }
  virtual arma::mat from_rows(const arma::mat& rows) const { return rows; }
  virtual arma::uword input_rows() const { return gamma.n_rows; }
  std::string describe_arguments() const;
  // What forward's check_rows says it expects, built once (not per batch); BatchNorm2d: its shape.
  std::string input_what_ = "features x batch";

private:
  double eps_, momentum_;
  bool training_ = true;
  bool has_forward_ = false, last_was_training_ = false;
  arma::uword batch_size_ = 0;
  BatchNormCache cache_;
};

class BatchNorm2d : public BatchNorm1d {
public:
  explicit BatchNorm2d(Shape input, double eps = 1e-5, double momentum = 0.1);
  std::string name() const override;
  Shape input_shape() const { return input_; }
  Shape output_shape() const { return input_; }

protected:
  arma::mat to_rows(const arma::mat& input) const override;
  arma::mat from_rows(const arma::mat& rows) const override;
  arma::uword input_rows() const override { return input_.size(); }

private:
  Shape input_;
};

}  // namespace nn
