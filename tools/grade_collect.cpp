// grade_collect.cpp -- `grade collect`: a submission's exercise bodies, spliced into the course's
// tree (grade_splice.hpp). Only files whose exercises changed are written, so make recompiles
// those alone; what was ignored is said in the note the student reads first.
#include <iostream>
#include <set>

#include "grade_common.hpp"
#include "grade_splice.hpp"

namespace grade {

namespace {

bool skipped_dir(const std::string& rel) {
  for (const char* d : {"build/", "dist/", "out/", ".git/"})
    if (starts_with(rel, d) || rel.find("/" + std::string(d)) != std::string::npos) return true;
  return false;
}

// Where the submission's src/ is: at its top, deeper (a zip of the whole repository), or ""
// when it is loose files (they count as src/nn/<file>).
fs::path submission_base(const fs::path& submission) {
  if (fs::is_directory(submission / "src" / "nn")) return submission;
  std::vector<fs::path> found;
  for (auto it = fs::recursive_directory_iterator(submission); it != fs::recursive_directory_iterator(); ++it) {
    const std::string rel = fs::relative(it->path(), submission).generic_string() + "/";
    if (it->is_directory() && skipped_dir(rel)) it.disable_recursion_pending();
    else if (it->is_directory() && it->path().filename() == "nn" &&
             it->path().parent_path().filename() == "src")
      found.push_back(it->path().parent_path().parent_path());
  }
  std::sort(found.begin(), found.end());
  return found.empty() ? fs::path() : found.front();
}

// Every file of the submission, as the course path it stands for ("src/nn/linear.cpp").
std::map<std::string, fs::path> submitted_files(const fs::path& submission, std::string& where) {
  std::map<std::string, fs::path> files;
  const fs::path base = submission_base(submission);
  if (!base.empty()) {
    const std::string rel = fs::relative(base, submission).generic_string();
    where = "your " + (rel == "." ? std::string("") : rel + "/") + "src/";
    for (auto it = fs::recursive_directory_iterator(base / "src"); it != fs::recursive_directory_iterator(); ++it)
      if (it->is_regular_file())
        files["src/" + fs::relative(it->path(), base / "src").generic_string()] = it->path();
    return files;
  }
  where = "the files you uploaded (as src/nn/<file>)";
  for (const auto& e : fs::directory_iterator(submission))
    if (e.is_regular_file()) files["src/nn/" + e.path().filename().string()] = e.path();
  return files;
}

std::string joined(const std::vector<std::string>& items, std::size_t max) {
  std::string out;
  for (std::size_t i = 0; i < items.size() && i < max; ++i) out += (i ? ", " : "") + items[i];
  if (items.size() > max) out += " and " + std::to_string(items.size() - max) + " more";
  return out;
}

}  // namespace

int command_collect(const std::string& course_dir, const std::string& submission_dir,
                    const std::string& into_dir, const std::string& note_path) {
  const fs::path course(course_dir), submission(submission_dir), into(into_dir);
  std::string where;
  const std::map<std::string, fs::path> files =
      fs::exists(submission) ? submitted_files(submission, where) : std::map<std::string, fs::path>{};
  std::vector<std::string> notes, ignored, outside;
  int written = 0, stubs = 0, changed_files = 0;
  std::set<std::string> used;
  for (const auto& e : fs::recursive_directory_iterator(course / "src")) {
    const std::string rel = fs::relative(e.path(), course).generic_string();
    if (!e.is_regular_file() || !is_cpp(rel)) continue;
    const grade_splice::Lines course_lines = lines_of(read_file(e.path().string()));
    const auto regions = grade_splice::stub_regions(course_lines);
    if (regions.empty()) continue;
    const auto it = files.find(rel);
    if (it == files.end()) {
      stubs += static_cast<int>(regions.size());
      continue;
    }
    used.insert(rel);
    const grade_splice::Spliced s = grade_splice::splice(course_lines, lines_of(read_file(it->second.string())));
    written += s.written;
    stubs += s.stubs;
    for (const std::string& n : s.notes) notes.push_back(rel + ": " + n);
    if (s.outside_changed) outside.push_back(rel);
    if (s.written == 0) continue;
    const std::string text = read_file(e.path().string());
    write_file((into / rel).string(),
               grade_exercises::join_lines(s.lines, !text.empty() && text.back() == '\n'));
    ++changed_files;
  }
  for (const auto& f : files) {
    if (used.count(f.first)) continue;
    const bool same = fs::exists(course / f.first) && read_file((course / f.first).string()) ==
                                                          read_file(f.second.string());
    if (!same) ignored.push_back(f.first);
  }
  std::string note;
  if (files.empty())
    note = "Your submission has no src/ directory and no .cpp file: the unwritten stubs were graded.\n";
  else
    note = "Graded: the exercise regions of " + where + " (" + std::to_string(written) +
           " exercises written, " + std::to_string(stubs) + " still stubs; " +
           std::to_string(changed_files) + " files recompiled). Everything else is the course's own.\n";
  for (const std::string& n : notes) note += "  " + n + "\n";
  if (!outside.empty())
    note += "  Ignored: your changes outside the exercise regions of " + joined(outside, 6) + ".\n";
  if (!ignored.empty())
    note += "  Ignored: " + joined(ignored, 8) + " (only exercise regions are graded; headers, "
            "tests and other files are the course's).\n";
  std::cout << note;
  if (!note_path.empty()) {
    std::ofstream out(note_path, std::ios::app);
    out << note;
  }
  return 0;
}

}  // namespace grade
