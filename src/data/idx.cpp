// idx.cpp -- IDX files (plain or gzip): parsing, reading, writing; deterministic gzip.
#include "data/idx.hpp"

#include <zlib.h>

#include <algorithm>
#include <cerrno>
#include <climits>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <limits>

#include "nn/error.hpp"
#include "util/files.hpp"
#include "util/strings.hpp"

namespace nn {

namespace {

namespace fs = std::filesystem;

constexpr std::uint8_t idx_unsigned_byte = 0x08;
constexpr int image_dims = 3;  // count x rows x cols
constexpr int label_dims = 1;  // count

// ---- small helpers for messages ------------------------------------------------------------

std::string at(const std::string& name, std::uint64_t offset) {
  return name + " at byte " + std::to_string(offset);
}

std::string hex32(std::uint32_t v) {
  char text[11];
  std::snprintf(text, sizeof text, "0x%08X", static_cast<unsigned>(v));
  return text;
}

std::string hex8(unsigned v) {
  char text[5];
  std::snprintf(text, sizeof text, "0x%02X", v & 0xFFu);
  return text;
}

// "1 byte", "3 bytes".
std::string plural(std::uint64_t n, const std::string& noun) {
  return std::to_string(n) + " " + noun + (n == 1 ? "" : "s");
}

std::uint32_t read_be32(const std::uint8_t* p) {
  return (std::uint32_t(p[0]) << 24) | (std::uint32_t(p[1]) << 16) | (std::uint32_t(p[2]) << 8) |
         std::uint32_t(p[3]);
}

void write_be32(std::vector<std::uint8_t>& out, std::uint64_t v) {
  for (int shift = 24; shift >= 0; shift -= 8) out.push_back(std::uint8_t((v >> shift) & 0xFF));
}

std::string what_file(int dims) {
  return dims == image_dims ? "IDX images: unsigned bytes, 3 dimensions, count x rows x cols"
                            : "IDX labels: unsigned bytes, 1 dimension, count";
}

std::string dim_name(int dims, int i) {
  if (dims == label_dims) return "number of labels";
  static const char* names[] = {"number of images", "number of rows", "number of columns"};
  return names[i];
}

const char* idx_type_name(unsigned type) {
  switch (type) {
    case 0x08: return "unsigned byte";
    case 0x09: return "signed byte";
    case 0x0B: return "short";
    case 0x0C: return "int";
    case 0x0D: return "float";
    case 0x0E: return "double";
    default: return "not an IDX type";
  }
}

// ---- the IDX header ------------------------------------------------------------------------

struct IdxHeader {
  int n_dims = 0;
  std::vector<std::uint64_t> dims;  // the sizes, outermost (the count) first
  std::uint64_t header_bytes = 0;   // 4 + 4 * n_dims
  std::uint64_t elements = 0;       // product of dims, <= max_idx_elements
  std::uint64_t total_bytes() const { return header_bytes + elements; }
};

// Checks the magic number and the sizes. Needs only the header's bytes (size may be the
// whole file or just a prefix of it); throws when size stops inside the header.
IdxHeader parse_idx_header(const std::uint8_t* data, std::size_t size, const std::string& name,
                           int expected_dims) {
  const std::uint64_t header_bytes = 4 + 4 * std::uint64_t(expected_dims);
  const std::uint32_t expected_magic = (std::uint32_t(idx_unsigned_byte) << 8) | expected_dims;
  const std::string expected = "expected magic " + hex32(expected_magic) + " (" +
                               what_file(expected_dims) + ")";
  if (size < 4)
    throw Error(name + ": file ends at byte " + std::to_string(size) +
                " inside the 4-byte magic number; expected a header of " +
                std::to_string(header_bytes) + " bytes (" + what_file(expected_dims) + ")");

  const std::uint32_t magic = read_be32(data);
  if (data[0] != 0 || data[1] != 0)
    throw Error(at(name, 0) + ": " + expected + ", found " + hex32(magic) +
                ": not an IDX file (an IDX file starts with two zero bytes)");
  if (data[2] != idx_unsigned_byte)
    throw Error(at(name, 2) + ": " + expected + ", found " + hex32(magic) + ": element type " +
                hex8(data[2]) + " (" + idx_type_name(data[2]) +
                "), stepnet reads only 0x08 (unsigned byte)");
  if (data[3] != expected_dims) {
    std::string hint;
    if (expected_dims == image_dims && data[3] == label_dims) hint = " (is this a label file?)";
    if (expected_dims == label_dims && data[3] == image_dims) hint = " (is this an image file?)";
    throw Error(at(name, 3) + ": " + expected + ", found " + hex32(magic) + ": " +
                plural(data[3], "dimension") + " instead of " + std::to_string(expected_dims) +
                hint);
  }
  if (size < header_bytes)
    throw Error(name + ": file ends at byte " + std::to_string(size) + " inside the header; " +
                "expected " + std::to_string(header_bytes) + " header bytes (magic and " +
                std::to_string(expected_dims) + " sizes of 4 bytes)");

  IdxHeader header;
  header.n_dims = expected_dims;
  header.header_bytes = header_bytes;
  header.elements = 1;
  bool too_many = false;
  std::string declared;  // "1000000000000 x 28 x 28", for the too-many message
  for (int i = 0; i < expected_dims; ++i) {
    const std::uint64_t offset = 4 + 4 * std::uint64_t(i);
    const std::uint64_t d = read_be32(data + offset);
    if (d == 0)
      throw Error(at(name, offset) + ": " + dim_name(expected_dims, i) +
                  " is 0; expected at least 1");
    header.dims.push_back(d);
    declared += (i ? " x " : "") + std::to_string(d);
    // Multiply without overflow: stop counting once past the limit.
    if (!too_many && header.elements > max_idx_elements / d) too_many = true;
    if (!too_many) header.elements *= d;
  }
  if (too_many || header.elements > max_idx_elements)
    throw Error(at(name, 4) + ": header declares " + declared + " elements, more than the " +
                "limit of " + std::to_string(max_idx_elements) +
                " (nn::max_idx_elements); refusing to allocate");
  return header;
}

// The whole file must be exactly header + elements bytes.
void check_idx_size(const IdxHeader& header, std::uint64_t size, const std::string& name) {
  const std::uint64_t total = header.total_bytes();
  const bool images = header.n_dims == image_dims;
  const std::uint64_t item_bytes = images ? header.dims[1] * header.dims[2] : 1;
  const std::string layout =
      std::to_string(header.header_bytes) + " header bytes + " +
      (images ? std::to_string(header.dims[0]) + " images of " + std::to_string(header.dims[1]) +
                    "x" + std::to_string(header.dims[2]) + " pixels"
              : std::to_string(header.dims[0]) + " labels") +
      " = " + std::to_string(total) + " bytes";
  if (size < total) {
    const std::uint64_t item = (size - header.header_bytes) / item_bytes;  // 0-based
    throw Error(name + ": file ends at byte " + std::to_string(size) + ", inside " +
                (images ? "image " : "label ") + std::to_string(item) + " of " +
                std::to_string(header.dims[0]) + "; expected " + layout);
  }
  if (size > total)
    throw Error(at(name, total) + ": " + plural(size - total, "trailing byte") +
                " after the last " + (images ? "image" : "label") + "; expected " +
                layout + ", the file has " + std::to_string(size) + " bytes");
}

// ---- gzip ----------------------------------------------------------------------------------

bool is_gzip(const std::uint8_t* data, std::size_t size) {
  return size >= 2 && data[0] == 0x1f && data[1] == 0x8b;
}

struct InflateGuard {
  z_stream* stream;
  ~InflateGuard() { inflateEnd(stream); }
};

// Why inflate() stopped with `status`, neither progress nor the end of a member: truncated
// input, no memory, or corrupt data at byte in_offset of the .gz file.
[[noreturn]] void inflate_failed(int status, const char* zlib_message, const std::string& name,
                                 std::size_t compressed_size, std::size_t produced,
                                 std::uint64_t in_offset) {
  if (status == Z_BUF_ERROR)
    throw Error(name + ": gzip stream ends at byte " + std::to_string(compressed_size) +
                " before its end marker (truncated .gz file; " + std::to_string(produced) +
                " bytes decompressed)");
  if (status == Z_MEM_ERROR) throw Error(name + ": out of memory while inflating");
  // zlib gives back the whole bytes it did not use, so the last byte it read holds the bad
  // bits (or ends the bad check sum).
  throw Error(at(name, in_offset > 0 ? in_offset - 1 : 0) + ": corrupt gzip stream: " +
              (zlib_message ? zlib_message : "zlib error " + std::to_string(status)));
}

// Inflates a gzip file (one or more members) holding an IDX file. As soon as the IDX header
// is out it is checked, and the output is capped at the size it declares (+1 byte, to see
// trailing data), so a header or a gzip bomb cannot make us allocate more than that.
std::vector<std::uint8_t> gunzip_idx(const std::vector<std::uint8_t>& compressed,
                                     const std::string& name, int expected_dims) {
  const std::string inner = name + " (decompressed)";
  z_stream stream{};
  if (inflateInit2(&stream, 16 + MAX_WBITS) != Z_OK)
    throw Error(name + ": zlib could not start inflating");
  InflateGuard guard{&stream};

  const std::uint8_t* const begin = compressed.data();
  const std::uint8_t* const end = begin + compressed.size();
  const std::uint64_t header_bytes = 4 + 4 * std::uint64_t(expected_dims);
  std::uint64_t limit = header_bytes + max_idx_elements;  // until the header is known
  bool header_known = false;
  std::vector<std::uint8_t> out;
  std::size_t produced = 0;
  stream.next_in = const_cast<Bytef*>(begin);
  stream.avail_in = 0;

  for (;;) {
    const std::uint8_t* next_in = stream.next_in;
    if (stream.avail_in == 0 && next_in < end)  // avail_in is 32 bits: feed at most 1 GiB
      stream.avail_in = uInt(std::min<std::size_t>(std::size_t(end - next_in), 1u << 30));
    if (produced == out.size()) {
      const std::size_t grown = std::max<std::size_t>(2 * out.size(), 1 << 16);
      out.resize(std::size_t(std::min<std::uint64_t>(grown, limit + 1)));
    }
    stream.next_out = out.data() + produced;
    stream.avail_out = uInt(std::min<std::size_t>(out.size() - produced, 1u << 30));
    const int status = inflate(&stream, Z_NO_FLUSH);
    produced = std::size_t(stream.next_out - out.data());
    const std::uint64_t in_offset = std::uint64_t(stream.next_in - begin);

    if (!header_known && produced >= header_bytes) {
      const IdxHeader header = parse_idx_header(out.data(), produced, inner, expected_dims);
      limit = header.total_bytes();
      header_known = true;
      // No room is made for the whole declared size here: the data does not back the header
      // yet, so out keeps doubling as bytes really arrive (a 20-byte .gz claiming 10^8
      // labels costs 64 KB, not 100 MB).
    }
    if (produced > limit)
      throw Error(at(inner, limit) + ": trailing bytes: the IDX header says the file ends " +
                  "here, after " + std::to_string(limit) + " bytes, but the data goes on");

    if (status == Z_OK) continue;
    if (status == Z_STREAM_END) {
      if (stream.next_in == end) break;
      const std::size_t left = std::size_t(end - stream.next_in);
      if (is_gzip(stream.next_in, left)) {  // a concatenated gzip member, as gzip(1) reads
        inflateReset(&stream);
        continue;
      }
      throw Error(at(name, in_offset) + ": " + plural(left, "byte") +
                  " of garbage after the end of the gzip stream");
    }
    if (status == Z_BUF_ERROR && stream.avail_out == 0) continue;  // room ran out: grow
    inflate_failed(status, stream.msg, name, compressed.size(), produced, in_offset);
  }
  out.resize(produced);
  return out;
}

// ---- files ---------------------------------------------------------------------------------

struct IdxFile {
  std::vector<std::uint8_t> bytes;  // the decompressed IDX file
  std::string name;                 // the path, plus " (decompressed)" for a gzip file
};

std::ifstream open_for_reading(const std::string& path, std::uint64_t* size) {
  std::error_code error;
  if (!fs::is_regular_file(path, error))
    throw Error(path + ": cannot read: " +
                (fs::exists(path, error) ? "not a regular file" : "no such file"));
  std::ifstream in(path, std::ios::binary);
  if (!in) throw Error(path + ": cannot open: " + std::strerror(errno));
  *size = fs::file_size(path, error);
  if (error) throw Error(path + ": cannot read its size: " + error.message());
  return in;
}

void read_exactly(std::ifstream& in, std::uint8_t* into, std::uint64_t count,
                  std::uint64_t offset, const std::string& path) {
  in.read(reinterpret_cast<char*>(into), std::streamsize(count));
  if (std::uint64_t(in.gcount()) != count)
    throw Error(path + ": read stopped at byte " + std::to_string(offset + in.gcount()) +
                "; expected " + std::to_string(offset + count) + " bytes");
}

IdxFile read_idx_file(const std::string& path, int expected_dims) {
  std::uint64_t size = 0;
  std::ifstream in = open_for_reading(path, &size);
  // Read just the header first: a plain file is checked against its real size before
  // anything the size of its data is allocated.
  const std::uint64_t header_bytes = 4 + 4 * std::uint64_t(expected_dims);
  std::vector<std::uint8_t> bytes(std::size_t(std::min(size, header_bytes)));
  read_exactly(in, bytes.data(), bytes.size(), 0, path);

  const std::uint64_t have = bytes.size();
  if (is_gzip(bytes.data(), bytes.size())) {
    bytes.resize(std::size_t(size));  // a real file's real size
    read_exactly(in, bytes.data() + have, size - have, have, path);
    IdxFile file{gunzip_idx(bytes, path, expected_dims), path + " (decompressed)"};
    // The checks a plain file gets: a whole header, then exactly the bytes it declares.
    const IdxHeader header =
        parse_idx_header(file.bytes.data(), file.bytes.size(), file.name, expected_dims);
    check_idx_size(header, file.bytes.size(), file.name);
    return file;
  }
  const IdxHeader header = parse_idx_header(bytes.data(), bytes.size(), path, expected_dims);
  check_idx_size(header, size, path);
  bytes.resize(std::size_t(size));
  read_exactly(in, bytes.data() + have, size - have, have, path);
  return {std::move(bytes), path};
}

// util::write_atomically: a temporary name, then a rename, so an interrupted write never
// leaves a broken file.
void write_file(const std::string& path, const std::vector<std::uint8_t>& bytes) {
  util::write_atomically(path, std::string(bytes.begin(), bytes.end()));
}

// Label i of a labels file sits at byte 8 + i.
void check_labels(const arma::uvec& y, arma::uword num_classes, const std::string& name) {
  for (arma::uword i = 0; i < y.n_elem; ++i)
    if (y[i] >= num_classes)
      throw Error(at(name, 8 + std::uint64_t(i)) + ": label " + std::to_string(y[i]) +
                  " of sample " + std::to_string(i) + " is out of range; expected 0.." +
                  std::to_string(num_classes - 1) + " (" + std::to_string(num_classes) +
                  " classes)");
}

}  // namespace

// ---- parsing -------------------------------------------------------------------------------

arma::mat parse_idx_images(const std::uint8_t* data, std::size_t size, const std::string& name,
                           Shape* shape) {
  const IdxHeader header = parse_idx_header(data, size, name, image_dims);
  check_idx_size(header, size, name);
  const arma::uword count = header.dims[0], rows = header.dims[1], cols = header.dims[2];
  arma::mat x(rows * cols, count, arma::fill::none);  // (rows*cols x count)
  // The file is row-major (pixel (r, c) at r*cols + c); an image column is column-major
  // (pixel (r, c) at c*rows + r). Walk the column in order, gathering from the file.
  const std::uint8_t* pixels = data + header.header_bytes;
  for (arma::uword i = 0; i < count; ++i) {
    const std::uint8_t* image = pixels + i * rows * cols;
    double* column = x.colptr(i);
    for (arma::uword c = 0; c < cols; ++c)
      for (arma::uword r = 0; r < rows; ++r) column[c * rows + r] = image[r * cols + c];
  }
  if (shape) *shape = Shape{1, rows, cols};
  return x;
}

arma::uvec parse_idx_labels(const std::uint8_t* data, std::size_t size,
                            const std::string& name) {
  const IdxHeader header = parse_idx_header(data, size, name, label_dims);
  check_idx_size(header, size, name);
  arma::uvec y(header.dims[0]);  // (count x 1)
  for (arma::uword i = 0; i < y.n_elem; ++i) y[i] = data[header.header_bytes + i];
  return y;
}

// ---- reading files -------------------------------------------------------------------------

std::vector<std::uint8_t> read_idx_bytes(const std::string& path, int expected_dims) {
  if (expected_dims != image_dims && expected_dims != label_dims)
    throw Error("read_idx_bytes: expected_dims must be 3 (images) or 1 (labels), got " +
                std::to_string(expected_dims));
  return read_idx_file(path, expected_dims).bytes;
}

arma::mat read_idx_images(const std::string& path, Shape* shape) {
  const IdxFile file = read_idx_file(path, image_dims);
  return parse_idx_images(file.bytes.data(), file.bytes.size(), file.name, shape);
}

arma::uvec read_idx_labels(const std::string& path) {
  const IdxFile file = read_idx_file(path, label_dims);
  return parse_idx_labels(file.bytes.data(), file.bytes.size(), file.name);
}

Dataset load_idx(const std::string& images_path, const std::string& labels_path,
                 arma::uword num_classes) {
  if (num_classes == 0) throw Error("load_idx: num_classes must be at least 1");
  Dataset data;
  const IdxFile images = read_idx_file(images_path, image_dims);
  data.x = parse_idx_images(images.bytes.data(), images.bytes.size(), images.name, &data.shape);
  const IdxFile labels = read_idx_file(labels_path, label_dims);
  data.y = parse_idx_labels(labels.bytes.data(), labels.bytes.size(), labels.name);
  if (data.y.n_elem != data.x.n_cols)
    throw Error(at(images.name, 4) + ": " + std::to_string(data.x.n_cols) + " images, but " +
                at(labels.name, 4) + ": " + std::to_string(data.y.n_elem) +
                " labels; expected one label per image");
  check_labels(data.y, num_classes, labels.name);
  return data;
}

// ---- writing files -------------------------------------------------------------------------

std::vector<std::uint8_t> idx_image_bytes(const arma::mat& x, const Shape& shape) {
  if (shape.channels != 1 || x.n_rows != shape.size() || x.n_cols == 0)
    throw Error("idx_image_bytes: expected one-channel images of " + describe(shape) +
                " and at least one column, got a " + describe(x) + " matrix");
  std::vector<std::uint8_t> out = {0, 0, idx_unsigned_byte, image_dims};
  write_be32(out, x.n_cols);
  write_be32(out, shape.height);
  write_be32(out, shape.width);
  out.reserve(out.size() + x.n_elem);
  for (arma::uword i = 0; i < x.n_cols; ++i)
    for (arma::uword r = 0; r < shape.height; ++r)
      for (arma::uword c = 0; c < shape.width; ++c) {
        const double v = x(c * shape.height + r, i);
        if (!(v >= 0 && v <= 255 && v == std::floor(v)))
          throw Error("idx_image_bytes: pixel (row " + std::to_string(r) + ", col " +
                      std::to_string(c) + ") of image " + std::to_string(i) + " is " +
                      std::to_string(v) + "; expected an integer 0..255");
        out.push_back(std::uint8_t(v));
      }
  return out;
}

std::vector<std::uint8_t> idx_label_bytes(const arma::uvec& y) {
  if (y.n_elem == 0) throw Error("idx_label_bytes: expected at least one label");
  std::vector<std::uint8_t> out = {0, 0, idx_unsigned_byte, label_dims};
  write_be32(out, y.n_elem);
  for (arma::uword i = 0; i < y.n_elem; ++i) {
    if (y[i] > 255)
      throw Error("idx_label_bytes: label " + std::to_string(y[i]) + " of sample " +
                  std::to_string(i) + " does not fit a byte");
    out.push_back(std::uint8_t(y[i]));
  }
  return out;
}

std::vector<std::uint8_t> gzip_bytes(const std::vector<std::uint8_t>& bytes) {
  z_stream stream{};
  // 16 + MAX_WBITS: a gzip wrapper. zlib writes mtime 0 and no file name unless given a
  // gz_header, so the output depends on the input (and the zlib version) only.
  if (deflateInit2(&stream, 9, Z_DEFLATED, 16 + MAX_WBITS, 8, Z_DEFAULT_STRATEGY) != Z_OK)
    throw Error("gzip_bytes: zlib could not start deflating");
  if (bytes.size() > UINT_MAX) {
    deflateEnd(&stream);
    throw Error("gzip_bytes: more than 4 GiB of input");
  }
  std::vector<std::uint8_t> out(deflateBound(&stream, uLong(bytes.size())));
  stream.next_in = const_cast<Bytef*>(bytes.data());
  stream.avail_in = uInt(bytes.size());
  stream.next_out = out.data();
  stream.avail_out = uInt(out.size());
  const int status = deflate(&stream, Z_FINISH);
  out.resize(stream.total_out);
  deflateEnd(&stream);
  if (status != Z_STREAM_END) throw Error("gzip_bytes: deflate failed");
  return out;
}

void save_idx(const Dataset& data, const std::string& images_path,
              const std::string& labels_path) {
  if (data.preprocessing.kind != Preprocessing::Kind::none)
    throw Error("save_idx: the dataset is preprocessed (\"" + to_string(data.preprocessing.kind) +
                "\"); IDX files hold raw pixels 0..255");
  if (data.y.n_elem != data.x.n_cols)
    throw Error("save_idx: " + std::to_string(data.x.n_cols) + " images but " +
                std::to_string(data.y.n_elem) + " labels");
  const std::vector<std::uint8_t> images = idx_image_bytes(data.x, data.shape);
  const std::vector<std::uint8_t> labels = idx_label_bytes(data.y);
  write_file(images_path, util::ends_with(images_path, ".gz") ? gzip_bytes(images) : images);
  write_file(labels_path, util::ends_with(labels_path, ".gz") ? gzip_bytes(labels) : labels);
}

}  // namespace nn
