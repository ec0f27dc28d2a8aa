// losses.hpp -- scalar losses over a batch (one column per sample), averaged over samples.
//
// Contract: forward(output, target) caches what backward needs and returns the loss;
// backward() returns dL/doutput of the last forward, (classes x batch).
//   MSELoss              L = (1/n) sum_i 0.5 * sum_k (target_ki - output_ki)^2
//   SoftmaxCrossEntropy  L = -(1/n) sum_i log softmax(z_i)[y_i], computed stably
//                        (max subtracted, log-sum-exp); dL/dz = (softmax(z) - onehot(y)) / n.
#pragma once

#include <armadillo>

namespace nn {

// ---- the math, as pure functions ---------------------------------------------------------
arma::mat softmax(const arma::mat& logits);          // (classes x batch), columns sum to 1
arma::mat log_softmax(const arma::mat& logits);      // (classes x batch), stable for |z| ~ 1000
arma::mat one_hot(const arma::uvec& labels, arma::uword classes);  // (classes x batch)

class MSELoss {
public:
  double forward(const arma::mat& output, const arma::mat& target);
  arma::mat backward();

private:
  arma::mat difference_;  // output - target, (outputs x batch)
};

class SoftmaxCrossEntropy {
public:
  double forward(const arma::mat& logits, const arma::uvec& labels);
  arma::mat backward();
  const arma::mat& probabilities() const { return probabilities_; }  // softmax of the last logits

private:
  arma::mat probabilities_;  // (classes x batch)
  arma::uvec labels_;
};

}  // namespace nn
