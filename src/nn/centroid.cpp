#include "nn/centroid.hpp"

#include <cmath>

#include "nn/error.hpp"
#include "nn/shape.hpp"

namespace nn {

// [snippet cosine-distance]
double cosine_distance(const arma::vec& u, const arma::vec& v) {
  if (u.n_elem != v.n_elem)
    throw Error("cosine_distance: vectors of " + std::to_string(u.n_elem) + " and " +
                std::to_string(v.n_elem) + " elements");
  const double norms = arma::norm(u) * arma::norm(v);
  if (norms == 0) return 0.5;  // a zero vector has no direction: as if orthogonal
  return 0.5 * (1 - arma::dot(u, v) / norms);
}

arma::vec cosine_distance_grad(const arma::vec& u, const arma::vec& v) {
  const double norm_u = arma::norm(u), norm_v = arma::norm(v);
  if (norm_u == 0 || norm_v == 0) return arma::zeros(v.n_elem);
  const double cosine = arma::dot(u, v) / (norm_u * norm_v);
  // d cos / dv = u/(|u||v|) - cos v/|v|^2;  d = 0.5 (1 - cos)
  return -0.5 * (u / (norm_u * norm_v) - cosine * v / (norm_v * norm_v));
}
// [/snippet]

CentroidLoss::CentroidLoss(arma::uword classes, double lambda_att, double lambda_rep)
    : classes_(classes), lambda_att_(lambda_att), lambda_rep_(lambda_rep) {
  if (classes < 2)
    throw Error("CentroidLoss: needs at least 2 classes, got " + std::to_string(classes));
  if (!std::isfinite(lambda_att) || !std::isfinite(lambda_rep))
    throw Error("CentroidLoss: lambda_att and lambda_rep must be finite");
}

void CentroidLoss::check(const char* where, const arma::mat& latent,
                         const arma::uvec* labels) const {
  const std::string w = std::string("CentroidLoss::") + where;
  if (latent.n_elem == 0) throw Error(w + ": got an empty latent batch " + describe(latent));
  if (!latent.is_finite())
    throw Error(w + ": the latent batch " + describe(latent) + " contains NaN or Inf");
  if (centroids_.n_elem > 0 && latent.n_rows != centroids_.n_rows)
    throw Error(w + ": expected latent vectors of " + std::to_string(centroids_.n_rows) +
                " rows (the centroids' dimension), got " + describe(latent));
  if (!labels) return;
  if (labels->n_elem != latent.n_cols)
    throw Error(w + ": latent " + describe(latent) + " needs one label per column, got " +
                std::to_string(labels->n_elem) + " labels");
  for (arma::uword i = 0; i < labels->n_elem; ++i)
    if ((*labels)[i] >= classes_)
      throw Error(w + ": label " + std::to_string((*labels)[i]) + " of sample " +
                  std::to_string(i) + " is out of range for " + std::to_string(classes_) +
                  " classes");
}

// [snippet update-centroids]
void CentroidLoss::update_centroids(const arma::mat& latent, const arma::uvec& labels) {
  check("update_centroids", latent, &labels);
  if (centroids_.n_elem == 0) centroids_.zeros(latent.n_rows, classes_);
  for (arma::uword k = 0; k < classes_; ++k) {
    const arma::uvec members = arma::find(labels == k);
    if (!members.is_empty()) centroids_.col(k) = arma::mean(latent.cols(members), 1);
  }
}
// [/snippet]

double CentroidLoss::forward(const arma::mat& latent, const arma::uvec& labels) {
  if (centroids_.n_elem == 0)
    throw Error("CentroidLoss::forward: no centroids yet; call update_centroids first");
  check("forward", latent, &labels);
  const arma::uword n = latent.n_cols;
  double attract = 0, repel = 0;
  for (arma::uword i = 0; i < n; ++i)
    for (arma::uword k = 0; k < classes_; ++k) {
      const double d = cosine_distance(centroids_.col(k), latent.col(i));
      (k == labels[i] ? attract : repel) += d;
    }
  attraction_ = attract / n;
  repulsion_ = repel / (n * (classes_ - 1));
  latent_ = latent;
  labels_ = labels;
  return lambda_att_ * attraction_ - lambda_rep_ * repulsion_;
}

// [snippet centroid-backward]
arma::mat CentroidLoss::backward() {
  if (latent_.n_elem == 0) throw Error("CentroidLoss::backward: backward called before forward");
  // BEGIN SOLUTION lesson10 "CentroidLoss::backward"
  // HINT: cosine_distance_grad(c, z) above is d d(c, z) / dz; the loss is a weighted sum of such
  // HINT: distances (weights from forward), so its gradient is the same weighted sum.
  const arma::uword n = latent_.n_cols;
  const double w_att = lambda_att_ / n, w_rep = lambda_rep_ / (n * (classes_ - 1));
  arma::mat grad(arma::size(latent_), arma::fill::zeros);  // (dims x batch)
  for (arma::uword i = 0; i < n; ++i)
    for (arma::uword k = 0; k < classes_; ++k) {
      const arma::vec pull = cosine_distance_grad(centroids_.col(k), latent_.col(i));
      grad.col(i) += (k == labels_[i] ? w_att : -w_rep) * pull;  // attract own, repel others
    }
  return grad;
  // END SOLUTION
}
// [/snippet]

arma::uvec CentroidLoss::predict(const arma::mat& latent) const {
  if (centroids_.n_elem == 0)
    throw Error("CentroidLoss::predict: no centroids yet; call update_centroids first");
  check("predict", latent, nullptr);
  arma::uvec predicted(latent.n_cols);
  for (arma::uword i = 0; i < latent.n_cols; ++i) {
    arma::vec d(classes_);
    for (arma::uword k = 0; k < classes_; ++k) d[k] = cosine_distance(centroids_.col(k), latent.col(i));
    predicted[i] = d.index_min();  // ties: the lowest class index
  }
  return predicted;
}

}  // namespace nn
