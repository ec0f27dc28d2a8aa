#include "nn/synthetic.hpp"

#include <cmath>
#include <filesystem>
#include <fstream>
#include <random>
#include <set>
#include <sstream>

#include "nn/error.hpp"
#include "util/files.hpp"

namespace nn {

namespace {

// Portable draws from one generator: the same seed gives the same numbers everywhere
// (std::normal_distribution and std::shuffle are implementation-defined).
class Draw {
public:
  explicit Draw(std::uint64_t seed) : generator_(seed) {}
  double uniform() { return (generator_() >> 11) * 0x1.0p-53; }  // [0, 1)
  double uniform(double lo, double hi) { return lo + (hi - lo) * uniform(); }
  arma::uword below(arma::uword n) { return generator_() % n; }  // plain modulo, as data.cpp
  std::uint64_t bits() { return generator_(); }
  double normal() {  // Box-Muller, one of the pair
    const double u1 = 1.0 - uniform();  // (0, 1]: log is finite
    const double u2 = uniform();
    return std::sqrt(-2.0 * std::log(u1)) * std::cos(2.0 * arma::datum::pi * u2);
  }
  arma::mat normal(arma::uword rows, arma::uword cols) {
    arma::mat m(rows, cols);
    for (double& v : m) v = normal();
    return m;
  }
  arma::mat uniform(arma::uword rows, arma::uword cols, double lo, double hi) {
    arma::mat m(rows, cols);
    for (double& v : m) v = uniform(lo, hi);
    return m;
  }
  arma::uvec permutation(arma::uword n) {  // Fisher-Yates
    arma::uvec order = arma::regspace<arma::uvec>(0, n - 1);
    for (arma::uword i = n; i > 1; --i) std::swap(order[i - 1], order[below(i)]);
    return order;
  }

private:
  std::mt19937_64 generator_;
};

void check_spec(const SyntheticSpec& s) {
  auto fail = [](const std::string& what) { throw Error("make_classification: " + what); };
  if (s.train + s.validation + s.test == 0) fail("no samples asked for");
  if (s.classes < 2) fail("needs at least 2 classes, got " + std::to_string(s.classes));
  if (s.clusters_per_class < 1) fail("needs at least 1 cluster per class");
  if (s.informative < 1) fail("needs at least 1 informative feature");
  if (s.informative + s.redundant > s.features)
    fail(std::to_string(s.informative) + " informative + " + std::to_string(s.redundant) +
         " redundant features do not fit in " + std::to_string(s.features) + " features");
  const arma::uword clusters = s.classes * s.clusters_per_class;
  if (s.informative < 63 && clusters > (arma::uword(1) << s.informative))
    fail(std::to_string(clusters) + " clusters need more than the " +
         std::to_string(arma::uword(1) << s.informative) + " vertices of a " +
         std::to_string(s.informative) + "-dimensional hypercube");
  if (!(s.flip_y >= 0 && s.flip_y <= 1)) fail("flip_y must be in [0, 1]");
  if (!(s.class_sep >= 0) || !std::isfinite(s.class_sep)) fail("class_sep must be >= 0");
}

// [snippet make-classification]
// Cluster centres: distinct vertices of the hypercube [-class_sep, class_sep]^informative.
arma::mat hypercube_centers(const SyntheticSpec& spec, Draw& draw) {
  const arma::uword n_inf = spec.informative, clusters = spec.classes * spec.clusters_per_class;
  arma::mat centers(n_inf, clusters);  // (informative x clusters)
  std::set<std::vector<bool>> used;
  for (arma::uword j = 0; j < clusters;) {
    std::vector<bool> vertex(n_inf);
    for (arma::uword f = 0; f < n_inf; ++f) vertex[f] = draw.bits() >> 63;
    if (!used.insert(vertex).second) continue;  // that vertex is taken: draw again
    for (arma::uword f = 0; f < n_inf; ++f) centers(f, j) = vertex[f] ? spec.class_sep : -spec.class_sep;
    ++j;
  }
  return centers;
}

// Informative features of n samples: cluster j holds samples [start_j, start_j + size_j), as
// A_j z + c_j; clean[i] is sample i's class (cluster j belongs to class j mod classes).
arma::mat clustered_samples(const SyntheticSpec& spec, const arma::mat& centers, arma::uword n,
                            Draw& draw, arma::uvec& clean) {
  const arma::uword n_inf = spec.informative, clusters = centers.n_cols;
  arma::mat informative(n_inf, n);  // (informative x samples)
  clean.set_size(n);
  arma::uword start = 0;
  for (arma::uword j = 0; j < clusters; ++j) {
    const arma::uword size = n / clusters + (j < n % clusters ? 1 : 0);
    if (size == 0) continue;
    const arma::mat covariance_root = draw.uniform(n_inf, n_inf, -1, 1);  // A_j
    const arma::mat z = draw.normal(n_inf, size);
    informative.cols(start, start + size - 1) =
        covariance_root * z + arma::repmat(centers.col(j), 1, size);
    clean.subvec(start, start + size - 1).fill(j % spec.classes);
    start += size;
  }
  return informative;
}

}  // namespace

SyntheticData make_classification(const SyntheticSpec& spec) {
  check_spec(spec);
  Draw draw(spec.seed);
  const arma::uword n = spec.train + spec.validation + spec.test;
  const arma::uword n_inf = spec.informative, n_red = spec.redundant;
  const arma::mat centers = hypercube_centers(spec, draw);  // (informative x clusters)
  arma::uvec clean;                                         // (n) each sample's true class
  const arma::mat informative = clustered_samples(spec, centers, n, draw, clean);  // (inf x n)

  // Redundant features: fixed random linear combinations of the informative ones.
  const arma::mat mixing = draw.uniform(n_inf, n_red, -1, 1);  // B (informative x redundant)
  const arma::mat redundant = mixing.t() * informative;          // (redundant x samples)
  const arma::mat noise = draw.normal(spec.features - n_inf - n_red, n);  // (noise x samples)
  const arma::mat stacked = arma::join_cols(informative, redundant, noise);  // (features x n)

  // Label noise: with probability flip_y, a label is redrawn from all classes.
  arma::uvec labels = clean, redrawn(n, arma::fill::zeros);
  for (arma::uword i = 0; i < n; ++i)
    if (draw.uniform() < spec.flip_y) {
      redrawn[i] = 1;
      labels[i] = draw.below(spec.classes);
    }

  // Shuffle samples, then features (remembering where each kind of feature went).
  const arma::uvec sample_order = draw.permutation(n);
  const arma::uvec feature_order = draw.permutation(spec.features);  // new row r = old row
  arma::uvec position(spec.features);                                // old row -> new row
  position.elem(feature_order) = arma::regspace<arma::uvec>(0, spec.features - 1);
  const arma::mat x = stacked.submat(feature_order, sample_order);  // (features x n)
  // [/snippet]

  SyntheticData out;
  out.cluster_centers = centers;
  out.informative = arma::sort(position.head(n_inf));
  out.redundant = n_red ? arma::uvec(arma::sort(position.subvec(n_inf, n_inf + n_red - 1)))
                        : arma::uvec();
  out.noise = spec.features > n_inf + n_red ? arma::uvec(arma::sort(position.tail(
                                                  spec.features - n_inf - n_red)))
                                            : arma::uvec();
  out.clean_labels = clean.elem(sample_order);
  out.redrawn = redrawn.elem(sample_order);
  const arma::uvec y = labels.elem(sample_order);

  auto split = [&](arma::uword from, arma::uword count) {
    Dataset d;
    d.shape = Shape{1, 1, spec.features};
    if (count == 0) return d;
    d.x = x.cols(from, from + count - 1);
    d.y = y.subvec(from, from + count - 1);
    return d;
  };
  out.train = split(0, spec.train);
  out.validation = split(spec.train, spec.validation);
  out.test = split(spec.train + spec.validation, spec.test);
  return out;
}

arma::uword save_tsv(const Dataset& data, const std::string& path, arma::uword max_samples) {
  const std::filesystem::path p(path);
  if (p.has_parent_path()) std::filesystem::create_directories(p.parent_path());
  std::ostringstream out;
  out << "label";
  for (arma::uword f = 0; f < data.x.n_rows; ++f) out << "\tf" << f;
  out << "\n";
  const arma::uword count = max_samples ? std::min(max_samples, data.x.n_cols) : data.x.n_cols;
  out.precision(6);
  for (arma::uword i = 0; i < count; ++i) {
    out << data.y[i];
    for (arma::uword f = 0; f < data.x.n_rows; ++f) out << '\t' << data.x(f, i);
    out << "\n";
  }
  try {
    util::write_atomically(path, out.str());  // temporary file, then rename
  } catch (const Error&) {
    throw Error("save_tsv: cannot write " + path);
  }
  return count;
}

}  // namespace nn
