// Real data: IDX files (plain and gzip), every way they can be corrupt, preprocessing with
// training statistics, and the Fashion-MNIST subset shipped in data/.
//
// The IDX bytes are built here, byte by byte, so each corruption is visible in the test.
#include <unistd.h>
#include <zlib.h>

#include <cstdint>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "helpers.hpp"
#include "data/data.hpp"

using Catch::Matchers::Contains;
using Catch::Matchers::WithinAbs;
using testing::Equals;
using testing::grid;

namespace {

namespace fs = std::filesystem;
using Bytes = std::vector<std::uint8_t>;

// A fresh directory per test run, removed afterwards.
struct TempDir {
  fs::path path;
  TempDir() {
    static int counter = 0;
    path = fs::temp_directory_path() /
           ("stepnet_data_test_" + std::to_string(getpid()) + "_" + std::to_string(counter++));
    fs::create_directories(path);
  }
  ~TempDir() {
    std::error_code ignored;
    fs::remove_all(path, ignored);
  }
  std::string file(const std::string& name) const { return (path / name).string(); }
};

Bytes be32(std::uint32_t v) {
  return {std::uint8_t(v >> 24), std::uint8_t(v >> 16), std::uint8_t(v >> 8), std::uint8_t(v)};
}

Bytes cat(std::initializer_list<Bytes> parts) {
  Bytes out;
  for (const Bytes& p : parts) out.insert(out.end(), p.begin(), p.end());
  return out;
}

// Two 2x3 images (2 rows, 3 columns), stored row by row as in every IDX file:
//   image 0 = [ 1  2  3 ]    image 1 = [ 10 20 30 ]
//             [ 4  5  6 ]              [ 40 50 60 ]
const Bytes image_magic = {0x00, 0x00, 0x08, 0x03};
const Bytes image_pixels = {1, 2, 3, 4, 5, 6, 10, 20, 30, 40, 50, 60};
Bytes good_images() { return cat({image_magic, be32(2), be32(2), be32(3), image_pixels}); }

// Their labels, 7 and 3.
const Bytes label_magic = {0x00, 0x00, 0x08, 0x01};
Bytes good_labels() { return cat({label_magic, be32(2), {7, 3}}); }

void write(const std::string& path, const Bytes& bytes) {
  std::ofstream out(path, std::ios::binary);
  out.write(reinterpret_cast<const char*>(bytes.data()), std::streamsize(bytes.size()));
}

Bytes read_bytes(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return Bytes(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

// gzip through zlib's own file interface, independent of the library's writer.
void write_gzip(const std::string& path, const Bytes& bytes) {
  gzFile out = gzopen(path.c_str(), "wb");
  gzwrite(out, bytes.data(), unsigned(bytes.size()));
  gzclose(out);
}

Bytes gzipped(const Bytes& bytes, const TempDir& dir) {
  write_gzip(dir.file("scratch.gz"), bytes);
  return read_bytes(dir.file("scratch.gz"));
}

nn::Dataset tiny_dataset(const arma::mat& x) {
  nn::Dataset data;
  data.x = x;
  data.y = arma::zeros<arma::uvec>(x.n_cols);
  data.shape = nn::Shape{1, x.n_rows, 1};
  return data;
}

}  // namespace

// ---- reading good files --------------------------------------------------------------------

SCENARIO("an IDX image file is row-major; an image column is column-major",
         "[data][lesson06][points:0]") {
  TempDir dir;
  GIVEN("two 2x3 images [[1 2 3] [4 5 6]] and [[10 20 30] [40 50 60]] in a plain file") {
    const std::string path = dir.file("images-idx3-ubyte");
    write(path, good_images());
    WHEN("read") {
      nn::Shape shape;
      const arma::mat x = nn::read_idx_images(path, &shape);
      THEN("x is 6x2, one column per image, and the shape is 1x2x3") {
        CHECK(x.n_rows == 6);
        CHECK(x.n_cols == 2);
        CHECK(shape == nn::Shape{1, 2, 3});
      }
      THEN("column 0 walks down the columns of image 0: [1 4 2 5 3 6]; pixel (r, c) is at c*2 + r") {
        CHECK_THAT(arma::mat(x.col(0)), Equals(grid({{1}, {4}, {2}, {5}, {3}, {6}})));
        CHECK(x(0 * 2 + 1, 0) == 4);   // row 1, col 0
        CHECK(x(2 * 2 + 0, 0) == 3);   // row 0, col 2
        CHECK(x(2 * 2 + 1, 1) == 60);  // row 1, col 2 of image 1
      }
      THEN("seen as a cube, each image reads as written") {
        CHECK_THAT(testing::plane(x.col(0), shape, 0), Equals(grid({{1, 2, 3}, {4, 5, 6}})));
        CHECK_THAT(testing::plane(x.col(1), shape, 0),
                   Equals(grid({{10, 20, 30}, {40, 50, 60}})));
      }
    }
  }
}

SCENARIO("plain and gzip IDX files give the same dataset; gzip is told by its magic",
         "[data][lesson06][points:0]") {
  TempDir dir;
  GIVEN("the two images and labels 7, 3 as plain files and as gzip files") {
    write(dir.file("images"), good_images());
    write(dir.file("labels"), good_labels());
    write_gzip(dir.file("images.gz"), good_images());
    write_gzip(dir.file("labels.gz"), good_labels());
    write_gzip(dir.file("images-no-suffix"), good_images());  // gzip without .gz
    write(dir.file("plain-named.gz"), good_images());         // plain with .gz
    WHEN("each pair is loaded") {
      const nn::Dataset plain = nn::load_idx(dir.file("images"), dir.file("labels"));
      const nn::Dataset gzip = nn::load_idx(dir.file("images.gz"), dir.file("labels.gz"));
      THEN("both hold the same pixels, labels [7 3] and shape 1x2x3, unpreprocessed") {
        const arma::mat expected = grid({{1, 10}, {4, 40}, {2, 20}, {5, 50}, {3, 30}, {6, 60}});
        CHECK_THAT(plain.x, Equals(expected));
        CHECK_THAT(gzip.x, Equals(expected));
        CHECK(arma::all(plain.y == arma::uvec({7, 3})));
        CHECK(arma::all(gzip.y == arma::uvec({7, 3})));
        CHECK(gzip.shape == nn::Shape{1, 2, 3});
        CHECK(gzip.preprocessing.kind == nn::Preprocessing::Kind::none);
      }
    }
    THEN("the name does not matter: content decides plain or gzip") {
      nn::Shape shape;
      CHECK(nn::read_idx_images(dir.file("images-no-suffix"), &shape)(1, 1) == 40);
      CHECK(nn::read_idx_images(dir.file("plain-named.gz"), &shape)(1, 1) == 40);
    }
  }
  GIVEN("the same bytes in memory") {
    const Bytes bytes = good_images();
    THEN("parse_idx_images reads them without a file") {
      nn::Shape shape;
      const arma::mat x = nn::parse_idx_images(bytes.data(), bytes.size(), "memory", &shape);
      CHECK(x(5, 1) == 60);
      CHECK(shape == nn::Shape{1, 2, 3});
    }
  }
}

SCENARIO("save_idx writes exactly the IDX bytes it reads", "[data][lesson06][points:0]") {
  TempDir dir;
  GIVEN("the two-image dataset loaded from the literal bytes") {
    write(dir.file("images"), good_images());
    write(dir.file("labels"), good_labels());
    const nn::Dataset data = nn::load_idx(dir.file("images"), dir.file("labels"));
    WHEN("saved plain and gzipped") {
      nn::save_idx(data, dir.file("out-images"), dir.file("out-labels"));
      nn::save_idx(data, dir.file("out-images.gz"), dir.file("out-labels.gz"));
      THEN("the plain files are byte for byte the literal ones (row-major again)") {
        CHECK(read_bytes(dir.file("out-images")) == good_images());
        CHECK(read_bytes(dir.file("out-labels")) == good_labels());
      }
      THEN("the gzip files read back to the same dataset") {
        const nn::Dataset back = nn::load_idx(dir.file("out-images.gz"), dir.file("out-labels.gz"));
        CHECK_THAT(back.x, Equals(data.x));
        CHECK(arma::all(back.y == data.y));
      }
    }
    THEN("a preprocessed dataset cannot be saved as pixels") {
      nn::Dataset scaled = data;
      nn::apply(nn::scale_by(255), scaled);
      REQUIRE_THROWS_WITH(nn::save_idx(scaled, dir.file("x"), dir.file("y")),
                          Contains("preprocessed"));
    }
  }
}

// ---- corrupt files -------------------------------------------------------------------------

SCENARIO("a corrupt IDX header is refused with the file, the byte and expected vs found",
         "[data][lesson06][points:0]") {
  TempDir dir;
  const std::string path = dir.file("bad-images");
  nn::Shape shape;
  const auto read_images = [&] { return nn::read_idx_images(path, &shape); };

  GIVEN("a file that starts 12 34 08 03 instead of 00 00 08 03") {
    write(path, cat({{0x12, 0x34, 0x08, 0x03}, be32(2), be32(2), be32(3), image_pixels}));
    THEN("the magic at byte 0 is wrong") {
      REQUIRE_THROWS_AS(read_images(), nn::Error);
      REQUIRE_THROWS_WITH(read_images(), Contains(path) && Contains("at byte 0") &&
                                             Contains("expected magic 0x00000803") &&
                                             Contains("found 0x12340803"));
    }
  }
  GIVEN("element type 0x0D (float) in byte 2") {
    write(path, cat({{0x00, 0x00, 0x0D, 0x03}, be32(2), be32(2), be32(3), image_pixels}));
    THEN("the type at byte 2 is wrong") {
      REQUIRE_THROWS_AS(read_images(), nn::Error);
      REQUIRE_THROWS_WITH(read_images(), Contains(path) && Contains("at byte 2") &&
                                             Contains("0x0D (float)"));
    }
  }
  GIVEN("a label file (magic 0x00000801) read as images") {
    write(path, good_labels());
    THEN("the dimension count at byte 3 is wrong: 1 instead of 3") {
      REQUIRE_THROWS_AS(read_images(), nn::Error);
      REQUIRE_THROWS_WITH(read_images(), Contains(path) && Contains("at byte 3") &&
                                             Contains("1 dimension instead of 3") &&
                                             Contains("label file"));
    }
  }
  GIVEN("an image file read as labels") {
    write(path, good_images());
    THEN("the dimension count at byte 3 is wrong: 3 instead of 1") {
      REQUIRE_THROWS_AS(nn::read_idx_labels(path), nn::Error);
      REQUIRE_THROWS_WITH(nn::read_idx_labels(path),
                          Contains(path) && Contains("at byte 3") && Contains("0x00000801"));
    }
  }
  GIVEN("a header cut after 10 of its 16 bytes") {
    Bytes bytes = good_images();
    bytes.resize(10);
    write(path, bytes);
    THEN("the file ends at byte 10, inside the header") {
      REQUIRE_THROWS_AS(read_images(), nn::Error);
      REQUIRE_THROWS_WITH(read_images(), Contains(path) && Contains("ends at byte 10") &&
                                             Contains("16 header bytes"));
    }
  }
  GIVEN("a header saying the images have 0 rows") {
    write(path, cat({image_magic, be32(2), be32(0), be32(3)}));
    THEN("the row count at byte 8 is refused") {
      REQUIRE_THROWS_AS(read_images(), nn::Error);
      REQUIRE_THROWS_WITH(read_images(), Contains(path) && Contains("at byte 8") &&
                                             Contains("number of rows is 0"));
    }
  }
}

SCENARIO("a file whose size disagrees with its header is refused", "[data][lesson06][points:0]") {
  TempDir dir;
  const std::string path = dir.file("bad-images");
  nn::Shape shape;
  const auto read_images = [&] { return nn::read_idx_images(path, &shape); };

  GIVEN("the two images with their last 2 pixels cut off (26 of 28 bytes)") {
    Bytes bytes = good_images();
    bytes.resize(26);
    write(path, bytes);
    THEN("it says where the file ended and how many bytes the header promised") {
      REQUIRE_THROWS_AS(read_images(), nn::Error);
      REQUIRE_THROWS_WITH(read_images(),
                          Contains(path) && Contains("ends at byte 26") &&
                              Contains("inside image 1 of 2") &&
                              Contains("16 header bytes + 2 images of 2x3 pixels = 28 bytes"));
    }
  }
  GIVEN("the two images followed by 3 extra bytes") {
    write(path, cat({good_images(), {9, 9, 9}}));
    THEN("the trailing bytes start at byte 28") {
      REQUIRE_THROWS_AS(read_images(), nn::Error);
      REQUIRE_THROWS_WITH(read_images(), Contains(path) && Contains("at byte 28") &&
                                             Contains("3 trailing bytes"));
    }
  }
  GIVEN("a 16-byte file whose header claims 10^9 images of 1000x1000 pixels (10^15 bytes)") {
    write(path, cat({image_magic, be32(1000000000), be32(1000), be32(1000)}));
    THEN("it is refused from the header alone, before anything is allocated") {
      REQUIRE_THROWS_AS(read_images(), nn::Error);
      REQUIRE_THROWS_WITH(read_images(), Contains(path) && Contains("at byte 4") &&
                                             Contains("1000000000 x 1000 x 1000") &&
                                             Contains("refusing to allocate"));
    }
    AND_WHEN("the same header is gzipped") {
      write_gzip(path, cat({image_magic, be32(1000000000), be32(1000), be32(1000)}));
      THEN("it is refused as soon as the header is inflated") {
        REQUIRE_THROWS_WITH(read_images(), Contains(path) && Contains("(decompressed) at byte 4") &&
                                               Contains("refusing to allocate"));
      }
    }
  }
  GIVEN("a label file claiming 4294967295 labels") {
    write(path, cat({label_magic, be32(0xFFFFFFFF), {1, 2, 3}}));
    THEN("it is refused too") {
      REQUIRE_THROWS_WITH(nn::read_idx_labels(path),
                          Contains(path) && Contains("at byte 4") && Contains("4294967295"));
    }
  }
  GIVEN("a 16-byte file whose header claims 1000 images of 28x28, within the limit") {
    write(path, cat({image_magic, be32(1000), be32(28), be32(28)}));
    THEN("the header is checked against the real file size: it ends at byte 16 of 784016") {
      REQUIRE_THROWS_WITH(read_images(), Contains(path) && Contains("ends at byte 16") &&
                                             Contains("784016 bytes"));
    }
  }
}

SCENARIO("corrupt gzip streams are refused with the compressed byte offset",
         "[data][lesson06][points:0]") {
  TempDir dir;
  const std::string path = dir.file("bad.gz");
  nn::Shape shape;
  const auto read_images = [&] { return nn::read_idx_images(path, &shape); };

  GIVEN("a gzip header followed by a deflate block of the invalid type 3 (byte 0x07)") {
    write(path, {0x1f, 0x8b, 0x08, 0x00, 0, 0, 0, 0, 0x00, 0x03, 0x07});
    THEN("it fails at byte 10, the first byte of deflate data, which holds the block type") {
      REQUIRE_THROWS_AS(read_images(), nn::Error);
      REQUIRE_THROWS_WITH(read_images(), Contains(path) && Contains("at byte 10") &&
                                             Contains("corrupt gzip stream"));
    }
  }
  GIVEN("a good gzip file cut in half") {
    Bytes bytes = gzipped(good_images(), dir);
    const std::size_t half = bytes.size() / 2;
    bytes.resize(half);
    write(path, bytes);
    THEN("the stream ends before its end marker, at the byte where the file ends") {
      REQUIRE_THROWS_AS(read_images(), nn::Error);
      REQUIRE_THROWS_WITH(read_images(), Contains(path) &&
                                             Contains("ends at byte " + std::to_string(half)) &&
                                             Contains("truncated"));
    }
  }
  GIVEN("a good gzip file whose CRC-32 (the 4 bytes before the 4-byte length) has its first byte flipped") {
    Bytes bytes = gzipped(good_images(), dir);
    bytes[bytes.size() - 8] ^= 0xFF;
    write(path, bytes);
    THEN("zlib's check fails at the last byte of the check sum, 5 bytes before the end") {
      REQUIRE_THROWS_AS(read_images(), nn::Error);
      REQUIRE_THROWS_WITH(read_images(),
                          Contains(path) &&
                              Contains("at byte " + std::to_string(bytes.size() - 5)) &&
                              Contains("incorrect data check"));
    }
  }
  GIVEN("a good gzip file followed by 5 bytes of garbage") {
    const Bytes good = gzipped(good_images(), dir);
    write(path, cat({good, {1, 2, 3, 4, 5}}));
    THEN("the garbage is found at the byte after the stream") {
      REQUIRE_THROWS_WITH(read_images(), Contains(path) &&
                                             Contains("at byte " + std::to_string(good.size())) &&
                                             Contains("5 bytes of garbage"));
    }
  }
  GIVEN("a good gzip file of the two images plus 3 extra decompressed bytes") {
    write_gzip(path, cat({good_images(), {9, 9, 9}}));
    THEN("the decompressed offset 28, where the header says the data ends, is named") {
      REQUIRE_THROWS_WITH(read_images(), Contains(path) && Contains("(decompressed) at byte 28"));
    }
  }
  GIVEN("a gzip file of the first 26 of the 28 bytes") {
    Bytes bytes = good_images();
    bytes.resize(26);
    write_gzip(path, bytes);
    THEN("decompressed offsets are named as such") {
      REQUIRE_THROWS_WITH(read_images(), Contains(path) && Contains("(decompressed)") &&
                                             Contains("ends at byte 26"));
    }
  }
  GIVEN("no file at all") {
    THEN("the path is named") {
      REQUIRE_THROWS_WITH(nn::read_idx_images(dir.file("missing.gz"), &shape),
                          Contains("missing.gz") && Contains("no such file"));
    }
  }
}

SCENARIO("images and labels must agree", "[data][lesson06][points:0]") {
  TempDir dir;
  write(dir.file("images"), good_images());
  GIVEN("3 labels for 2 images") {
    write(dir.file("labels"), cat({label_magic, be32(3), {7, 3, 1}}));
    THEN("both files and both counts are named") {
      const auto load = [&] { return nn::load_idx(dir.file("images"), dir.file("labels")); };
      REQUIRE_THROWS_AS(load(), nn::Error);
      REQUIRE_THROWS_WITH(load(), Contains(dir.file("images")) && Contains(dir.file("labels")) &&
                                      Contains("2 images") && Contains("3 labels") &&
                                      Contains("at byte 4"));
    }
  }
  GIVEN("labels 7 and 10 with 10 classes") {
    write(dir.file("labels"), cat({label_magic, be32(2), {7, 10}}));
    THEN("label 10 of sample 1, at byte 8 + 1 = 9, is out of range 0..9") {
      const auto load = [&] { return nn::load_idx(dir.file("images"), dir.file("labels"), 10); };
      REQUIRE_THROWS_AS(load(), nn::Error);
      REQUIRE_THROWS_WITH(load(), Contains(dir.file("labels")) && Contains("at byte 9") &&
                                      Contains("label 10 of sample 1") && Contains("0..9"));
    }
    THEN("with 11 classes it loads") {
      CHECK(nn::load_idx(dir.file("images"), dir.file("labels"), 11).y[1] == 10);
    }
  }
}

SCENARIO("no prefix and no single-byte change of a good file crashes the parser",
         "[data][lesson06][points:0]") {
  const Bytes good = good_images();
  GIVEN("every prefix of the 28-byte file") {
    THEN("all but the whole file throw nn::Error") {
      for (std::size_t n = 0; n < good.size(); ++n) {
        INFO("prefix of " << n << " bytes");
        nn::Shape shape;
        CHECK_THROWS_AS(nn::parse_idx_images(good.data(), n, "prefix", &shape), nn::Error);
      }
    }
  }
  GIVEN("each byte of the header set to 0x00, 0x7F and 0xFF") {
    THEN("the parser either reads it or throws nn::Error") {
      for (std::size_t i = 0; i < 16; ++i)
        for (std::uint8_t v : {0x00, 0x7F, 0xFF}) {
          Bytes bytes = good;
          bytes[i] = v;
          INFO("byte " << i << " = " << int(v));
          nn::Shape shape;
          try {
            const arma::mat x = nn::parse_idx_images(bytes.data(), bytes.size(), "m", &shape);
            CHECK(x.n_elem == 12);
          } catch (const nn::Error&) {
            SUCCEED();
          }
        }
    }
  }
}

// ---- preprocessing -------------------------------------------------------------------------

SCENARIO("preprocessing is fitted on training data and applied with its statistics",
         "[data][lesson06][points:0]") {
  GIVEN("a 2-pixel training set: pixel 0 takes 0, 2, 4 and pixel 1 is always 5") {
    const nn::Dataset train_raw = tiny_dataset(grid({{0, 2, 4}, {5, 5, 5}}));
    WHEN("fitted per pixel (min_std = 1)") {
      const nn::Preprocessing p = nn::fit_per_pixel(train_raw, 1.0);
      THEN("mean = [2 5]; std = [sqrt(8/3) 1]: the constant pixel is floored, not divided by 0") {
        CHECK(p.kind == nn::Preprocessing::Kind::per_pixel);
        CHECK_THAT(arma::mat(p.mean), Equals(grid({{2}, {5}})));
        CHECK_THAT(arma::mat(p.std), Equals(grid({{std::sqrt(8.0 / 3)}, {1}})));
      }
      AND_WHEN("applied to the training set and to a test set") {
        nn::Dataset train = train_raw;
        nn::apply(p, train);
        nn::Dataset test = tiny_dataset(grid({{2, 6}, {5, 7}}));
        nn::apply(train.preprocessing, test);
        const double s = std::sqrt(8.0 / 3);
        THEN("train becomes [[-2/s 0 2/s] [0 0 0]] and remembers how") {
          CHECK_THAT(train.x, Equals(grid({{-2 / s, 0, 2 / s}, {0, 0, 0}})));
          CHECK(train.preprocessing.kind == nn::Preprocessing::Kind::per_pixel);
        }
        THEN("test uses the training mean and std: [[0 4/s] [0 2]]") {
          CHECK_THAT(test.x, Equals(grid({{0, 4 / s}, {0, 2}})));
        }
        THEN("unapply gives the pixels back, and applying twice is refused") {
          CHECK_THAT(nn::unapply(test.preprocessing, test.x), Equals(grid({{2, 6}, {5, 7}})));
          REQUIRE_THROWS_WITH(nn::apply(p, test), Contains("already preprocessed"));
        }
      }
    }
    WHEN("fitted globally, or scaled by 255") {
      const nn::Preprocessing global = nn::fit_global(train_raw);
      const nn::Preprocessing scale = nn::scale_by(255);
      THEN("global: one mean 21/6 = 3.5 and one std over all six values") {
        CHECK_THAT(global.mean[0], WithinAbs(3.5, 1e-12));
        CHECK_THAT(global.std[0], WithinAbs(std::sqrt((12.25 + 2.25 + 0.25 + 3 * 2.25) / 6), 1e-12));
      }
      THEN("scale: 255 -> 1, 51 -> 0.2") {
        CHECK_THAT(nn::apply(scale, grid({{255, 51}})), Equals(grid({{1, 0.2}})));
      }
    }
    THEN("statistics fitted on 2 pixels do not apply to 3") {
      REQUIRE_THROWS_WITH(nn::apply(nn::fit_per_pixel(train_raw), arma::mat(3, 1)),
                          Contains("2 features") && Contains("3 rows"));
    }
  }
}

SCENARIO("choosing balanced, seeded subsets", "[data][lesson06][points:0]") {
  GIVEN("labels [0 1 0 1 2]") {
    const arma::uvec labels = {0, 1, 0, 1, 2};
    THEN("one per class picks samples 0, 1, 4 (the first of each)") {
      CHECK(arma::all(nn::balanced_indices(labels, 1, 3) == arma::uvec({0, 1, 4})));
    }
    THEN("visiting in the order 3 2 4 1 0 picks 3, 2, 4") {
      CHECK(arma::all(nn::balanced_indices(labels, 1, 3, {3, 2, 4, 1, 0}) ==
                      arma::uvec({3, 2, 4})));
    }
    THEN("two per class is impossible for class 2") {
      REQUIRE_THROWS_WITH(nn::balanced_indices(labels, 2, 3), Contains("class 2 has only 1"));
    }
  }
  GIVEN("seed 7") {
    nn::seed(7);
    const arma::uvec a = nn::shuffled_indices(100);
    nn::seed(7);
    const arma::uvec b = nn::shuffled_indices(100);
    THEN("the shuffle is a permutation of 0..99, the same for the same seed") {
      CHECK(arma::all(a == b));
      CHECK(arma::all(arma::sort(a) == arma::regspace<arma::uvec>(0, 99)));
      CHECK(arma::any(a != arma::regspace<arma::uvec>(0, 99)));
    }
  }
}

// ---- the shipped subset --------------------------------------------------------------------

SCENARIO("the Fashion-MNIST subset shipped in data/ loads and standardizes",
         "[data][lesson06][points:0]") {
  GIVEN("the class names") {
    const auto& names = nn::fashion_mnist_classes();
    THEN("there are ten, from T-shirt/top to Ankle boot") {
      REQUIRE(names.size() == 10);
      CHECK(names[0] == "T-shirt/top");
      CHECK(names[5] == "Sandal");
      CHECK(names[9] == "Ankle boot");
    }
  }
  GIVEN("the training subset") {
    const nn::Dataset train = nn::fashion_mnist_subset("train");
    THEN("it is 784 x 2000: 28x28 images, 200 of each class, raw pixels 0..255") {
      CHECK(train.x.n_rows == 784);
      CHECK(train.x.n_cols == 2000);
      CHECK(train.shape == nn::Shape{1, 28, 28});
      CHECK(arma::all(arma::hist(train.y, arma::regspace<arma::uvec>(0, 9)) == 200));
      CHECK(train.x.min() == 0);
      CHECK(train.x.max() == 255);
      CHECK(arma::all(arma::vectorise(train.x == arma::floor(train.x))));
    }
    THEN("the classes are interleaved, as drawn with seed 2017: 7 3 5 2 4 1 6 3 4 8") {
      CHECK(arma::all(train.y.head(10) == arma::uvec({7, 3, 5, 2, 4, 1, 6, 3, 4, 8})));
    }
    WHEN("standardized per pixel on itself") {
      nn::Dataset standardized = train;
      const nn::Preprocessing p = nn::fit_per_pixel(train);
      nn::apply(p, standardized);
      const arma::vec mean = arma::mean(standardized.x, 1);      // (784 x 1)
      const arma::vec deviation = arma::stddev(standardized.x, 1, 1);  // (784 x 1)
      THEN("every pixel has mean 0, and std 1 wherever it varied more than min_std") {
        CHECK(arma::abs(mean).max() < 1e-10);
        const arma::uvec varied = arma::find(p.std > 1.0);
        CHECK(varied.n_elem > 700);
        CHECK(arma::abs(deviation.elem(varied) - 1).max() < 1e-10);
        CHECK(deviation.max() < 1 + 1e-10);
      }
    }
  }
  GIVEN("the test subset") {
    const nn::Dataset test = nn::fashion_mnist_subset("test");
    THEN("it is 784 x 1000, 100 of each class") {
      CHECK(test.x.n_rows == 784);
      CHECK(test.x.n_cols == 1000);
      CHECK(arma::all(arma::hist(test.y, arma::regspace<arma::uvec>(0, 9)) == 100));
    }
  }
  GIVEN("nn::fashion_mnist, which prefers Debian's full set") {
    bool is_full = false;
    std::string source;
    const nn::Dataset test = nn::fashion_mnist("test", &is_full, &source);
    THEN("it says which it used: 10000 test images from the package, or the 1000 shipped") {
      INFO("source: " << source);
      CHECK(test.x.n_cols == (is_full ? 10000u : 1000u));
      CHECK(source == (is_full ? std::string(nn::debian_fashion_mnist_dir)
                               : nn::data_dir() + "/fashion-mnist"));
    }
    THEN("a split other than train or test is refused") {
      REQUIRE_THROWS_WITH(nn::fashion_mnist("validation"), Contains("\"validation\""));
    }
  }
}
