#include "nn/fast_path.hpp"

#include <algorithm>
#include <atomic>
#include <cmath>

#include <dlfcn.h>

namespace nn {

static std::atomic<bool> enabled{true};

void set_fast_paths(bool on) { enabled = on; }
bool fast_paths() { return enabled; }

bool agree(const arma::mat& fast, const arma::mat& teaching) {
  if (fast.n_rows != teaching.n_rows || fast.n_cols != teaching.n_cols) return false;
  double scale = 1, diff = 0;
  const double* a = fast.memptr();
  const double* b = teaching.memptr();
  for (arma::uword i = 0; i < fast.n_elem; ++i) {
    scale = std::max(scale, std::abs(b[i]));
    diff = std::max(diff, std::abs(a[i] - b[i]));
    if (std::isnan(a[i]) != std::isnan(b[i])) return false;
  }
  return diff <= 1e-12 * scale;
}

namespace {
using GetThreads = int (*)();
using SetThreads = void (*)(int);
struct OpenBlas {
  GetThreads get = reinterpret_cast<GetThreads>(dlsym(RTLD_DEFAULT, "openblas_get_num_threads"));
  SetThreads set = reinterpret_cast<SetThreads>(dlsym(RTLD_DEFAULT, "openblas_set_num_threads"));
};
const OpenBlas& openblas() {
  static const OpenBlas found;
  return found;
}
}  // namespace

SingleThreadBlas::SingleThreadBlas(bool active) {
  const OpenBlas& o = openblas();
  if (active && o.get && o.set) {
    before_ = o.get();
    if (before_ > 1) o.set(1);
  }
}

SingleThreadBlas::~SingleThreadBlas() {
  if (before_ > 1) openblas().set(before_);
}

bool FastPathGate::trusted(arma::uword batch) const {
  return enabled && !distrusted_ &&
         std::find(batches_.begin(), batches_.end(), batch) != batches_.end();
}

void FastPathGate::record(arma::uword batch, bool agreed) {
  if (!agreed) distrusted_ = true;
  else if (batches_.size() < 64) batches_.push_back(batch);
}

}  // namespace nn
