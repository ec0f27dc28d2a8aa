// datasets.hpp -- where the data lives: the repository's data/, Debian's full Fashion-MNIST,
// the shipped subset, MNIST digits. Every function throws nn::Error saying what to run (make
// data) when the files are not there.
#pragma once

#include <string>
#include <vector>

#include "nn/dataset.hpp"

namespace nn {

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
