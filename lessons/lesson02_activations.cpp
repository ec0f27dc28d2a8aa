// lesson02_activations.cpp -- ReLU and friends: values, derivatives, saturation, dead units.
//
// What you will learn
//   - the backward of ReLU is a 0/1 mask: the gradient passes where the unit fired;
//   - leaky ReLU (slope gamma below 0), sigmoid and tanh with slope lambda, and their
//     derivatives, drawn for several gamma and lambda;
//   - saturation: sigmoid and tanh pass almost no gradient once |x| is large;
//   - dead ReLUs: units that output 0 on every input get no gradient, so they never learn
//     again; a large negative bias or one too-large step makes them, leaky ReLU keeps them alive;
//   - what the gradient checker does at a kink (ReLU at exactly 0).
//
// The math (elementwise; y = f(x), upstream gradient g = dL/dy, returns dL/dx = g f'(x))
//   ReLU        y = max(0, x)                    f'(x) = [x > 0]        (f'(0) = 0 by choice)
//   leaky ReLU  y = x (x >= 0), gamma x (x < 0)  f'(x) = 1 (x > 0), gamma otherwise
//   sigmoid     y = 1 / (1 + exp(-lambda x))     f'(x) = lambda y (1 - y)     <= lambda / 4
//   tanh        y = tanh(lambda x)               f'(x) = lambda (1 - y^2)     <= lambda
// Sigmoid and tanh compute their derivative from the output y they cached, not from x.
#include <cstdint>
#include <cstdio>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include "course/lesson.hpp"
#include "nn/nn.hpp"

namespace {

using nn::util::number;
using nn::util::pad;
using nn::util::scientific;

// ---- printing helpers (display only: the math is the library's) ---------------------------

using nn::util::fixed;

std::string band(double relative_error) {
  if (relative_error < 1e-7) return "good";
  if (relative_error < 1e-2) return "suspect";
  return "wrong";
}


// 500 inputs of 20 features in [0, 1]: like pixels, or the outputs of a ReLU layer below,
// they are never negative.
arma::mat positive_inputs() { return arma::randu<arma::mat>(20, 500); }  // (20 x 500)


constexpr double normal_lr = 0.3, large_lr = 2.0, leaky_gamma = 0.1;

// ---- what the steps share ------------------------------------------------------------------
// The lesson and its options; every step computes its own small example (nn::seed(seed) runs
// before each one, so --step K shows what a full run shows).
struct Context {
  nn::lesson::Lesson& lesson;
};

// A squashing function with slope lambda, as steps 3 and 4 draw it: y = forward(x, lambda),
// dy/dx = backward(y, ones, lambda), computed from the output y as the modules cache it.
struct Squashing {
  const char* name;          // figure file of the values; "<name>_slope" holds the derivatives
  const char* values_title;  // the two figures' titles
  const char* slopes_title;
  arma::mat (*forward)(const arma::mat& x, double lambda);
  arma::mat (*backward)(const arma::mat& y, const arma::mat& grad_y, double lambda);
};

// dy/dx at five points for lambda = 0.5, 1, 2, 4, and the figures of y and dy/dx over [-5, 5].
void show_slopes(nn::lesson::Step& s, const Squashing& f) {
  const arma::mat x = {{-2.0, -0.5, 0.0, 0.5, 2.0}};  // (1 x 5)
  s.show("x", x, 2);
  const arma::vec grid = arma::linspace(-5, 5, 401);
  nn::plot::Lines values(f.name, f.values_title);
  values.key = "top left";
  values.y_label = "y";
  nn::plot::Lines slopes(std::string(f.name) + "_slope", f.slopes_title);
  slopes.key = "top left";
  slopes.y_label = "dy/dx";
  for (double lambda : {0.5, 1.0, 2.0, 4.0}) {
    const arma::mat y = f.forward(x, lambda);
    s.show("lambda = " + number(lambda, 6) + ":  dy/dx", f.backward(y, arma::ones(1, 5), lambda));
    const arma::vec grid_y = f.forward(grid, lambda);
    values.add("lambda = " + number(lambda, 6), grid, grid_y);
    slopes.add("lambda = " + number(lambda, 6), grid, f.backward(grid_y, arma::ones(401), lambda));
  }
  s.plot(values);
  s.plot(slopes);
}

// ---- step 1: ReLU and its 0/1 mask --------------------------------------------------------------
const nn::lesson::StepText relu_mask_text{
    "ReLU on five values, and its backward: a 0/1 mask",
    "Five samples of one feature, x = [-0.5 -0.25 0 0.25 0.5] (1 x 5: one column per sample).\n"
    "ReLU keeps the positive ones. Backward with upstream ones shows the derivative itself:\n"
    "1 where the unit fired, 0 elsewhere. At exactly 0 the library chooses ReLU'(0) = 0.\n"
    "The module nn::ReLU only caches x and calls the same two functions."};

void relu_mask(Context& /*c*/, nn::lesson::Step& s) {
  s.needs({"relu_backward"});
  s.code("src/nn/activations.cpp", "relu-forward");
  s.code("src/nn/activations.cpp", "relu-backward");
  s.source("src/nn/activations.cpp", "relu-module");
  const arma::mat x = arma::linspace<arma::rowvec>(-0.5, 0.5, 5);  // (1 x 5)
  const arma::mat upstream = arma::ones(1, 5);                     // (1 x 5)
  s.show("x", x, 2);
  s.show("y = relu_forward(x)", nn::relu_forward(x), 2);
  s.show("gradInput = relu_backward(x, ones)", nn::relu_backward(x, upstream));
  nn::ReLU relu;
  relu.forward(x);
  s.show("the same through nn::ReLU: backward(ones)", relu.backward(upstream));

  const arma::vec grid = arma::linspace(-2, 2, 401);
  nn::plot::Lines figure("relu", "ReLU and its derivative");
  figure.key = "top left";
  figure.y_label = "y";
  figure.add("relu(x)", grid, nn::relu_forward(grid));
  figure.add("relu'(x) (a 0/1 mask)", grid, nn::relu_backward(grid, arma::ones(401)));
  s.plot(figure);
}

// ---- step 2: Leaky ReLU -------------------------------------------------------------------------
const nn::lesson::StepText leaky_relu_text{
    "Leaky ReLU: a small slope gamma below zero",
    "Below zero leaky ReLU keeps gamma x instead of 0, so its derivative there is gamma, not\n"
    "0: a unit that does not fire still passes a little gradient. gamma = 0.01, 0.05, 0.1."};

void leaky_relu(Context& /*c*/, nn::lesson::Step& s) {
  s.needs({"leaky_relu_backward"});
  s.code("src/nn/activations.cpp", "leaky-relu");
  const arma::mat x = {{-2.0, -0.5, 0.0, 0.5, 2.0}};  // (1 x 5)
  s.show("x", x, 2);
  const arma::vec grid = arma::linspace(-3, 3, 601);
  nn::plot::Lines values("leaky_relu", "Leaky ReLU for three slopes gamma");
  values.key = "top left";
  values.y_label = "y";
  nn::plot::Lines slopes("leaky_relu_slope", "Derivative of leaky ReLU: gamma below 0, 1 above");
  slopes.key = "top left";
  slopes.y_label = "dy/dx";
  for (double gamma : {0.01, 0.05, 0.1}) {
    s.show("gamma = " + number(gamma, 6) + ":  y", nn::leaky_relu_forward(x, gamma), 3);
    s.show("gamma = " + number(gamma, 6) + ":  dy/dx = leaky_relu_backward(x, ones)",
           nn::leaky_relu_backward(x, arma::ones(1, 5), gamma), 3);
    values.add("gamma = " + number(gamma, 6), grid, nn::leaky_relu_forward(grid, gamma));
    slopes.add("gamma = " + number(gamma, 6), grid,
               nn::leaky_relu_backward(grid, arma::ones(601), gamma));
  }
  s.plot(values);
  s.plot(slopes);
}

// ---- step 3: Sigmoid with slope lambda ----------------------------------------------------------
const nn::lesson::StepText sigmoid_with_slope_text{
    "Sigmoid with slope lambda",
    "sigmoid(lambda x) squashes x into (0, 1); lambda sets how steep. Its derivative,\n"
    "lambda y (1 - y), is computed from the cached output y and peaks at x = 0 with\n"
    "lambda / 4: 0.125, 0.25, 0.5, 1 for lambda = 0.5, 1, 2, 4."};

void sigmoid_with_slope(Context& /*c*/, nn::lesson::Step& s) {
  s.needs({"sigmoid_backward"});
  s.code("src/nn/activations.cpp", "sigmoid");
  show_slopes(s, {"sigmoid", "Sigmoid 1 / (1 + exp(-lambda x))",
                  "Derivative of the sigmoid: lambda y (1 - y)", nn::sigmoid_forward,
                  nn::sigmoid_backward});
}

// ---- step 4: Tanh with slope lambda -------------------------------------------------------------
const nn::lesson::StepText tanh_with_slope_text{
    "Tanh with slope lambda",
    "tanh(lambda x) squashes into (-1, 1) and is centred on 0 (the sigmoid is not: its\n"
    "outputs are all positive). Its derivative lambda (1 - y^2) peaks at x = 0 with lambda."};

void tanh_with_slope(Context& /*c*/, nn::lesson::Step& s) {
  s.needs({"tanh_backward"});
  s.code("src/nn/activations.cpp", "tanh");
  show_slopes(s, {"tanh", "Tanh: tanh(lambda x)", "Derivative of tanh: lambda (1 - y^2)",
                  nn::tanh_forward, nn::tanh_backward});
}

// ---- step 5: Saturation -------------------------------------------------------------------------
const nn::lesson::StepText saturation_text{
    "Saturation: large |x| passes almost no gradient",
    "Far from 0 the sigmoid and tanh are flat, so their derivative, and with it every\n"
    "gradient that has to pass through them, is nearly 0: the unit is saturated. The\n"
    "sigmoid passes at most 1/4 even at its best; ten sigmoid layers at most 4^-10 ~ 1e-6.\n"
    "ReLU passes 1 for any x > 0, however large."};

void saturation(Context& /*c*/, nn::lesson::Step& s) {
  s.needs({"relu_backward", "sigmoid_backward", "tanh_backward"});
  const arma::mat x = {{0.0, 2.0, 5.0, 10.0}};  // (1 x 4)
  const arma::mat ones = arma::ones(1, 4);
  const arma::mat sigmoid_slope = nn::sigmoid_backward(nn::sigmoid_forward(x, 1), ones, 1);
  const arma::mat tanh_slope = nn::tanh_backward(nn::tanh_forward(x, 1), ones, 1);
  const arma::mat relu_slope = nn::relu_backward(x, ones);
  std::ostringstream t;
  t << pad("x", 10) << pad("sigmoid'", 12) << pad("tanh'", 12) << "relu'\n";
  for (arma::uword i = 0; i < x.n_elem; ++i) {
    t << pad(number(x(i), 6), 10) << pad(scientific(sigmoid_slope(i)), 12) << pad(scientific(tanh_slope(i)), 12)
      << number(relu_slope(i), 6) << "\n";
  }
  s.say("lambda = 1:\n" + t.str());
  s.say("At x = 10 the tanh passes " + scientific(tanh_slope(3)) +
        " of the gradient: whatever the loss says, this unit's weights stay where they are.");
  const arma::vec grid = arma::linspace(0, 10, 201);
  nn::plot::Lines figure("saturation", "Saturation: the derivative far from 0 (lambda = 1)");
  figure.y_label = "dy/dx (log scale)";
  figure.log_y = true;
  figure.key = "bottom left";  // below 1e-7 at small x: no curve there
  figure.add("sigmoid'", grid,
             nn::sigmoid_backward(nn::sigmoid_forward(grid, 1), arma::ones(201), 1));
  figure.add("tanh'", grid, nn::tanh_backward(nn::tanh_forward(grid, 1), arma::ones(201), 1));
  figure.add("relu' (x > 0)", grid, arma::ones(201));
  s.plot(figure);
}

// ---- step 6: Dead ReLUs (1): a large negative bias ----------------------------------------------
const nn::lesson::StepText dead_from_bias_text{
    "Dead ReLUs (1): a large negative bias",
    "A Linear(20 -> 100) + ReLU on 500 random inputs in [0, 1] (pixels, or a ReLU layer's\n"
    "outputs: never negative). Shift every bias down: a unit whose W x + b <= 0 for all 500\n"
    "inputs outputs 0 on all of them, and its mask is 0 everywhere: no gradient reaches its\n"
    "weights, so nothing can ever pull it back. It is dead. A leaky unit never is: its slope\n"
    "below 0 is gamma, not 0."};

void dead_from_bias(Context& /*c*/, nn::lesson::Step& s) {
  s.needs({"relu_backward", "leaky_relu_backward"});
  s.code("src/nn/stats.cpp", "dead-units");
  const arma::mat x = positive_inputs();  // (20 x 500)
  nn::Linear layer(20, 100);
  const arma::vec shifts = arma::regspace<arma::vec>(0, -0.125, -1.5);
  arma::vec relu_dead(shifts.n_elem), leaky_dead(shifts.n_elem);
  std::ostringstream t;
  t << pad("bias shift", 12) << pad("dead ReLUs", 12) << "dead leaky ReLUs (gamma 0.1)\n";
  for (arma::uword i = 0; i < shifts.n_elem; ++i) {
    nn::Linear shifted = layer;
    shifted.bias += shifts(i);
    const arma::mat z = shifted.forward(x);  // (100 x 500)
    relu_dead(i) = nn::dead_relu_share(z);
    leaky_dead(i) = nn::dead_leaky_share(z, leaky_gamma);
    if (i % 2 == 0) {
      t << pad(number(shifts(i), 6), 12) << pad(fixed(relu_dead(i), 2), 12)
        << fixed(leaky_dead(i), 2) << "\n";
    }
  }
  s.say(t.str());
  s.say("Even unshifted, " + fixed(relu_dead(0), 2) +
        " of the units are dead from the start: "
        "with inputs that are all positive, a unit whose weights are mostly negative never "
        "fires.");
  nn::plot::Lines figure("dead_bias",
                         "Dead units of Linear(20 -> 100) on 500 inputs vs a bias shift");
  figure.x_label = "shift added to every bias";
  figure.y_label = "share of units with no gradient";
  figure.points = true;
  figure.add("ReLU", shifts, relu_dead);
  figure.add("leaky ReLU (gamma 0.1)", shifts, leaky_dead);
  s.plot(figure);
}

// ---- step 7: Dead ReLUs (2): one too-large step -------------------------------------------------
// The three runs of the copy experiment the step compares.
struct CopyRuns {
  nn::DeadUnitRun relu_normal;  // ReLU, lr 0.3 all along
  nn::DeadUnitRun relu_big;     // ReLU, first step lr 2
  nn::DeadUnitRun leaky_big;    // leaky ReLU (gamma 0.1), first step lr 2
};

// The share of dead (and, for leaky, silent) units after a few of the steps, as a table.
std::string dead_share_table(const CopyRuns& r, int steps) {
  std::ostringstream t;
  t << pad("after step", 12) << pad("ReLU, lr 0.3", 16) << pad("ReLU, first lr 2", 18)
    << "leaky (0.1), first lr 2\n"
    << pad("", 12) << pad("dead", 16) << pad("dead", 18) << "silent / no gradient\n";
  for (int k : {0, 1, 2, 5, 10, steps}) {
    if (k > steps) continue;
    t << pad(std::to_string(k), 12) << pad(fixed(r.relu_normal.no_gradient(k), 2), 16)
      << pad(fixed(r.relu_big.no_gradient(k), 2), 18) << fixed(r.leaky_big.silent(k), 2)
      << " / " << fixed(r.leaky_big.no_gradient(k), 2) << "\n";
    if (k == steps) break;
  }
  return t.str();
}

// The two figures: the share of dead units step by step, and the loss.
void plot_copy_runs(nn::lesson::Step& s, const CopyRuns& r, int steps) {
  const arma::vec t_axis = arma::regspace<arma::vec>(0, steps);
  nn::plot::Lines share("dead_steps", "Units that never fire on the data, step by step");
  share.key = "right center";
  share.x_label = "gradient step (step 0 -> 1 uses the first lr)";
  share.y_label = "share of the 100 units";
  share.add("ReLU, lr 0.3: dead", t_axis, r.relu_normal.no_gradient);
  share.add("ReLU, first step lr 2: dead", t_axis, r.relu_big.no_gradient);
  share.add("leaky, first step lr 2: silent", t_axis, r.leaky_big.silent);
  share.add("leaky, first step lr 2: no gradient", t_axis, r.leaky_big.no_gradient);
  s.plot(share);
  nn::plot::Lines loss("dead_loss", "Loss of the layer copying another: dead units cannot learn");
  loss.x_label = "gradient step";
  loss.y_label = "MSE (log scale)";
  loss.log_y = true;
  loss.add("ReLU, lr 0.3", t_axis, r.relu_normal.loss);
  loss.add("ReLU, first step lr 2", t_axis, r.relu_big.loss);
  loss.add("leaky, first step lr 2", t_axis, r.leaky_big.loss);
  s.plot(loss);
}

const nn::lesson::StepText dead_from_large_step_text{
    "Dead ReLUs (2): one too-large step",
    "The same layer learns to copy another, fixed Linear(20 -> 100) + ReLU on the same inputs\n"
    "(MSE), by gradient descent done by hand: w -= lr * grad. With lr = 0.3 all along, the\n"
    "units dead from the start stay dead and the others learn. Make the first step lr = 2:\n"
    "the overshoot pushes every weight of many units negative at once (the inputs are all\n"
    "positive, so each weight's gradient has the sign of the unit's error). Those units never\n"
    "fire again, however many steps follow. Leaky ReLU takes the same hit, but its silent\n"
    "units still get gamma of the gradient and climb back."};

void dead_from_large_step(Context& c, nn::lesson::Step& s) {
  s.needs({"Linear::backward", "relu_backward", "leaky_relu_backward"});
  s.code("src/nn/stats.cpp", "too-large-step");
  const int steps = c.lesson.quick() ? 30 : static_cast<int>(c.lesson.integer("--steps"));
  const std::uint64_t seed = c.lesson.seed();
  const CopyRuns r{nn::copy_a_layer(seed, 0, normal_lr, normal_lr, steps),
                   nn::copy_a_layer(seed, 0, large_lr, normal_lr, steps),
                   nn::copy_a_layer(seed, leaky_gamma, large_lr, normal_lr, steps)};
  s.say(dead_share_table(r, steps));
  s.say("One step at lr 2 killed " +
        fixed(r.relu_big.no_gradient(1) - r.relu_big.no_gradient(0), 2) + " of the units; " +
        fixed(r.relu_big.no_gradient(steps), 2) + " are dead after " + std::to_string(steps) +
        " steps, and the loss is stuck at " + fixed(r.relu_big.loss(steps), 3) + " (" +
        fixed(r.relu_normal.loss(steps), 3) +
        " without the big step). The leaky layer "
        "never has a unit without gradient; its silent units fell from " +
        fixed(r.leaky_big.silent(1), 2) + " to " + fixed(r.leaky_big.silent(steps), 2) +
        ", and its loss reached " + fixed(r.leaky_big.loss(steps), 3) + ".");
  plot_copy_runs(s, r, steps);
}

// ---- step 8: Gradient checks, and the kink at 0 -------------------------------------------------
// The centered difference of sum(relu(x)) at each x of `near`, with step h = 1e-5.
arma::vec relu_quotients(const arma::vec& near) {  // (near.n_elem)
  auto relu_sum = [](const arma::mat& v) { return arma::accu(nn::relu_forward(v)); };
  arma::vec quotient(near.n_elem);
  for (arma::uword i = 0; i < near.n_elem; ++i) {
    quotient(i) = nn::numeric_gradient(relu_sum, arma::mat{near(i)}, 1e-5)(0);
  }
  return quotient;
}

const nn::lesson::StepText check_activations_text{
    "Gradient checks of each activation, and the kink at 0",
    "Every activation against centered differences on a random 6 x 3 input (so no entry sits\n"
    "near 0). Then ReLU on the five values of step 1, one of which is exactly 0: nudged by\n"
    "+-h it is on both sides of the kink, the difference quotient gives (h - 0) / 2h = 0.5\n"
    "while backward says ReLU'(0) = 0. Nothing is wrong: the function has no derivative\n"
    "there. The checker notices the sign pattern change (kink_signature), reports near_kink\n"
    "and leaves that entry out instead of failing."};

void check_activations(Context& /*c*/, nn::lesson::Step& s) {
  s.needs({"numeric_gradient", "relu_backward", "leaky_relu_backward", "sigmoid_backward",
           "tanh_backward"});
  s.source("src/nn/gradcheck.cpp", "gradient-check");
  s.source("src/nn/activations.cpp", "relu-module");
  const arma::mat x = arma::randn<arma::mat>(6, 3);  // (6 x 3)
  const std::vector<std::unique_ptr<nn::Module>> modules = nn::lesson02_activations();
  for (auto& m : modules) {
    const nn::GradientCheck c = nn::gradient_check(*m, x)[0];
    s.say(pad(m->name(), 22) + pad(scientific(c.max_relative_error), 10) +
          band(c.max_relative_error) + (c.near_kink ? "  (near a kink)" : ""));
  }

  const arma::mat five = arma::linspace<arma::rowvec>(-0.5, 0.5, 5);  // (1 x 5)
  nn::ReLU relu;
  const nn::GradientCheck c = nn::gradient_check(relu, five)[0];
  s.say("\nReLU at x = [-0.5 -0.25 0 0.25 0.5]:\n  " + nn::describe(c) +
        "\n  near_kink = " + (c.near_kink ? "true" : "false"));
  auto relu_sum = [](const arma::mat& v) { return arma::accu(nn::relu_forward(v)); };
  const arma::mat numeric = nn::numeric_gradient(relu_sum, five);
  s.show("numeric dy/dx (h = 1e-5)", numeric, 2);
  s.show("backward    dy/dx", nn::relu_backward(five, arma::ones(1, 5)), 2);

  // Within h of the kink the difference quotient ramps from 0 to 1: (x + h) / 2h.
  const arma::vec near = arma::linspace(-3e-5, 3e-5, 241);
  nn::plot::Lines figure("kink", "ReLU near 0: the centered difference (h = 1e-5) vs backward");
  figure.key = "top left";
  figure.x_label = "x";
  figure.y_label = "dy/dx";
  figure.add("centered difference, h = 1e-5", near * 1.0, relu_quotients(near));
  figure.add("backward (ReLU'(0) = 0)", near, nn::relu_backward(near, arma::ones(near.n_elem)));
  s.plot(figure);
  s.say(
      "Any input within h = 1e-5 of 0 gets a wrong-looking numeric derivative. In a big "
      "network a few such entries are common, which is why 1e-4 can be acceptable there, "
      "and why the checker names them instead of loosening its tolerance.");
}

// ---- step 9: What to try next -------------------------------------------------------------------
const nn::lesson::StepText what_next_text{
    "What to try next",
    "Change the seed (--seed 3) and see how the share of dead units moves; try --steps 400."};

void what_next(Context& /*c*/, nn::lesson::Step& s) {
  s.say(
      "- Find the largest first-step learning rate that kills no unit (edit large_lr).\n"
      "- Center the inputs (x - 0.5): do units still die from one step? Why not?\n"
      "- Replace ReLU by Tanh(lambda = 4) in the copy experiment: what does saturation do\n"
      "  to the loss curve?");
  s.say(
      "Tests: tests/lessons/lesson02_activations_test.cpp (build/stepnet_tests \"[lesson02]\")\n"
      "Read:  docs/lesson02.md");
}

}  // namespace

// main: the lesson, its one option, the context, then the table of steps.
int main(int argc, char** argv) {
  nn::lesson::Lesson lesson(2, "ReLU and friends", argc, argv);
  lesson.option("--steps", "N", "gradient steps in the dead-ReLU experiment (step 7)", 100, 1);

  Context c{lesson};
  lesson.step(relu_mask_text, c, relu_mask);
  lesson.step(leaky_relu_text, c, leaky_relu);
  lesson.step(sigmoid_with_slope_text, c, sigmoid_with_slope);
  lesson.step(tanh_with_slope_text, c, tanh_with_slope);
  lesson.step(saturation_text, c, saturation);
  lesson.step(dead_from_bias_text, c, dead_from_bias);
  lesson.step(dead_from_large_step_text, c, dead_from_large_step);
  lesson.step(check_activations_text, c, check_activations);
  lesson.step(what_next_text, c, what_next);
  return lesson.run();
}
