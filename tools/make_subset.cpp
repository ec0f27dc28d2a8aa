// make_subset -- writes the small Fashion-MNIST subset that stepnet ships in data/.
//
//   build/tools/make_subset [--from DIR] [--to DIR] [--train N] [--test N] [--seed S]
//
// Reads the full set (Debian's dataset-fashion-mnist, /usr/share/datasets/fashion-mnist),
// draws a balanced, seeded subset (N images per class, 200 train and 100 test by default),
// and writes it as gzip IDX files with the same names, plus a README.md. The draw uses
// nn::shuffled_indices (Fisher-Yates on std::mt19937_64, both fully specified) and the gzip
// files carry no time stamp, so the same full set and seed give byte-identical files.
// `make subset` runs this and appends the sha256 sums to the README.
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <string>

#include "data/data.hpp"
#include "nn/error.hpp"
#include "nn/random.hpp"

namespace {

struct Options {
  std::string from = nn::debian_fashion_mnist_dir;
  std::string to = "data/fashion-mnist";
  arma::uword train_per_class = 200;
  arma::uword test_per_class = 100;
  std::uint64_t seed = 2017;
};

void usage_error(const std::string& message) {
  std::cerr << "make_subset: " << message << "\n"
            << "usage: make_subset [--from DIR] [--to DIR] [--train N] [--test N] [--seed S]\n";
  std::exit(2);
}

Options parse_options(int argc, char** argv) {
  Options options;
  for (int i = 1; i < argc; ++i) {
    const std::string flag = argv[i];
    if (i + 1 >= argc) usage_error("missing value after " + flag);
    const std::string value = argv[++i];
    if (flag == "--from") options.from = value;
    else if (flag == "--to") options.to = value;
    else if (flag == "--train") options.train_per_class = std::stoul(value);
    else if (flag == "--test") options.test_per_class = std::stoul(value);
    else if (flag == "--seed") options.seed = std::stoull(value);
    else usage_error("unknown option " + flag);
  }
  return options;
}

// A balanced subset of one split, in a seeded random order (classes interleaved).
nn::Dataset draw(const std::string& from, const std::string& split, arma::uword per_class) {
  const nn::Dataset full = nn::load_idx(nn::idx_images_path(from, split),
                                        nn::idx_labels_path(from, split), 10);
  const arma::uvec order = nn::shuffled_indices(full.n_samples());
  return nn::subset(full, nn::balanced_indices(full.y, per_class, 10, order));
}

// Reads the written files back and checks they hold exactly what was drawn.
void check_round_trip(const nn::Dataset& drawn, const std::string& to, const std::string& split) {
  const nn::Dataset back = nn::load_idx(nn::idx_images_path(to, split),
                                        nn::idx_labels_path(to, split), 10);
  if (!arma::approx_equal(back.x, drawn.x, "absdiff", 0.0) || !arma::all(back.y == drawn.y) ||
      back.shape != drawn.shape)
    throw nn::Error("make_subset: " + to + " " + split + " does not read back as written");
}

void write_readme(const Options& o, const std::string& path) {
  std::ofstream out(path);
  out << "# Fashion-MNIST subset shipped with stepnet\n\n"
      << "A balanced, seeded subset of Fashion-MNIST in IDX format (gzip), the same format and\n"
      << "file names as the full set:\n\n"
      << "| file | contents |\n|---|---|\n"
      << "| train-images-idx3-ubyte.gz | " << 10 * o.train_per_class
      << " training images, 28x28 unsigned bytes |\n"
      << "| train-labels-idx1-ubyte.gz | their labels 0..9, " << o.train_per_class
      << " per class |\n"
      << "| t10k-images-idx3-ubyte.gz | " << 10 * o.test_per_class
      << " test images, 28x28 unsigned bytes |\n"
      << "| t10k-labels-idx1-ubyte.gz | their labels 0..9, " << o.test_per_class
      << " per class |\n\n"
      << "Training images come only from the full training set and test images only from the\n"
      << "full test set. Within each file the classes are interleaved in a random order.\n\n"
      << "## Classes\n\n| label | name |\n|---|---|\n";
  for (std::size_t k = 0; k < nn::fashion_mnist_classes().size(); ++k)
    out << "| " << k << " | " << nn::fashion_mnist_classes()[k] << " |\n";
  out << "\n## Where it comes from\n\n"
      << "Fashion-MNIST by Zalando Research (Han Xiao, Kashif Rasul, Roland Vollgraf, 2017),\n"
      << "https://github.com/zalandoresearch/fashion-mnist, released under the MIT license\n"
      << "(Copyright (c) 2017 Zalando SE). The full set (60000 train + 10000 test images) is\n"
      << "read from Debian's package `dataset-fashion-mnist` (`make data` installs it), which\n"
      << "puts it in " << nn::debian_fashion_mnist_dir << ". The license travels with the\n"
      << "subset in LICENSE, next to this file.\n\n"
      << "## Regenerating\n\n"
      << "```\nmake subset\n```\n\n"
      << "which builds tools/make_subset.cpp and runs\n\n"
      << "```\nbuild/tools/make_subset --from " << o.from << " --to " << o.to << " --train "
      << o.train_per_class << " --test " << o.test_per_class << " --seed " << o.seed
      << "\n```\n\n"
      << "The draw is seeded and the gzip files carry no time stamp, so the same full set and\n"
      << "seed give byte-identical files (with the same zlib version).\n\n"
      << "## Checksums\n\n"
      << "sha256 of the files, as made from the Debian package version named below:\n\n";
}

// Fashion-MNIST's MIT license, which must accompany every copy of its images.
void write_license(const std::string& path) {
  std::ofstream out(path);
  out << "Fashion-MNIST, https://github.com/zalandoresearch/fashion-mnist\n\n"
      << "The MIT License (MIT)\n\n"
      << "Copyright (c) 2017 Zalando SE, https://tech.zalando.com\n\n"
      << "Permission is hereby granted, free of charge, to any person obtaining a copy of\n"
      << "this software and associated documentation files (the \"Software\"), to deal in\n"
      << "the Software without restriction, including without limitation the rights to\n"
      << "use, copy, modify, merge, publish, distribute, sublicense, and/or sell copies of\n"
      << "the Software, and to permit persons to whom the Software is furnished to do so,\n"
      << "subject to the following conditions:\n\n"
      << "The above copyright notice and this permission notice shall be included in all\n"
      << "copies or substantial portions of the Software.\n\n"
      << "THE SOFTWARE IS PROVIDED \"AS IS\", WITHOUT WARRANTY OF ANY KIND, EXPRESS OR\n"
      << "IMPLIED, INCLUDING BUT NOT LIMITED TO THE WARRANTIES OF MERCHANTABILITY, FITNESS\n"
      << "FOR A PARTICULAR PURPOSE AND NONINFRINGEMENT. IN NO EVENT SHALL THE AUTHORS OR\n"
      << "COPYRIGHT HOLDERS BE LIABLE FOR ANY CLAIM, DAMAGES OR OTHER LIABILITY, WHETHER\n"
      << "IN AN ACTION OF CONTRACT, TORT OR OTHERWISE, ARISING FROM, OUT OF OR IN\n"
      << "CONNECTION WITH THE SOFTWARE OR THE USE OR OTHER DEALINGS IN THE SOFTWARE.\n";
}

}  // namespace

int main(int argc, char** argv) {
  const Options options = parse_options(argc, argv);
  try {
    std::filesystem::create_directories(options.to);
    nn::seed(options.seed);
    const nn::Dataset train = draw(options.from, "train", options.train_per_class);
    const nn::Dataset test = draw(options.from, "test", options.test_per_class);
    for (const auto& [split, data] : {std::pair{"train", &train}, std::pair{"test", &test}}) {
      nn::save_idx(*data, nn::idx_images_path(options.to, split),
                   nn::idx_labels_path(options.to, split));
      check_round_trip(*data, options.to, split);
      std::cout << "make_subset: wrote " << nn::idx_images_path(options.to, split) << " and "
                << nn::idx_labels_path(options.to, split) << " (" << data->n_samples()
                << " images)\n";
    }
    write_readme(options, options.to + "/README.md");
    write_license(options.to + "/LICENSE");
  } catch (const std::exception& e) {
    std::cerr << e.what() << "\n";
    return 1;
  }
  return 0;
}
