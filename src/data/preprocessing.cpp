// preprocessing.cpp -- x' = (x - mean) / std, fitted on the training set.
#include "data/preprocessing.hpp"

#include <string>

#include "nn/error.hpp"

namespace nn {

using Kind = Preprocessing::Kind;

namespace {

void check_preprocessing(const Preprocessing& p, arma::uword features, const char* where) {
  if (p.kind == Kind::none) return;
  if (p.mean.n_elem != p.std.n_elem || p.mean.n_elem == 0)
    throw Error(std::string(where) + ": preprocessing \"" + to_string(p.kind) + "\" has " +
                std::to_string(p.mean.n_elem) + " means and " + std::to_string(p.std.n_elem) +
                " standard deviations; expected as many, at least 1");
  if (p.mean.n_elem != 1 && p.mean.n_elem != features)
    throw Error(std::string(where) + ": preprocessing fitted on " +
                std::to_string(p.mean.n_elem) + " features, the data has " +
                std::to_string(features) + " rows");
}

void check_fit_input(const Dataset& train, const char* where) {
  if (train.x.n_elem == 0) throw Error(std::string(where) + ": the dataset is empty");
  if (train.preprocessing.kind != Kind::none)
    throw Error(std::string(where) + ": the dataset is already preprocessed (\"" +
                to_string(train.preprocessing.kind) + "\"); fit on the raw pixels");
}

}  // namespace

// ---- preprocessing -------------------------------------------------------------------------

Preprocessing scale_by(double divisor) {
  if (!(divisor > 0) || !std::isfinite(divisor))
    throw Error("scale_by: expected a positive divisor, got " + std::to_string(divisor));
  return {Kind::scale, arma::vec{0.0}, arma::vec{divisor}};
}

Preprocessing fit_global(const Dataset& train) {
  check_fit_input(train, "fit_global");
  const double mean = arma::mean(arma::vectorise(train.x));
  const double deviation = arma::stddev(arma::vectorise(train.x), 1);  // divide by N
  return {Kind::global, arma::vec{mean}, arma::vec{deviation > 0 ? deviation : 1.0}};
}

Preprocessing fit_per_pixel(const Dataset& train, double min_std) {
  check_fit_input(train, "fit_per_pixel");
  if (!(min_std > 0))
    throw Error("fit_per_pixel: expected min_std > 0, got " + std::to_string(min_std));
  // Two passes over the columns (memory order, no temporary the size of x): the mean, then
  // the mean squared deviation from it, which is exact where sum(x^2)/n - mean^2 cancels.
  const arma::mat& x = train.x;  // (features x n_samples)
  const double n = double(x.n_cols);
  arma::vec mean(x.n_rows, arma::fill::zeros);  // (features x 1)
  for (arma::uword i = 0; i < x.n_cols; ++i) mean += x.col(i);
  mean /= n;
  arma::vec variance(x.n_rows, arma::fill::zeros);  // (features x 1), divided by n
  for (arma::uword i = 0; i < x.n_cols; ++i) variance += arma::square(x.col(i) - mean);
  variance /= n;
  arma::vec deviation = arma::sqrt(variance);  // (features x 1)
  deviation.transform([min_std](double d) { return d < min_std ? min_std : d; });
  return {Kind::per_pixel, mean, deviation};
}

arma::mat apply(const Preprocessing& p, const arma::mat& x) {
  check_preprocessing(p, x.n_rows, "apply");
  if (p.kind == Kind::none) return x;
  if (p.mean.n_elem == 1) return (x - p.mean[0]) / p.std[0];
  arma::mat out = x.each_col() - p.mean;  // (features x n_samples)
  out.each_col() /= p.std;
  return out;
}

arma::mat unapply(const Preprocessing& p, const arma::mat& x) {
  check_preprocessing(p, x.n_rows, "unapply");
  if (p.kind == Kind::none) return x;
  if (p.mean.n_elem == 1) return x * p.std[0] + p.mean[0];
  arma::mat out = x.each_col() % p.std;  // (features x n_samples)
  out.each_col() += p.mean;
  return out;
}

void apply(const Preprocessing& p, Dataset& data) {
  if (data.preprocessing.kind != Kind::none)
    throw Error("apply: the dataset is already preprocessed (\"" + to_string(data.preprocessing.kind) +
                "\"); apply to raw pixels only");
  check_preprocessing(p, data.x.n_rows, "apply");
  // In place: the full training set is 376 MB of doubles, too much to copy for nothing.
  if (p.kind != Kind::none && p.mean.n_elem == 1) {
    data.x -= p.mean[0];
    data.x /= p.std[0];
  } else if (p.kind != Kind::none) {
    data.x.each_col() -= p.mean;
    data.x.each_col() /= p.std;
  }
  data.preprocessing = p;
}

}  // namespace nn
