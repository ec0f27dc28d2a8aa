// grade_student.cpp -- `grade student` (the student release, and the autograder's course tree)
// and `grade exercises` (the exercises, and which are still to write).
#include <algorithm>
#include <cstdio>
#include <iostream>
#include <set>

#include "grade_common.hpp"
#include "grade_json.hpp"

namespace grade {

using grade_json::Value;

namespace {


// ---- the student release -----------------------------------------------------------------------

// Instructor-only paths: never in the release.
bool instructor_only(const std::string& rel) {
  static const char* prefixes[] = {".git/",
                                   "build/",
                                   "out/",
                                   "dist/",
                                   "tests/hidden/",
                                   "tests/fixtures/grading/",
                                   "tests/infra/grading",  // the grader's own tests
                                   "tools/autograder/",
                                   "tools/student"};
  for (const char* p : prefixes)
    if (starts_with(rel, p)) return true;
  return rel == "docs/grading.md" || rel == ".git";
}


// The files of the repository: what git tracks plus what it would add (untracked, not ignored);
// without git, every file but the build products.
std::vector<std::string> repository_files(const std::string& root) {
  std::vector<std::string> files;
  const std::string cmd =
      "git -C '" + root + "' ls-files -z --cached --others --exclude-standard 2>/dev/null";
  if (FILE* pipe = ::popen(cmd.c_str(), "r")) {
    std::string all;
    char buf[65536];
    std::size_t n;
    while ((n = std::fread(buf, 1, sizeof buf, pipe)) > 0) all.append(buf, n);
    const int status = ::pclose(pipe);
    if (status == 0 && !all.empty()) {
      std::string cur;
      for (const char c : all) {
        if (c == '\0') {
          if (!cur.empty()) files.push_back(cur);
          cur.clear();
        } else
          cur += c;
      }
      std::sort(files.begin(), files.end());
      files.erase(std::unique(files.begin(), files.end()), files.end());
      return files;
    }
  }
  for (auto it = fs::recursive_directory_iterator(root); it != fs::recursive_directory_iterator();
       ++it) {
    const std::string rel = fs::relative(it->path(), root).generic_string();
    if (it->is_directory() && instructor_only(rel + "/")) {
      it.disable_recursion_pending();
      continue;
    }
    if (it->is_regular_file()) files.push_back(rel);
  }
  std::sort(files.begin(), files.end());
  return files;
}

std::string exercise_table_markdown(const std::vector<grade_exercises::Exercise>& exercises,
                                    const std::map<std::string, double>* points) {
  std::string out = "| lesson | exercise | where |" + std::string(points ? " points |" : "") + "\n";
  out += "|---|---|---|" + std::string(points ? "---|" : "") + "\n";
  for (const auto& e : exercises) {
    out += "| " + std::to_string(e.lesson_number) + " | " + e.name + " | `" + e.file + ":" +
           std::to_string(e.line) + "` |";
    if (points) {
      auto it = points->find(e.name);
      out += " " + (it == points->end() ? std::string("-") : format_points(it->second)) + " |";
    }
    out += "\n";
  }
  return out;
}

std::string git_commit(const std::string& root) {
  std::string out;
  const std::string cmd = "git -C '" + root + "' rev-parse --short HEAD 2>/dev/null";
  if (FILE* pipe = ::popen(cmd.c_str(), "r")) {
    char buf[128];
    while (std::fgets(buf, sizeof buf, pipe)) out += buf;
    if (::pclose(pipe) != 0) out.clear();
  }
  return trim(out);
}


}  // namespace

// Whether `to` may be (re)written from `from`: a stepnet tree, into nothing or an old release.
bool release_target_ok(const fs::path& root, const fs::path& dest) {
  if (fs::exists(root / ".stepnet-release")) {
    std::cerr << "grade student: " << root.string()
              << " is already a student release: it has no solutions to strip\n";
    return false;
  }
  if (!fs::exists(root / "Makefile") || !fs::exists(root / "src")) {
    std::cerr << "grade student: " << root.string() << " is not a stepnet tree\n";
    return false;
  }
  if (!fs::exists(dest)) return true;
  // Only ever delete a previous release, or an empty directory.
  const bool empty =
      fs::is_directory(dest) && fs::directory_iterator(dest) == fs::directory_iterator();
  if (!empty && !fs::exists(dest / ".stepnet-release")) {
    std::cerr << "grade student: " << dest.string()
              << " exists and is not a student release; remove it first\n";
    return false;
  }
  const std::string rel = fs::relative(root, dest).generic_string();
  if (dest == root || (rel.rfind("..", 0) != 0 && rel != "")) {
    std::cerr << "grade student: refusing to replace " << dest.string() << "\n";
    return false;
  }
  fs::remove_all(dest);
  return true;
}

struct Copied {
  std::vector<grade_exercises::Exercise> exercises;
  std::vector<grade_exercises::Problem> problems;
  int copied = 0, hidden_regions = 0, skipped = 0;
};

// One file's text in the release; true when it differs from the tree's.
bool release_text(const std::string& rel, std::string& text, bool for_autograder, Copied& c) {
  if (!is_cpp(rel)) return false;
  bool changed = false;
  auto stripped = grade_exercises::strip_solutions(text, rel);
  c.problems.insert(c.problems.end(), stripped.problems.begin(), stripped.problems.end());
  c.exercises.insert(c.exercises.end(), stripped.exercises.begin(), stripped.exercises.end());
  if (!stripped.exercises.empty()) {
    text = stripped.text;
    changed = true;
  }
  if (starts_with(rel, "tests/") && !for_autograder) {
    auto hidden = grade_exercises::strip_hidden(text, rel);
    c.problems.insert(c.problems.end(), hidden.problems.begin(), hidden.problems.end());
    if (hidden.regions > 0) {
      text = hidden.text;
      changed = true;
      c.hidden_regions += hidden.regions;
    }
  }
  return changed;
}

Copied copy_release(const fs::path& root, const fs::path& dest, bool for_autograder) {
  Copied c;
  for (const std::string& rel : repository_files(root.string())) {
    if (instructor_only(rel)) {
      ++c.skipped;
      continue;
    }
    const fs::path src = root / rel;
    if (!fs::is_regular_file(src)) continue;  // deleted but still tracked
    const fs::path dst = dest / rel;
    fs::create_directories(dst.parent_path());
    std::string text = is_cpp(rel) ? read_file(src.string()) : "";
    if (release_text(rel, text, for_autograder, c)) {
      write_file(dst.string(), text);
      fs::permissions(dst, fs::status(src).permissions());
    } else {
      // Same bytes, same time stamp: make treats it as unchanged (objects can be reused).
      fs::copy_file(src, dst, fs::copy_options::overwrite_existing);
      fs::last_write_time(dst, fs::last_write_time(src));
    }
    ++c.copied;
  }
  return c;
}

// "commit abc123", or "an unversioned tree" outside git.
std::string release_origin(const std::string& commit) {
  return commit.empty() ? std::string("an unversioned tree") : "commit " + commit;
}

// The exercises as they are in the release, with the stubs' line numbers there.
std::vector<grade_exercises::Exercise> stubs_in_release(
    const fs::path& dest, const std::vector<grade_exercises::Exercise>& exercises) {
  std::vector<grade_exercises::Exercise> stubs;
  std::set<std::string> seen;
  for (const auto& e : exercises)
    if (seen.insert(e.file).second)
      for (const auto& s :
           grade_exercises::find_exercises(read_file((dest / e.file).string()), e.file))
        stubs.push_back(s);
  std::stable_sort(stubs.begin(), stubs.end(),
                   [](const auto& a, const auto& b) { return a.lesson_number < b.lesson_number; });
  return stubs;
}

// The README: what to do first (tools/student_README.md, its {{KEYS}} filled in), then the
// project's own README.
void write_student_readme(const fs::path& root, const fs::path& dest,
                          const std::vector<grade_exercises::Exercise>& stubs,
                          const std::string& commit) {
  std::string intro = read_file((root / "tools/student_README.md").string());
  if (intro.empty()) intro = "# stepnet: your copy\n\n{{EXERCISES}}\n";
  auto replace = [&](const std::string& key, const std::string& value) {
    for (std::size_t at; (at = intro.find(key)) != std::string::npos;)
      intro.replace(at, key.size(), value);
  };
  replace("{{EXERCISES}}", exercise_table_markdown(stubs, nullptr));
  replace("{{COUNT}}", std::to_string(stubs.size()));
  replace("{{COMMIT}}", release_origin(commit));
  const std::string readme = intro + "\n---\n\n" + read_file((root / "README.md").string());
  write_file((dest / "README.md").string(), readme);
}

void print_release_summary(const std::string& to, const Copied& c,
                           const std::vector<grade_exercises::Exercise>& stubs) {
  std::map<int, int> per_lesson;
  for (const auto& e : stubs) ++per_lesson[e.lesson_number];
  std::cout << "student release in " << to << ": " << c.copied << " files, " << stubs.size()
            << " exercises (";
  bool first = true;
  for (const auto& kv : per_lesson) {
    std::cout << (first ? "" : ", ") << "lesson " << kv.first << ": " << kv.second;
    first = false;
  }
  std::cout << ")";
  if (c.hidden_regions) std::cout << ", " << c.hidden_regions << " hidden test region(s) removed";
  std::cout << ", " << c.skipped << " instructor-only files left out.\n";
}

// for_autograder: the course's own tree for Gradescope: solutions stubbed (a submission that
// lacks a file gets the stub, never the solution) but hidden tests kept, no student README.
int command_student(const std::string& from, const std::string& to, bool for_autograder) {
  const fs::path root = fs::absolute(from).lexically_normal();
  const fs::path dest = fs::absolute(to).lexically_normal();
  if (!release_target_ok(root, dest)) return 1;
  const Copied c = copy_release(root, dest, for_autograder);
  if (!c.problems.empty()) {
    for (const auto& p : c.problems)
      std::cerr << p.file << ":" << p.line << ": " << p.message << "\n";
    std::cerr << "grade student: " << c.problems.size() << " problem(s); no release written\n";
    fs::remove_all(dest);
    return 1;
  }
  const std::string commit = git_commit(root.string());
  if (for_autograder) {
    write_file((dest / ".stepnet-release").string(),
               "the course's tree for the autograder, made by `make autograder` from " +
                   release_origin(commit) + "\n");
    std::cout << "autograder tree in " << to << ": " << c.copied << " files, "
              << c.exercises.size() << " exercises stubbed, hidden tests kept.\n";
    return 0;
  }
  const std::vector<grade_exercises::Exercise> stubs = stubs_in_release(dest, c.exercises);
  write_student_readme(root, dest, stubs, commit);
  write_file((dest / ".stepnet-release").string(),
             "student release of stepnet, made by `make student` from " + release_origin(commit) +
                 "\n");
  // Nothing of a solution may remain.
  for (const auto& e : stubs)
    if (e.state != grade_exercises::Exercise::State::stub) {
      std::cerr << "grade student: " << e.file << ":" << e.line
                << " is not a stub in the release\n";
      return 1;
    }
  print_release_summary(to, c, stubs);
  return 0;
}

// ---- exercises -----------------------------------------------------------------------------
int command_exercises(const std::string& root, const std::string& results_path, bool markdown,
                      bool remaining) {
  std::vector<grade_exercises::Exercise> all = nn::lesson::find_exercises_in_tree(root);
  std::stable_sort(all.begin(), all.end(),
                   [](const auto& a, const auto& b) { return a.lesson_number < b.lesson_number; });
  // Points: in a student release's results, each failed test names the exercise it stopped at.
  std::map<std::string, double> points;
  std::map<std::string, int> tests;
  if (!results_path.empty()) {
    const Value results = grade_json::parse(read_file(results_path));
    for (const Value& t : results["tests"].items())
      for (const auto& e : all)
        if (t["output"].as_string().find(grade_exercises::message(e)) != std::string::npos) {
          points[e.name] += t["max_score"].as_number();
          ++tests[e.name];
          break;
        }
  }
  if (markdown) {
    std::cout << exercise_table_markdown(all, results_path.empty() ? nullptr : &points);
    return 0;
  }
  if (remaining) {  // the student's view: what is still a stub
    std::vector<const grade_exercises::Exercise*> left;
    for (const auto& e : all)
      if (e.state == grade_exercises::Exercise::State::stub) left.push_back(&e);
    if (left.empty()) {
      std::printf("Every exercise is written (%zu).\n", all.size());
      return 0;
    }
    std::printf("Exercises still to write: %zu of %zu\n", left.size(), all.size());
    for (const auto* e : left)
      std::printf("  lesson %-3d %-52s %s:%d\n", e->lesson_number, e->name.c_str(), e->file.c_str(),
                  e->line);
    return 0;
  }
  int left = 0;
  for (const auto& e : all) {
    const char* state = e.state == grade_exercises::Exercise::State::solution ? "solution"
                        : e.state == grade_exercises::Exercise::State::stub   ? "to write"
                                                                              : "written";
    left += e.state == grade_exercises::Exercise::State::stub;
    std::printf("  lesson %-3d %-9s %-58s %s:%d", e.lesson_number, state, e.name.c_str(),
                e.file.c_str(), e.line);
    if (!results_path.empty())
      std::printf("  %s points in %d tests", format_points(points[e.name]).c_str(), tests[e.name]);
    std::printf("\n");
  }
  std::printf("%zu exercises", all.size());
  if (left) std::printf(", %d still to write", left);
  std::printf(".\n");
  return 0;
}
}  // namespace grade
