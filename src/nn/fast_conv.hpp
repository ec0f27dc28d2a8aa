// fast_conv.hpp -- the fast path of Conv2d: the same numbers as im2col, conv2d_forward,
// conv2d_backward and col2im (conv2d.hpp), laid out for BLAS.
//
// Contract
//   The patch matrix is kept transposed, (Ho*Wo*batch x C*kh*kw): row b*Ho*Wo + q is the patch
//   under output position q of sample b, so the long dimension (every position of the batch)
//   is the rows of each product and runs of Ho pixels are copied in one go. Then
//     forward   Y' = C' W'        (Ho*Wo*batch x K), one GEMM; placed as (K*Ho*Wo x batch) + bias
//     backward  dW += G' C'       (K x C*kh*kw), one GEMM adding into dW; db += row sums of G
//               dC' = G W         (Ho*Wo*batch x C*kh*kw), one GEMM, then col2im_t -> dX,
//                                 only when dX is asked for (a null grad_input skips it)
//   where G (Ho*Wo*batch x K) is grad_output reordered. All results go into caller-owned
//   matrices and the ConvBuffers, which keep their memory from call to call.
//   Stride, padding and dilation as ConvSpec says. Tests check every function against the
//   teaching one to 1e-12.
#pragma once

#include "nn/conv2d.hpp"

namespace nn::fast {

struct ConvBuffers {
  arma::mat yt;  // (Ho*Wo*batch x K)       the forward product
  arma::mat gy;  // (Ho*Wo*batch x K)       grad_output reordered
  arma::mat gc;  // (Ho*Wo*batch x C*kh*kw) dL/d(patch matrix)
};

// columns_t = im2col(images, spec).t(), exactly.
void im2col_t(const arma::mat& images, const ConvSpec& spec, arma::mat& columns_t);
// images = col2im(columns_t.t(), spec, batch) up to rounding (the same sums, another order).
void col2im_t(const arma::mat& columns_t, const ConvSpec& spec, arma::uword batch,
              arma::mat& images);
// output = conv2d_forward(weight, bias, columns_t.t(), spec, batch)  (K*Ho*Wo x batch)
void conv2d_forward(const arma::mat& weight, const arma::mat& bias, const arma::mat& columns_t,
                    const ConvSpec& spec, arma::uword batch, arma::mat& output,
                    ConvBuffers& buffers);
// As conv2d_backward(weight, columns_t.t(), grad_output, spec, grad_weight, grad_bias): ADDS
// into grad_weight and grad_bias; writes dL/dinput into *grad_input unless it is null.
void conv2d_backward(const arma::mat& weight, const arma::mat& columns_t,
                     const arma::mat& grad_output, const ConvSpec& spec, arma::mat& grad_weight,
                     arma::mat& grad_bias, arma::mat* grad_input, ConvBuffers& buffers);

}  // namespace nn::fast
