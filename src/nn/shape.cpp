#include "nn/shape.hpp"

#include "nn/error.hpp"

namespace nn {

std::string dims(const Shape& shape) {
  return std::to_string(shape.channels) + "x" + std::to_string(shape.height) + "x" +
         std::to_string(shape.width);
}

std::string describe(const Shape& shape) {
  return dims(shape) + " (" + std::to_string(shape.size()) + " rows)";
}

std::string describe(const arma::mat& m) {
  return std::to_string(m.n_rows) + "x" + std::to_string(m.n_cols);
}

static void check_column(const arma::vec& column, const Shape& shape) {
  if (column.n_elem != shape.size())
    throw Error("as_cube: expected a column of " + describe(shape) + ", got " +
                std::to_string(column.n_elem) + " elements");
}

arma::cube as_cube(const arma::vec& column, const Shape& shape) {
  check_column(column, shape);
  // A copy: Armadillo has no read-only aliasing cube, and an alias of const memory would be
  // writable through the cube the caller gets. as_cube(arma::vec&) is the no-copy view.
  return arma::cube(column.memptr(), shape.height, shape.width, shape.channels);
}

arma::cube as_cube(arma::vec& column, const Shape& shape) {
  check_column(column, shape);
  return arma::cube(column.memptr(), shape.height, shape.width, shape.channels, false, true);
}

arma::vec flatten(const arma::cube& image) { return arma::vectorise(image); }

}  // namespace nn
