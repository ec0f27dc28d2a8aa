#include "nn/avgpool2d.hpp"

namespace nn {

// [snippet avgpool-forward]
arma::mat avgpool2d_forward(const arma::mat& input, const Shape& shape, arma::uword kernel,
                            arma::uword stride) {
  const Shape out = pooled_shape(shape, kernel, stride);
  const arma::uword plane = shape.height * shape.width;
  const double window = static_cast<double>(kernel * kernel);
  arma::mat output(out.size(), input.n_cols);  // (C*Ho*Wo x batch)
  for (arma::uword b = 0; b < input.n_cols; ++b)
    for (arma::uword ch = 0; ch < shape.channels; ++ch)
      for (arma::uword oc = 0; oc < out.width; ++oc)
        for (arma::uword orow = 0; orow < out.height; ++orow) {
          double sum = 0;
          for (arma::uword j = 0; j < kernel; ++j)
            for (arma::uword i = 0; i < kernel; ++i)
              sum += input.at(ch * plane + (oc * stride + j) * shape.height + orow * stride + i, b);
          output.at(ch * out.height * out.width + oc * out.height + orow, b) = sum / window;
        }
  return output;
}
// [/snippet]

// [snippet avgpool-backward]
arma::mat avgpool2d_backward(const arma::mat& grad_output, const Shape& shape, arma::uword kernel,
                             arma::uword stride) {
  // BEGIN SOLUTION lesson11 "avgpool2d_backward"
  // HINT: each output is sum(window) / kernel^2, so each of its kernel^2 pixels gets
  // HINT: G / kernel^2; add (+=), since overlapping windows share pixels.
  const Shape out = pooled_shape(shape, kernel, stride);
  const arma::uword plane = shape.height * shape.width;
  const double window = static_cast<double>(kernel * kernel);
  arma::mat grad_input(shape.size(), grad_output.n_cols, arma::fill::zeros);  // (C*H*W x batch)
  for (arma::uword b = 0; b < grad_output.n_cols; ++b)
    for (arma::uword ch = 0; ch < shape.channels; ++ch)
      for (arma::uword oc = 0; oc < out.width; ++oc)
        for (arma::uword orow = 0; orow < out.height; ++orow) {
          const double share =
              grad_output.at(ch * out.height * out.width + oc * out.height + orow, b) / window;
          for (arma::uword j = 0; j < kernel; ++j)
            for (arma::uword i = 0; i < kernel; ++i)
              grad_input.at(ch * plane + (oc * stride + j) * shape.height + orow * stride + i, b) +=
                  share;
        }
  return grad_input;
  // END SOLUTION
}
// [/snippet]

AvgPool2d::AvgPool2d(Shape input, arma::uword kernel, arma::uword stride)
    : input_(input), input_what_(describe(input)), kernel_(kernel), stride_(stride) {
  check_pool_geometry("AvgPool2d", input, kernel, stride);
}

Shape AvgPool2d::output_shape() const { return pooled_shape(input_, kernel_, stride_); }

std::string AvgPool2d::name() const {
  return pool_name("AvgPool2d", input_, kernel_, stride_);
}

arma::mat AvgPool2d::forward(const arma::mat& input) {
  check_rows(*this, "forward", input, input_.size(), input_what_);
  has_forward_ = true;
  batch_size_ = input.n_cols;
  return avgpool2d_forward(input, input_, kernel_, stride_);
}

arma::mat AvgPool2d::backward(const arma::mat& grad_output) {
  check_grad(*this, "backward", has_forward_, grad_output, output_shape().size(), batch_size_);
  return avgpool2d_backward(grad_output, input_, kernel_, stride_);
}

}  // namespace nn
