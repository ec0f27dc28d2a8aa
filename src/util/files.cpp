// files.cpp -- write_atomically and the list of files written.
#include "util/files.hpp"

#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <fstream>

#include "nn/error.hpp"

namespace fs = std::filesystem;

namespace nn::util {

namespace {

std::vector<std::string>& written() {
  static std::vector<std::string> files;
  return files;
}

}  // namespace

const std::vector<std::string>& files_written() { return written(); }
void forget_files_written() { written().clear(); }
void record_file(const std::string& path) {
  auto& files = written();
  if (std::find(files.begin(), files.end(), path) == files.end()) files.push_back(path);
}

std::string temporary_for(const std::string& path) {
  const fs::path p(path);
  return (p.parent_path() / ("." + p.filename().string() + ".tmp" + std::to_string(getpid())))
      .string();
}

void rename_into_place(const std::string& temporary, const std::string& path) {
  std::error_code ec;
  fs::rename(temporary, path, ec);
  if (ec) {
    fs::remove(temporary, ec);
    throw Error("cannot write " + path + ": " + ec.message());
  }
  record_file(path);
}

void write_atomically(const std::string& path, const std::string& content) {
  const std::string temporary = temporary_for(path);
  {
    std::ofstream file(temporary, std::ios::binary);
    file << content;
    file.close();
    if (!file) {
      std::error_code ec;
      fs::remove(temporary, ec);
      throw Error("cannot write " + path);
    }
  }
  rename_into_place(temporary, path);
}

}  // namespace nn::util
