// centroid.hpp -- clustering-oriented representation learning (lesson 10): no output layer;
// each class keeps a centroid in the latent space and samples are pulled to their own.
//
//   d(u, v) = 0.5 (1 - u.v / (|u| |v|))          cosine distance, in [0, 1]
//   A zero vector has no direction: d(0, v) = d(u, 0) = 0.5 (as for orthogonal vectors) and its
//   gradient is 0 -- a documented choice, never a NaN.
//
// CentroidLoss(K, lambda_att, lambda_rep)
//   update_centroids(H, y)  mu_k = mean of the columns of H (dims x n) labelled k; a class with
//                           no sample keeps its previous centroid (zero before the first update)
//   forward(H, y)           L = (lambda_att/n) sum_i d(mu_{y_i}, h_i)
//                               - (lambda_rep/(n(K-1))) sum_i sum_{k != y_i} d(mu_k, h_i)
//   backward()              dL/dH (dims x n) with the centroids held constant
//   predict(H)              the class of the nearest centroid, per column
#pragma once

#include <armadillo>

namespace nn {

double cosine_distance(const arma::vec& u, const arma::vec& v);  // 0.5*(1 - u.v/(|u||v|))
// d cosine_distance(u, v) / dv, (dims x 1); zero when u or v is the zero vector.
arma::vec cosine_distance_grad(const arma::vec& u, const arma::vec& v);

class CentroidLoss {
public:
  explicit CentroidLoss(arma::uword classes, double lambda_att = 1, double lambda_rep = 1);

  void update_centroids(const arma::mat& latent, const arma::uvec& labels);
  const arma::mat& centroids() const { return centroids_; }  // (dims x classes)
  double forward(const arma::mat& latent, const arma::uvec& labels);
  arma::mat backward();  // (dims x batch); centroids held constant
  arma::uvec predict(const arma::mat& latent) const;

  double attraction() const { return attraction_; }  // (1/n) sum_i d(mu_{y_i}, h_i), last forward
  double repulsion() const { return repulsion_; }    // mean distance to the other centroids

private:
  void check(const char* where, const arma::mat& latent, const arma::uvec* labels) const;
  arma::uword classes_;
  double lambda_att_, lambda_rep_;
  arma::mat centroids_;  // (dims x classes)
  arma::mat latent_;     // (dims x batch), cached by forward
  arma::uvec labels_;
  double attraction_ = 0, repulsion_ = 0;
};

}  // namespace nn
