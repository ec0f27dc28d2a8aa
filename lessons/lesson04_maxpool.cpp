// lesson04_maxpool.cpp -- max pooling: forward, the argmax routing backward, and its kink.
//
// What you will learn: max pooling keeps the largest value of each window and remembers where
// it was (the argmax); backward sends each upstream gradient to that one pixel and nowhere
// else; with overlapping windows a pixel can collect gradient from several windows; and at a
// tie the max has a kink, where the numeric derivative (0.5) and the analytic one (1 to the
// first maximum) disagree, both legitimately.
//
// The math
//   One window w of the input, y_w = max_{p in w} x_p,  a_w = argmax_{p in w} x_p
//   (ties: the first in reading order, row by row, left to right, as Torch).
//   dy_w/dx_p = 1 if p == a_w else 0, so
//     dL/dx_p = sum over windows w with a_w == p of dL/dy_w
//   (a sum, since overlapping windows can share an argmax).
//   Output size: Ho = floor((H - k) / s) + 1, the same for Wo; no parameters.
//   At a tie x_p == x_q (both maximal) the max is not differentiable in x_p: its slope is 1
//   to the right (x_p + h wins) and 0 to the left (x_q takes over). The centered difference
//   averages the two one-sided slopes: (1 + 0) / 2 = 0.5.
#include <functional>
#include <string>

#include "course/lesson.hpp"
#include "nn/nn.hpp"

namespace {

const nn::Shape slide_shape{1, 4, 4};

// The 1x4x4 input of the slides.
arma::mat slide_plane() {  // (4 x 4)
  return {{0.2692, 0.4190, 0.2095, 0.9163},
          {0.2778, 0.9199, 0.5555, 0.1638},
          {0.6936, 0.2328, 0.0553, 0.1798},
          {0.3611, 0.3225, 0.9032, 0.5106}};
}

arma::vec column_of(const arma::mat& plane) {  // (H*W x 1): a one-channel image column
  return arma::vectorise(plane);
}

arma::mat plane_of(const arma::vec& column, const nn::Shape& shape) {  // (H x W)
  return nn::as_cube(column, shape).slice(0);
}

// Each argmax (an input row index) as (row, col) of the plane, one line per output.
arma::umat argmax_positions(const arma::umat& argmax, const nn::Shape& shape) {  // (n x 3)
  arma::umat table(argmax.n_rows, 3);
  for (arma::uword o = 0; o < argmax.n_rows; ++o) {
    const arma::uword pixel = argmax(o, 0) % (shape.height * shape.width);
    table(o, 0) = argmax(o, 0);
    table(o, 1) = pixel % shape.height;  // row
    table(o, 2) = pixel / shape.height;  // col
  }
  return table;
}

// A heat map of one input plane, its axes named as the input's.
nn::plot::Heatmap plane_picture(const std::string& name, const std::string& title,
                                const arma::mat& plane) {
  nn::plot::Heatmap picture(name, title, plane);
  picture.x_label = "input column";
  picture.y_label = "input row";
  return picture;
}

// One-sided difference quotients of `loss` at x, entry by entry: from the right
// (f(x+h) - f(x)) / h and from the left (f(x) - f(x-h)) / h.
void one_sided_slopes(const std::function<double(const arma::mat&)>& loss, const arma::vec& x,
                      double h, arma::vec& right, arma::vec& left) {  // each (x.n_elem)
  right.set_size(x.n_elem);
  left.set_size(x.n_elem);
  for (arma::uword i = 0; i < x.n_elem; ++i) {
    arma::vec plus = x, minus = x;
    plus(i) += h;
    minus(i) -= h;
    right(i) = (loss(plus) - loss(x)) / h;   // one-sided, from the right
    left(i) = (loss(x) - loss(minus)) / h;   // one-sided, from the left
  }
}

// ---- step 1: Forward: the slide example ---------------------------------------------------------
const nn::lesson::StepText forward_text{
    "Forward: the slide example",
    "A 1x4x4 input, 2x2 windows moved by stride 2: four windows that do not overlap, so the\n"
    "output is floor((4-2)/2)+1 = 2 per side. Each output is its window's maximum. The\n"
    "layer caches WHERE each maximum was: argmax() holds the input row index of each output\n"
    "(image-column order: pixel (r, c) is row c*4 + r)."};

void forward(nn::lesson::Step& s) {
  s.code("src/nn/maxpool2d.cpp", "maxpool-forward");
  nn::MaxPool2d pool(slide_shape, 2, 2);
  const arma::vec x = column_of(slide_plane());
  const arma::vec y = pool.forward(x);
  s.show("input", slide_plane());
  s.show("pooled output  (slides: [[0.9199 0.9163] [0.6936 0.9032]])",
         plane_of(y, pool.output_shape()));
  s.show("argmax() as a grid (input row of each output's maximum)",
         arma::umat(arma::reshape(pool.argmax(), 2, 2)));
  s.show("argmax per output, in output order: index, row, col",
         argmax_positions(pool.argmax(), slide_shape));
}

// ---- step 2: Backward: the gradient goes to the argmax ------------------------------------------
const nn::lesson::StepText backward_text{
    "Backward: the gradient goes to the argmax",
    "y = max(window) moves only with its largest entry, by exactly as much: dy/dx is 1 at\n"
    "the argmax and 0 elsewhere. So backward copies each upstream gradient to its window's\n"
    "argmax. With upstream ones, the input gradient is the mask of the maxima; with upstream\n"
    "[[1 2] [3 4]] those numbers land on the four maxima."};

void backward(nn::lesson::Step& s) {
  s.needs({"maxpool2d_backward"});
  s.code("src/nn/maxpool2d.cpp", "maxpool-backward");
  nn::MaxPool2d pool(slide_shape, 2, 2);
  const arma::vec x = column_of(slide_plane());
  const arma::vec y = pool.forward(x);
  const arma::vec mask = pool.backward(arma::ones(4, 1));  // (16 x 1)
  s.show("dL/dx for upstream ones: the argmax mask", plane_of(mask, slide_shape));
  const arma::mat upstream = {{1, 2}, {3, 4}};
  const arma::vec routed = pool.backward(column_of(upstream));
  s.show("upstream dL/dy", upstream);
  s.show("dL/dx: each number at its window's maximum", plane_of(routed, slide_shape));

  nn::plot::Images pictures("pooling", "Max pooling 2x2, stride 2: input, output, gradient mask");
  pictures.palette = nn::plot::Palette::sequential;
  pictures.scale_each = false;  // one colour scale: the same value is the same colour
  pictures.columns = 3;
  pictures.numbers = true;  // every value on its pixel: the maxima can be read off
  pictures.add(slide_plane(), "input (4x4)");
  // Each pooled value drawn over the 2x2 window it came from, so the tiles line up.
  pictures.add(arma::kron(plane_of(y, pool.output_shape()), arma::ones(2, 2)),
               "pooled output, over its windows");
  pictures.add(plane_of(mask, slide_shape), "dL/dx for upstream ones");
  s.plot(pictures);
  s.plot(plane_picture("mask", "Where the gradient goes: dL/dx for upstream ones",
                       plane_of(mask, slide_shape)));
}

// ---- step 3: Gradient check away from ties ------------------------------------------------------
const nn::lesson::StepText check_away_from_ties_text{
    "Gradient check away from ties",
    "With no ties, the max is differentiable: nudging any entry by h = 1e-5 changes no argmax,\n"
    "and centered differences agree with backward to round-off."};

void check_away_from_ties(nn::lesson::Step& s) {
  s.needs({"maxpool2d_backward"});
  s.source("src/nn/gradcheck.cpp", "gradient-check");
  nn::MaxPool2d pool(slide_shape, 2, 2);
  const nn::GradientCheck c = nn::gradient_check(pool, column_of(slide_plane()))[0];
  s.say(nn::describe(c));
  s.show("entries next to a kink", double(c.kinks), 0);
}

// ---- step 4: Overlapping windows ----------------------------------------------------------------
const nn::lesson::StepText overlapping_windows_text{
    "Overlapping windows",
    "With stride < kernel, windows overlap and one pixel can be the maximum of several. Its\n"
    "gradient is then the SUM of those windows' upstream gradients (backward adds, +=).\n"
    "Kernel 2, stride 1 over the slide input: 3x3 windows. 0.9199 wins 4 of them, 0.9032 2.\n"
    "Kernel 3, stride 1: 2x2 windows, and 0.9199 wins all four."};

void overlapping_windows(nn::lesson::Step& s) {
  s.needs({"maxpool2d_backward"});
  const arma::vec x = column_of(slide_plane());
  nn::MaxPool2d pool(slide_shape, 2, 1);
  const arma::vec y = pool.forward(x);
  s.show("kernel 2, stride 1: output", plane_of(y, pool.output_shape()));
  const arma::vec counts = pool.backward(arma::ones(9, 1));
  s.show("dL/dx for upstream ones = how many windows each pixel wins",
         plane_of(counts, slide_shape));
  const arma::mat upstream = arma::reshape(arma::regspace(1, 9), 3, 3).t();  // 1..9
  s.show("upstream dL/dy", upstream);
  s.show("dL/dx: 0.9199 collects 1+2+4+5 = 12, 0.9032 collects 8+9 = 17",
         plane_of(pool.backward(column_of(upstream)), slide_shape));

  nn::MaxPool2d big(slide_shape, 3, 1);
  s.show("kernel 3, stride 1: output", plane_of(big.forward(x), big.output_shape()));
  s.show("kernel 3, stride 1: windows won per pixel",
         plane_of(big.backward(arma::ones(4, 1)), slide_shape));
  s.plot(plane_picture("overlap-counts", "Kernel 2, stride 1: how many windows each pixel wins",
                       plane_of(counts, slide_shape)));
}

// ---- step 5: Ties: the kink the numeric check sees ----------------------------------------------
const nn::lesson::StepText ties_text{
    "Ties: the kink the numeric check sees",
    "Copy 0.9199 into the top-left corner: the first window now holds it twice. The library\n"
    "sends all the gradient to the first maximum in reading order, (0,0). Centered\n"
    "differences see something else: x(0,0) + h wins (slope 1), x(0,0) - h loses to x(1,1)\n"
    "(slope 0), and (f(x+h) - f(x-h)) / 2h averages the two: 0.5, at both tied pixels."};

void ties(nn::lesson::Step& s) {
  s.needs({"numeric_gradient", "maxpool2d_backward"});
  s.code("src/nn/maxpool2d.cpp", "maxpool-window");
  arma::mat plane = slide_plane();
  plane(0, 0) = 0.9199;
  const arma::vec x = column_of(plane);
  nn::MaxPool2d pool(slide_shape, 2, 2);
  pool.forward(x);
  s.show("input with a tie in the first window", plane);
  const arma::vec analytic = pool.backward(arma::ones(4, 1));
  s.show("analytic dL/dx (upstream ones): all to the first maximum",
         plane_of(analytic, slide_shape));

  // L = sum of the pooled outputs, as a function of the input.
  const auto loss = [&](const arma::mat& v) { return arma::accu(pool.forward(v)); };
  const double h = 1e-5;
  arma::vec right, left;  // (16) each
  one_sided_slopes(loss, x, h, right, left);
  s.show("slope from the right (f(x+h) - f(x)) / h", plane_of(right, slide_shape), 2);
  s.show("slope from the left  (f(x) - f(x-h)) / h", plane_of(left, slide_shape), 2);
  const arma::mat numeric = nn::numeric_gradient(loss, x, h);  // (16 x 1)
  s.show("numeric dL/dx (centered) = their average", plane_of(numeric, slide_shape), 2);

  const nn::GradientCheck c = nn::gradient_check(pool, x)[0];
  s.say("gradient_check: " + nn::describe(c));
  s.say("The max is not differentiable at a tie. Any split (a, 1-a) of the gradient between "
        "the tied pixels is a subgradient; the library's (1, 0) and the numeric (0.5, 0.5) "
        "are both among them, and both send the same total, 1. So gradient_check flags the "
        "entries whose +-h nudge switches an argmax (near_kink, kinks = 2) and leaves them "
        "out rather than failing. Ties are common in practice: after a ReLU, a window of "
        "zeros is a four-way tie.");

  nn::plot::Images pictures("tie", "A tie at (0,0) and (1,1): analytic vs numeric dL/dx");
  pictures.palette = nn::plot::Palette::sequential;
  pictures.scale_each = false;
  pictures.columns = 2;
  pictures.add(plane_of(analytic, slide_shape), "analytic: all to the first maximum");
  pictures.add(plane_of(numeric, slide_shape), "numeric: 0.5 to each tied pixel");
  s.plot(pictures);
}

// ---- step 6: What to try next -------------------------------------------------------------------
const nn::lesson::StepText what_next_text{
    "What to try next",
    "The tests assert this lesson's numbers; the doc page explains them beside the code."};

void what_next(nn::lesson::Step& s) {
  s.say("Tests: tests/lessons/lesson04_maxpool_test.cpp and tests/unit/maxpool_test.cpp "
        "(build/stepnet_tests \"[lesson04]\").");
  s.say("Doc page: docs/lesson04.md.");
  s.say("Try: (1) with kernel 3, stride 1, 0.9199 won all four windows: set it to 0 and "
        "predict the new counts before you run it. (2) make the first window a three-way tie: what "
        "numeric gradient do the three pixels get, and why does it no longer sum to 1? "
        "(3) change maxpool2d_forward's '>' to '>=' and see which tests fail.");
}

}  // namespace

// main: the lesson, then the table of steps (no options of its own, so no context: every step
// builds its small example itself).
int main(int argc, char** argv) {
  nn::lesson::Lesson lesson(4, "Max pooling", argc, argv);
  lesson.step(forward_text, forward);
  lesson.step(backward_text, backward);
  lesson.step(check_away_from_ties_text, check_away_from_ties);
  lesson.step(overlapping_windows_text, overlapping_windows);
  lesson.step(ties_text, ties);
  lesson.step(what_next_text, what_next);
  return lesson.run();
}
