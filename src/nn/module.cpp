#include "nn/module.hpp"

#include "nn/shape.hpp"

namespace nn {

void Module::zero_grad() {
  for (Parameter& p : parameters()) p.grad->zeros(p.value->n_rows, p.value->n_cols);
}

static bool rows_fit(const arma::mat& input, arma::uword expected_rows) {
  return input.n_rows == expected_rows && input.n_cols > 0;
}

static bool grad_fits(bool has_forward, const arma::mat& grad_output, arma::uword expected_rows,
                      arma::uword expected_cols) {
  return has_forward && grad_output.n_rows == expected_rows && grad_output.n_cols == expected_cols;
}

void check_rows(const std::string& where, const arma::mat& input, arma::uword expected_rows,
                const std::string& what) {
  if (!rows_fit(input, expected_rows))
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

static std::string place(const Module& module, const char* method) {
  return module.name() + "::" + method;
}

void check_rows(const Module& module, const char* method, const arma::mat& input,
                arma::uword expected_rows, const std::string& what) {
  if (!rows_fit(input, expected_rows))
    check_rows(place(module, method), input, expected_rows, what);
}

void check_grad(const Module& module, const char* method, bool has_forward,
                const arma::mat& grad_output, arma::uword expected_rows, arma::uword expected_cols) {
  if (!grad_fits(has_forward, grad_output, expected_rows, expected_cols))
    check_grad(place(module, method), has_forward, grad_output, expected_rows, expected_cols);
}

}  // namespace nn
