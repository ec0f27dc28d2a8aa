// fast_conv.cpp -- Conv2d's fast path (fast_conv.hpp): transposed patch matrix, three GEMMs
// straight into reused buffers, parameter gradients accumulated by the product itself.
#include "nn/fast_conv.hpp"

#include <armadillo>

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

void im2col_t(const arma::mat& images, const ConvSpec& spec, arma::mat& columns_t) {
  const Shape out = spec.output();
  const arma::uword batch = images.n_cols, ho = out.height, s = spec.stride;
  columns_t.set_size(out.height * out.width * batch, spec.patch_size());
  double* c = columns_t.memptr();
  for_each_run(spec, batch, [&](arma::uword start, long from, long to, long b, long pixel0) {
    double* dst = c + start;
    const double* x = images.colptr(static_cast<arma::uword>(b)) + pixel0;  // at orow = from
    for (long r = 0; r < from; ++r) dst[r] = 0;
    if (s == 1)
      for (long r = from; r < to; ++r) dst[r] = x[r - from];
    else
      for (long r = from; r < to; ++r) dst[r] = x[(r - from) * static_cast<long>(s)];
    for (long r = to; r < static_cast<long>(ho); ++r) dst[r] = 0;
  });
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

void conv2d_forward(const arma::mat& weight, const arma::mat& bias, const arma::mat& columns_t,
                    const ConvSpec& spec, arma::uword batch, arma::mat& output,
                    ConvBuffers& buffers) {
  const Shape out = spec.output();
  const arma::uword positions = out.height * out.width, n = positions * batch,
                    k = out.channels, patch = spec.patch_size();
  buffers.yt.set_size(n, k);
  // Y' (n x K) = C' (n x patch) * W' (patch x K)
  gemm('N', 'T', n, k, patch, columns_t.memptr(), n, weight.memptr(), k, 0.0,
       buffers.yt.memptr(), n);
  output.set_size(k * positions, batch);
  for (arma::uword b = 0; b < batch; ++b)
    for (arma::uword c = 0; c < k; ++c) {
      const double* src = buffers.yt.colptr(c) + b * positions;
      double* dst = output.colptr(b) + c * positions;
      const double bc = bias[c];
      for (arma::uword q = 0; q < positions; ++q) dst[q] = src[q] + bc;
    }
}

void conv2d_backward(const arma::mat& weight, const arma::mat& columns_t,
                     const arma::mat& grad_output, const ConvSpec& spec, arma::mat& grad_weight,
                     arma::mat& grad_bias, arma::mat* grad_input, ConvBuffers& buffers) {
  const Shape out = spec.output();
  const arma::uword batch = grad_output.n_cols, positions = out.height * out.width,
                    n = positions * batch, k = out.channels, patch = spec.patch_size();
  buffers.gy.set_size(n, k);
  for (arma::uword c = 0; c < k; ++c) {
    double* dst = buffers.gy.colptr(c);
    double sum = 0;
    for (arma::uword b = 0; b < batch; ++b) {
      const double* src = grad_output.colptr(b) + c * positions;
      for (arma::uword q = 0; q < positions; ++q) sum += (dst[b * positions + q] = src[q]);
    }
    grad_bias[c] += sum;
  }
  // dW (K x patch) += G' (K x n) * C' (n x patch)
  gemm('T', 'N', k, patch, n, buffers.gy.memptr(), n, columns_t.memptr(), n, 1.0,
       grad_weight.memptr(), k);
  if (grad_input == nullptr) return;
  // dC' (n x patch) = G (n x K) * W (K x patch)
  buffers.gc.set_size(n, patch);
  gemm('N', 'N', n, patch, k, buffers.gy.memptr(), n, weight.memptr(), k, 0.0,
       buffers.gc.memptr(), n);
  col2im_t(buffers.gc, spec, batch, *grad_input);
}

}  // namespace nn::fast

// ---- the module's fast path ------------------------------------------------------------------
namespace nn {

void Conv2d::forward_into(const arma::mat& input, arma::mat& output, bool /*input_stays*/) {
  if (!fast_paths()) {
    output = forward(input);
    return;
  }
  check_rows("Conv2d::forward", input, spec_.input.size(), describe(spec_.input));
  fast::im2col_t(input, spec_, columns_t_);
  batch_size_ = input.n_cols;
  fast_forward_ = true;
  fast::ConvBuffers b{std::move(buffers_[0]), std::move(buffers_[1]), std::move(buffers_[2])};
  fast::conv2d_forward(weight, bias, columns_t_, spec_, batch_size_, output, b);
  buffers_[0] = std::move(b.yt), buffers_[1] = std::move(b.gy), buffers_[2] = std::move(b.gc);
}

void Conv2d::backward_into(const arma::mat& grad_output, arma::mat& grad_input) {
  check_grad("Conv2d::backward", batch_size_ > 0, grad_output, spec_.output().size(),
             batch_size_);
  if (!fast_forward_) {
    grad_input = conv2d_backward(weight, columns_, grad_output, spec_, grad_weight, grad_bias);
    return;
  }
  fast::ConvBuffers b{std::move(buffers_[0]), std::move(buffers_[1]), std::move(buffers_[2])};
  struct Give {  // the buffers go back whatever happens
    fast::ConvBuffers& b;
    arma::mat* to;
    ~Give() { to[0] = std::move(b.yt), to[1] = std::move(b.gy), to[2] = std::move(b.gc); }
  } give{b, buffers_};
  const arma::uword batch = grad_output.n_cols;
  if (gate_.trusted(batch)) {
    fast::conv2d_backward(weight, columns_t_, grad_output, spec_, grad_weight, grad_bias,
                          input_grad_ ? &grad_input : nullptr, b);
    if (!input_grad_) grad_input.reset();
    return;
  }
  // The teaching function on the same patch matrix decides (it throws while the exercise is
  // unwritten); the fast one is compared with it once per batch size (fast_path.hpp).
  columns_ = columns_t_.t();
  arma::mat fast_weight = grad_weight, fast_bias = grad_bias, fast_input;
  arma::mat teaching = conv2d_backward(weight, columns_, grad_output, spec_, grad_weight, grad_bias);
  if (fast_paths() && !gate_.distrusted()) {
    fast::conv2d_backward(weight, columns_t_, grad_output, spec_, fast_weight, fast_bias,
                          &fast_input, b);
    gate_.record(batch, agree(fast_weight, grad_weight) && agree(fast_bias, grad_bias) &&
                            agree(fast_input, teaching));
  }
  grad_input = std::move(teaching);
}

}  // namespace nn
