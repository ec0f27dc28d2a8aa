// idx.hpp -- IDX (MNIST-format) files, plain or gzip: parsing, reading, writing.
//
// Contract:
// - A Dataset holds x (features x samples, ONE COLUMN PER SAMPLE, pixel values as double),
//   y (one label per column) and the Shape of an image column. An image column is the
//   column-major flattening of an arma::cube(height, width, channels): the file stores each
//   image row by row, so pixel (row r, col c) of a 28x28 image lands at index c*28 + r.
// - IDX is big-endian: bytes 0-1 are zero, byte 2 the element type (0x08 = unsigned byte),
//   byte 3 the number of dimensions, then one 4-byte size per dimension, then the elements
//   in row-major order. Images are 0x00000803 (count x rows x cols), labels 0x00000801.
// - Readers take plain or gzip files (told apart by the gzip magic 0x1f 0x8b, never by the
//   name), decompress to memory and call parse_idx_images / parse_idx_labels.
// - Every defect throws nn::Error naming the file, the byte offset and what was expected
//   versus found: wrong magic, type or dimension count, a zero dimension, a truncated file,
//   trailing bytes, a corrupt gzip stream, image/label counts that disagree, a label out of
//   range. Offsets in a .gz file count decompressed bytes ("f.gz (decompressed) at byte 16").
// - Nothing is allocated from an unchecked header: a header asking for more than
//   max_idx_elements elements is refused, and a plain file's header is compared with the
//   real file size before the data is read. A reader returns a whole dataset or throws.
#pragma once

#include <armadillo>
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "nn/dataset.hpp"
#include "nn/shape.hpp"

namespace nn {

// The most elements (pixels or labels) one IDX file may declare: 10^8, a hundred times
// the 47 million pixels of the Fashion-MNIST training set.
constexpr std::uint64_t max_idx_elements = 100000000;
// ---- parsing IDX bytes ---------------------------------------------------------------------
// data/size is a whole decompressed IDX file; name is used in error messages only.
arma::mat parse_idx_images(const std::uint8_t* data, std::size_t size, const std::string& name,
                           Shape* shape);  // (rows*cols x count); *shape = 1 x rows x cols
arma::uvec parse_idx_labels(const std::uint8_t* data, std::size_t size,
                            const std::string& name);  // (count x 1)

// The decompressed bytes of a file, plain or gzip. The header is checked as soon as it has
// been decompressed, so a gzip file cannot make us inflate more than its header promises.
// (expected_dims = 3 for images, 1 for labels; used only to size the gzip output.)
std::vector<std::uint8_t> read_idx_bytes(const std::string& path, int expected_dims);

// ---- reading files -------------------------------------------------------------------------
arma::mat read_idx_images(const std::string& path, Shape* shape);  // (rows*cols x count)
arma::uvec read_idx_labels(const std::string& path);               // (count x 1)
// Both files, checked against each other: equal counts, every label < num_classes.
Dataset load_idx(const std::string& images_path, const std::string& labels_path,
                 arma::uword num_classes = 10);

// ---- writing files -------------------------------------------------------------------------
// The IDX bytes of images (every pixel an integer 0..255) and of labels (each <= 255).
std::vector<std::uint8_t> idx_image_bytes(const arma::mat& x, const Shape& shape);
std::vector<std::uint8_t> idx_label_bytes(const arma::uvec& y);
// Deterministic gzip (level 9, no name, mtime 0): the same bytes give the same file.
std::vector<std::uint8_t> gzip_bytes(const std::vector<std::uint8_t>& bytes);
// Writes both files of a raw (not preprocessed) dataset; a path ending in ".gz" is gzipped.
void save_idx(const Dataset& data, const std::string& images_path,
              const std::string& labels_path);

}  // namespace nn
