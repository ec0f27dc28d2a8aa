// sequential.hpp -- modules applied one after the other.
//
// Contract
//   forward(x) = m_n(... m_2(m_1(x))); backward(G) runs the modules' backward in reverse order
//   and returns dL/dx. parameters() lists every module's parameters, named "3.weight" (index
//   of the module, then the parameter). A shape mismatch between neighbours is reported on
//   the first forward, naming both layers.
//   The modules run through the fast protocol (module.hpp): every layer's output and input
//   gradient lives in a buffer reused from step to step, so a training step allocates nothing
//   large. set_input_grad(false) passes to the first module: backward then returns an empty
//   matrix instead of dL/dx (nn::train does this while it trains; the input is data).
#pragma once

#include <memory>
#include <utility>

#include <functional>

#include "nn/module.hpp"

namespace nn {

class Sequential : public Module {
public:
  Sequential() = default;

  void add(std::unique_ptr<Module> module);
  template <typename T, typename... Args>
  T& emplace(Args&&... args) {
    auto module = std::make_unique<T>(std::forward<Args>(args)...);
    T& ref = *module;
    add(std::move(module));
    return ref;
  }

  arma::mat forward(const arma::mat& input) override;
  arma::mat backward(const arma::mat& grad_output) override;
  // The same backward, calling watch(i, dL/d(output of module i)) just before module i's
  // backward, last module first: how the trainer measures a layer's gradient without a copy
  // of this loop. The matrix lives in the net's buffers until the next backward.
  using BackwardWatch = std::function<void(std::size_t, const arma::mat&)>;
  const arma::mat& backward(const arma::mat& grad_output, const BackwardWatch& watch);
  std::vector<Parameter> parameters() override;
  std::string name() const override;
  arma::uvec kink_signature() const override;
  void set_training(bool training) override;
  bool training() const override { return training_; }
  void set_input_grad(bool needed) override;

  // Module i's backward on dL/d(its output), into a buffer kept for module i: dL/d(its input).
  // Sequential::backward is this for i = size()-1 down to 0; the trainer calls it layer by layer.
  const arma::mat& backward_step(std::size_t i, const arma::mat& grad_output);

  std::size_t size() const { return modules_.size(); }
  Module& operator[](std::size_t i);
  const Module& operator[](std::size_t i) const;

  // What each module returned in the last forward (index i = output of module i): lessons
  // read per-layer activation statistics from here.
  const std::vector<arma::mat>& outputs() const { return outputs_; }

private:
  std::vector<std::unique_ptr<Module>> modules_;
  std::vector<arma::mat> outputs_;
  std::vector<arma::mat> grads_;  // grads_[i] = dL/d(input of module i), the last backward
  bool training_ = true;          // the mode of the last set_training
};

}  // namespace nn
