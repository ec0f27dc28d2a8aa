// conv2d.hpp -- 2-D convolution (cross-correlation, as Torch's SpatialConvolution and
// PyTorch's Conv2d) with stride, zero padding and dilation, rectangular kernels.
//
// Contract
//   input   (C*H*W x batch)        image columns of Shape{C, H, W} (see shape.hpp)
//   output  (K*Ho*Wo x batch)      Shape{K, Ho, Wo}, Ho = floor((H + 2p - d(kh-1) - 1)/s) + 1,
//                                  same for Wo (d = dilation, as PyTorch's Conv2d)
//   y[k](r, c) = bias[k] + sum_{ch, i, j} w[k][ch](i, j) * x[ch](r*s + i*d - p, c*s + j*d - p)
//   (x is 0 outside the image: zero padding). Dilation d spreads the kernel's taps d pixels
//   apart: a 3x3 kernel with d = 2 covers 5x5 pixels with the same 9 weights.
//   caches the im2col matrix of the last input.
//   backward(G) returns dL/dx (through W' G and col2im) and ADDS dL/dW, dL/db.
//
// Weight storage: `weight` is (K x C*kh*kw), one row per output channel, laid out like an
// im2col patch: entry (ch, i, j) sits at column ch*kh*kw + j*kh + i. Then the whole forward
// pass over a batch is one matrix product  Y = weight * im2col(x)  (one BLAS call).
// toeplitz() builds the explicit matrix T with  forward(x) == T*x + bias  for teaching:
// each kernel weight sits at many places in T, and its gradient is the sum over them.
#pragma once

#include "nn/fast_path.hpp"
#include "nn/module.hpp"
#include "nn/shape.hpp"

namespace nn::fast {
struct ConvBuffers {
  arma::mat columns_t;         // (Ho*Wo x C*kh*kw + 1)  one sample's patches, then a column of 1
  arma::mat grad_columns_t;    // (Ho*Wo x C*kh*kw)      dL/d(those patches)
  arma::mat weight_bias;       // (K x C*kh*kw + 1)      [weight bias]
  arma::mat grad_weight_bias;  // (K x C*kh*kw + 1)      [grad_weight grad_bias] while summing
  // Small batches (up to 4 MB of patches): every sample's columns_t, column b = sample b's,
  // kept by forward for the backward pass on the same images (fast_conv.hpp).
  arma::mat kept;                          // (Ho*Wo*(C*kh*kw + 1) x batch)
  const double* kept_images = nullptr;     // the images they came from, or null
};
}  // namespace nn::fast

namespace nn {

// Geometry of one convolution: what slides over what.
struct ConvSpec {
  Shape input;
  arma::uword out_channels = 1, kernel_h = 1, kernel_w = 1, stride = 1, padding = 0,
              dilation = 1;
  Shape output() const;
  // Pixels one kernel covers along each axis: d*(k-1) + 1.
  arma::uword extent_h() const { return dilation * (kernel_h - 1) + 1; }
  arma::uword extent_w() const { return dilation * (kernel_w - 1) + 1; }
  arma::uword patch_size() const { return input.channels * kernel_h * kernel_w; }
};

// ---- the math, as pure functions ---------------------------------------------------------
// (C*kh*kw x Ho*Wo*batch): column b*Ho*Wo + q holds the patch under output position q of sample b.
arma::mat im2col(const arma::mat& images, const ConvSpec& spec);
// The adjoint of im2col: adds every patch entry back onto the pixel it came from.
arma::mat col2im(const arma::mat& columns, const ConvSpec& spec, arma::uword batch_size);
// Forward over a batch given its im2col matrix: (K*Ho*Wo x batch).
arma::mat conv2d_forward(const arma::mat& weight, const arma::vec& bias, const arma::mat& columns,
                         const ConvSpec& spec, arma::uword batch_size);
// Returns dL/dinput (C*H*W x batch); ADDS dL/dweight and dL/dbias.
arma::mat conv2d_backward(const arma::mat& weight, const arma::mat& columns,
                          const arma::mat& grad_output, const ConvSpec& spec,
                          arma::mat& grad_weight, arma::mat& grad_bias);
// The explicit (K*Ho*Wo x C*H*W) matrix of the convolution.
arma::mat conv2d_toeplitz(const arma::mat& weight, const ConvSpec& spec);

// ---- the module --------------------------------------------------------------------------
class Conv2d : public Module {
public:
  Conv2d(Shape input, arma::uword out_channels, arma::uword kernel_h, arma::uword kernel_w,
         arma::uword stride = 1, arma::uword padding = 0, arma::uword dilation = 1);

  arma::mat forward(const arma::mat& input) override;
  arma::mat backward(const arma::mat& grad_output) override;
  std::vector<Parameter> parameters() override;
  std::string name() const override;
  // The fast path (fast_conv.hpp; fast_path.hpp says when it replaces conv2d_backward).
  void forward_into(const arma::mat& input, arma::mat& output, bool input_stays) override;
  void backward_into(const arma::mat& grad_output, arma::mat& grad_input) override;

  arma::mat kernel(arma::uword out, arma::uword in) const;       // (kernel_h x kernel_w)
  void set_kernel(arma::uword out, arma::uword in, const arma::mat& kernel);
  arma::mat kernel_grad(arma::uword out, arma::uword in) const;  // (kernel_h x kernel_w)
  Shape input_shape() const { return spec_.input; }
  Shape output_shape() const { return spec_.output(); }
  const ConvSpec& spec() const { return spec_; }
  arma::mat toeplitz() const;  // (K*Ho*Wo x C*H*W)

  arma::mat weight;       // (out_channels x in_channels*kernel_h*kernel_w)
  arma::mat bias;         // (out_channels x 1)
  arma::mat grad_weight;  // (out_channels x in_channels*kernel_h*kernel_w)
  arma::mat grad_bias;    // (out_channels x 1)

private:
  void check_kernel_index(const std::string& where, arma::uword out, arma::uword in) const;
  ConvSpec spec_;
  std::string input_what_;  // describe(spec_.input) for check_rows, built once (not per batch)
  arma::mat columns_;  // (C*kh*kw x Ho*Wo*batch), im2col of the last input
  arma::uword batch_size_ = 0;
  // The fast path's state (fast_conv.hpp): the input instead of its patches (columns_ is
  // filled only while the teaching backward checks the fast one).
  const arma::mat* input_at_ = &input_;  // input_, or the caller's input when it stays
  arma::mat input_;                      // (C*H*W x batch)
  fast::ConvBuffers buffers_;
  bool fast_forward_ = false;
  FastPathGate gate_;
};

}  // namespace nn
