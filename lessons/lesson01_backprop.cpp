// lesson01_backprop.cpp -- backpropagation by hand, and how to check it.
//
// What you will learn
//   - how a computational graph computes f forward and every df/dnode backward, one local
//     derivative at a time (the chain rule, as a walk through the nodes in reverse);
//   - the three local derivatives everything here is made of: x^2 -> 2x, a*x -> a, c+x -> 1;
//   - the same for a Linear layer, Y = W X + b, with matrices instead of numbers;
//   - how to check any backward with centered differences, why h = 1e-5 in double, and how
//     to read the relative error (< 1e-7 good, ~1e-4 only near kinks, > 1e-2 wrong).
//
// The math
//   f = (w0 + w1 x1 + w2 x2)^2   at w0 = -3, w1 = 2, x1 = -2, w2 = -2, x2 = -1
//   forward:   w1 x1 = -4,  w2 x2 = 2,  s = w0 + w1 x1 + w2 x2 = -5,  f = s^2 = 25
//   backward:  df/ds = 2s = -10; an add passes it on unchanged (local derivative 1); a mul
//              passes it times the other factor:  df/dw1 = x1 df/d(w1 x1) = (-2)(-10) = 20.
//   Linear:    Y = W X + b;  with G = dL/dY:  dL/dX = W' G,  dL/dW = G X',  dL/db = sum_cols G.
//   Check:     dL/dx_i ~ (L(x + h e_i) - L(x - h e_i)) / 2h, error O(h^2) from the Taylor
//              series plus ~eps/h of round-off; relative error |a - n| / max(|a|, |n|).
#include <cmath>
#include <cstdio>
#include <functional>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

#include "course/lesson.hpp"
#include "nn/backprop_example.hpp"
#include "nn/nn.hpp"

namespace {

using nn::util::number;
using nn::util::pad;
using nn::util::scientific;

// ---- printing helpers (display only: the math is the library's) ---------------------------

// The local derivative(s) of a node, with the numbers of this graph filled in.
std::string local_derivatives(const nn::graph::Graph& g, const nn::graph::Node& n) {
  auto d = [](const std::string& name) {  // "d/dw1", "d/d(w1*x1)"
    return name.find_first_of("*+") == std::string::npos ? "d/d" + name : "d/d(" + name + ")";
  };
  if (n.op == "add") return d(g[n.inputs[0]].name) + " = 1,  " + d(g[n.inputs[1]].name) + " = 1";
  if (n.op == "mul") {
    const auto& a = g[n.inputs[0]];
    const auto& b = g[n.inputs[1]];
    return d(a.name) + " = " + b.name + " = " + number(b.value, 6) + ",  " + d(b.name) + " = " + a.name +
           " = " + number(a.value, 6);
  }
  if (n.op == "square") {
    const auto& a = g[n.inputs[0]];
    return d(a.name) + " = 2 " + a.name + " = " + number(2 * a.value, 6);
  }
  return "";
}

// Every node of the graph as a row: name, op, inputs, value (and grad, local derivatives).
std::string node_table(const nn::graph::Graph& g, bool backward) {
  std::ostringstream t;
  t << pad("#", 3) << pad("node", 10) << pad("op", 8) << pad("inputs", 16) << pad("value", 7);
  if (backward) t << pad("grad", 7) << "local derivatives";
  t << "\n";
  for (std::size_t i = 0; i < g.nodes().size(); ++i) {
    const nn::graph::Node& n = g.nodes()[i];
    std::string inputs;
    for (int in : n.inputs) inputs += (inputs.empty() ? "" : ", ") + g[in].name;
    t << pad(std::to_string(i), 3) << pad(n.name, 10) << pad(n.op, 8) << pad(inputs, 16)
      << pad(number(n.value, 6), 7);
    if (backward) t << pad(number(n.grad, 6), 7) << local_derivatives(g, n);
    t << "\n";
  }
  return t.str();
}

// f as a function of its five inputs (w0 w1 x1 w2 x2), for the numeric check.
double f_of(const arma::mat& v) {
  const nn::graph::Graph g = nn::graph::lesson1_graph(v[0], v[1], v[2], v[3], v[4]);
  return g[g.find("f")].value;
}

// ---- the small Linear example: src/nn/backprop_example.hpp (the test asserts the same) -------
using nn::backprop_example::example_bias;
using nn::backprop_example::example_grad;
using nn::backprop_example::example_input;
using nn::backprop_example::example_linear;
using nn::backprop_example::example_weight;
using nn::backprop_example::ScaledLinear;

// ---- the h sweep ---------------------------------------------------------------------------
// L(x) = sum(G % tanh(W x + b)) with the example's W, b, G: a function that curves (the graph's
// f is a quadratic, for which centered differences are exact). Its gradient with respect to
// the input, by the library's backward, against centered differences with step h, with L in
// double (the library) and in float (nn::backprop_example::loss_in_float).
struct Sweep {
  arma::vec h;             // (n) steps, 1e-1 down to 1e-12
  arma::vec error_double;  // (n) relative error of the numeric gradient, L in double
  arma::vec error_float;   // (n) the same with L evaluated in float
};

// [snippet h-sweep]
Sweep h_sweep(arma::uword points_per_decade) {
  nn::Sequential net = nn::backprop_example::example_tanh_net();  // Linear(3 -> 2), Tanh
  net.forward(example_input);
  const arma::mat analytic = net.backward(example_grad);  // (3 x 2) dL/dX, the exact answer
  auto loss = [&](const arma::mat& x) { return arma::accu(example_grad % net.forward(x)); };

  Sweep s;
  const arma::uword n = 11 * points_per_decade + 1;
  s.h = arma::exp10(arma::linspace<arma::vec>(-1, -12, n));
  s.error_double.set_size(n);
  s.error_float.set_size(n);
  for (arma::uword i = 0; i < n; ++i) {
    const arma::mat numeric = nn::numeric_gradient(loss, example_input, s.h(i));  // (3 x 2)
    const arma::mat numeric_float = nn::numeric_gradient(nn::backprop_example::loss_in_float,
                                                           example_input, s.h(i));
    s.error_double(i) = nn::relative_error(analytic, numeric);
    s.error_float(i) = nn::relative_error(analytic, numeric_float);
  }
  return s;
}
// [/snippet]

// The sweep's errors at the step nearest h.
double at(const Sweep& s, double h) {
  return s.error_double(arma::abs(arma::log10(s.h) - std::log10(h)).index_min());
}
double at_float(const Sweep& s, double h) {
  return s.error_float(arma::abs(arma::log10(s.h) - std::log10(h)).index_min());
}

// ---- deliberately wrong backwards -----------------------------------------------------------
// ScaledLinear (src/nn/backprop_example.hpp) adds factor x dL/dW. Another classic: "=" where
// backward must "+=" (the checker pre-fills the grads to catch it).
struct OverwritingLinear : nn::Linear {
  OverwritingLinear() : nn::Linear(3, 2) {
    weight = example_weight;
    bias = example_bias;
  }
  arma::mat backward(const arma::mat& grad_output) override {
    grad_weight.zeros();
    grad_bias.zeros();
    return nn::Linear::backward(grad_output);
  }
};

std::string band(double relative_error) {
  if (relative_error < 1e-7) return "good";
  if (relative_error < 1e-2) return "suspect: fine only next to a kink";
  return "wrong";
}

// ---- what the steps share ------------------------------------------------------------------
// The lesson and its options; every step builds its small example itself (nn::seed(seed) runs
// before each one, so --step K shows what a full run shows).
struct Context {
  nn::lesson::Lesson& lesson;
};

// ---- step 1: The graph, forward -----------------------------------------------------------------
const nn::lesson::StepText graph_forward_text{
    "The graph of f = (w0 + w1 x1 + w2 x2)^2, forward",
    "A computational graph breaks f into nodes that each do one thing: a product, a sum, a\n"
    "square. Nodes are created inputs first, so one pass in creation order computes every\n"
    "value from values already known. At w0 = -3, w1 = 2, x1 = -2, w2 = -2, x2 = -1:\n"
    "w1 x1 = -4, w2 x2 = 2, s = -3 - 4 + 2 = -5 and f = 25."};

void graph_forward(Context& /*c*/, nn::lesson::Step& s) {
  s.code("src/nn/graph.cpp", "lesson1-graph");
  s.code("src/nn/graph.cpp", "graph-forward");
  const nn::graph::Graph g = nn::graph::lesson1_graph(-3, 2, -2, -2, -1);
  s.say("\n" + node_table(g, false));
}

// ---- step 2: Backward, one node at a time -------------------------------------------------------
const nn::lesson::StepText graph_backward_text{
    "Backward: the chain rule, one node at a time",
    "backward(f) sets df/df = 1 and walks the nodes in reverse. Each node hands its gradient\n"
    "to its inputs times its local derivative, and only three are needed here:\n"
    "  square  c = a^2  ->  dc/da = 2a       (df/ds = 2s = -10)\n"
    "  mul     c = a*x  ->  dc/dx = a        (the other factor: df/dw1 = x1 * (-10) = 20)\n"
    "  add     c = a+x  ->  dc/dx = 1        (the gradient passes through unchanged)\n"
    "A node read by several others adds up what each sends back (+=): the sum over paths."};

void graph_backward(Context& /*c*/, nn::lesson::Step& s) {
  s.code("src/nn/graph.cpp", "graph-backward");
  nn::graph::Graph g = nn::graph::lesson1_graph(-3, 2, -2, -2, -1);
  g.backward(g.find("f"));
  s.say("\n" + node_table(g, true));
  s.say("So df/dw0 = -10, df/dw1 = 20, df/dx1 = -20, df/dw2 = 10, df/dx2 = 20.");
}

// ---- step 3: Check it numerically ---------------------------------------------------------------
const nn::lesson::StepText numeric_check_text{
    "Check it numerically: centered differences",
    "Nudge one input by +-h, run the graph forward twice, and divide the change of f by 2h.\n"
    "No calculus involved, so it catches mistakes in the backward. nn::relative_error takes\n"
    "the worst entry of |a - n| / max(|a|, |n|): a scale-free number, unlike |a - n|."};

void numeric_check(Context& /*c*/, nn::lesson::Step& s) {
  s.needs({"numeric_gradient"});
  s.code("src/nn/gradcheck.cpp", "numeric-gradient");
  s.source("src/nn/gradcheck.cpp", "relative-error");
  nn::graph::Graph g = nn::graph::lesson1_graph(-3, 2, -2, -2, -1);
  g.backward(g.find("f"));
  const arma::mat inputs = {-3, 2, -2, -2, -1};  // (1 x 5): w0 w1 x1 w2 x2
  arma::mat analytic(1, 5);                      // (1 x 5)
  const char* names[] = {"w0", "w1", "x1", "w2", "x2"};
  for (int i = 0; i < 5; ++i) analytic(i) = g[g.find(names[i])].grad;
  const arma::mat numeric = nn::numeric_gradient(f_of, inputs, 1e-5);  // (1 x 5)
  s.show("backward (columns w0 w1 x1 w2 x2)", analytic);
  s.show("centered differences, h = 1e-5", numeric, 8);
  s.say("relative error = " + scientific(nn::relative_error(analytic, numeric)) + ": good.");
  const arma::mat coarse = nn::numeric_gradient(f_of, inputs, 0.1);
  s.say("Even h = 0.1 gives " + scientific(nn::relative_error(analytic, coarse)) +
        ": f is a quadratic in each input, and for a quadratic the centered difference is "
        "exact (its error term h^2 f\'\'\'/6 has f\'\'\' = 0). What is left is round-off. "
        "Step 6 takes a function that curves.");
}

// ---- step 4: A Linear layer ---------------------------------------------------------------------
const nn::lesson::StepText linear_layer_text{
    "A Linear layer, forward and backward",
    "The same chain rule with matrices. A batch is one column per sample, so Y = W X + b reads\n"
    "as the math does. Given G = dL/dY from the layer above, each entry of W touches every\n"
    "sample, and its gradient sums over them: dL/dW = G X'. dL/dX = W' G goes on down;\n"
    "dL/db sums G over the batch. backward ADDS into grad_weight and grad_bias."};

void linear_layer(Context& /*c*/, nn::lesson::Step& s) {
  s.needs({"Linear::backward"});
  s.code("src/nn/backprop_example.hpp", "linear-example");
  s.code("src/nn/linear.cpp", "linear-forward");
  s.code("src/nn/linear.cpp", "linear-backward");
  nn::Linear linear = example_linear();
  const arma::mat output = linear.forward(example_input);  // (2 x 2)
  s.show("W (out x in)", linear.weight);
  s.show("b", linear.bias);
  s.show("X (in x batch)", example_input);
  s.show("Y = W X + b", output);
  const arma::mat grad_input = linear.backward(example_grad);  // (3 x 2)
  s.show("G = dL/dY", example_grad);
  s.show("dL/dX = W' G", grad_input);
  s.show("dL/dW = G X'", linear.grad_weight);
  s.show("dL/db = G summed over the batch", linear.grad_bias);
}

// ---- step 5: The gradient check of the Linear layer ---------------------------------------------
const nn::lesson::StepText linear_gradient_check_text{
    "The gradient check of the Linear layer",
    "nn::gradient_check makes a scalar out of any module, L = sum(G % forward(x)) with a\n"
    "random G (so no entry is checked vacuously), and compares backward with centered\n"
    "differences for the input and every parameter. It pre-fills the parameter grads with\n"
    "noise first, so a backward that overwrites instead of adding fails."};

void linear_gradient_check(Context& /*c*/, nn::lesson::Step& s) {
  s.needs({"Linear::backward"});
  s.source("src/nn/gradcheck.cpp", "gradient-check");
  nn::Linear linear = example_linear();
  for (const nn::GradientCheck& c : nn::gradient_check(linear, example_input)) {
    s.say(nn::describe(c) + "  -> " + band(c.max_relative_error));
  }
}

// ---- step 6: Why h = 1e-5, and why double -------------------------------------------------------
// The sweep at whole decades of h, one row each: h, the error in double, the error in float.
std::string sweep_table(const Sweep& sweep) {
  std::ostringstream t;
  t << pad("h", 10) << pad("double", 12) << "float\n";
  for (arma::uword i = 0; i < sweep.h.n_elem; ++i) {
    if (std::abs(std::log10(sweep.h(i)) - std::round(std::log10(sweep.h(i)))) > 1e-9) continue;
    t << pad(scientific(sweep.h(i)), 10) << pad(scientific(sweep.error_double(i)), 12)
      << scientific(sweep.error_float(i)) << "\n";
  }
  return t.str();
}

// Both curves of the sweep on log-log axes, with the two guides they follow.
nn::plot::Lines sweep_figure(const Sweep& sweep) {
  nn::plot::Lines figure("h_sweep", "Centered differences: truncation (h^2) vs round-off (eps/h)");
  figure.x_label = "step h";
  figure.y_label = "relative error of the numeric gradient";
  figure.log_x = figure.log_y = true;
  figure.points = true;
  figure.add("L in double", sweep.h, sweep.error_double);
  figure.add("L in float", sweep.h, sweep.error_float);
  // Guides: truncation c h^2 (a tenth of the double curve at h = 1e-2, so both show);
  // round-off eps / h.
  const arma::vec large_h = arma::exp10(arma::linspace<arma::vec>(-1, -4, 4));
  const arma::vec small_h = arma::exp10(arma::linspace<arma::vec>(-6, -12, 7));
  figure.add("truncation ~ h^2 (x 0.1)", large_h,
             0.1 * at(sweep, 1e-2) / 1e-4 * arma::square(large_h));
  figure.add("round-off ~ eps/h", small_h, 1.1e-16 / small_h);
  return figure;
}

const nn::lesson::StepText why_h_text{
    "Why h = 1e-5, and why double",
    "The centered difference is off by h^2 f'''/6 (Taylor), so a large h is inaccurate. But\n"
    "f(x+h) - f(x-h) loses digits: each f carries a round-off of ~eps |f| (eps = 1.1e-16 in\n"
    "double, 6e-8 in float), and dividing by 2h blows it up as eps/h. The total, h^2 + eps/h,\n"
    "is smallest near h = eps^(1/3): 5e-6 in double, 4e-3 in float. Here L = sum(G % tanh(W X\n"
    "+ b)) with the example's numbers, its dL/dX from backward against centered differences."};

void why_h(Context& c, nn::lesson::Step& s) {
  s.needs({"numeric_gradient", "Linear::backward", "tanh_backward"});
  s.code("lessons/lesson01_backprop.cpp", "h-sweep");
  const Sweep sweep = h_sweep(c.lesson.quick() ? 1 : 4);
  s.say("relative error of the numeric gradient:\n" + sweep_table(sweep));
  const arma::uword best_float = sweep.error_float.index_min();
  s.say("In double, h = 1e-5 (the library's default) sits at the bottom of the V: " +
        scientific(at(sweep, 1e-5)) +
        ". For smaller h round-off grows as 1/h, for larger h "
        "truncation as h^2. In float the best is " +
        scientific(sweep.error_float(best_float)) + " at h = " + scientific(sweep.h(best_float)) +
        ", and at h = 1e-5 it is " + scientific(at_float(sweep, 1e-5)) +
        ": a correct backward would look broken. Below h ~ 1e-7, x +- h rounds back to x in "
        "float (its spacing near 1 is 1.2e-7): the difference is 0 and the error 1.");
  s.plot(sweep_figure(sweep));
}

// ---- step 7: Reading the relative error: three bands --------------------------------------------
const nn::lesson::StepText three_bands_text{
    "Reading the relative error: three bands",
    "< 1e-7: good. Between 1e-7 and 1e-2: suspect; about 1e-4 is expected only where an input\n"
    "sits within h of a kink (ReLU at 0, a max-pool tie: lesson 2), otherwise look for a bug.\n"
    "> 1e-2: the backward is wrong. Below, the example layer with bugs of growing size: its\n"
    "backward adds factor x dL/dW instead of dL/dW, or overwrites its grads (= for +=)."};

void three_bands(Context& /*c*/, nn::lesson::Step& s) {
  s.needs({"Linear::backward"});
  s.code("src/nn/backprop_example.hpp", "scaled-linear");
  nn::plot::Bars figure("bands", "Relative error of dL/dW: good < 1e-7 < suspect < 1e-2 < wrong");
  figure.y_label = "max relative error of the weight gradient";
  figure.log_y = true;
  figure.levels = {{1e-7, "1e-7: good below, suspect above"}, {1e-2, "1e-2: wrong above"}};
  // One row and one bar per layer: its weight gradient's check (gradient_check's entry 1).
  auto report = [&](const std::string& label, nn::Linear& layer) {
    const nn::GradientCheck weight = nn::gradient_check(layer, example_input)[1];
    s.say(pad(label, 18) + pad(scientific(weight.max_relative_error), 10) +
          band(weight.max_relative_error));
    figure.add(label, weight.max_relative_error);
  };
  const std::vector<std::pair<std::string, double>> factors = {{"correct", 1.0},
                                                               {"factor 1 + 1e-6", 1.0 + 1e-6},
                                                               {"factor 1 + 1e-3", 1.0 + 1e-3},
                                                               {"factor 0.5", 0.5}};
  for (const auto& [label, factor] : factors) {
    ScaledLinear layer(factor);
    report(label, layer);
  }
  OverwritingLinear overwriting;
  report("= instead of +=", overwriting);
  s.plot(figure);
  s.say(
      "A tolerance is a band, not a pass mark: loosening it until a test passes hides\n"
      "exactly the bugs in the middle rows.");
}

// ---- step 8: What to try next -------------------------------------------------------------------
const nn::lesson::StepText what_next_text{
    "What to try next",
    "Change the graph's inputs and predict every gradient before you run backward. Then\n"
    "break linear_backward on purpose (drop the transpose in W' G, or sum b over the wrong\n"
    "dimension) and watch which check fails, and in which band."};

void what_next(Context& /*c*/, nn::lesson::Step& s) {
  s.say(
      "- Add a node to the graph: f = (w0 + w1 x1 + w2 x2)^2 + w1. Which gradients change?\n"
      "- Run step 6 with a function that has a kink (relu instead of tanh): what does the\n"
      "  sweep look like when an input sits at 3e-6?\n"
      "- Find the largest h for which the check of step 5 still passes below 1e-7.");
  s.say(
      "Tests: tests/lessons/lesson01_backprop_test.cpp (build/stepnet_tests \"[lesson01]\")\n"
      "Read:  docs/lesson01.md");
}

}  // namespace

// main: the lesson, the context, then the table of steps.
int main(int argc, char** argv) {
  nn::lesson::Lesson lesson(1, "Backprop by hand, and how to check it", argc, argv);

  Context c{lesson};
  lesson.step(graph_forward_text, c, graph_forward);
  lesson.step(graph_backward_text, c, graph_backward);
  lesson.step(numeric_check_text, c, numeric_check);
  lesson.step(linear_layer_text, c, linear_layer);
  lesson.step(linear_gradient_check_text, c, linear_gradient_check);
  lesson.step(why_h_text, c, why_h);
  lesson.step(three_bands_text, c, three_bands);
  lesson.step(what_next_text, c, what_next);
  return lesson.run();
}
