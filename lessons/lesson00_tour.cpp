// lesson00_tour.cpp -- a tour of the step-through runner, and the template lessons copy.
//
// What you will learn: how a lesson is built (steps that name their code, show matrices and
// draw figures), and how to drive one:
//   make lesson0                          step through: Enter = next, 3 = jump to step 3, q = quit
//   make lesson0 ARGS="--list"            the steps;   ARGS="--step 2" runs only step 2
//   make lesson0 ARGS="--steps 300"       this lesson's own options: see ARGS="--help"
//   make lesson0 ARGS="--fail"            how a lesson stops on an error (exit code 1)
//
// The math of step 2: fit y = w x + b to noisy points by gradient descent on
//   L = 1/(2n) sum_i r_i^2   with residuals  r_i = w x_i + b - y_i,
//   dL/dw = 1/n sum_i r_i x_i,   dL/db = 1/n sum_i r_i
#include "course/lesson.hpp"
#include "nn/nn.hpp"

namespace {

// [snippet tour-data]
// n noisy points on the line y = 2x + 1, one column per sample as every batch in stepnet.
arma::mat make_points(arma::uword n) {  // (2 x n): row 0 is x, row 1 is y
  arma::mat points(2, n);
  points.row(0) = arma::linspace<arma::rowvec>(-1, 1, n);
  points.row(1) = 2 * points.row(0) + 1 + 0.3 * arma::randn<arma::rowvec>(n);
  return points;
}
// [/snippet]

// [snippet tour-gradient-step]
// One step of gradient descent on L = 1/(2n) sum (w x + b - y)^2. Returns L before the step.
double gradient_step(const arma::mat& points, double& w, double& b, double learning_rate) {
  const arma::rowvec x = points.row(0), y = points.row(1);  // (1 x n)
  const arma::rowvec residual = w * x + b - y;              // (1 x n)
  const double loss = 0.5 * arma::mean(arma::square(residual));
  const double grad_w = arma::mean(residual % x);
  const double grad_b = arma::mean(residual);
  w -= learning_rate * grad_w;
  b -= learning_rate * grad_b;
  return loss;
}
// [/snippet]

// ---- what the steps share ------------------------------------------------------------------
// A lesson is a table of named steps. Each step is a function of the context (what the steps
// share: the lesson and its options, data loaded on first use, results a later step reuses)
// and the Step it prints through. nn::seed(seed) runs before every step, so a step must not
// count on an earlier one having run: --step K runs step K alone.
struct Context {
  nn::lesson::Lesson& lesson;
};


// ---- step 1: Matrices ---------------------------------------------------------------------------
const nn::lesson::StepText matrices_text{
    "Matrices",
    "A batch is a matrix with one column per sample. Every step starts from\n"
    "the same seed (--seed N), so --step 1 shows what a full run shows."};

void matrices(Context& /*c*/, nn::lesson::Step& s) {
  s.code("lessons/lesson00_tour.cpp", "tour-data");
  s.show("points (row 0: x, row 1: y)", make_points(6));
  s.show("a large matrix shows its corner", arma::randn(64, 784));
}

// ---- step 2: A training curve -------------------------------------------------------------------
const nn::lesson::StepText training_curve_text{
    "A training curve",
    "Gradient descent fits y = w x + b to 50 points on y = 2x + 1. The loss falls fast,\n"
    "then levels off at the noise: plotted on a log scale, both phases show."};

void training_curve(Context& c, nn::lesson::Step& s) {
  s.source("lessons/lesson00_tour.cpp", "tour-gradient-step");
  const long steps = c.lesson.quick() ? 20 : c.lesson.integer("--steps");
  const arma::mat points = make_points(50);
  double w = 0, b = 0;
  arma::vec loss(steps);
  for (long i = 0; i < steps; ++i) {
    loss(i) = gradient_step(points, w, b, c.lesson.number("--lr"));
  }
  s.show("w (should be near 2)", w);
  s.show("b (should be near 1)", b);
  nn::plot::Lines curve("loss", "Fitting y = w x + b by gradient descent");
  curve.x_label = "step";
  curve.y_label = "loss";
  curve.log_y = true;
  s.plot(curve.add("training loss", loss));
}

// ---- step 3: Pictures of matrices ---------------------------------------------------------------
const nn::lesson::StepText pictures_text{
    "Pictures of matrices",
    "tanh(W x) for 1000 inputs x of 100 entries: with W of std 1 the units saturate at\n"
    "+-1; with std 1/sqrt(100) they spread over (-1, 1). Then a weight matrix as a\n"
    "heat map, and four 5x5 kernels as an image grid (blue < 0 < red)."};

void pictures(Context& /*c*/, nn::lesson::Step& s) {
  const arma::mat x = arma::randn(100, 1000);  // (100 x 1000)
  nn::plot::Histograms units("saturation", "tanh(W x) for two scales of W");
  units.add("W with std 1", arma::tanh(arma::randn(100, 100) * x));
  units.add("W with std 0.1", arma::tanh(0.1 * arma::randn(100, 100) * x));
  s.plot(units);
  s.plot(nn::plot::Heatmap("weights", "An 8x8 weight matrix", arma::randn(8, 8)));
  nn::plot::Images kernels("kernels", "Four 5x5 kernels");
  kernels.palette = nn::plot::Palette::diverging;
  kernels.add(arma::repmat(arma::rowvec{-1, -1, 0, 1, 1}, 5, 1), "vertical edge");
  kernels.add(arma::repmat(arma::vec{-1, -1, 0, 1, 1}, 1, 5), "horizontal edge");
  kernels.add(arma::eye(5, 5) - arma::fliplr(arma::eye(5, 5)), "diagonals");
  kernels.add(arma::randn(5, 5), "random");
  s.plot(kernels);
}

// ---- step 4: When a shape is wrong --------------------------------------------------------------
const nn::lesson::StepText wrong_shape_text{
    "When a shape is wrong",
    "A Linear(4 -> 3) layer takes 4 rows. Run with --fail to give it 5: the library\n"
    "throws nn::Error, and the lesson stops with the message and exit code 1."};

void wrong_shape(Context& c, nn::lesson::Step& s) {
  nn::Linear layer(4, 3);
  const arma::mat batch = arma::randn(c.lesson.is_set("--fail") ? 5 : 4, 2);
  s.show("Y = W X + b", layer.forward(batch));
  s.say("Try: make lesson0 ARGS=\"--step 4 --fail\"");
}

}  // namespace

// main: the lesson, its own options, the context, then the table of steps.
int main(int argc, char** argv) {
  nn::lesson::Lesson lesson(0, "A tour of the step-through runner", argc, argv);
  lesson.option("--steps", "N", "gradient descent steps in step 2", 100);
  lesson.option("--lr", "RATE", "learning rate in step 2", 0.5);
  lesson.flag("--fail", "feed step 4 a batch of the wrong shape");

  Context c{lesson};
  lesson.step(matrices_text, c, matrices);
  lesson.step(training_curve_text, c, training_curve);
  lesson.step(pictures_text, c, pictures);
  lesson.step(wrong_shape_text, c, wrong_shape);
  return lesson.run();
}
