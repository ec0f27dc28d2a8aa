// files.hpp -- writing a file so that an interrupted run never leaves half of it, and the list
// of files a run wrote (the lesson runner prints it at the end).
//
// Contract: write_atomically writes under a hidden temporary name beside the path
// (".name.tmp<pid>") and renames it into place; the directory must exist. Any failure removes
// the temporary file and throws nn::Error naming the path. Every path written this way (or
// passed to record_file) is remembered once, in order, until forget_files_written().
#pragma once

#include <string>
#include <vector>

namespace nn::util {

void write_atomically(const std::string& path, const std::string& content);

// A hidden name beside `path`, unique to this process: ".loss.png.tmp1234".
std::string temporary_for(const std::string& path);
// Renames temporary to path (removing temporary when that fails) and records path.
void rename_into_place(const std::string& temporary, const std::string& path);

const std::vector<std::string>& files_written();
void forget_files_written();
void record_file(const std::string& path);  // for files written some other way

}  // namespace nn::util
