// shape.hpp -- image columns and their (channels, height, width) shape.
//
// An image column is the column-major flattening of an arma::cube(height, width, channels):
// element (row r, col c, channel k) sits at index k*H*W + c*H + r.
// height = n_rows, width = n_cols, channels = n_slices: never swapped.
#pragma once

#include <armadillo>
#include <string>

namespace nn {

struct Shape {
  arma::uword channels = 1, height = 1, width = 1;
  arma::uword size() const { return channels * height * width; }  // rows of an image column
};

inline bool operator==(const Shape& a, const Shape& b) {
  return a.channels == b.channels && a.height == b.height && a.width == b.width;
}
inline bool operator!=(const Shape& a, const Shape& b) { return !(a == b); }

// "CxHxW", e.g. "1x28x28": the one spelling of an image shape in layer names.
std::string dims(const Shape& shape);
// "2x4x4 (32 rows)": how error messages and lessons print a shape.
std::string describe(const Shape& shape);
// "3x5": rows x cols of a matrix.
std::string describe(const arma::mat& m);

// An image column as a cube (height x width x channels). Of a writable column, a view that
// copies nothing: the cube aliases the column's memory, so the column must outlive it and
// must not be resized, and writing to the cube writes the column. Of a const column, a copy
// (writing to it leaves the column as it was).
arma::cube as_cube(const arma::vec& column, const Shape& shape);
arma::cube as_cube(arma::vec& column, const Shape& shape);
// The image column of a cube (a copy: a column owns its memory).
arma::vec flatten(const arma::cube& image);  // (channels*height*width x 1)

}  // namespace nn
