// sequential.hpp -- modules applied one after the other.
//
// Contract
//   forward(x) = m_n(... m_2(m_1(x))); backward(G) runs the modules' backward in reverse order
//   and returns dL/dx. parameters() lists every module's parameters, named "3.weight" (index
//   of the module, then the parameter). A shape mismatch between neighbours is reported on
//   the first forward, naming both layers.
#pragma once

#include <memory>
#include <utility>

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
  std::vector<Parameter> parameters() override;
  std::string name() const override;
  arma::uvec kink_signature() const override;
  void set_training(bool training) override;

  std::size_t size() const { return modules_.size(); }
  Module& operator[](std::size_t i);
  const Module& operator[](std::size_t i) const;

  // What each module returned in the last forward (index i = output of module i): lessons
  // read per-layer activation statistics from here.
  const std::vector<arma::mat>& outputs() const { return outputs_; }

private:
  std::vector<std::unique_ptr<Module>> modules_;
  std::vector<arma::mat> outputs_;
};

}  // namespace nn
