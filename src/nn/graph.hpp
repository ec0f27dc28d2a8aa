// graph.hpp -- a scalar computational graph, small enough to follow by hand (lesson 1).
//
// Nodes are created in topological order (inputs first); forward() recomputes every value in
// that order, backward(out) sets d out/d out = 1 and walks the nodes in reverse, each node
// passing its gradient to its inputs times the local derivative:
//   add     c = a + b   ->  da += dc,        db += dc
//   mul     c = a * b   ->  da += b * dc,    db += a * dc
//   square  c = a^2     ->  da += 2 a * dc
// Gradients add up (+=) where a node feeds several others: the chain rule's sum over paths.
#pragma once

#include <string>
#include <vector>

namespace nn {
namespace graph {

struct Node {
  std::string name;
  std::string op;           // "input", "add", "mul", "square"
  std::vector<int> inputs;  // indices of the nodes it reads
  double value = 0;         // forward value
  double grad = 0;          // d output / d this node, after backward
};

class Graph {
public:
  int input(const std::string& name, double value);
  int add(const std::string& name, int a, int b);
  int mul(const std::string& name, int a, int b);
  int square(const std::string& name, int a);

  void forward();               // recompute every value from the inputs
  void backward(int output);    // fill every node's grad with d output / d node
  Node& operator[](int i);
  const Node& operator[](int i) const;
  int find(const std::string& name) const;
  const std::vector<Node>& nodes() const { return nodes_; }

private:
  int push(Node node);
  std::vector<Node> nodes_;
};

// The lesson's exercise: f = (w0 + w1 x1 + w2 x2)^2, nodes w0 w1 x1 w2 x2 w1x1 w2x2 s1 s f.
Graph lesson1_graph(double w0, double w1, double x1, double w2, double x2);

}  // namespace graph
}  // namespace nn
