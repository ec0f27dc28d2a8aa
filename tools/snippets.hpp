// snippets.hpp -- docs/*.md cite code by snippet marker; this checks and expands them.
//
// A doc cites a snippet on a line of its own (invisible when markdown is rendered):
//     <!-- snippet src/nn/activations.cpp relu-backward -->
// and lists every doc page where it writes
//     <!-- lesson-index -->
// expand() turns the first into a captioned, line-numbered code block and the second into a
// list of links, and points links to other docs at their .html pages. check() finds every
// citation of a missing file or snippet, every malformed marker in the sources, every figure
// of a lesson that does not exist and every link to a doc that does not exist.
// Used by tools/snippets.cpp (make docs) and tests/infra/docs_test.cpp; header-only so that both
// build without a Makefile rule of their own.
#pragma once

#include <algorithm>
#include <cctype>
#include <filesystem>
#include <fstream>
#include <map>
#include <ostream>
#include <sstream>
#include <string>
#include <tuple>
#include <vector>

#include "course/lesson.hpp"

namespace snippets {

namespace fs = std::filesystem;

// ---- reading docs --------------------------------------------------------------------------

// docs/*.md under the root, sorted (lesson10 after lesson9).
inline std::vector<std::string> doc_pages(const std::string& root) {
  std::vector<std::string> pages;
  std::error_code ec;
  for (const auto& e : fs::directory_iterator(fs::path(root) / "docs", ec)) {
    if (e.path().extension() == ".md") pages.push_back("docs/" + e.path().filename().string());
  }
  auto key = [](const std::string& page) {  // "docs/lesson10.md" -> ("docs/lesson", 10, ...)
    const auto digit = page.find_first_of("0123456789");
    if (digit == std::string::npos) return std::make_tuple(page, 0L, std::string());
    std::size_t end = digit;
    while (end < page.size() && std::isdigit(static_cast<unsigned char>(page[end]))) ++end;
    return std::make_tuple(page.substr(0, digit), std::stol(page.substr(digit, end - digit)),
                           page.substr(end));
  };
  std::sort(pages.begin(), pages.end(), [&](auto& a, auto& b) { return key(a) < key(b); });
  return pages;
}

inline std::vector<std::string> read_lines(const std::string& path) {
  std::vector<std::string> lines;
  std::ifstream file(path);
  for (std::string line; std::getline(file, line);) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    lines.push_back(line);
  }
  return lines;
}

// Whether a line opens or closes a fenced code block (``` or ~~~): citations and links in
// code blocks are examples, not citations.
inline bool is_fence(const std::string& line) {
  const auto first = line.find_first_not_of(' ');
  return first != std::string::npos && first <= 3 &&
         (line.compare(first, 3, "```") == 0 || line.compare(first, 3, "~~~") == 0);
}

// The first "# Heading" of a page, or its file name.
inline std::string title_of(const std::string& path) {
  bool in_code = false;
  for (const auto& line : read_lines(path)) {
    if (is_fence(line)) in_code = !in_code;
    if (!in_code && line.rfind("# ", 0) == 0) return line.substr(2);
  }
  return fs::path(path).stem().string();
}

// Targets of the markdown links and images on a line: [text](target "title").
struct Link {
  std::size_t begin, end;  // the target's characters in the line
  std::string target;
  bool image;
};

// `line` with the inside of every `code span` blanked out, offsets kept.
inline std::string without_code_spans(const std::string& line) {
  std::string masked = line;
  bool in_code = false;
  for (char& c : masked) {
    if (c == '`') in_code = !in_code;
    else if (in_code) c = ' ';
  }
  return masked;
}

inline std::vector<Link> links_in(const std::string& original) {
  const std::string line = without_code_spans(original);
  std::vector<Link> links;
  std::size_t at = 0;
  while ((at = line.find("](", at)) != std::string::npos) {
    const std::size_t begin = at + 2;
    const std::size_t close = line.find(')', begin);
    if (close == std::string::npos) break;
    std::size_t end = line.find_first_of(" \t", begin);
    if (end == std::string::npos || end > close) end = close;
    const std::size_t open = line.rfind('[', at);
    const bool image = open != std::string::npos && open > 0 && line[open - 1] == '!';
    links.push_back({begin, end, original.substr(begin, end - begin), image});
    at = close;
  }
  return links;
}

inline bool is_external(const std::string& target) {
  return target.find("://") != std::string::npos || target.rfind("mailto:", 0) == 0 ||
         target.rfind('#', 0) == 0 || target.empty();
}

// "../out/lesson3/toeplitz.png" -> "out/lesson3/toeplitz.png"; "" for anything else.
inline std::string figure_path(const std::string& target) {
  const std::string prefix = "../out/lesson";
  const bool figure = target.rfind(prefix, 0) == 0 && target.size() > prefix.size() &&
                      std::isdigit(static_cast<unsigned char>(target[prefix.size()]));
  return figure ? target.substr(3) : "";
}

// "out/lesson3/toeplitz.png" -> 3
inline long lesson_of_figure(const std::string& figure) {
  return std::stol(figure.substr(std::string("out/lesson").size()));
}

// lessons/lesson03_topic.cpp for lesson 3, or "".
inline std::string lesson_source(const std::string& root, long number) {
  std::error_code ec;
  for (const auto& e : fs::directory_iterator(fs::path(root) / "lessons", ec)) {
    const std::string name = e.path().filename().string();
    if (name.rfind("lesson", 0) != 0 || e.path().extension() != ".cpp") continue;
    const std::string digits = name.substr(6, name.find_first_not_of("0123456789", 6) - 6);
    if (!digits.empty() && std::stol(digits) == number) return "lessons/" + name;
  }
  return "";
}

// The figures (out/lessonN/...) a page shows, in order.
inline std::vector<std::string> figures_of(const std::string& root, const std::string& page) {
  std::vector<std::string> figures;
  bool in_code = false;
  for (const auto& line : read_lines(root + "/" + page)) {
    if (is_fence(line)) in_code = !in_code;
    if (in_code) continue;
    for (const auto& link : links_in(line)) {
      const std::string figure = figure_path(link.target);
      if (!figure.empty() && std::find(figures.begin(), figures.end(), figure) == figures.end()) {
        figures.push_back(figure);
      }
    }
  }
  return figures;
}

// ---- checking ----------------------------------------------------------------------------

// Source files that may carry markers: src/, lessons/, tests/, tools/ (.cpp .hpp .h .sh .mk).
inline std::vector<std::string> source_files(const std::string& root) {
  std::vector<std::string> files;
  for (const char* dir : {"src", "lessons", "tests", "tools", "mk"}) {
    std::error_code ec;
    const fs::path base = fs::path(root) / dir;
    if (!fs::is_directory(base, ec)) continue;
    for (auto it = fs::recursive_directory_iterator(base, ec);
         it != fs::recursive_directory_iterator(); it.increment(ec)) {
      const std::string ext = it->path().extension().string();
      if (ext == ".cpp" || ext == ".hpp" || ext == ".h" || ext == ".sh" || ext == ".mk") {
        files.push_back(fs::relative(it->path(), root).string());
      }
    }
  }
  std::sort(files.begin(), files.end());
  return files;
}

// Every malformed marker: opened and never closed, defined twice, closing nothing.
inline std::vector<std::string> check_markers(const std::string& root) {
  std::vector<std::string> problems;
  for (const auto& file : source_files(root)) {
    const auto scanned = nn::lesson::scan_snippets(root + "/" + file, file);
    problems.insert(problems.end(), scanned.problems.begin(), scanned.problems.end());
  }
  return problems;
}

// Every citation in `page` that names a missing file or snippet, or is malformed.
inline std::vector<std::string> check_citations(const std::string& root, const std::string& page) {
  std::vector<std::string> problems;
  std::map<std::string, nn::lesson::SnippetFile> scanned;
  bool in_code = false;
  const auto lines = read_lines(root + "/" + page);
  for (std::size_t i = 0; i < lines.size(); ++i) {
    if (is_fence(lines[i])) in_code = !in_code;
    if (in_code) continue;
    const std::string where = page + ":" + std::to_string(i + 1) + ": ";
    std::string problem;
    const auto citation = nn::lesson::parse_citation(lines[i], problem);
    if (!problem.empty()) problems.push_back(where + problem);
    if (!citation) continue;
    if (!scanned.count(citation->file)) {
      scanned[citation->file] =
          nn::lesson::scan_snippets(root + "/" + citation->file, citation->file);
    }
    const auto& file = scanned[citation->file];
    if (!file.readable) {
      problems.push_back(where + "cites " + citation->file + ", which does not exist");
    } else if (file.find(citation->name) == nullptr) {
      problems.push_back(where + "cites snippet '" + citation->name + "', which " +
                         citation->file + " no longer marks");
    }
  }
  return problems;
}

// Every link to a doc page or a lesson figure that cannot exist.
inline std::vector<std::string> check_links(const std::string& root, const std::string& page) {
  std::vector<std::string> problems;
  bool in_code = false;
  const auto lines = read_lines(root + "/" + page);
  for (std::size_t i = 0; i < lines.size(); ++i) {
    if (is_fence(lines[i])) in_code = !in_code;
    if (in_code) continue;
    const std::string where = page + ":" + std::to_string(i + 1) + ": ";
    for (const auto& link : links_in(lines[i])) {
      if (is_external(link.target)) continue;
      const std::string figure = figure_path(link.target);
      if (!figure.empty()) {
        if (lesson_source(root, lesson_of_figure(figure)).empty()) {
          problems.push_back(where + "shows " + figure + ", but there is no lesson " +
                             std::to_string(lesson_of_figure(figure)));
        }
        continue;
      }
      const std::string file = link.target.substr(0, link.target.find('#'));
      std::error_code ec;
      if (!fs::exists(fs::path(root) / "docs" / file, ec)) {
        problems.push_back(where + "links to " + link.target + ", which does not exist");
      }
    }
  }
  return problems;
}

// Everything above, for every page.
inline std::vector<std::string> check(const std::string& root) {
  std::vector<std::string> problems = check_markers(root);
  for (const auto& page : doc_pages(root)) {
    for (const auto& p : check_citations(root, page)) problems.push_back(p);
    for (const auto& p : check_links(root, page)) problems.push_back(p);
  }
  return problems;
}

// ---- expanding ---------------------------------------------------------------------------

inline std::string language_of(const std::string& file) {
  const std::string ext = fs::path(file).extension().string();
  if (ext == ".sh") return "bash";
  if (ext == ".mk" || fs::path(file).filename() == "Makefile") return "makefile";
  if (ext == ".md") return "markdown";
  return "cpp";
}

// The code block a citation becomes: a caption linking to the file, then the code with its
// own line numbers (when they run on without a gap).
inline void write_snippet(std::ostream& out, const std::string& file,
                          const nn::lesson::Snippet& s) {
  std::size_t common = std::string::npos;
  for (const auto& line : s.code) {
    const auto first = line.find_first_not_of(" \t");
    if (first != std::string::npos) common = std::min(common, first);
  }
  if (common == std::string::npos) common = 0;
  const bool contiguous =
      !s.code_lines.empty() && s.code_lines.back() - s.code_lines.front() + 1 == s.code.size();
  out << ":::: snippet\n::: snippet-source\n[" << file << ":" << s.line << "](../../" << file
      << ") · `" << s.name << "`\n:::\n\n";
  out << "```{." << language_of(file);
  if (contiguous) out << " .numberLines startFrom=\"" << s.code_lines.front() << "\"";
  out << "}\n";
  for (const auto& line : s.code) out << (line.size() >= common ? line.substr(common) : "") << "\n";
  out << "```\n::::\n";
}

// A list of every other page: lessons first, by number, then the rest.
inline void write_index(std::ostream& out, const std::string& root, const std::string& self) {
  std::vector<std::string> lessons, others;
  for (const auto& page : doc_pages(root)) {
    if (page == self) continue;
    const std::string stem = fs::path(page).stem().string();
    (stem.rfind("lesson", 0) == 0 ? lessons : others).push_back(page);
  }
  auto item = [&](const std::string& page) {
    out << "- [" << title_of(root + "/" + page) << "](" << fs::path(page).stem().string()
        << ".html)\n";
  };
  out << "\n";
  for (const auto& page : lessons) item(page);
  if (lessons.empty()) out << "*(No lesson pages yet: they are docs/lessonN.md.)*\n";
  if (!others.empty()) {
    out << "\nOther pages:\n\n";
    for (const auto& page : others) item(page);
  }
  out << "\n";
}

// `page` (relative to root) with citations expanded, for pandoc, whose output lands in
// build/docs/: links to other pages become .html, links out of docs/ gain one "../".
// Figures (../out/...) stay: pandoc finds them with --resource-path=docs and embeds them.
inline bool expand(const std::string& root, const std::string& page, std::ostream& out,
                   std::vector<std::string>& problems) {
  const std::size_t before = problems.size();
  std::map<std::string, nn::lesson::SnippetFile> scanned;
  bool in_code = false;
  const auto lines = read_lines(root + "/" + page);
  for (std::size_t i = 0; i < lines.size(); ++i) {
    std::string line = lines[i];
    if (is_fence(line)) in_code = !in_code;
    if (in_code) {
      out << line << "\n";
      continue;
    }
    const std::string where = page + ":" + std::to_string(i + 1) + ": ";
    if (line.find("<!-- lesson-index -->") != std::string::npos) {
      write_index(out, root, page);
      continue;
    }
    std::string problem;
    const auto citation = nn::lesson::parse_citation(line, problem);
    if (!problem.empty()) problems.push_back(where + problem);
    if (citation) {
      if (!scanned.count(citation->file)) {
        scanned[citation->file] =
            nn::lesson::scan_snippets(root + "/" + citation->file, citation->file);
      }
      const auto& file = scanned[citation->file];
      const nn::lesson::Snippet* s = file.find(citation->name);
      if (s == nullptr) {
        problems.push_back(where + (file.readable ? "no snippet '" + citation->name + "' in "
                                                  : "no file ") + citation->file);
      } else {
        write_snippet(out, citation->file, *s);
      }
      continue;
    }
    const auto links = links_in(line);
    for (auto it = links.rbegin(); it != links.rend(); ++it) {  // from the right: offsets hold
      if (is_external(it->target) || it->image) continue;
      std::string target = it->target;
      const auto hash = target.find('#');
      const std::string file = target.substr(0, hash);
      const std::string anchor = hash == std::string::npos ? "" : target.substr(hash);
      if (fs::path(file).extension() == ".md" && file.find('/') == std::string::npos) {
        target = fs::path(file).stem().string() + ".html" + anchor;
      } else if (target.rfind("../", 0) == 0) {
        target = "../" + target;
      }
      line.replace(it->begin, it->end - it->begin, target);
    }
    out << line << "\n";
  }
  return problems.size() == before;
}

}  // namespace snippets
