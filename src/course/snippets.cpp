// snippets.cpp -- the snippet markers sources carry and the citations docs make of them.
#include <algorithm>
#include <cctype>
#include <fstream>
#include <map>
#include <sstream>

#include "course/lesson.hpp"
#include "util/strings.hpp"

namespace nn::lesson {

namespace {

using util::ends_with;
using util::starts_with;
using util::trim;

bool valid_snippet_name(const std::string& name) {
  return !name.empty() && std::all_of(name.begin(), name.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_' || c == '.';
  });
}


}  // namespace

const Snippet* SnippetFile::find(const std::string& name) const {
  for (const auto& s : snippets) {
    if (s.name == name) return &s;
  }
  return nullptr;
}

namespace {

// A marker is a comment of its own: "// [snippet name]", "# [/snippet]". Its name, or "" for a
// bare "[/snippet]"; kind none for any other line.
struct Marker {
  enum class Kind { none, opens, closes } kind = Kind::none;
  std::string name;
};

Marker read_marker(const std::string& line) {
  const std::string t = trim(line);
  std::string m;
  if (starts_with(t, "//")) m = trim(t.substr(2));
  else if (starts_with(t, "#")) m = trim(t.substr(1));
  if (starts_with(m, "[snippet ") && ends_with(m, "]"))
    return {Marker::Kind::opens, trim(m.substr(9, m.size() - 10))};
  if (m == "[/snippet]") return {Marker::Kind::closes, ""};
  if (starts_with(m, "[/snippet ") && ends_with(m, "]"))
    return {Marker::Kind::closes, trim(m.substr(10, m.size() - 11))};
  return {};
}

// One file's scan in progress: the snippets open at the current line, innermost last.
struct Scan {
  SnippetFile& result;
  std::vector<std::size_t> open;  // indices into result.snippets
  std::map<std::string, std::size_t> first_seen;

  void opens(const std::string& name, std::size_t number, const std::string& where) {
    if (!valid_snippet_name(name)) {
      result.problems.push_back(where + "snippet name '" + name +
                                "' must be letters, digits, '-', '_' or '.'");
    }
    const auto seen = first_seen.find(name);
    if (seen != first_seen.end()) {
      result.problems.push_back(where + "snippet '" + name + "' is defined twice (first at line " +
                                std::to_string(seen->second) + ")");
    } else {
      first_seen[name] = number;
    }
    Snippet s;
    s.name = name;
    s.line = number;
    result.snippets.push_back(s);
    open.push_back(result.snippets.size() - 1);
  }

  void closes(const std::string& name, std::size_t number, const std::string& where) {
    if (open.empty()) {
      result.problems.push_back(where + "[/snippet] closes nothing: no snippet is open");
      return;
    }
    Snippet& innermost = result.snippets[open.back()];
    if (!name.empty() && name != innermost.name) {
      result.problems.push_back(where + "[/snippet " + name + "] but the innermost open " +
                                "snippet is '" + innermost.name + "' (line " +
                                std::to_string(innermost.line) + ")");
    }
    innermost.end_line = number;
    open.pop_back();
  }

  void code(const std::string& line, std::size_t number) {
    for (std::size_t i : open) {
      result.snippets[i].code.push_back(line);
      result.snippets[i].code_lines.push_back(number);
    }
  }
};

}  // namespace

SnippetFile scan_snippets(const std::string& path, const std::string& shown_as) {
  SnippetFile result;
  std::ifstream file(path);
  if (!file) return result;
  result.readable = true;
  Scan scan{result, {}, {}};
  std::string line;
  std::size_t number = 0;
  while (std::getline(file, line)) {
    ++number;
    if (!line.empty() && line.back() == '\r') line.pop_back();
    const std::string where = shown_as + ":" + std::to_string(number) + ": ";
    const Marker marker = read_marker(line);
    if (marker.kind == Marker::Kind::opens) scan.opens(marker.name, number, where);
    else if (marker.kind == Marker::Kind::closes) scan.closes(marker.name, number, where);
    else scan.code(line, number);
  }
  for (std::size_t i : scan.open) {
    const Snippet& s = result.snippets[i];
    result.problems.push_back(shown_as + ":" + std::to_string(s.line) + ": snippet '" + s.name +
                              "' is opened but never closed");
  }
  return result;
}

std::string locate_snippet(const std::string& file, const std::string& name,
                           std::string& problem) {
  const SnippetFile scanned = scan_snippets(repository_root() + "/" + file, file);
  if (!scanned.readable) {
    problem = "no file " + file + " under " + repository_root();
    return "";
  }
  const Snippet* s = scanned.find(name);
  if (s == nullptr) {
    problem = "no marker '// [snippet " + name + "]' in " + file;
    return "";
  }
  problem.clear();
  return file + ":" + std::to_string(s->line);
}

std::optional<Citation> parse_citation(const std::string& line, std::string& problem) {
  problem.clear();
  const std::string t = trim(line);
  if (!starts_with(t, "<!--")) return std::nullopt;
  const std::string inner = trim(t.substr(4));
  if (!starts_with(inner, "snippet ") && !starts_with(inner, "snippet\t")) return std::nullopt;
  if (!ends_with(inner, "-->")) {
    problem = "a snippet citation must fit on one line: <!-- snippet FILE NAME -->";
    return std::nullopt;
  }
  std::istringstream words(inner.substr(7, inner.size() - 10));
  std::vector<std::string> w;
  for (std::string word; words >> word;) w.push_back(word);
  if (w.size() != 2) {
    problem = "expected <!-- snippet FILE NAME -->, got: " + t;
    return std::nullopt;
  }
  return Citation{w[0], w[1]};
}

}  // namespace nn::lesson
