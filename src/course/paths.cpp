// paths.cpp -- where things are: the repository root, and the exercises its sources hold.
#include <cstdlib>
#include <filesystem>
#include <map>

#include "course/exercises.hpp"
#include "course/lesson.hpp"
#include "course/text.hpp"
#include "nn/error.hpp"
#include "util/strings.hpp"

namespace fs = std::filesystem;

namespace nn::lesson {

std::string find_upwards(const std::string& start, const std::string& marker) {
  std::error_code ec;
  fs::path dir = fs::absolute(start, ec);
  if (ec) return "";
  dir = dir.lexically_normal();
  while (true) {
    if (fs::exists(dir / marker, ec)) return dir.string();
    if (dir == dir.parent_path() || dir.empty()) return "";
    dir = dir.parent_path();
  }
}

const std::string& repository_root() {
  static const std::string root = [] {
    const std::string marker = "src/nn/nn.hpp";
    std::error_code ec;
    const std::string cwd = fs::current_path(ec).string();
    std::string found = find_upwards(cwd, marker);
    if (found.empty()) {
      const fs::path exe = fs::read_symlink("/proc/self/exe", ec);
      if (!ec) found = find_upwards(exe.parent_path().string(), marker);
    }
    if (found.empty()) found = cwd;
    if (found.size() > 1 && found.back() == '/') found.pop_back();
    return found;
  }();
  return root;
}

std::string output_root() {
  const char* env = std::getenv("STEPNET_OUT");
  if (env == nullptr || *env == '\0') return repository_root() + "/out";
  const fs::path out(env);
  return (out.is_relative() ? fs::path(repository_root()) / out : out).string();
}

// ---- exercises ---------------------------------------------------------------------------

// The runner's view of the scanner's exercises (course/exercises.hpp), once per root.
const std::vector<ExerciseState>& exercises_in(const std::string& root) {
  static std::map<std::string, std::vector<ExerciseState>> cache;
  auto it = cache.find(root);
  if (it != cache.end()) return it->second;
  std::vector<ExerciseState>& found = cache[root];
  for (const Exercise& e : find_exercises_in_tree(root))
    found.push_back({e.lesson_number, e.name, e.file, e.line, e.state == Exercise::State::stub});
  return found;
}

void Step::needs(std::initializer_list<std::string> exercises) {
  const std::vector<ExerciseState>& all = exercises_in(repository_root());
  if (all.empty()) return;  // no sources to look at: the step runs and meets any stub itself
  for (const std::string& wanted : exercises) {
    const ExerciseState* match = nullptr;
    for (const auto& e : all)
      if (e.name == wanted || Unwritten::id_of(e.name) == wanted) match = &e;
    if (!match)
      throw Error("Step::needs: no exercise named '" + wanted +
                  "' in src/ or lessons/ (names as in their BEGIN SOLUTION markers)");
    if (match->unwritten) throw Unwritten(match->lesson, match->name, match->file, match->line);
  }
}

namespace detail {

std::string shown(const std::string& path) {
  std::error_code ec;
  const fs::path relative = fs::proximate(path, ec);
  if (ec || util::starts_with(relative.string(), "..")) return path;
  return relative.string();
}

}  // namespace detail
}  // namespace nn::lesson
