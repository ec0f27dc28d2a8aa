// data.hpp -- real images: IDX (MNIST-format) files, preprocessing, Fashion-MNIST.
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

#include "nn/shape.hpp"

namespace nn {

// The most elements (pixels or labels) one IDX file may declare: 10^8, a hundred times
// the 47 million pixels of the Fashion-MNIST training set.
constexpr std::uint64_t max_idx_elements = 100000000;

// ---- preprocessing -------------------------------------------------------------------------
// Every kind is x' = (x - mean) / std, with mean and std either one number for every pixel
// (mean and std are 1x1) or one per pixel (features x 1). Fitted on the training set and
// kept with every dataset it is applied to, so test data is scaled by training statistics.
struct Preprocessing {
  std::string kind = "none";  // "none", "scale", "global" or "per_pixel"
  arma::vec mean{};           // (1 x 1) or (features x 1); empty for "none"
  arma::vec std{};            // same shape as mean; every entry > 0
};

struct Dataset {
  arma::mat x{};                  // (features x n_samples), features = shape.size()
  arma::uvec y{};                 // (n_samples x 1), labels 0 .. num_classes-1
  Shape shape{};                  // of one image column: channels x height x width
  Preprocessing preprocessing{};  // what has been applied to x ("none" for raw pixels)
  arma::uword n_samples() const { return x.n_cols; }
};

// x / divisor for every pixel: scale_by(255) maps raw pixels to [0, 1].
Preprocessing scale_by(double divisor = 255.0);
// One mean and one standard deviation over every pixel of every training image.
Preprocessing fit_global(const Dataset& train);
// A mean and standard deviation per pixel position ("per_pixel"). A pixel that hardly varies
// (the border of Fashion-MNIST is almost always 0) gets std = min_std, so it is not blown up
// and never divides by zero; min_std is in the units of x (gray levels for raw pixels).
Preprocessing fit_per_pixel(const Dataset& train, double min_std = 1.0);

// (x - mean) / std for the columns x (features x n_samples); returns the same shape.
arma::mat apply(const Preprocessing& p, const arma::mat& x);
// The inverse, x' * std + mean: back to pixel values, for plotting.
arma::mat unapply(const Preprocessing& p, const arma::mat& x);
// Preprocess data in place and record p in data.preprocessing. Throws nn::Error when data is
// already preprocessed or p's size does not match data's features.
void apply(const Preprocessing& p, Dataset& data);

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

// ---- choosing samples ----------------------------------------------------------------------
// The samples at indices, in that order (shape and preprocessing are kept).
Dataset subset(const Dataset& data, const arma::uvec& indices);
// The indices of the first n_per_class samples of every class 0..num_classes-1, visiting
// the samples in `order` (0 .. n-1 when empty) and returned in visiting order. Throws
// nn::Error when a class has fewer than n_per_class samples or a label is >= num_classes.
arma::uvec balanced_indices(const arma::uvec& labels, arma::uword n_per_class,
                            arma::uword num_classes = 10, const arma::uvec& order = {});
// subset(data, balanced_indices(data.y, n_per_class, num_classes)): a balanced prefix.
Dataset first_per_class(const Dataset& data, arma::uword n_per_class,
                        arma::uword num_classes = 10);
// 0 .. n-1 in an order drawn from nn::rng() by Fisher-Yates with plain modulo, so the order
// for a given nn::seed is the same on every platform (std::shuffle's is not).
arma::uvec shuffled_indices(arma::uword n);

// ---- Fashion-MNIST -------------------------------------------------------------------------
// The ten class names, label 0 .. 9: T-shirt/top, Trouser, Pullover, Dress, Coat, Sandal,
// Shirt, Sneaker, Bag, Ankle boot.
const std::vector<std::string>& fashion_mnist_classes();

// Where the full set lives when Debian's dataset-fashion-mnist package is installed.
constexpr const char* debian_fashion_mnist_dir = "/usr/share/datasets/fashion-mnist";

// The repository's data/ directory: $STEPNET_DATA if set, else data/, ../data or
// ../../data relative to the current directory (the first that holds fashion-mnist/).
// Throws nn::Error saying what to run when none exists.
std::string data_dir();

// The file names of a split in an IDX directory: split is "train" or "test";
// {train,t10k}-{images-idx3,labels-idx1}-ubyte.gz, the names of every MNIST distribution.
std::string idx_images_path(const std::string& dir, const std::string& split);
std::string idx_labels_path(const std::string& dir, const std::string& split);

// The full Fashion-MNIST split (60000 train / 10000 test) when the Debian package is
// installed, else the shipped subset (2000 / 1000); *is_full says which was used and
// *source names the directory. Throws nn::Error saying to run `make data` when neither is.
Dataset fashion_mnist(const std::string& split, bool* is_full = nullptr,
                      std::string* source = nullptr);
// Always the shipped subset, data/fashion-mnist: 200 per class train, 100 per class test.
Dataset fashion_mnist_subset(const std::string& split);
// The original MNIST digits from data/mnist (fetched by `make data DATASET=mnist`).
Dataset mnist(const std::string& split);

}  // namespace nn
