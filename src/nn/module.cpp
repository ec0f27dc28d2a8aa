#include "nn/module.hpp"

#include "nn/shape.hpp"

namespace nn {

void Module::zero_grad() {
  for (Parameter& p : parameters()) p.grad->zeros(p.value->n_rows, p.value->n_cols);
}

void check_rows(const std::string& where, const arma::mat& input, arma::uword expected_rows,
                const std::string& what) {
  if (input.n_rows != expected_rows || input.n_cols == 0)
    throw Error(where + ": expected input " + what + " (" + std::to_string(expected_rows) +
                " rows x batch), got " + describe(input));
}

void check_grad(const std::string& where, bool has_forward, const arma::mat& grad_output,
                arma::uword expected_rows, arma::uword expected_cols) {
  if (!has_forward) throw Error(where + ": backward called before forward");
  if (grad_output.n_rows != expected_rows || grad_output.n_cols != expected_cols)
    throw Error(where + ": expected grad_output " + std::to_string(expected_rows) + "x" +
                std::to_string(expected_cols) + " (the shape of the last output), got " +
                describe(grad_output));
}

}  // namespace nn
