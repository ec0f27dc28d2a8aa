// maxpool2d.hpp -- max pooling over kernel x kernel windows moved by stride.
//
// Contract
//   input   (C*H*W x batch)      image columns of Shape{C, H, W}
//   output  (C*Ho*Wo x batch)    Ho = floor((H - kernel)/stride) + 1, same for Wo; windows may
//                                overlap (stride < kernel); each channel pools on its own.
//   caches the argmax of every window: the input row it took its value from.
//   backward(G) routes each G entry to its window's argmax (and nowhere else); where windows
//   overlap, one pixel can collect from several. No parameters.
// Ties go to the first maximum in reading order (row by row, left to right), as in Torch.
#pragma once

#include "nn/module.hpp"
#include "nn/pooling.hpp"
#include "nn/shape.hpp"

namespace nn {

// ---- the math, as pure functions ---------------------------------------------------------
// Returns the pooled output and fills argmax (C*Ho*Wo x batch) with input row indices.
arma::mat maxpool2d_forward(const arma::mat& input, const Shape& shape, arma::uword kernel,
                            arma::uword stride, arma::umat& argmax);
arma::mat maxpool2d_backward(const arma::mat& grad_output, const arma::umat& argmax,
                             arma::uword input_rows);

// ---- the module --------------------------------------------------------------------------
class MaxPool2d : public Module {
public:
  MaxPool2d(Shape input, arma::uword kernel, arma::uword stride);

  arma::mat forward(const arma::mat& input) override;
  arma::mat backward(const arma::mat& grad_output) override;
  std::string name() const override;
  arma::uvec kink_signature() const override { return arma::vectorise(argmax_); }

  Shape output_shape() const;
  const arma::umat& argmax() const { return argmax_; }  // (C*Ho*Wo x batch), input row per output

private:
  Shape input_;
  std::string input_what_;  // describe(input_) for check_rows, built once (not per batch)
  arma::uword kernel_, stride_;
  arma::umat argmax_;
};

}  // namespace nn
