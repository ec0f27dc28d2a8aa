#include "nn/sequential.hpp"

#include "nn/shape.hpp"

namespace nn {

void Sequential::add(std::unique_ptr<Module> module) {
  if (!module) throw Error("Sequential::add: got a null module");
  if (modules_.empty()) module->set_input_grad(input_grad_);
  modules_.push_back(std::move(module));
}

void Sequential::set_input_grad(bool needed) {
  input_grad_ = needed;
  if (!modules_.empty()) modules_[0]->set_input_grad(needed);
}

Module& Sequential::operator[](std::size_t i) {
  if (i >= modules_.size())
    throw Error("Sequential: index " + std::to_string(i) + " out of range (size " +
                std::to_string(modules_.size()) + ")");
  return *modules_[i];
}

const Module& Sequential::operator[](std::size_t i) const {
  return const_cast<Sequential&>(*this)[i];
}

std::string Sequential::name() const {
  std::string s = "Sequential(";
  for (std::size_t i = 0; i < modules_.size(); ++i)
    s += (i ? ", " : "") + modules_[i]->name();
  return s + ")";
}

arma::mat Sequential::forward(const arma::mat& input) {
  if (modules_.empty()) throw Error("Sequential::forward: the network has no modules");
  outputs_.resize(modules_.size());
  for (std::size_t i = 0; i < modules_.size(); ++i) {
    const arma::mat& x = i == 0 ? input : outputs_[i - 1];
    try {
      modules_[i]->forward_into(x, outputs_[i], i > 0);  // outputs_[i-1] stays until the next forward
    } catch (const Unwritten&) {
      throw;  // an exercise still to write, not a mistake: the runner skips the step
    } catch (const Error& e) {
      if (i == 0) throw;
      // Say which layer failed and what fed it; the layer's own message says what was wrong
      // (a shape that does not fit, or anything else), so no cause is guessed here.
      throw Error("Sequential: layer " + std::to_string(i) + " " + modules_[i]->name() +
                  " (its input: the " + describe(x) + " output of layer " + std::to_string(i - 1) +
                  " " + modules_[i - 1]->name() + "): " + e.what());
    }
  }
  return outputs_.back();
}

arma::mat Sequential::backward(const arma::mat& grad_output) {
  return backward(grad_output, nullptr);
}

const arma::mat& Sequential::backward(const arma::mat& grad_output, const BackwardWatch& watch) {
  if (outputs_.empty()) throw Error("Sequential::backward: backward called before forward");
  const arma::mat* grad = &grad_output;
  for (std::size_t i = modules_.size(); i-- > 0;) {
    if (watch) watch(i, *grad);
    grad = &backward_step(i, *grad);
  }
  return *grad;
}

const arma::mat& Sequential::backward_step(std::size_t i, const arma::mat& grad_output) {
  if (outputs_.size() != modules_.size())
    throw Error("Sequential::backward: backward called before forward");
  grads_.resize(modules_.size());
  (*this)[i].backward_into(grad_output, grads_[i]);
  return grads_[i];
}

std::vector<Parameter> Sequential::parameters() {
  std::vector<Parameter> all;
  for (std::size_t i = 0; i < modules_.size(); ++i)
    for (Parameter p : modules_[i]->parameters()) {
      p.name = std::to_string(i) + "." + p.name;
      all.push_back(p);
    }
  return all;
}

arma::uvec Sequential::kink_signature() const {
  arma::uvec all;
  for (const auto& m : modules_) all = arma::join_cols(all, m->kink_signature());
  return all;
}

void Sequential::set_training(bool training) {
  training_ = training;
  for (auto& m : modules_) m->set_training(training);
}

}  // namespace nn
