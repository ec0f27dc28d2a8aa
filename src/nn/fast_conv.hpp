// fast_conv.hpp -- the fast path of Conv2d: the same numbers as im2col, conv2d_forward,
// conv2d_backward and col2im (conv2d.hpp), laid out for BLAS.
//
// Contract
//   The patch matrix is kept transposed, (Ho*Wo x C*kh*kw) per sample: row q is the patch under
//   output position q, so runs of Ho pixels are copied in one go (in 32-byte blocks: a memcpy
//   call per 22-pixel run cost more than the copy), and it is built for one sample at a time
//   into a buffer that stays in cache (190 KB for the lesson 7 layer, where the whole batch's
//   would be 12 MB). A column of ones follows it, [C_b 1], so the bias rides in the products.
//   Then per sample b, with G_b = column b of grad_output read as (Ho*Wo x K) -- exactly the
//   layout of an image column, so nothing is reordered:
//     forward   Y_b = [C_b 1] [W b]'      (Ho*Wo x K), one GEMM straight into output column b,
//                                          bias included (no pass over the output)
//     backward  [dW db] += G_b' [C_b 1]   (K x C*kh*kw + 1), a GEMM adding into both gradients
//                                          (no column sums of G_b)
//               dC_b = G_b W              (Ho*Wo x C*kh*kw), then col2im_t into dX column b,
//                                          only when dX is asked for (a null grad_input skips it)
//   Per sample, not one GEMM over the batch: OpenBLAS's small-matrix kernels run these shapes at
//   80-90% of DGEMM's rate, one (16 x 30976) product over the batch at half of it or less.
//   For a batch whose patches fit in 4 MB (lesson 7: up to 21 images) forward keeps every
//   [C_b 1] and backward on the same images (the same memory, unchanged in between, as the
//   module's protocol guarantees) reuses them; a larger batch's backward rebuilds them from the
//   input, which is cheaper than streaming the batch's (12 MB at batch 64) through the cache.
//   All results go into caller-owned matrices and ConvBuffers, which keep their memory from
//   call to call. Stride, padding and dilation as ConvSpec says. Tests check every function
//   against the teaching one to 1e-12.
#pragma once

#include "nn/conv2d.hpp"

namespace nn::fast {

// struct ConvBuffers (in conv2d.hpp, which keeps one per module): one sample's patch matrix
// and its gradient, reused from sample to sample and step to step.

// columns_t = im2col(images, spec).t(), exactly.
void im2col_t(const arma::mat& images, const ConvSpec& spec, arma::mat& columns_t);
// images = col2im(columns_t.t(), spec, batch) up to rounding (the same sums, another order).
void col2im_t(const arma::mat& columns_t, const ConvSpec& spec, arma::uword batch,
              arma::mat& images);
// output = conv2d_forward(weight, bias, im2col(images, spec), spec, batch)  (K*Ho*Wo x batch)
void conv2d_forward(const arma::mat& weight, const arma::mat& bias, const arma::mat& images,
                    const ConvSpec& spec, arma::mat& output, ConvBuffers& buffers);
// As conv2d_backward(weight, im2col(images, spec), grad_output, spec, grad_weight, grad_bias):
// ADDS into grad_weight and grad_bias; writes dL/dinput into *grad_input unless it is null.
void conv2d_backward(const arma::mat& weight, const arma::mat& images,
                     const arma::mat& grad_output, const ConvSpec& spec, arma::mat& grad_weight,
                     arma::mat& grad_bias, arma::mat* grad_input, ConvBuffers& buffers);

}  // namespace nn::fast
