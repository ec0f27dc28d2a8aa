#include "nn/maxpool2d.hpp"

namespace nn {

// [snippet maxpool-forward]
arma::mat maxpool2d_forward(const arma::mat& input, const Shape& shape, arma::uword kernel,
                            arma::uword stride, arma::umat& argmax) {
  const Shape out = pooled_shape(shape, kernel, stride);
  const arma::uword plane = shape.height * shape.width;
  arma::mat output(out.size(), input.n_cols);  // (C*Ho*Wo x batch)
  argmax.set_size(out.size(), input.n_cols);
  for (arma::uword b = 0; b < input.n_cols; ++b)
    for (arma::uword ch = 0; ch < shape.channels; ++ch)
      for (arma::uword oc = 0; oc < out.width; ++oc)
        for (arma::uword orow = 0; orow < out.height; ++orow) {
          // [snippet maxpool-window]
          arma::uword best = ch * plane + (oc * stride) * shape.height + orow * stride;
          // Reading order: row by row, left to right; a later equal value does not win.
          for (arma::uword i = 0; i < kernel; ++i)
            for (arma::uword j = 0; j < kernel; ++j) {
              const arma::uword pixel =
                  ch * plane + (oc * stride + j) * shape.height + (orow * stride + i);
              if (input.at(pixel, b) > input.at(best, b)) best = pixel;
            }
          // [/snippet]
          const arma::uword o = ch * out.height * out.width + oc * out.height + orow;
          output.at(o, b) = input.at(best, b);
          argmax.at(o, b) = best;
        }
  return output;
}
// [/snippet]

// [snippet maxpool-backward]
arma::mat maxpool2d_backward(const arma::mat& grad_output, const arma::umat& argmax,
                             arma::uword input_rows) {
  // BEGIN SOLUTION lesson04 "maxpool2d_backward"
  // HINT: forward's argmax holds, per output entry and sample, the input row that won the window:
  // HINT: only that row receives the gradient, and a pixel that wins twice receives it twice.
  arma::mat grad_input(input_rows, grad_output.n_cols, arma::fill::zeros);  // (C*H*W x batch)
  for (arma::uword b = 0; b < grad_output.n_cols; ++b)
    for (arma::uword o = 0; o < grad_output.n_rows; ++o)
      grad_input.at(argmax.at(o, b), b) += grad_output.at(o, b);  // only the max gets gradient
  return grad_input;
  // END SOLUTION
}
// [/snippet]

MaxPool2d::MaxPool2d(Shape input, arma::uword kernel, arma::uword stride)
    : input_(input), input_what_(describe(input)), kernel_(kernel), stride_(stride) {
  check_pool_geometry("MaxPool2d", input, kernel, stride);
}

Shape MaxPool2d::output_shape() const { return pooled_shape(input_, kernel_, stride_); }

std::string MaxPool2d::name() const {
  return pool_name("MaxPool2d", input_, kernel_, stride_);
}

// The checks' places, built once: a std::string made from the literal at every call would
// allocate (18 characters, more than the short-string buffer holds).
static const std::string forward_where = "MaxPool2d::forward";
static const std::string backward_where = "MaxPool2d::backward";

arma::mat MaxPool2d::forward(const arma::mat& input) {
  check_rows(forward_where, input, input_.size(), input_what_);
  return maxpool2d_forward(input, input_, kernel_, stride_, argmax_);
}

arma::mat MaxPool2d::backward(const arma::mat& grad_output) {
  check_grad(backward_where, argmax_.n_elem > 0, grad_output, output_shape().size(),
             argmax_.n_cols);
  return maxpool2d_backward(grad_output, argmax_, input_.size());
}

}  // namespace nn
