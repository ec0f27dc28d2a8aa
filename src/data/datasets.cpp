// datasets.cpp -- where the data lives: data/, Debian's Fashion-MNIST, MNIST.
#include "data/datasets.hpp"

#include <cstdlib>
#include <filesystem>
#include <string>

#include "data/idx.hpp"
#include "nn/error.hpp"

namespace nn {

namespace {

namespace fs = std::filesystem;

std::string split_prefix(const std::string& split) {
  if (split == "train") return "train";
  if (split == "test") return "t10k";
  throw Error("IDX split: expected \"train\" or \"test\", got \"" + split + "\"");
}

bool split_exists(const std::string& dir, const std::string& split) {
  std::error_code error;
  return fs::is_regular_file(idx_images_path(dir, split), error) &&
         fs::is_regular_file(idx_labels_path(dir, split), error);
}

}  // namespace

// ---- Fashion-MNIST -------------------------------------------------------------------------

const std::vector<std::string>& fashion_mnist_classes() {
  static const std::vector<std::string> names = {"T-shirt/top", "Trouser", "Pullover", "Dress",
                                                 "Coat",        "Sandal",  "Shirt",    "Sneaker",
                                                 "Bag",         "Ankle boot"};
  return names;
}

std::string data_dir() {
  if (const char* env = std::getenv("STEPNET_DATA"); env && *env) {
    std::error_code error;
    if (!fs::is_directory(env, error))
      throw Error(std::string("STEPNET_DATA=") + env + " is not a directory; point it at " +
                  "the repository's data/ directory");
    return env;
  }
  std::vector<std::string> candidates;
#ifdef STEPNET_ROOT
  candidates.push_back(std::string(STEPNET_ROOT) + "/data");
#endif
  for (const char* dir : {"data", "../data", "../../data"}) candidates.push_back(dir);
  std::string tried;
  std::error_code error;
  for (const std::string& dir : candidates) {
    if (fs::is_directory(dir + "/fashion-mnist", error)) return dir;
    tried += (tried.empty() ? "" : ", ") + dir;
  }
  throw Error("data_dir: no data/fashion-mnist in " + tried + " (from " +
              fs::current_path(error).string() + "); run from the repository, set STEPNET_DATA " +
              "to its data/ directory, or run `make data` to install the full set");
}

std::string idx_images_path(const std::string& dir, const std::string& split) {
  return dir + "/" + split_prefix(split) + "-images-idx3-ubyte.gz";
}

std::string idx_labels_path(const std::string& dir, const std::string& split) {
  return dir + "/" + split_prefix(split) + "-labels-idx1-ubyte.gz";
}

Dataset fashion_mnist(const std::string& split, bool* is_full, std::string* source) {
  split_prefix(split);  // check the name before looking anywhere
  std::string dir = debian_fashion_mnist_dir;
  const bool full = split_exists(dir, split);
  if (!full) {
    try {
      dir = data_dir() + "/fashion-mnist";
    } catch (const Error& e) {
      throw Error(std::string("fashion_mnist: the full set is not installed (") +
                  debian_fashion_mnist_dir + ") and the shipped subset was not found: " +
                  e.what() + ". Run `make data`.");
    }
  }
  if (is_full) *is_full = full;
  if (source) *source = dir;
  return load_idx(idx_images_path(dir, split), idx_labels_path(dir, split), 10);
}

Dataset fashion_mnist_subset(const std::string& split) {
  const std::string dir = data_dir() + "/fashion-mnist";
  return load_idx(idx_images_path(dir, split), idx_labels_path(dir, split), 10);
}

Dataset mnist(const std::string& split) {
  std::string dir;
  try {
    dir = data_dir() + "/mnist";
  } catch (const Error& e) {
    throw Error(std::string("mnist: ") + e.what() + ". MNIST itself comes from " +
                "`make data DATASET=mnist`.");
  }
  if (!split_exists(dir, split))
    throw Error("mnist: " + idx_images_path(dir, split) + " or " + idx_labels_path(dir, split) +
                " is missing; run `make data DATASET=mnist` (downloads the four files)");
  return load_idx(idx_images_path(dir, split), idx_labels_path(dir, split), 10);
}

}  // namespace nn
