// fast_conv.cpp -- Conv2d's fast path (fast_conv.hpp): transposed patch matrix, three GEMMs
// straight into reused buffers, parameter gradients accumulated by the product itself.
#include "nn/fast_conv.hpp"

#include <armadillo>
#include <algorithm>
#include <cstring>

#include "nn/fast_path.hpp"
#include "nn/shape.hpp"

namespace nn::fast {

namespace {

// C = alpha * op(A) * op(B) + beta * C on raw column-major memory (BLAS dgemm via Armadillo).
void gemm(char ta, char tb, arma::uword m, arma::uword n, arma::uword k, const double* a,
          arma::uword lda, const double* b, arma::uword ldb, double beta, double* c,
          arma::uword ldc) {
  const arma::blas_int M = static_cast<arma::blas_int>(m), N = static_cast<arma::blas_int>(n),
                       K = static_cast<arma::blas_int>(k), LDA = static_cast<arma::blas_int>(lda),
                       LDB = static_cast<arma::blas_int>(ldb),
                       LDC = static_cast<arma::blas_int>(ldc);
  const double one = 1;
  arma::blas::gemm<double>(&ta, &tb, &M, &N, &K, &one, a, &LDA, b, &LDB, &beta, c, &LDC);
}

// Calls run(start, from, to, b, pixel) for every patch entry (ch, i, j), sample b and output
// column oc: the Ho output rows orow of that column (rows start + orow of the transposed patch
// matrix, in its column for (ch, i, j)) read pixel x_row = orow*s + i*d - p, which is inside
// the image for orow in [from, to); `pixel` is the index in sample b's column of orow = from.
template <typename Run>
void for_each_run(const ConvSpec& spec, arma::uword batch, Run run) {
  const Shape in = spec.input, out = spec.output();
  const arma::uword kh = spec.kernel_h, kw = spec.kernel_w, s = spec.stride, d = spec.dilation;
  const long p = static_cast<long>(spec.padding), H = static_cast<long>(in.height);
  const arma::uword plane = in.height * in.width, positions = out.height * out.width;
  const arma::uword rows = positions * batch;
  for (arma::uword ch = 0; ch < in.channels; ++ch)
    for (arma::uword j = 0; j < kw; ++j)
      for (arma::uword i = 0; i < kh; ++i) {
        const arma::uword row = ch * kh * kw + j * kh + i;
        // orow*s + i*d - p in [0, H)  <=>  orow in [from, to)
        const long offset = static_cast<long>(i * d) - p;  // x_row of orow = 0
        long from = 0, to = static_cast<long>(out.height);
        while (from < to && offset + from * static_cast<long>(s) < 0) ++from;
        while (to > from && offset + (to - 1) * static_cast<long>(s) >= H) --to;
        for (arma::uword b = 0; b < batch; ++b)
          for (arma::uword oc = 0; oc < out.width; ++oc) {
            const long x_col = static_cast<long>(oc * s + j * d) - p;
            const arma::uword start = row * rows + b * positions + oc * out.height;
            if (x_col < 0 || x_col >= static_cast<long>(in.width)) {
              run(start, 0L, 0L, 0L, 0L);  // the whole run is padding
              continue;
            }
            run(start, from, to, static_cast<long>(b),
                static_cast<long>(ch * plane) + x_col * H + offset + from * static_cast<long>(s));
          }
      }
}

}  // namespace

// Copies n doubles from x to d in fixed blocks of 4 (32 bytes: one vector move each, the last
// block overlapping the one before). The runs are short (22 pixels in lesson 7): a memcpy call,
// or a loop the compiler turns into one, cost more than the copy.
static void copy_run(double* d, const double* x, arma::uword n) {
  constexpr std::size_t block = 4 * sizeof(double);
  if (n < 4) {
    for (arma::uword r = 0; r < n; ++r) d[r] = x[r];
    return;
  }
  arma::uword r = 0;
  for (; r + 4 <= n; r += 4) std::memcpy(d + r, x + r, block);
  if (r < n) std::memcpy(d + n - 4, x + n - 4, block);
}

// Writes im2col(images, spec).t() into dst (rows Ho*Wo*batch, column stride the same).
static void patches_into(const arma::mat& images, const ConvSpec& spec, double* dst) {
  const arma::uword ho = spec.output().height, s = spec.stride;
  for_each_run(spec, images.n_cols, [&](arma::uword start, long from, long to, long b, long pixel0) {
    double* d = dst + start;
    const double* x = images.colptr(static_cast<arma::uword>(b)) + pixel0;  // at orow = from
    for (long r = 0; r < from; ++r) d[r] = 0;
    if (s == 1 && to > from)  // a run of pixels
      copy_run(d + from, x, static_cast<arma::uword>(to - from));
    else
      for (long r = from; r < to; ++r) d[r] = x[(r - from) * static_cast<long>(s)];
    for (long r = to; r < static_cast<long>(ho); ++r) d[r] = 0;
  });
}

void im2col_t(const arma::mat& images, const ConvSpec& spec, arma::mat& columns_t) {
  const Shape out = spec.output();
  columns_t.set_size(out.height * out.width * images.n_cols, spec.patch_size());
  patches_into(images, spec, columns_t.memptr());
}

void col2im_t(const arma::mat& columns_t, const ConvSpec& spec, arma::uword batch,
              arma::mat& images) {
  const arma::uword s = spec.stride;
  images.zeros(spec.input.size(), batch);
  const double* c = columns_t.memptr();
  for_each_run(spec, batch, [&](arma::uword start, long from, long to, long b, long pixel0) {
    const double* src = c + start;
    double* x = images.colptr(static_cast<arma::uword>(b)) + pixel0;
    for (long r = from; r < to; ++r) x[(r - from) * static_cast<long>(s)] += src[r];
  });
}

// One sample's column as a (rows x 1) matrix without a copy.
const arma::mat column_of(const arma::mat& m, arma::uword b) {
  return arma::mat(const_cast<double*>(m.colptr(b)), m.n_rows, 1, false, true);
}

// Sample b's patch matrix with a column of ones after it, [C_b 1] (positions x patch + 1):
// built into buffers.columns_t, or into slot b of buffers.kept when forward keeps the batch's
// patches. The ones make the bias part of the products: [C_b 1] [W b]' = C_b W' + 1 b', and
// G_b' [C_b 1] = [G_b' C_b, column sums of G_b] = [dW_b db_b].
static const double* patches(const arma::mat& images, arma::uword b, const ConvSpec& spec,
                             ConvBuffers& buffers, bool keep) {
  const Shape out = spec.output();
  const arma::uword positions = out.height * out.width, patch = spec.patch_size();
  double* c;
  if (keep) {
    c = buffers.kept.colptr(b);
  } else {
    buffers.columns_t.set_size(positions, patch + 1);
    c = buffers.columns_t.memptr();
  }
  patches_into(column_of(images, b), spec, c);
  std::fill(c + positions * patch, c + positions * (patch + 1), 1.0);
  return c;
}

constexpr double kept_bytes = 4 << 20;  // keep a batch's patches up to 4 MB (at batch 64, 12 MB
// kept made forward slower, 29 -> 21 GFLOP/s, and backward no faster: they come back from L3)

// [snippet fast-conv-forward]
void conv2d_forward(const arma::mat& weight, const arma::mat& bias, const arma::mat& images,
                    const ConvSpec& spec, arma::mat& output, ConvBuffers& buffers) {
  const Shape out = spec.output();
  const arma::uword positions = out.height * out.width, k = out.channels,
                    patch = spec.patch_size(), batch = images.n_cols;
  output.set_size(k * positions, batch);
  const bool keep = 8.0 * static_cast<double>(positions * (patch + 1) * batch) <= kept_bytes;
  if (keep) buffers.kept.set_size(positions * (patch + 1), batch);
  buffers.kept_images = keep ? images.memptr() : nullptr;
  buffers.weight_bias.set_size(k, patch + 1);  // [W b]  (K x patch + 1)
  std::copy(weight.begin(), weight.end(), buffers.weight_bias.begin());
  std::copy(bias.begin(), bias.end(), buffers.weight_bias.colptr(patch));
  const SingleThreadBlas one_thread;  // small products: see fast_path.hpp
  for (arma::uword b = 0; b < batch; ++b) {
    const double* c = patches(images, b, spec, buffers, keep);  // [C_b 1] (positions x patch+1)
    gemm('N', 'T', positions, k, patch + 1, c, positions, buffers.weight_bias.memptr(), k, 0.0,
         output.colptr(b), positions);  // Y_b = C_b W' + 1 b'  (positions x K)
  }
}
// [/snippet]

void conv2d_backward(const arma::mat& weight, const arma::mat& images,
                     const arma::mat& grad_output, const ConvSpec& spec, arma::mat& grad_weight,
                     arma::mat& grad_bias, arma::mat* grad_input, ConvBuffers& buffers) {
  const Shape out = spec.output();
  const arma::uword batch = grad_output.n_cols, positions = out.height * out.width,
                    k = out.channels, patch = spec.patch_size();
  if (grad_input) grad_input->set_size(spec.input.size(), batch);
  const bool kept = buffers.kept_images == images.memptr() && buffers.kept.n_cols == batch &&
                    buffers.kept.n_rows == positions * (patch + 1);
  arma::mat& gwb = buffers.grad_weight_bias;  // [dW db]  (K x patch + 1), summed over the batch
  gwb.set_size(k, patch + 1);
  std::copy(grad_weight.begin(), grad_weight.end(), gwb.begin());
  std::copy(grad_bias.begin(), grad_bias.end(), gwb.colptr(patch));
  const SingleThreadBlas one_thread;
  for (arma::uword b = 0; b < batch; ++b) {
    const double* g = grad_output.colptr(b);  // G_b (positions x K)
    const double* c = kept ? buffers.kept.colptr(b)  // [C_b 1], as forward built it
                           : patches(images, b, spec, buffers, false);  // [C_b 1] again
    gemm('T', 'N', k, patch + 1, positions, g, positions, c, positions, 1.0, gwb.memptr(),
         k);  // [dW db] += G_b' [C_b 1]
    if (grad_input == nullptr) continue;
    buffers.grad_columns_t.set_size(positions, patch);
    gemm('N', 'N', positions, patch, k, g, positions, weight.memptr(), k, 0.0,
         buffers.grad_columns_t.memptr(), positions);  // dC_b = G_b W
    arma::mat dx(grad_input->colptr(b), spec.input.size(), 1, false, true);
    col2im_t(buffers.grad_columns_t, spec, 1, dx);
  }
  std::copy(gwb.begin(), gwb.begin() + k * patch, grad_weight.begin());
  std::copy(gwb.colptr(patch), gwb.colptr(patch) + k, grad_bias.begin());
}

}  // namespace nn::fast

// ---- the module's fast path ------------------------------------------------------------------
namespace nn {

void Conv2d::forward_into(const arma::mat& input, arma::mat& output, bool input_stays) {
  if (!fast_paths()) {
    output = forward(input);
    return;
  }
  check_rows("Conv2d::forward", input, spec_.input.size(), input_what_);
  if (input_stays) {
    input_at_ = &input;
  } else {
    input_ = input;  // (C*H*W x batch): smaller than the patches it stands for
    input_at_ = &input_;
  }
  batch_size_ = input.n_cols;
  fast_forward_ = true;
  fast::conv2d_forward(weight, bias, *input_at_, spec_, output, buffers_);
}

static const std::string backward_where = "Conv2d::backward";  // built once (conv2d.cpp)

void Conv2d::backward_into(const arma::mat& grad_output, arma::mat& grad_input) {
  check_grad(backward_where, batch_size_ > 0, grad_output, spec_.output().size(),
             batch_size_);
  if (!fast_forward_) {
    grad_input = conv2d_backward(weight, columns_, grad_output, spec_, grad_weight, grad_bias);
    return;
  }
  const arma::uword batch = grad_output.n_cols;
  if (gate_.trusted(batch)) {
    fast::conv2d_backward(weight, *input_at_, grad_output, spec_, grad_weight, grad_bias,
                          input_grad_ ? &grad_input : nullptr, buffers_);
    if (!input_grad_) grad_input.reset();
    return;
  }
  // The teaching function decides (it throws while the exercise is unwritten); the fast one
  // is compared with it once per batch size (fast_path.hpp).
  columns_ = im2col(*input_at_, spec_);
  arma::mat fast_weight = grad_weight, fast_bias = grad_bias, fast_input;
  arma::mat teaching = conv2d_backward(weight, columns_, grad_output, spec_, grad_weight, grad_bias);
  if (fast_paths() && !gate_.distrusted()) {
    fast::conv2d_backward(weight, *input_at_, grad_output, spec_, fast_weight, fast_bias,
                          &fast_input, buffers_);
    gate_.record(batch, agree(fast_weight, grad_weight) && agree(fast_bias, grad_bias) &&
                            agree(fast_input, teaching));
  }
  columns_.reset();
  grad_input = std::move(teaching);
}

}  // namespace nn
