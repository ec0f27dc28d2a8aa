#include "nn/graph.hpp"

#include "nn/error.hpp"

namespace nn {
namespace graph {

int Graph::push(Node node) {
  for (int in : node.inputs)
    if (in < 0 || in >= static_cast<int>(nodes_.size()))
      throw Error("graph: node '" + node.name + "' reads node " + std::to_string(in) +
                  ", which does not exist yet (nodes are created inputs first)");
  nodes_.push_back(std::move(node));
  forward();
  return static_cast<int>(nodes_.size()) - 1;
}

int Graph::input(const std::string& name, double value) {
  Node n{name, "input", {}, value, 0};
  return push(n);
}
int Graph::add(const std::string& name, int a, int b) { return push({name, "add", {a, b}}); }
int Graph::mul(const std::string& name, int a, int b) { return push({name, "mul", {a, b}}); }
int Graph::square(const std::string& name, int a) { return push({name, "square", {a}}); }

Node& Graph::operator[](int i) {
  if (i < 0 || i >= static_cast<int>(nodes_.size()))
    throw Error("graph: no node " + std::to_string(i));
  return nodes_[i];
}
const Node& Graph::operator[](int i) const { return const_cast<Graph&>(*this)[i]; }

int Graph::find(const std::string& name) const {
  for (std::size_t i = 0; i < nodes_.size(); ++i)
    if (nodes_[i].name == name) return static_cast<int>(i);
  throw Error("graph: no node named '" + name + "'");
}

// [snippet graph-forward]
void Graph::forward() {
  for (Node& n : nodes_) {
    if (n.op == "add") n.value = nodes_[n.inputs[0]].value + nodes_[n.inputs[1]].value;
    if (n.op == "mul") n.value = nodes_[n.inputs[0]].value * nodes_[n.inputs[1]].value;
    if (n.op == "square") n.value = nodes_[n.inputs[0]].value * nodes_[n.inputs[0]].value;
  }
}
// [/snippet]

// [snippet graph-backward]
void Graph::backward(int output) {
  for (Node& n : nodes_) n.grad = 0;
  (*this)[output].grad = 1;  // d output / d output
  for (int i = output; i >= 0; --i) {
    const Node& n = nodes_[i];
    if (n.op == "add") {  // local derivative 1 on both sides
      nodes_[n.inputs[0]].grad += n.grad;
      nodes_[n.inputs[1]].grad += n.grad;
    } else if (n.op == "mul") {  // local derivative: the other factor
      Node& a = nodes_[n.inputs[0]];
      Node& b = nodes_[n.inputs[1]];
      a.grad += b.value * n.grad;
      b.grad += a.value * n.grad;
    } else if (n.op == "square") {  // local derivative 2a
      Node& a = nodes_[n.inputs[0]];
      a.grad += 2 * a.value * n.grad;
    }
  }
}
// [/snippet]

// [snippet lesson1-graph]
Graph lesson1_graph(double w0, double w1, double x1, double w2, double x2) {
  Graph g;
  const int n_w0 = g.input("w0", w0), n_w1 = g.input("w1", w1), n_x1 = g.input("x1", x1);
  const int n_w2 = g.input("w2", w2), n_x2 = g.input("x2", x2);
  const int p1 = g.mul("w1*x1", n_w1, n_x1);
  const int p2 = g.mul("w2*x2", n_w2, n_x2);
  const int s1 = g.add("w0+w1*x1", n_w0, p1);
  const int s = g.add("s", s1, p2);
  g.square("f", s);
  return g;
}
// [/snippet]

}  // namespace graph
}  // namespace nn
