// lesson03_convolution.cpp -- shared weights, and convolution as a Toeplitz matrix.
//
// What you will learn: why a weight used in several places gets the SUM of the gradients of
// its uses; that a convolution is a matrix product vec(O) = T vec(I) whose matrix T repeats
// the same few kernel weights along bands; how its backward pass follows from that (dL/dI =
// T' dL/dO, dL/dW = the sum over every place a weight sits in T); and how im2col computes the
// same product without ever building T.
//
// The math
//   Shared weight:  y = w x1 + w x2,  L = 0.5 (y - t)^2.  Treat the two uses as two weights
//                   w1 = w2 = w: dL/dw = dL/dw1 + dL/dw2 = (y - t) x1 + (y - t) x2.
//   1-D convolution (cross-correlation, as Torch and PyTorch), input I (n), kernel W (k):
//     O_q = sum_j W_j I_{q+j},  q = 0 .. n-k                       (valid positions only)
//     dO/dI = T   (n-k+1 x n), row q holds W at columns q .. q+k-1: Toeplitz in W
//     dO/dW = X   (n-k+1 x k), row q holds I_q .. I_{q+k-1}:       Hankel in I (im2col')
//     (Toeplitz: constant along diagonals, T_qi = W_{i-q}; Hankel: constant along
//      anti-diagonals, X_qj = I_{q+j})
//     dL/dW_j = sum_q dL/dO_q I_{q+j}      correlation of I with dL/dO
//     dL/dI   = T' dL/dO                    full convolution of dL/dO with W
//                                           = correlation of zero-padded dL/dO with flipped W
//   2-D, C input and K output channels, stride s, padding p:
//     O[k](r, c) = b[k] + sum_{ch,i,j} W[k][ch](i, j) X[ch](r s + i - p, c s + j - p)
//     Ho = floor((H + 2p - kh) / s) + 1, the same for Wo.
//   True convolution flips the kernel: (X * W)(r, c) = sum X(r - i, c - j) W(i, j), which is
//   cross-correlation with W rotated by 180 degrees.
#include <array>
#include <sstream>

#include "course/lesson.hpp"
#include "nn/nn.hpp"

namespace {

// An image column from its planes, written as they print (channel 0 first).
arma::vec image_of(const std::vector<arma::mat>& planes) {  // (C*H*W x 1)
  arma::cube c(planes[0].n_rows, planes[0].n_cols, planes.size());
  for (arma::uword k = 0; k < planes.size(); ++k) c.slice(k) = planes[k];
  return nn::flatten(c);
}

// The Torch7 slides' SpatialConvolution example: a 2x4x4 input, two output planes.
struct SlideExample {
  const nn::Shape shape{2, 4, 4};
  nn::Conv2d conv{shape, 2, 2, 2};
  arma::vec input = image_of({{{1, -2, 2, 2}, {2, 1, 3, -2}, {-2, 3, -3, 1}, {-1, 2, -4, 2}},
                              {{3, 0, 0, 0}, {-2, -2, 1, -1}, {2, -1, 3, 1}, {5, -2, 0, 1}}});
  SlideExample() {
    conv.set_kernel(0, 0, {{1, -2}, {-2, 1}});
    conv.set_kernel(0, 1, {{1, 0}, {0, 1}});
    conv.set_kernel(1, 0, {{3, 1}, {2, 2}});
    conv.set_kernel(1, 1, {{0, 0}, {0, 4}});
    conv.bias = arma::vec{0.1, 0.2};
  }
};

// The small 2-D case whose T fits on the screen: a 1x3x3 image, one 2x2 kernel, no bias.
struct SmallExample {
  nn::Conv2d conv{nn::Shape{1, 3, 3}, 1, 2, 2};
  arma::vec input = image_of({{{1, 2, 3}, {4, 5, 6}, {7, 8, 9}}});
  SmallExample() {
    conv.set_kernel(0, 0, {{1, 2}, {3, 4}});
    conv.bias.zeros();
  }
};

// The 1-D example: I = [1 2 3 4] as a 1x1x4 image, W = [1 2 3] as a 1x3 kernel, no bias.
struct OneDimExample {
  nn::Conv2d conv{nn::Shape{1, 1, 4}, 1, 1, 3};
  arma::vec input{1, 2, 3, 4};
  arma::vec grad_output{1, -2};  // dL/dO, an upstream gradient to push back
  OneDimExample() {
    conv.set_kernel(0, 0, {{1, 2, 3}});
    conv.bias.zeros();
  }
};

// A 1-row correlation with the library's Conv2d: slide `kernel` (1 x k) along `signal` (n).
arma::rowvec correlate(const arma::vec& signal, const arma::rowvec& kernel) {
  nn::Conv2d conv(nn::Shape{1, 1, signal.n_elem}, 1, 1, kernel.n_elem);
  conv.set_kernel(0, 0, kernel);
  conv.bias.zeros();
  return conv.forward(signal).t();  // (1 x n-k+1)
}

// Small matrices side by side, each under its caption, 4 spaces apart: one screen row
// instead of one after the other. decimals as nn::plot::matrix_text.
std::string side_by_side(const std::vector<std::pair<std::string, arma::mat>>& parts,
                         int decimals = -1) {
  std::vector<std::vector<std::string>> blocks;
  std::vector<std::size_t> widths;
  std::size_t height = 0;
  for (const auto& [caption, m] : parts) {
    std::vector<std::string> lines = {caption};
    std::istringstream text(nn::plot::matrix_text(m, decimals));
    for (std::string line; std::getline(text, line);) lines.push_back(line);
    std::size_t width = 0;
    for (const std::string& line : lines) width = std::max(width, line.size());
    blocks.push_back(lines);
    widths.push_back(width);
    height = std::max(height, lines.size());
  }
  std::ostringstream out;
  for (std::size_t r = 0; r < height; ++r) {
    std::string row;
    for (std::size_t b = 0; b < blocks.size(); ++b) {
      std::string cell = r < blocks[b].size() ? blocks[b][r] : "";
      if (b + 1 < blocks.size()) cell.resize(widths[b] + 4, ' ');
      row += cell;
    }
    out << row << "\n";
  }
  return out.str();
}

std::string sizes(const nn::Shape& s) {
  return std::to_string(s.channels) + "x" + std::to_string(s.height) + "x" +
         std::to_string(s.width);
}



// ---- step 1: One weight, two uses ---------------------------------------------------------------
const nn::lesson::StepText one_weight_two_uses_text{
    "One weight, two uses",
    "y = w x1 + w x2 with w = 0.5, x1 = 3, x2 = 1, target t = 1, L = 0.5 (y - t)^2.\n"
    "Build it as two Linear(1 -> 1) layers without bias whose weights are the same number:\n"
    "each layer's backward gives the partial gradient of its own use. The weight's gradient\n"
    "is their sum (the chain rule sums over every path from w to L), and so is its update."};

void one_weight_two_uses(nn::lesson::Step& s) {
  s.needs({"numeric_gradient", "Linear::backward"});
  s.code("src/nn/linear.cpp", "linear-backward");
  const double w = 0.5, x1 = 3, x2 = 1, target = 1, learning_rate = 0.1;
  nn::Linear use1(1, 1), use2(1, 1);  // two uses of one weight
  for (nn::Linear* use : {&use1, &use2}) {
    use->weight.fill(w);
    use->bias.zeros();
    use->zero_grad();
  }
  const arma::mat y = use1.forward(arma::mat{x1}) + use2.forward(arma::mat{x2});  // (1x1)
  nn::MSELoss mse;
  const double loss = mse.forward(y, arma::mat{target});
  const arma::mat grad_y = mse.backward();  // dL/dy = y - t
  use1.backward(grad_y);
  use2.backward(grad_y);
  s.show("y = w x1 + w x2", y(0));
  s.show("L = 0.5 (y - t)^2", loss);
  s.show("dL/dy = y - t", grad_y(0));
  s.show("dL/dw through use 1 = dL/dy * x1", use1.grad_weight(0));
  s.show("dL/dw through use 2 = dL/dy * x2", use2.grad_weight(0));
  const double grad_w = use1.grad_weight(0) + use2.grad_weight(0);
  s.show("dL/dw = sum over the uses", grad_w);

  // Numeric check: L as a function of the one shared number w.
  const auto loss_of_w = [&](const arma::mat& v) {
    const double yv = v(0) * x1 + v(0) * x2;
    return 0.5 * (yv - target) * (yv - target);
  };
  const arma::mat numeric = nn::numeric_gradient(loss_of_w, arma::mat{w});
  s.show("numeric dL/dw (centered differences)", numeric(0), 8);
  s.show("relative error", nn::relative_error(arma::mat{grad_w}, numeric), 12);

  s.say("One SGD step (lr 0.1) moves the one weight by the summed gradient. Updating each "
        "use with its own partial gradient would untie them: the two copies would drift "
        "apart and the layers would no longer share a weight.");
  s.show("w - lr * (sum of partials)  (both uses stay equal)", w - learning_rate * grad_w);
  s.show("use 1 alone: w - lr * partial 1", w - learning_rate * use1.grad_weight(0));
  s.show("use 2 alone: w - lr * partial 2", w - learning_rate * use2.grad_weight(0));
  s.say("A convolution kernel is the same story on a larger scale: each kernel weight is "
        "used at every position of the image.");
}

// ---- step 2: 1-D convolution: O = T I -----------------------------------------------------------
const nn::lesson::StepText conv1d_forward_text{
    "1-D convolution: O = T I",
    "I = [1 2 3 4], W = [1 2 3]: Conv2d over a 1x1x4 image with a 1x3 kernel. The kernel\n"
    "fits at 2 positions, O = [1*1+2*2+3*3, 1*2+2*3+3*4] = [14 20]. Each output is linear in\n"
    "I and linear in W, so both Jacobians are matrices: dO/dI = T repeats W along a band\n"
    "(Toeplitz in W: constant along diagonals), dO/dW repeats I shifted the other way (Hankel\n"
    "in I: constant along anti-diagonals, entry (q, j) = I_{q+j}): the transposed im2col."};

void conv1d_forward(nn::lesson::Step& s) {
  s.code("src/nn/conv2d.cpp", "conv2d-toeplitz");
  OneDimExample e;
  s.show("I", arma::rowvec(e.input.t()));
  s.show("W", e.conv.kernel(0, 0));
  s.show("O = conv.forward(I)", arma::rowvec(e.conv.forward(e.input).t()));
  s.show("dO/dI = T = conv.toeplitz()  (one row per output, one column per input)",
         e.conv.toeplitz());
  s.source("src/nn/conv2d.cpp", "im2col");
  s.show("dO/dW = im2col(I)'  (one row per output, one column per weight)",
         arma::mat(nn::im2col(e.input, e.conv.spec()).t()));
  s.show("O = T I (the same numbers)", arma::rowvec((e.conv.toeplitz() * e.input).t()));
}

// ---- step 3: 1-D backward: dL/dW is a correlation, dL/dI a full convolution ---------------------
const nn::lesson::StepText conv1d_backward_text{
    "1-D backward: dL/dW is a correlation, dL/dI a full convolution",
    "Push dL/dO = [1 -2] back. dL/dW_j = sum_q dL/dO_q I_{q+j}: slide dL/dO along I, a\n"
    "correlation of I with dL/dO. dL/dI = T' dL/dO: each input collects from every output it\n"
    "fed, which is the FULL convolution of dL/dO with W (pad dL/dO with k-1 zeros on each\n"
    "side, correlate with W flipped). Each is computed here two or three ways; they agree."};

void conv1d_backward(nn::lesson::Step& s) {
  s.needs({"conv2d_backward"});
  s.code("src/nn/conv2d.cpp", "conv2d-backward");
  OneDimExample e;
  e.conv.forward(e.input);
  e.conv.zero_grad();
  const arma::mat grad_input = e.conv.backward(e.grad_output);  // (4 x 1)
  s.show("dL/dO", arma::rowvec(e.grad_output.t()));

  s.show("dL/dW from backward (conv.kernel_grad)", e.conv.kernel_grad(0, 0));
  s.show("dL/dW = correlation of I with dL/dO  [1-4, 2-6, 3-8]",
         correlate(e.input, e.grad_output.t()));
  s.show("dL/dW = (dO/dW)' dL/dO = im2col(I) dL/dO",
         arma::rowvec((nn::im2col(e.input, e.conv.spec()) * e.grad_output).t()));

  s.show("dL/dI from backward (col2im of W' dL/dO)", arma::rowvec(grad_input.t()));
  s.show("dL/dI = T' dL/dO", arma::rowvec((e.conv.toeplitz().t() * e.grad_output).t()));
  const arma::vec padded = arma::join_cols(arma::zeros(2), e.grad_output, arma::zeros(2));
  s.show("dL/dO padded with k-1 = 2 zeros per side", arma::rowvec(padded.t()));
  s.show("correlation of padded dL/dO with flipped W = [3 2 1]",
         correlate(padded, arma::fliplr(e.conv.kernel(0, 0))));
  s.show("arma::conv(dL/dO, W): true full convolution",
         arma::rowvec(arma::conv(e.grad_output, arma::vec{1, 2, 3}).t()));
}

// ---- step 4: 2-D: the slide example -------------------------------------------------------------
const nn::lesson::StepText slide_example_text{
    "2-D: the slide example",
    "A 2x4x4 input, two output planes, each with a 2x2 kernel per input plane and a bias\n"
    "(0.1, 0.2). Output plane k = bias k + the sum over input planes of the correlation with\n"
    "kernel (k, plane). A 2x2 kernel fits 3x3 times in a 4x4 plane: the output is 2x3x3."};

void slide_example(nn::lesson::Step& s) {
  s.source("src/nn/conv2d.cpp", "conv2d-forward");
  SlideExample e;
  const arma::cube input = nn::as_cube(e.input, e.shape);  // (4 x 4 x 2)
  s.say(side_by_side({{"input plane 1", input.slice(0)}, {"input plane 2", input.slice(1)}}));
  s.say(side_by_side({{"kernel out 1, in 1", e.conv.kernel(0, 0)},
                      {"out 1, in 2", e.conv.kernel(0, 1)},
                      {"out 2, in 1", e.conv.kernel(1, 0)},
                      {"out 2, in 2", e.conv.kernel(1, 1)}}));
  s.show("bias", arma::rowvec(e.conv.bias.t()), 1);
  const arma::vec output = e.conv.forward(e.input);
  const arma::cube planes = nn::as_cube(output, e.conv.output_shape());
  s.say(side_by_side({{"output plane 1", planes.slice(0)}, {"output plane 2", planes.slice(1)}}, 1));
  s.say("the slides: plane 1 [[3.1 -3.9 -10.9] [4.1 -12.9 16.1] [-3.9 0.1 9.1]],\n"
        "            plane 2 [[-0.8 8.2 6.2] [5.2 18.2 7.2] [-8.8 2.2 -7.8]]");
  s.say("By hand, plane 1 at (0,0): 1*1 -2*(-2) -2*2 +1*1 from plane 1, plus 3*1 + (-2)*1 "
        "from plane 2, plus 0.1 = 3.1.");

  nn::plot::Images pictures("slide-example",
                            "The slide example: every value written on its pixel "
                            "(blue < 0 < red, each plane to its own scale)");
  pictures.palette = nn::plot::Palette::diverging;
  pictures.columns = 4;
  pictures.numbers = true;
  const arma::cube in = nn::as_cube(e.input, e.shape);
  pictures.add(in.slice(0), "input plane 1").add(in.slice(1), "input plane 2");
  pictures.add(planes.slice(0), "output plane 1").add(planes.slice(1), "output plane 2");
  s.plot(pictures);
}

// ---- step 5: T for a small case -----------------------------------------------------------------
const nn::lesson::StepText toeplitz_small_case_text{
    "T for a small case",
    "A 1x3x3 image, one 2x2 kernel [[1 2] [3 4]]. T has one row per output position (4) and\n"
    "one column per pixel (9), pixels in image-column order (column-major: x(0,0), x(1,0),\n"
    "x(2,0), x(0,1), ...). Every row holds the same four weights, shifted: the kernel sliding.\n"
    "Weight W(i,j) sits in every row once, so dL/dW(i,j) sums over all 4 positions."};

void toeplitz_small_case(nn::lesson::Step& s) {
  s.source("src/nn/conv2d.cpp", "conv2d-toeplitz");
  SmallExample e;
  s.show("x (as an image)", nn::as_cube(e.input, nn::Shape{1, 3, 3}).slice(0));
  s.show("x as the column T multiplies (transposed to fit)", arma::rowvec(e.input.t()));
  const arma::mat t = e.conv.toeplitz();
  s.show("T = conv.toeplitz()", t);
  const arma::vec output = e.conv.forward(e.input);
  s.show("T x (as an image)", nn::as_cube(arma::vec(t * e.input), e.conv.output_shape()).slice(0));
  s.show("conv.forward(x) (the same)", nn::as_cube(output, e.conv.output_shape()).slice(0));
  s.say("Where does W(1,0) = 3 sit? Once per row, at the pixel under the kernel's bottom-left "
        "corner:");
  s.show("T == 3", arma::umat(t == 3));
}

// ---- step 6: The picture of T: banded blocks ----------------------------------------------------
const nn::lesson::StepText toeplitz_picture_text{
    "The picture of T: banded blocks",
    "A 1x5x5 image, a 3x3 kernel, 2 output channels: T is (2*3*3) x 25 = 18 x 25. Kernel 1\n"
    "holds 1..9 (red), kernel 2 holds -1..-9 (blue); white is 0. Most of T is zero. With\n"
    "pixels in image-column order, T is a grid of 3x5 blocks (output column x input column):\n"
    "block (c_out, c_in) is the 1-D Toeplitz matrix of kernel column c_in - c_out, or 0 when\n"
    "that is not a kernel column. Toeplitz blocks in a Toeplitz pattern: doubly block Toeplitz."};

void toeplitz_picture(nn::lesson::Step& s) {
  nn::Conv2d conv(nn::Shape{1, 5, 5}, 2, 3, 3);
  const arma::mat kernel = arma::reshape(arma::regspace(1, 9), 3, 3).t();  // 1..9 row by row
  conv.set_kernel(0, 0, kernel);
  conv.set_kernel(1, 0, -kernel);
  const arma::mat t = conv.toeplitz();  // (18 x 25)
  s.show("kernel 1 (kernel 2 is its negative)", kernel);
  s.show("T", t);
  s.show("nonzeros per row (= 9 kernel weights)", arma::umat(arma::sum(t != 0, 1).t()));
  s.show("block (0, 0) of channel 1: rows 0-2, columns 0-4 = Toeplitz of kernel column 0",
         t.submat(0, 0, 2, 4));
  s.show("block (0, 1): Toeplitz of kernel column 1", t.submat(0, 5, 2, 9));
  s.show("block (0, 3): zero (input column 3 is out of reach of output column 0)",
         t.submat(0, 15, 2, 19));
  s.show("fraction of T that is zero", arma::accu(t == 0) / double(t.n_elem), 3);
  nn::plot::Heatmap picture("toeplitz",
                            "T of a 3x3 kernel over a 1x5x5 image, 2 output channels",
                            t);
  picture.x_label = "input pixel (column-major: c*5 + r)";
  picture.y_label = "output (channel*9 + c*3 + r)";
  picture.palette = nn::plot::Palette::diverging;
  s.plot(picture);
}

// ---- step 7: im2col: the same product, efficiently ----------------------------------------------
const nn::lesson::StepText im2col_product_text{
    "im2col: the same product, efficiently",
    "T is mostly zeros. im2col copies each patch under the kernel into a column instead:\n"
    "cols is (C*kh*kw) x (positions), and the whole forward pass is ONE dense product\n"
    "weight * cols, (K x C*kh*kw) times (C*kh*kw x Ho*Wo). It is what Conv2d::forward runs."};

void im2col_product(nn::lesson::Step& s) {
  s.code("src/nn/conv2d.cpp", "im2col");
  SmallExample e;
  const arma::mat cols = nn::im2col(e.input, e.conv.spec());  // (4 x 4)
  s.show("small case: cols = im2col(x)  (column q: the patch under position q)", cols);
  s.show("weight  (the kernel as a row, in patch order (0,0) (1,0) (0,1) (1,1))",
         e.conv.weight);
  s.show("weight * cols  (positions in column-major order: (0,0) (1,0) (0,1) (1,1))",
         arma::mat(e.conv.weight * cols));

  SlideExample slide;
  const arma::mat slide_cols = nn::im2col(slide.input, slide.conv.spec());  // (8 x 9)
  s.show("slide example: cols = im2col(x)", slide_cols);
  s.show("slide example: weight  (2 output channels x 2*2*2 patch entries)",
         slide.conv.weight);
  arma::mat y = slide.conv.weight * slide_cols;  // (2 x 9)
  y.each_col() += arma::vec(slide.conv.bias);
  s.show("weight * cols + bias  (row k: output plane k+1, column-major)", y, 1);

  // What each form costs for a realistic layer: 32 3x3 kernels over a 1x28x28 image.
  const nn::ConvSpec mnist{nn::Shape{1, 28, 28}, 32, 3, 3, 1, 0};
  const nn::Shape out = mnist.output();
  const double t_entries = double(out.size()) * double(mnist.input.size());
  const double col_entries = double(mnist.patch_size()) * out.height * out.width;
  s.say("For 32 3x3 kernels over a 1x28x28 image (output " + sizes(out) + "):");
  s.show("entries of T  (" + std::to_string(out.size()) + " x 784)", t_entries, 0);
  s.show("entries of im2col + weight  (9 x 676 + 32 x 9)",
         col_entries + double(32 * mnist.patch_size()), 0);
}

// ---- step 8: Stride and padding -----------------------------------------------------------------
const nn::lesson::StepText stride_and_padding_text{
    "Stride and padding",
    "Stride s moves the kernel s pixels at a time; padding p surrounds the image with p rings\n"
    "of zeros. Ho = floor((H + 2p - kh) / s) + 1. Padding 1 with a 3x3 kernel keeps the size\n"
    "(\"same\"); stride 2 about halves it. Example: an all-ones 3x3 kernel over [[1 2 3]\n"
    "[4 5 6] [7 8 9]] with padding 1 sums each pixel's neighbourhood, zeros outside."};

void stride_and_padding(nn::lesson::Step& s) {
  s.source("src/nn/conv2d.cpp", "conv-output-size");
  arma::mat table(6, 5);  // columns H, k, s, p, Ho
  const std::vector<std::array<arma::uword, 4>> cases = {
      {5, 3, 1, 0}, {5, 3, 1, 1}, {5, 3, 2, 0}, {5, 3, 2, 1}, {28, 5, 1, 2}, {28, 2, 2, 0}};
  for (arma::uword i = 0; i < cases.size(); ++i) {
    const auto [h, k, stride, padding] = cases[i];
    const nn::ConvSpec spec{nn::Shape{1, h, h}, 1, k, k, stride, padding};
    table.row(i) = arma::rowvec{double(h), double(k), double(stride), double(padding),
                                double(spec.output().height)};
  }
  s.show("H  kernel  stride  padding  -> Ho", table);

  const arma::vec x = image_of({{{1, 2, 3}, {4, 5, 6}, {7, 8, 9}}});
  arma::mat padded(5, 5, arma::fill::zeros);
  padded.submat(1, 1, 3, 3) = nn::as_cube(x, nn::Shape{1, 3, 3}).slice(0);
  s.show("the image with padding 1 (what the kernel sees)", padded);
  for (arma::uword stride : {1, 2}) {
    nn::Conv2d conv(nn::Shape{1, 3, 3}, 1, 3, 3, stride, 1);
    conv.set_kernel(0, 0, arma::ones(3, 3));
    conv.bias.zeros();
    const arma::vec y = conv.forward(x);
    s.show("ones kernel, padding 1, stride " + std::to_string(stride) + " -> " +
               sizes(conv.output_shape()),
           nn::as_cube(y, conv.output_shape()).slice(0));
  }
  nn::Conv2d conv(nn::Shape{1, 3, 3}, 1, 3, 3, 1, 1);
  conv.set_kernel(0, 0, arma::ones(3, 3));
  s.show("its T (9x9): padding drops the columns of the zeros, so corner rows hold 4 ones",
         conv.toeplitz());
}

// ---- step 9: Correlation versus convolution -----------------------------------------------------
const nn::lesson::StepText correlation_vs_convolution_text{
    "Correlation versus convolution",
    "Conv2d computes cross-correlation: O(r,c) = sum W(i,j) X(r+i, c+j). True convolution\n"
    "runs the kernel backwards, sum W(i,j) X(r-i, c-j): it is correlation with the kernel\n"
    "rotated by 180 degrees. arma::conv2 is true convolution (it flips), and has only 'full'\n"
    "and 'same' shapes, no 'valid': the valid part is rows/cols kh-1 .. H-1 of the full one."};

void correlation_vs_convolution(nn::lesson::Step& s) {
  SlideExample slide;
  const arma::mat x = nn::as_cube(slide.input, slide.shape).slice(0);  // (4 x 4)
  const arma::mat kernel = {{3, 1}, {2, 2}};
  const arma::mat rotated = arma::flipud(arma::fliplr(kernel));
  auto correlate2 = [&](const arma::mat& k) {
    nn::Conv2d conv(nn::Shape{1, 4, 4}, 1, 2, 2);
    conv.set_kernel(0, 0, k);
    conv.bias.zeros();
    const arma::vec y = conv.forward(image_of({x}));
    return arma::mat(nn::as_cube(y, conv.output_shape()).slice(0));  // (3 x 3)
  };
  s.show("X  (plane 1 of the slide input)", x);
  s.show("W", kernel);
  s.show("W rotated 180 degrees", rotated);
  s.show("correlation of X with W  (Conv2d)", correlate2(kernel));
  const arma::mat full = arma::conv2(x, kernel);  // (5 x 5), 'full'
  s.show("arma::conv2(X, W): true convolution, 'full' (5x5)", full);
  s.show("its valid part  full(1..3, 1..3)", arma::mat(full.submat(1, 1, 3, 3)));
  s.show("correlation of X with rot180(W)  (Conv2d): the same", correlate2(rotated));
  s.say("Torch, PyTorch and stepnet call correlation 'convolution'. For a learned kernel the "
        "difference is only a relabelling of its weights, but when you compare with "
        "a signal-processing library, flip the kernel.");
}

// ---- step 10: Gradient check --------------------------------------------------------------------
const nn::lesson::StepText check_gradients_text{
    "Gradient check",
    "nn::gradient_check differentiates L = sum(G % conv(x)) with a random G by centered\n"
    "differences, for the input and every parameter, and compares with backward. The slide\n"
    "example, then a 2x5x5 -> 3 channels layer with stride 2 and padding 1."};

void check_gradients(nn::lesson::Step& s) {
  s.needs({"conv2d_backward"});
  s.source("src/nn/gradcheck.cpp", "gradient-check");
  SlideExample slide;
  for (const nn::GradientCheck& c : nn::gradient_check(slide.conv, slide.input))
    s.say("slide example  " + nn::describe(c));
  nn::Conv2d strided(nn::Shape{2, 5, 5}, 3, 3, 3, 2, 1);
  const arma::mat batch = arma::randn(50, 2);  // (2*5*5 x 2): two samples
  for (const nn::GradientCheck& c : nn::gradient_check(strided, batch))
    s.say(strided.name() + "  " + nn::describe(c));
  s.say("Bands: < 1e-7 good, ~1e-4 suspect, > 1e-2 wrong. A convolution is linear in x and "
        "in W, so centered differences are exact up to round-off here.");
}

// ---- step 11: What to try next ------------------------------------------------------------------
const nn::lesson::StepText what_next_text{
    "What to try next",
    "The tests assert this lesson's numbers; the doc page explains them beside the code."};

void what_next(nn::lesson::Step& s) {
  s.say("Tests: tests/lessons/lesson03_convolution_test.cpp and tests/unit/convolution_test.cpp "
        "(build/stepnet_tests \"[lesson03]\").");
  s.say("Doc page: docs/lesson03.md.");
  s.say("Try: (1) give the 1-D example stride 2: which rows of T remain? (2) print T for "
        "the slide example (18x32) and find kernel (1, 2)'s weights in it. (3) write "
        "dL/dx for padding 1 as a correlation of the padded dL/dO with the flipped kernel "
        "and compare with conv.backward.");
}
}  // namespace

int main(int argc, char** argv) {
  nn::lesson::Lesson lesson(3, "Shared weights and convolution as a Toeplitz matrix", argc, argv);
  // shared weights
  lesson.step(one_weight_two_uses_text, one_weight_two_uses);
  // 1-D convolution
  lesson.step(conv1d_forward_text, conv1d_forward);
  lesson.step(conv1d_backward_text, conv1d_backward);
  // 2-D
  lesson.step(slide_example_text, slide_example);
  lesson.step(toeplitz_small_case_text, toeplitz_small_case);
  lesson.step(toeplitz_picture_text, toeplitz_picture);
  lesson.step(im2col_product_text, im2col_product);
  lesson.step(stride_and_padding_text, stride_and_padding);
  lesson.step(correlation_vs_convolution_text, correlation_vs_convolution);
  lesson.step(check_gradients_text, check_gradients);
  lesson.step(what_next_text, what_next);
  return lesson.run();
}
