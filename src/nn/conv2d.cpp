#include "nn/conv2d.hpp"

#include <cmath>

namespace nn {

// [snippet conv-output-size]
Shape ConvSpec::output() const {
  const arma::uword padded_h = input.height + 2 * padding, padded_w = input.width + 2 * padding;
  if (stride == 0 || kernel_h == 0 || kernel_w == 0 || dilation == 0 || extent_h() > padded_h ||
      extent_w() > padded_w)
    return {out_channels, 0, 0};
  return {out_channels, (padded_h - extent_h()) / stride + 1,
          (padded_w - extent_w()) / stride + 1};
}
// [/snippet]

// ---- im2col / col2im ---------------------------------------------------------------------
// Both walk the same index map; `visit(patch_row, column, sample, pixel)` is called for every
// patch entry that lands inside the image (padding entries stay 0).
template <typename Visit>
static void for_each_patch_entry(const ConvSpec& spec, arma::uword batch_size, Visit visit) {
  const Shape in = spec.input, out = spec.output();
  const arma::uword kh = spec.kernel_h, kw = spec.kernel_w, s = spec.stride, d = spec.dilation;
  const long p = static_cast<long>(spec.padding);
  const arma::uword plane = in.height * in.width, positions = out.height * out.width;
  for (arma::uword b = 0; b < batch_size; ++b)
    for (arma::uword oc = 0; oc < out.width; ++oc)
      for (arma::uword orow = 0; orow < out.height; ++orow) {
        const arma::uword column = b * positions + oc * out.height + orow;
        for (arma::uword ch = 0; ch < in.channels; ++ch)
          for (arma::uword j = 0; j < kw; ++j) {
            const long x_col = static_cast<long>(oc * s + j * d) - p;
            if (x_col < 0 || x_col >= static_cast<long>(in.width)) continue;
            for (arma::uword i = 0; i < kh; ++i) {
              const long x_row = static_cast<long>(orow * s + i * d) - p;
              if (x_row < 0 || x_row >= static_cast<long>(in.height)) continue;
              const arma::uword pixel = ch * plane + x_col * in.height + x_row;
              visit(ch * kh * kw + j * kh + i, column, b, pixel);
            }
          }
      }
}

// [snippet im2col]
arma::mat im2col(const arma::mat& images, const ConvSpec& spec) {
  const Shape out = spec.output();
  arma::mat columns(spec.patch_size(), out.height * out.width * images.n_cols,
                    arma::fill::zeros);  // (C*kh*kw x Ho*Wo*batch)
  for_each_patch_entry(spec, images.n_cols,
                       [&](arma::uword row, arma::uword column, arma::uword b, arma::uword pixel) {
                         columns.at(row, column) = images.at(pixel, b);
                       });
  return columns;
}
// [/snippet]

// [snippet col2im]
arma::mat col2im(const arma::mat& columns, const ConvSpec& spec, arma::uword batch_size) {
  arma::mat images(spec.input.size(), batch_size, arma::fill::zeros);  // (C*H*W x batch)
  for_each_patch_entry(spec, batch_size,
                       [&](arma::uword row, arma::uword column, arma::uword b, arma::uword pixel) {
                         images.at(pixel, b) += columns.at(row, column);  // a pixel under many patches sums
                       });
  return images;
}
// [/snippet]

// ---- forward / backward ------------------------------------------------------------------
// Y (K x Ho*Wo*batch) holds sample b's output positions in columns b*Ho*Wo ...; an image column
// wants channel-major order k*Ho*Wo + q. These two reorder between the layouts.
static arma::mat positions_to_images(const arma::mat& y, arma::uword positions,
                                     arma::uword batch_size) {
  arma::mat out(y.n_rows * positions, batch_size);  // (K*Ho*Wo x batch)
  for (arma::uword b = 0; b < batch_size; ++b)
    out.col(b) = arma::vectorise(y.cols(b * positions, (b + 1) * positions - 1).t());
  return out;
}

static arma::mat images_to_positions(const arma::mat& g, arma::uword channels,
                                     arma::uword positions) {
  arma::mat y(channels, positions * g.n_cols);  // (K x Ho*Wo*batch)
  for (arma::uword b = 0; b < g.n_cols; ++b)
    y.cols(b * positions, (b + 1) * positions - 1) =
        arma::reshape(g.col(b), positions, channels).t();
  return y;
}

// [snippet conv2d-forward]
arma::mat conv2d_forward(const arma::mat& weight, const arma::vec& bias, const arma::mat& columns,
                         const ConvSpec& spec, arma::uword batch_size) {
  const Shape out = spec.output();
  const arma::uword positions = out.height * out.width;
  arma::mat y = weight * columns;  // (K x Ho*Wo*batch): every output of the batch, one product
  y.each_col() += bias;
  return positions_to_images(y, positions, batch_size);  // (K*Ho*Wo x batch)
}
// [/snippet]

// [snippet conv2d-backward]
arma::mat conv2d_backward(const arma::mat& weight, const arma::mat& columns,
                          const arma::mat& grad_output, const ConvSpec& spec,
                          arma::mat& grad_weight, arma::mat& grad_bias) {
  // BEGIN SOLUTION lesson03 "conv2d_backward (weight, bias and input gradients)"
  // HINT: undo forward's steps in reverse with this file's helpers: images_to_positions
  // HINT: (grad_output as K x positions) and col2im (columns back to images, adding where windows
  // HINT: overlap).
  const Shape out = spec.output();
  const arma::mat grad_y = images_to_positions(grad_output, out.channels,
                                               out.height * out.width);  // (K x Ho*Wo*batch)
  // A kernel weight is used at every position: its gradient is the sum over all of them.
  grad_weight += grad_y * columns.t();                  // (K x C*kh*kw)
  grad_bias += arma::sum(grad_y, 1);                    // (K x 1)
  const arma::mat grad_columns = weight.t() * grad_y;   // (C*kh*kw x Ho*Wo*batch)
  return col2im(grad_columns, spec, grad_output.n_cols);  // (C*H*W x batch)
  // END SOLUTION
}
// [/snippet]

// [snippet conv2d-toeplitz]
arma::mat conv2d_toeplitz(const arma::mat& weight, const ConvSpec& spec) {
  const Shape out = spec.output();
  const arma::uword positions = out.height * out.width;
  arma::mat t(out.size(), spec.input.size(), arma::fill::zeros);  // (K*Ho*Wo x C*H*W)
  // Row k*Ho*Wo + q of T is output position q of channel k; it holds kernel k's weights at
  // the pixels its patch covers. The same weight appears once in every such row.
  for_each_patch_entry(spec, 1,
                       [&](arma::uword row, arma::uword q, arma::uword, arma::uword pixel) {
                         for (arma::uword k = 0; k < out.channels; ++k)
                           t.at(k * positions + q, pixel) = weight.at(k, row);
                       });
  return t;
}
// [/snippet]

// ---- the module --------------------------------------------------------------------------
Conv2d::Conv2d(Shape input, arma::uword out_channels, arma::uword kernel_h, arma::uword kernel_w,
               arma::uword stride, arma::uword padding, arma::uword dilation)
    : spec_{input, out_channels, kernel_h, kernel_w, stride, padding, dilation},
      input_what_(describe(input)) {
  const std::string where = "Conv2d(input " + describe(input) + ", kernel " +
                            std::to_string(kernel_h) + "x" + std::to_string(kernel_w) +
                            ", stride " + std::to_string(stride) + ", padding " +
                            std::to_string(padding) +
                            (dilation == 1 ? "" : ", dilation " + std::to_string(dilation)) + ")";
  if (input.size() == 0) throw Error(where + ": the input shape has a zero dimension");
  if (out_channels == 0) throw Error(where + ": out_channels must be positive");
  if (kernel_h == 0 || kernel_w == 0) throw Error(where + ": the kernel must be at least 1x1");
  if (stride == 0) throw Error(where + ": stride must be at least 1, got 0");
  if (dilation == 0) throw Error(where + ": dilation must be at least 1, got 0");
  const arma::uword padded_h = input.height + 2 * padding, padded_w = input.width + 2 * padding;
  if (spec_.extent_h() > padded_h || spec_.extent_w() > padded_w)
    throw Error(where + ": kernel " + (dilation == 1 ? "" : "extent ") +
                std::to_string(spec_.extent_h()) + "x" + std::to_string(spec_.extent_w()) +
                " is larger than the padded input " + std::to_string(padded_h) + "x" +
                std::to_string(padded_w));
  const double bound = 1.0 / std::sqrt(static_cast<double>(spec_.patch_size()));
  weight = (2 * arma::randu<arma::mat>(out_channels, spec_.patch_size()) - 1) * bound;
  bias = (2 * arma::randu<arma::mat>(out_channels, 1) - 1) * bound;
  grad_weight.zeros(arma::size(weight));
  grad_bias.zeros(arma::size(bias));
}

std::string Conv2d::name() const {
  const Shape out = spec_.output();
  return "Conv2d(" + dims(spec_.input) + " -> " + dims(out) + ", kernel " + std::to_string(spec_.kernel_h) + "x" +
         std::to_string(spec_.kernel_w) + ", stride " + std::to_string(spec_.stride) +
         ", padding " + std::to_string(spec_.padding) +
         (spec_.dilation == 1 ? "" : ", dilation " + std::to_string(spec_.dilation)) + ")";
}

arma::mat Conv2d::forward(const arma::mat& input) {
  check_rows("Conv2d::forward", input, spec_.input.size(), input_what_);
  if (fast_paths()) {  // fast_conv.cpp
    arma::mat output;
    forward_into(input, output, false);
    return output;
  }
  columns_ = im2col(input, spec_);
  batch_size_ = input.n_cols;
  fast_forward_ = false;
  return conv2d_forward(weight, bias, columns_, spec_, batch_size_);
}

// check_grad's `where`, built once: a std::string made from the literal at every call would
// allocate (16 characters, one more than the short-string buffer holds).
static const std::string backward_where = "Conv2d::backward";

arma::mat Conv2d::backward(const arma::mat& grad_output) {
  check_grad(backward_where, batch_size_ > 0, grad_output, spec_.output().size(),
             batch_size_);
  if (fast_forward_) {  // fast_conv.cpp
    arma::mat grad_input;
    backward_into(grad_output, grad_input);
    return grad_input;
  }
  return conv2d_backward(weight, columns_, grad_output, spec_, grad_weight, grad_bias);
}

std::vector<Parameter> Conv2d::parameters() {
  return {{"weight", &weight, &grad_weight}, {"bias", &bias, &grad_bias}};
}

void Conv2d::check_kernel_index(const std::string& where, arma::uword out, arma::uword in) const {
  if (out >= spec_.out_channels || in >= spec_.input.channels)
    throw Error("Conv2d::" + where + ": kernel (" + std::to_string(out) + ", " +
                std::to_string(in) + ") out of range: " + std::to_string(spec_.out_channels) +
                " output and " + std::to_string(spec_.input.channels) + " input channels");
}

static arma::mat kernel_of(const arma::mat& w, const ConvSpec& spec, arma::uword out,
                           arma::uword in) {
  const arma::uword area = spec.kernel_h * spec.kernel_w;
  const arma::rowvec row = w.row(out).cols(in * area, (in + 1) * area - 1);
  return arma::reshape(row, spec.kernel_h, spec.kernel_w);  // column-major: entry j*kh + i -> (i, j)
}

arma::mat Conv2d::kernel(arma::uword out, arma::uword in) const {
  check_kernel_index("kernel", out, in);
  return kernel_of(weight, spec_, out, in);
}

arma::mat Conv2d::kernel_grad(arma::uword out, arma::uword in) const {
  check_kernel_index("kernel_grad", out, in);
  return kernel_of(grad_weight, spec_, out, in);
}

void Conv2d::set_kernel(arma::uword out, arma::uword in, const arma::mat& k) {
  check_kernel_index("set_kernel", out, in);
  if (k.n_rows != spec_.kernel_h || k.n_cols != spec_.kernel_w)
    throw Error("Conv2d::set_kernel: expected a " + std::to_string(spec_.kernel_h) + "x" +
                std::to_string(spec_.kernel_w) + " kernel, got " + describe(k));
  const arma::uword area = spec_.kernel_h * spec_.kernel_w;
  weight.row(out).cols(in * area, (in + 1) * area - 1) = arma::vectorise(k).t();
}

arma::mat Conv2d::toeplitz() const { return conv2d_toeplitz(weight, spec_); }

}  // namespace nn
