// avgpool2d.hpp -- average pooling over kernel x kernel windows moved by stride
// (torch.nn.AvgPool2d(kernel, stride) with no padding, floor sizing).
//
// Contract
//   input   (C*H*W x batch)      image columns of Shape{C, H, W}
//   output  (C*Ho*Wo x batch)    Ho = floor((H - kernel)/stride) + 1, same for Wo (as MaxPool2d);
//                                each output is the mean of its kernel*kernel window; each
//                                channel pools on its own; windows may overlap (stride < kernel).
//   backward(G) spreads each G entry evenly over its window: every pixel of the window gets
//   G / kernel^2 (a pixel in several windows collects from each). Pixels no window covers
//   (the rows and columns floor sizing drops) get 0. Caches nothing but the batch size: the
//   map is linear and fixed. No parameters, no kinks.
#pragma once

#include "nn/module.hpp"
#include "nn/pooling.hpp"
#include "nn/shape.hpp"

namespace nn {

// ---- the math, as pure functions ---------------------------------------------------------
arma::mat avgpool2d_forward(const arma::mat& input, const Shape& shape, arma::uword kernel,
                            arma::uword stride);
// Returns dL/dinput (C*H*W x batch) for the input shape `shape`.
arma::mat avgpool2d_backward(const arma::mat& grad_output, const Shape& shape, arma::uword kernel,
                             arma::uword stride);

// ---- the module --------------------------------------------------------------------------
class AvgPool2d : public Module {
public:
  AvgPool2d(Shape input, arma::uword kernel, arma::uword stride);

  arma::mat forward(const arma::mat& input) override;
  arma::mat backward(const arma::mat& grad_output) override;
  std::string name() const override;

  Shape input_shape() const { return input_; }
  Shape output_shape() const;

private:
  Shape input_;
  std::string input_what_;  // describe(input_) for check_rows, built once (not per batch)
  arma::uword kernel_, stride_;
  arma::uword batch_size_ = 0;
  bool has_forward_ = false;
};

}  // namespace nn
