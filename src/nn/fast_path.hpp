// fast_path.hpp -- when a module may run its fast path instead of the teaching function.
//
// Contract
//   The pure functions of the lessons (conv2d_backward, relu_backward, linear_backward, the
//   SGD update, ...) are what students read and write. Each module also has a fast path
//   (fast_layers.cpp, fast_conv.cpp) computing the same numbers with fewer passes over memory
//   and no per-step allocation. A module trusts its fast path for a backward pass only after
//   the teaching function, run on the same data, agreed with it to 1e-12 (relative to the
//   largest magnitude, at least 1) -- once per module and batch size:
//     * the teaching function throws (an unwritten exercise in the student release): the
//       module throws too, as without a fast path;
//     * it disagrees (a wrong exercise): the module keeps using the teaching function, so the
//       lessons show what the student's code does;
//     * it agrees: the fast path alone from then on, for that batch size.
//   Forward passes (not exercises) always use the fast path; tests check it to 1e-12.
//   set_fast_paths(false) makes every module call only the teaching functions.
#pragma once

#include <armadillo>
#include <vector>

namespace nn {

void set_fast_paths(bool enabled);  // default: enabled
bool fast_paths();

// max |fast - teaching| <= 1e-12 * max(1, max |teaching|), same shapes.
bool agree(const arma::mat& fast, const arma::mat& teaching);

// For the life of the object BLAS runs on one thread (OpenBLAS, found at run time; with another
// BLAS, or active = false, it does nothing). Small products (the fast convolution's per-sample
// ones, a few hundred thousand multiply-adds, or a Linear layer at batch 1) finish before a
// second thread would have started; OpenBLAS would still split them, and 2 threads came out
// slower than 1 (much slower on a loaded machine, where the second thread waits for a core).
class SingleThreadBlas {
public:
  explicit SingleThreadBlas(bool active = true);
  ~SingleThreadBlas();
  SingleThreadBlas(const SingleThreadBlas&) = delete;
  SingleThreadBlas& operator=(const SingleThreadBlas&) = delete;

private:
  int before_ = 0;
};

// Products below this many multiply-adds run on one BLAS thread (see SingleThreadBlas). At 4e6
// the lesson 7 net B at batch 10 (Linear 7744 -> 128: 1e7) ran on two threads: its forward took
// 4 ms on one thread and 40 ms on two on a machine loaded by other work, where the second
// thread waits for a core and spins; idle, two threads would save a fraction of a millisecond.
// At 3e7 the same layer at batch 64 (6.3e7) was split, and its second thread, spinning after
// the product, took the core the next layer needed: net B at batch 64 ran at half the images
// per second of one thread. Every product of the course's networks is below 1.5e8.
constexpr double small_product = 1.5e8;

// Calls body(i) for i = 0 .. n-1, in blocks of 8 with a fixed-length inner loop: GCC and Clang
// turn such a block into vector instructions at -O2, where a loop of unknown length stays
// scalar (-O2 vectorizes only loops with no leftover iterations). For it to work the body has
// no branch (write a choice as arithmetic on a 0/1 number: `const double on = x > 0;`) and
// reads and writes through __restrict pointers.
template <typename Body>
inline void for_blocks_of_8(arma::uword n, Body body) {
  arma::uword i = 0;
  for (; i + 8 <= n; i += 8)
    for (arma::uword k = 0; k < 8; ++k) body(i + k);
  for (; i < n; ++i) body(i);
}

// Per module: which batch sizes the teaching function vouched for.
class FastPathGate {
public:
  bool trusted(arma::uword batch) const;       // use the fast path alone
  bool distrusted() const { return distrusted_; }
  void record(arma::uword batch, bool agreed);  // after running both
private:
  std::vector<arma::uword> batches_;
  bool distrusted_ = false;
};

}  // namespace nn
