// grade_xml.hpp -- reads Catch2's XML reporter output, including output cut off mid-write.
//
// A test process that crashes or is killed can leave its report unfinished: an element opened
// and never closed, a tag cut in half. This parser keeps everything complete up to that point
// and marks each element closed or not, so the grader can tell "this test case finished" from
// "this test case was running when the process died". It knows exactly the XML Catch2 writes:
// elements, attributes, text, the five named entities and numeric character references; it
// skips the declaration, comments and processing instructions.
#pragma once

#include <cctype>
#include <cstdint>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "grade_json.hpp"

namespace grade_xml {

struct Element {
  std::string name;
  std::vector<std::pair<std::string, std::string>> attributes;
  std::vector<std::unique_ptr<Element>> children;
  std::string text;     // the text directly inside, entities decoded
  bool closed = false;  // its end tag (or "/>") was read

  const std::string* attribute(const std::string& key) const {
    for (const auto& a : attributes)
      if (a.first == key) return &a.second;
    return nullptr;
  }
  std::string attribute_or(const std::string& key, const std::string& fallback) const {
    const std::string* a = attribute(key);
    return a ? *a : fallback;
  }
  // The first child with this name, or nullptr.
  const Element* child(const std::string& child_name) const {
    for (const auto& c : children)
      if (c->name == child_name) return c.get();
    return nullptr;
  }
};

// Text with leading and trailing whitespace removed (Catch2 indents its text elements).
inline std::string trim(const std::string& s) {
  const auto first = s.find_first_not_of(" \t\r\n");
  if (first == std::string::npos) return "";
  const auto last = s.find_last_not_of(" \t\r\n");
  return s.substr(first, last - first + 1);
}

// Code point cp as UTF-8; one that XML cannot hold (0, a surrogate, beyond U+10FFFF) becomes
// U+FFFD.
inline void append_utf8(std::string& out, std::uint32_t cp) {
  if (cp == 0 || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) cp = 0xFFFD;
  grade_json::append_utf8(out, cp);
}

// "&lt;a&gt;" -> "<a>". An unknown or unfinished entity is kept as written.
inline std::string decode(const std::string& s) {
  std::string out;
  out.reserve(s.size());
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] != '&') {
      out += s[i];
      continue;
    }
    const std::size_t semi = s.find(';', i);
    if (semi == std::string::npos || semi - i > 12) {
      out += s[i];
      continue;
    }
    const std::string entity = s.substr(i + 1, semi - i - 1);
    if (entity == "lt")
      out += '<';
    else if (entity == "gt")
      out += '>';
    else if (entity == "amp")
      out += '&';
    else if (entity == "quot")
      out += '"';
    else if (entity == "apos")
      out += '\'';
    else if (entity.size() > 1 && entity[0] == '#') {
      try {
        const bool hex = entity[1] == 'x' || entity[1] == 'X';
        const std::uint32_t cp = static_cast<std::uint32_t>(
            std::stoul(entity.substr(hex ? 2 : 1), nullptr, hex ? 16 : 10));
        append_utf8(out, cp);
      } catch (...) {
        out += s[i];
        continue;
      }
    } else {
      out += s[i];
      continue;
    }
    i = semi;
  }
  return out;
}

// Where the tag that opens at xml[i] ('<') ends: the index of its '>', honouring quoted attribute
// values (they may hold '>'); xml.size() when the tag is cut off.
inline std::size_t tag_end(const std::string& xml, std::size_t i) {
  const std::size_t n = xml.size();
  std::size_t j = i + 1;
  char quote = 0;
  while (j < n && (quote || xml[j] != '>')) {
    if (quote) {
      if (xml[j] == quote) quote = 0;
    } else if (xml[j] == '"' || xml[j] == '\'')
      quote = xml[j];
    ++j;
  }
  return j;
}

// An end tag closes the innermost open element of that name (and whatever is open inside it,
// which stays unclosed); the document (open[0]) is never closed.
inline void close_element(std::vector<Element*>& open, const std::string& name) {
  for (std::size_t k = open.size(); k-- > 1;) {
    if (open[k]->name == name) {
      for (std::size_t m = k; m < open.size(); ++m) open[m]->closed = (m == k);
      open.resize(k);
      return;
    }
  }
}

// The element a start tag's text names: `name key="value" key='value' ...` (no '<', '>', '/').
// Attributes stop at the first pair that is not well formed.
inline std::unique_ptr<Element> element_of(const std::string& tag) {
  auto element = std::make_unique<Element>();
  std::size_t p = 0;
  while (p < tag.size() && !std::isspace(static_cast<unsigned char>(tag[p]))) ++p;
  element->name = tag.substr(0, p);
  while (p < tag.size()) {  // name="value" pairs
    while (p < tag.size() && std::isspace(static_cast<unsigned char>(tag[p]))) ++p;
    const std::size_t eq = tag.find('=', p);
    if (eq == std::string::npos) break;
    const std::string key = trim(tag.substr(p, eq - p));
    std::size_t v = eq + 1;
    while (v < tag.size() && std::isspace(static_cast<unsigned char>(tag[v]))) ++v;
    if (v >= tag.size() || (tag[v] != '"' && tag[v] != '\'')) break;
    const char q = tag[v];
    const std::size_t close = tag.find(q, v + 1);
    if (close == std::string::npos) break;
    element->attributes.emplace_back(key, decode(tag.substr(v + 1, close - v - 1)));
    p = close + 1;
  }
  return element;
}

// The document's root element (a synthetic "#document" holding the top-level elements).
// Never throws on malformed or truncated input: it stops where the input stops making sense.
inline std::unique_ptr<Element> parse(const std::string& xml) {
  auto document = std::make_unique<Element>();
  document->name = "#document";
  std::vector<Element*> open{document.get()};
  std::size_t i = 0;
  const std::size_t n = xml.size();
  while (i < n) {
    if (xml[i] != '<') {
      const std::size_t next = xml.find('<', i);
      const std::size_t end = next == std::string::npos ? n : next;
      open.back()->text += decode(xml.substr(i, end - i));
      i = end;
      continue;
    }
    if (xml.compare(i, 4, "<!--") == 0) {
      const std::size_t end = xml.find("-->", i + 4);
      if (end == std::string::npos) break;
      i = end + 3;
      continue;
    }
    if (xml.compare(i, 2, "<?") == 0 || xml.compare(i, 2, "<!") == 0) {
      const std::size_t end = xml.find('>', i);
      if (end == std::string::npos) break;
      i = end + 1;
      continue;
    }
    const std::size_t j = tag_end(xml, i);
    if (j >= n) break;  // a tag cut off: the report ends here
    std::string tag = xml.substr(i + 1, j - i - 1);
    i = j + 1;
    if (!tag.empty() && tag[0] == '/') {
      close_element(open, trim(tag.substr(1)));
      continue;
    }
    const bool self_closing = !tag.empty() && tag.back() == '/';
    if (self_closing) tag.pop_back();
    std::unique_ptr<Element> element = element_of(tag);
    Element* raw = element.get();
    open.back()->children.push_back(std::move(element));
    if (self_closing)
      raw->closed = true;
    else
      open.push_back(raw);
  }
  return document;
}

}  // namespace grade_xml
