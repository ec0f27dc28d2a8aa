#include "nn/losses.hpp"

#include <cmath>

#include "nn/error.hpp"
#include "nn/shape.hpp"

namespace nn {

// where: a literal, spelled as a std::string only on error (not on every forward)
static void check_finite(const char* where, const arma::mat& m, const char* what) {
  if (!m.is_finite())
    throw Error(std::string(where) + ": " + what + " contains NaN or Inf (" + describe(m) +
                "); the network probably diverged: lower the learning rate");
}

// [snippet softmax]
arma::mat log_softmax(const arma::mat& logits) {
  const arma::rowvec largest = arma::max(logits, 0);  // (1 x batch): exp never overflows
  arma::mat shifted = logits.each_row() - largest;    // (classes x batch), every entry <= 0
  const arma::rowvec log_sum = arma::log(arma::sum(arma::exp(shifted), 0));
  shifted.each_row() -= log_sum;
  return shifted;
}

arma::mat softmax(const arma::mat& logits) { return arma::exp(log_softmax(logits)); }
// [/snippet]

arma::mat one_hot(const arma::uvec& labels, arma::uword classes) {
  arma::mat t(classes, labels.n_elem, arma::fill::zeros);
  for (arma::uword i = 0; i < labels.n_elem; ++i) {
    if (labels[i] >= classes)
      throw Error("one_hot: label " + std::to_string(labels[i]) + " of sample " +
                  std::to_string(i) + " is out of range for " + std::to_string(classes) +
                  " classes");
    t(labels[i], i) = 1;
  }
  return t;
}

// ---- MSE ---------------------------------------------------------------------------------
// [snippet mse]
double MSELoss::forward(const arma::mat& output, const arma::mat& target) {
  if (output.n_rows != target.n_rows || output.n_cols != target.n_cols || output.n_elem == 0)
    throw Error("MSELoss::forward: output " + describe(output) + " and target " +
                describe(target) + " must have the same non-empty shape");
  check_finite("MSELoss::forward", output, "the output");
  difference_ = output - target;
  return 0.5 * arma::accu(arma::square(difference_)) / output.n_cols;
}

arma::mat MSELoss::backward() {
  if (difference_.n_elem == 0) throw Error("MSELoss::backward: backward called before forward");
  return difference_ / difference_.n_cols;  // dL/doutput = (output - target) / n
}
// [/snippet]

// ---- softmax cross-entropy ---------------------------------------------------------------
double SoftmaxCrossEntropy::forward(const arma::mat& logits, const arma::uvec& labels) {
  if (logits.n_cols != labels.n_elem || logits.n_elem == 0)
    throw Error("SoftmaxCrossEntropy::forward: logits " + describe(logits) + " need one label per column, got " +
                std::to_string(labels.n_elem) + " labels");
  check_finite("SoftmaxCrossEntropy::forward", logits, "the logits");
  for (arma::uword i = 0; i < labels.n_elem; ++i)
    if (labels[i] >= logits.n_rows)
      throw Error("SoftmaxCrossEntropy::forward: label " + std::to_string(labels[i]) +
                  " of sample " + std::to_string(i) + " is out of range for " +
                  std::to_string(logits.n_rows) + " classes");
  const arma::mat log_p = log_softmax(logits);  // (classes x batch)
  double loss = 0;
  for (arma::uword i = 0; i < labels.n_elem; ++i) loss -= log_p(labels[i], i);
  probabilities_ = arma::exp(log_p);
  labels_ = labels;
  return loss / labels.n_elem;
}

// [snippet cross-entropy-backward]
arma::mat SoftmaxCrossEntropy::backward() {
  if (probabilities_.n_elem == 0)
    throw Error("SoftmaxCrossEntropy::backward: backward called before forward");
  // BEGIN SOLUTION lesson06 "SoftmaxCrossEntropy::backward"
  // HINT: forward kept probabilities_ (classes x batch) and labels_; one_hot(labels_, classes)
  // HINT: builds the targets; forward averaged over the batch.
  const arma::mat target = one_hot(labels_, probabilities_.n_rows);  // (classes x batch)
  return (probabilities_ - target) / probabilities_.n_cols;          // (softmax - onehot) / n
  // END SOLUTION
}
// [/snippet]

}  // namespace nn
