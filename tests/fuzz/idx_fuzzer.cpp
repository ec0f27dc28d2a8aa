// idx_fuzzer.cpp -- a libFuzzer harness for the IDX reader (src/data/idx.cpp), plain and gzip.
//
// What it checks, for every input (the contract of data.hpp):
// - Every call ends in a result or an nn::Error. Anything else is a finding: a crash, a
//   sanitizer report (ASan, UBSan, LeakSanitizer), another exception type (std::bad_alloc,
//   std::length_error, an Armadillo std::logic_error), or an allocation larger than
//   -malloc_limit_mb (an allocation sized by a header the data does not back).
// - An nn::Error names the file it is about (the in-memory name or the path).
// - A result is sound: a plain file that parses is re-encoded byte for byte by
//   idx_image_bytes / idx_label_bytes; pixels are integers 0..255; shapes agree.
// - Plain and gzip agree: a plain IDX file and its gzip_bytes() give the same dataset, or
//   both throw; read_idx_bytes checks a gzip file as it checks a plain one. load_idx
//   succeeds exactly when both files read, the counts agree and every label is
//   < num_classes.
//
// The readers take paths, so the bytes go through two memfd files (in memory, rewritten for
// every input); parse_idx_images / parse_idx_labels get the fuzzer's buffer directly, whose
// exact size lets ASan catch a read one byte past the end.
//
// Input layout: byte 0 chooses what is called, the rest is the file (the payload).
//   byte0 & 7 = 0  parse_idx_images(payload)            in memory
//               1  parse_idx_labels(payload)            in memory
//               2  read_idx_images(file)                the payload, and its gzip when plain
//               3  read_idx_labels(file)                same
//               4  read_idx_bytes(file, 3)              same
//               5  read_idx_bytes(file, 1)              same
//               6, 7  load_idx(images, labels, num_classes):
//                  byte 1 = num_classes (0..255), bytes 2-3 = big-endian length of the images
//                  part, then the images part, then the labels part; byte0 bit 3 gzips the
//                  images part, bit 4 the labels part.

#include <sys/mman.h>
#include <unistd.h>

#include <cerrno>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <exception>
#include <string>
#include <typeinfo>
#include <vector>

#include "data/data.hpp"
#include "nn/error.hpp"

namespace {

using Bytes = std::vector<std::uint8_t>;

const char* const memory_name = "fuzz-input";

[[noreturn]] void fail(const std::string& what) {
  std::fprintf(stderr, "\n==== IDX FUZZ FINDING: %s\n", what.c_str());
  std::fflush(stderr);
  std::abort();  // libFuzzer saves the input as crash-<sha1>
}

// ---- in-memory files -----------------------------------------------------------------------

// A memfd and the path that opens it; the same two files serve every input.
struct MemFile {
  int fd = -1;
  std::string path;
};

MemFile open_mem_file(const char* name) {
  MemFile file;
  file.fd = memfd_create(name, 0);
  if (file.fd < 0) fail(std::string("memfd_create: ") + std::strerror(errno));
  file.path = "/proc/self/fd/" + std::to_string(file.fd);
  return file;
}

// Replaces the file's contents with data[0 .. size).
const std::string& rewrite(const MemFile& file, const std::uint8_t* data, std::size_t size) {
  if (ftruncate(file.fd, 0) != 0) fail(std::string("ftruncate: ") + std::strerror(errno));
  std::size_t done = 0;
  while (done < size) {
    const ssize_t n = pwrite(file.fd, data + done, size - done, off_t(done));
    if (n <= 0) fail(std::string("pwrite: ") + std::strerror(errno));
    done += std::size_t(n);
  }
  return file.path;
}

const std::string& rewrite(const MemFile& file, const Bytes& bytes) {
  return rewrite(file, bytes.data(), bytes.size());
}

MemFile images_file, labels_file;

// ---- outcomes ------------------------------------------------------------------------------

bool is_gzip(const std::uint8_t* data, std::size_t size) {
  return size >= 2 && data[0] == 0x1f && data[1] == 0x8b;
}

// Runs read(); true when it returned, false when it threw an nn::Error whose message names
// one of names (or starts with allowed_prefix). Every other exception is a finding.
template <class Read>
bool attempt(const char* what, Read read, const std::vector<std::string>& names,
             const std::string& allowed_prefix = "") {
  try {
    read();
    return true;
  } catch (const nn::Error& e) {
    const std::string message = e.what();
    bool named = !allowed_prefix.empty() && message.rfind(allowed_prefix, 0) == 0;
    for (const std::string& name : names) named = named || message.find(name) != std::string::npos;
    if (!named) fail(std::string(what) + ": the nn::Error does not name the file: " + message);
    return false;
  } catch (const std::exception& e) {
    fail(std::string(what) + ": threw " + typeid(e).name() + " instead of nn::Error: " + e.what());
  } catch (...) {
    fail(std::string(what) + ": threw something that is not a std::exception");
  }
}

// A dataset's images: one channel, x is (height*width x count), integer pixels 0..255, and,
// when the file's bytes are known, idx_image_bytes gives them back exactly.
void check_images(const char* what, const arma::mat& x, const nn::Shape& shape,
                  const Bytes* file_bytes) {
  if (shape.channels != 1 || shape.height == 0 || shape.width == 0)
    fail(std::string(what) + ": shape " + nn::describe(shape));
  if (x.n_rows != shape.size() || x.n_cols == 0)
    fail(std::string(what) + ": x is " + nn::describe(x) + " for shape " + nn::describe(shape));
  for (arma::uword i = 0; i < x.n_elem; ++i)
    if (!(x[i] >= 0 && x[i] <= 255 && x[i] == double(std::uint8_t(x[i]))))
      fail(std::string(what) + ": pixel " + std::to_string(i) + " is " + std::to_string(x[i]));
  if (file_bytes && nn::idx_image_bytes(x, shape) != *file_bytes)
    fail(std::string(what) + ": idx_image_bytes(x) differs from the file it was read from");
}

void check_labels(const char* what, const arma::uvec& y, const Bytes* file_bytes) {
  if (y.n_elem == 0) fail(std::string(what) + ": no labels");
  for (arma::uword i = 0; i < y.n_elem; ++i)
    if (y[i] > 255) fail(std::string(what) + ": label " + std::to_string(y[i]) + " > 255");
  if (file_bytes && nn::idx_label_bytes(y) != *file_bytes)
    fail(std::string(what) + ": idx_label_bytes(y) differs from the file it was read from");
}

// Element by element: arma::all(a == b) would build two temporaries of 8 bytes per element
// (68 MB for 4 MB of pixels), and the RSS limit counts them.
template <class Matrix>
bool same(const Matrix& a, const Matrix& b) {
  if (a.n_rows != b.n_rows || a.n_cols != b.n_cols) return false;
  for (arma::uword i = 0; i < a.n_elem; ++i)
    if (a[i] != b[i]) return false;
  return true;
}

// ---- the modes -----------------------------------------------------------------------------

void fuzz_parse_images(const std::uint8_t* data, std::size_t size) {
  arma::mat x;  // (rows*cols x count)
  nn::Shape shape;
  if (!attempt("parse_idx_images",
               [&] { x = nn::parse_idx_images(data, size, memory_name, &shape); },
               {memory_name}))
    return;
  const Bytes file(data, data + size);
  check_images("parse_idx_images", x, shape, &file);
}

void fuzz_parse_labels(const std::uint8_t* data, std::size_t size) {
  arma::uvec y;  // (count x 1)
  if (!attempt("parse_idx_labels", [&] { y = nn::parse_idx_labels(data, size, memory_name); },
               {memory_name}))
    return;
  const Bytes file(data, data + size);
  check_labels("parse_idx_labels", y, &file);
}

// read_idx_images on the payload as a file; when the payload is plain, also on its gzip, and
// the two must agree.
void fuzz_read_images(const Bytes& payload) {
  const std::string& path = rewrite(images_file, payload);
  arma::mat x;
  nn::Shape shape;
  const bool ok = attempt("read_idx_images", [&] { x = nn::read_idx_images(path, &shape); },
                          {path});
  if (is_gzip(payload.data(), payload.size())) {
    if (!ok) return;
    check_images("read_idx_images (gzip file)", x, shape, nullptr);
    Bytes decompressed;
    if (!attempt("read_idx_bytes (of a gzip file that reads)",
                 [&] { decompressed = nn::read_idx_bytes(path, 3); }, {path}) ||
        decompressed != nn::idx_image_bytes(x, shape))
      fail("read_idx_images: a gzip file reads, but read_idx_bytes gives other bytes");
    return;
  }
  if (ok) check_images("read_idx_images", x, shape, &payload);
  const std::string& gz_path = rewrite(labels_file, nn::gzip_bytes(payload));
  arma::mat gz_x;
  nn::Shape gz_shape;
  const bool gz_ok = attempt("read_idx_images (gzip of a plain file)",
                             [&] { gz_x = nn::read_idx_images(gz_path, &gz_shape); }, {gz_path});
  if (ok != gz_ok)
    fail(std::string("read_idx_images: the plain file ") + (ok ? "reads" : "throws") +
         " but its gzip " + (gz_ok ? "reads" : "throws"));
  if (ok && (!same(x, gz_x) || shape != gz_shape))
    fail("read_idx_images: the plain file and its gzip give different images");
}

void fuzz_read_labels(const Bytes& payload) {
  const std::string& path = rewrite(labels_file, payload);
  arma::uvec y;
  const bool ok = attempt("read_idx_labels", [&] { y = nn::read_idx_labels(path); }, {path});
  if (is_gzip(payload.data(), payload.size())) {
    if (!ok) return;
    check_labels("read_idx_labels (gzip file)", y, nullptr);
    Bytes decompressed;
    if (!attempt("read_idx_bytes (of a gzip file that reads)",
                 [&] { decompressed = nn::read_idx_bytes(path, 1); }, {path}) ||
        decompressed != nn::idx_label_bytes(y))
      fail("read_idx_labels: a gzip file reads, but read_idx_bytes gives other bytes");
    return;
  }
  if (ok) check_labels("read_idx_labels", y, &payload);
  const std::string& gz_path = rewrite(images_file, nn::gzip_bytes(payload));
  arma::uvec gz_y;
  const bool gz_ok = attempt("read_idx_labels (gzip of a plain file)",
                             [&] { gz_y = nn::read_idx_labels(gz_path); }, {gz_path});
  if (ok != gz_ok)
    fail(std::string("read_idx_labels: the plain file ") + (ok ? "reads" : "throws") +
         " but its gzip " + (gz_ok ? "reads" : "throws"));
  if (ok && !same(y, gz_y)) fail("read_idx_labels: the plain file and its gzip differ");
}

// read_idx_bytes gives back a plain file unchanged and a gzip file decompressed, and checks
// both alike: a plain file reads exactly when its gzip does, to the same bytes.
void fuzz_read_bytes(const Bytes& payload, int dims) {
  const std::string& path = rewrite(images_file, payload);
  Bytes bytes;
  const bool ok =
      attempt("read_idx_bytes", [&] { bytes = nn::read_idx_bytes(path, dims); }, {path});
  if (is_gzip(payload.data(), payload.size())) {
    // What it gives back must be a whole IDX file, as it must be for a plain file.
    if (ok) {
      try {
        if (dims == 3) nn::parse_idx_images(bytes.data(), bytes.size(), memory_name, nullptr);
        else nn::parse_idx_labels(bytes.data(), bytes.size(), memory_name);
      } catch (const nn::Error& e) {
        fail(std::string("read_idx_bytes: a gzip file reads to bytes that do not parse: ") +
             e.what());
      }
    }
    return;
  }
  if (ok && bytes != payload) fail("read_idx_bytes: a plain file comes back changed");
  const std::string& gz_path = rewrite(labels_file, nn::gzip_bytes(payload));
  Bytes gz_bytes;
  const bool gz_ok = attempt("read_idx_bytes (gzip of a plain file)",
                             [&] { gz_bytes = nn::read_idx_bytes(gz_path, dims); }, {gz_path});
  if (ok && !gz_ok) fail("read_idx_bytes: the plain file reads but its gzip throws");
  if (gz_ok && !ok)
    fail("read_idx_bytes: the plain file throws but its gzip reads (" +
         std::to_string(gz_bytes.size()) + " bytes, not a whole IDX file)");
  if (ok && gz_ok && gz_bytes != payload)
    fail("read_idx_bytes: the gzip of a plain file decompresses to other bytes");
}

void fuzz_load(const std::uint8_t* data, std::size_t size) {
  if (size < 4) return;
  const bool gzip_images = data[0] & 0x08, gzip_labels = data[0] & 0x10;
  const arma::uword num_classes = data[1];
  const std::size_t split = std::min<std::size_t>((std::size_t(data[2]) << 8) | data[3], size - 4);
  Bytes images(data + 4, data + 4 + split), labels(data + 4 + split, data + size);
  if (gzip_images) images = nn::gzip_bytes(images);
  if (gzip_labels) labels = nn::gzip_bytes(labels);
  const std::string& images_path = rewrite(images_file, images);
  const std::string& labels_path = rewrite(labels_file, labels);

  nn::Dataset dataset;
  const bool ok = attempt(
      "load_idx", [&] { dataset = nn::load_idx(images_path, labels_path, num_classes); },
      {images_path, labels_path}, "load_idx:");

  // What load_idx must do, from the single-file readers.
  arma::mat x;
  nn::Shape shape;
  arma::uvec y;
  const bool images_ok = attempt("read_idx_images (for load_idx)",
                                 [&] { x = nn::read_idx_images(images_path, &shape); },
                                 {images_path});
  const bool labels_ok = attempt("read_idx_labels (for load_idx)",
                                 [&] { y = nn::read_idx_labels(labels_path); }, {labels_path});
  const bool expected = num_classes >= 1 && images_ok && labels_ok && x.n_cols == y.n_elem &&
                        (y.n_elem == 0 || y.max() < num_classes);
  if (ok != expected)
    fail(std::string("load_idx ") + (ok ? "returned" : "threw") + " but the files " +
         (expected ? "read and agree" : "do not read or do not agree"));
  if (!ok) return;
  const bool plain_images = !gzip_images && !is_gzip(images.data(), images.size());
  const bool plain_labels = !gzip_labels && !is_gzip(labels.data(), labels.size());
  check_images("load_idx", dataset.x, dataset.shape, plain_images ? &images : nullptr);
  check_labels("load_idx", dataset.y, plain_labels ? &labels : nullptr);
  if (!same(dataset.x, x) || dataset.shape != shape || !same(dataset.y, y))
    fail("load_idx: the dataset differs from read_idx_images + read_idx_labels");
  if (dataset.preprocessing.kind != nn::Preprocessing::Kind::none)
    fail("load_idx: preprocessing is not \"none\"");
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  images_file = open_mem_file("stepnet-fuzz-images");
  labels_file = open_mem_file("stepnet-fuzz-labels");
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  const std::uint8_t* payload = data + 1;
  const std::size_t payload_size = size - 1;
  switch (data[0] & 7) {
    case 0: fuzz_parse_images(payload, payload_size); break;
    case 1: fuzz_parse_labels(payload, payload_size); break;
    case 2: fuzz_read_images(Bytes(payload, payload + payload_size)); break;
    case 3: fuzz_read_labels(Bytes(payload, payload + payload_size)); break;
    case 4: fuzz_read_bytes(Bytes(payload, payload + payload_size), 3); break;
    case 5: fuzz_read_bytes(Bytes(payload, payload + payload_size), 1); break;
    default: fuzz_load(data, size); break;
  }
  return 0;
}
