// make_corpus.cpp -- writes the fuzzer's seed corpus: small valid IDX files and corrupt ones.
//
//   make fuzz-corpus        (re)writes tests/fuzz/corpus/ with this program
//
// Every seed starts with the harness's mode byte (see idx_fuzzer.cpp): 0/1 parse images or
// labels in memory, 2/3 read them from a file, 4/5 read_idx_bytes, 6 load_idx (then
// num_classes and the big-endian length of the images part; bit 3 gzips the images part,
// bit 4 the labels part). The valid files are two 2x3 images and their two labels.

#include <cstdint>
#include <cstdio>
#include <fstream>
#include <string>
#include <vector>

#include "data/data.hpp"

namespace {

using Bytes = std::vector<std::uint8_t>;

std::string dir;
int written = 0;

void seed(const std::string& name, std::uint8_t mode, const Bytes& payload) {
  std::ofstream out(dir + "/" + name, std::ios::binary | std::ios::trunc);
  out.put(char(mode));
  out.write(reinterpret_cast<const char*>(payload.data()), std::streamsize(payload.size()));
  if (!out) {
    std::fprintf(stderr, "make_corpus: cannot write %s/%s\n", dir.c_str(), name.c_str());
    std::exit(1);
  }
  ++written;
}

// A load_idx seed: mode 6 (+ gzip bits), num_classes, the images part's length, both parts.
void load_seed(const std::string& name, std::uint8_t gzip_bits, std::uint8_t num_classes,
               const Bytes& images, const Bytes& labels) {
  Bytes payload = {num_classes, std::uint8_t(images.size() >> 8), std::uint8_t(images.size())};
  payload.insert(payload.end(), images.begin(), images.end());
  payload.insert(payload.end(), labels.begin(), labels.end());
  seed(name, std::uint8_t(6 | gzip_bits), payload);
}

Bytes concat(Bytes a, const Bytes& b) {
  a.insert(a.end(), b.begin(), b.end());
  return a;
}

Bytes cut(const Bytes& b, std::size_t drop) { return Bytes(b.begin(), b.end() - long(drop)); }

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: make_corpus DIR\n");
    return 2;
  }
  dir = argv[1];

  // Two 2x3 images (rows 0 1 2 / 3 4 5 and a ramp to 255) and their labels 3 and 9.
  nn::Dataset data;
  data.shape = nn::Shape{1, 2, 3};
  data.x = arma::mat{{0, 10}, {3, 40}, {1, 70}, {4, 100}, {2, 130}, {5, 255}};  // (6 x 2)
  data.y = arma::uvec{3, 9};
  const Bytes images = nn::idx_image_bytes(data.x, data.shape);  // 16 + 12 bytes
  const Bytes labels = nn::idx_label_bytes(data.y);              // 8 + 2 bytes
  const Bytes images_gz = nn::gzip_bytes(images), labels_gz = nn::gzip_bytes(labels);

  // ---- valid ----
  seed("images-valid", 0, images);
  seed("labels-valid", 1, labels);
  seed("images-file-valid", 2, images);
  seed("images-file-valid-gz", 2, images_gz);
  seed("labels-file-valid", 3, labels);
  seed("labels-file-valid-gz", 3, labels_gz);
  seed("bytes-images-valid-gz", 4, images_gz);
  seed("bytes-labels-valid", 5, labels);
  // Two gzip members, as `cat a.gz b.gz` makes: gzip(1) reads them as one file.
  seed("images-file-two-members-gz", 2,
       concat(nn::gzip_bytes(Bytes(images.begin(), images.begin() + 20)),
              nn::gzip_bytes(Bytes(images.begin() + 20, images.end()))));
  load_seed("load-valid", 0, 10, images, labels);
  load_seed("load-valid-gz", 0x08 | 0x10, 10, images, labels);

  // ---- corrupt headers ----
  Bytes wrong_magic = images;
  wrong_magic[3] = 0x01;  // a label file's magic
  seed("images-wrong-magic", 0, wrong_magic);
  Bytes wrong_type = images;
  wrong_type[2] = 0x0D;  // float
  seed("images-wrong-type", 2, wrong_type);
  Bytes zero_rows = images;
  zero_rows[11] = 0;  // rows = 0
  seed("images-zero-rows", 0, zero_rows);
  Bytes lying = images;  // 10^12-ish: 0xE8D4A510 images of 2x3, far past max_idx_elements
  lying[4] = 0xE8, lying[5] = 0xD4, lying[6] = 0xA5, lying[7] = 0x10;
  seed("images-lying-header", 0, lying);
  seed("images-lying-header-gz", 2, nn::gzip_bytes(lying));
  Bytes lying_labels = labels;  // 1000 labels declared, 2 present
  lying_labels[6] = 0x03, lying_labels[7] = 0xE8;
  seed("labels-lying-count", 3, lying_labels);
  seed("labels-header-only", 1, Bytes(labels.begin(), labels.begin() + 6));

  // ---- sizes that disagree with the header ----
  seed("images-truncated", 2, cut(images, 5));
  seed("images-trailing", 0, concat(images, {7, 7, 7}));
  seed("labels-trailing-gz", 3, nn::gzip_bytes(concat(labels, {1})));
  seed("bytes-labels-truncated", 5, cut(labels, 1));

  // ---- corrupt gzip ----
  Bytes flipped = images_gz;
  flipped[flipped.size() / 2] ^= 0x55;  // inside the deflate data
  seed("images-corrupt-gz", 2, flipped);
  Bytes bad_crc = labels_gz;
  bad_crc[bad_crc.size() - 6] ^= 0x01;  // the CRC-32 trailer
  seed("labels-bad-crc-gz", 3, bad_crc);
  seed("images-truncated-gz", 4, cut(images_gz, 6));
  seed("images-garbage-after-gz", 2, concat(images_gz, {0, 0, 8, 3}));
  seed("gzip-magic-only", 2, {0x1f, 0x8b});

  // ---- load_idx disagreements ----
  load_seed("load-label-out-of-range", 0, 9, images, labels);  // label 9 with 9 classes
  load_seed("load-count-mismatch", 0x10, 10, images, nn::idx_label_bytes(arma::uvec{1}));
  load_seed("load-zero-classes", 0, 0, images, labels);
  load_seed("load-swapped", 0, 10, labels, images);

  std::printf("make_corpus: wrote %d seeds to %s\n", written, dir.c_str());
  return 0;
}
