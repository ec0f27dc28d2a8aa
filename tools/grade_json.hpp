// grade_json.hpp -- the little JSON the grader needs: a value, a strict parser, a writer.
//
// The grader writes Gradescope's results.json with it and parses its own output back before
// trusting it; tests/infra/grading_*.cpp read the reports with the same parser. Strict means
// RFC 8259: one value, no trailing commas, no comments, escapes and UTF-8 checked, numbers in
// JSON's own grammar. The writer never emits invalid UTF-8: bytes that are not UTF-8 (a student's
// program can print anything) become U+FFFD.
// Header-only and standard C++17 only, so that the grader builds without any library.
#pragma once

#include <cmath>
#include <cstdint>
#include <cstdio>
#include <map>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

namespace grade_json {

// ---- values --------------------------------------------------------------------------------
class Value {
 public:
  enum class Type { null, boolean, number, string, array, object };

  Value() = default;
  Value(std::nullptr_t) {}
  Value(bool b) : type_(Type::boolean), bool_(b) {}
  Value(double d) : type_(Type::number), number_(d) {}
  Value(int i) : type_(Type::number), number_(i) {}
  Value(long i) : type_(Type::number), number_(static_cast<double>(i)) {}
  Value(unsigned long i) : type_(Type::number), number_(static_cast<double>(i)) {}
  Value(const char* s) : type_(Type::string), string_(s) {}
  Value(std::string s) : type_(Type::string), string_(std::move(s)) {}

  static Value array() {
    Value v;
    v.type_ = Type::array;
    return v;
  }
  static Value object() {
    Value v;
    v.type_ = Type::object;
    return v;
  }

  Type type() const { return type_; }
  bool is_null() const { return type_ == Type::null; }
  bool is_number() const { return type_ == Type::number; }
  bool is_string() const { return type_ == Type::string; }
  bool is_array() const { return type_ == Type::array; }
  bool is_object() const { return type_ == Type::object; }

  bool as_bool() const {
    expect(Type::boolean, "a boolean");
    return bool_;
  }
  double as_number() const {
    expect(Type::number, "a number");
    return number_;
  }
  const std::string& as_string() const {
    expect(Type::string, "a string");
    return string_;
  }
  const std::vector<Value>& items() const {
    expect(Type::array, "an array");
    return items_;
  }
  // Members in the order they were written (JSON objects keep the writer's order here).
  const std::vector<std::pair<std::string, Value>>& members() const {
    expect(Type::object, "an object");
    return members_;
  }

  // Arrays: append. Objects: set (replacing an existing key), look up.
  Value& push(Value v) {
    expect(Type::array, "an array");
    items_.push_back(std::move(v));
    return items_.back();
  }
  Value& set(const std::string& key, Value v) {
    expect(Type::object, "an object");
    for (auto& m : members_)
      if (m.first == key) return m.second = std::move(v);
    members_.emplace_back(key, std::move(v));
    return members_.back().second;
  }
  bool has(const std::string& key) const {
    if (type_ != Type::object) return false;
    for (const auto& m : members_)
      if (m.first == key) return true;
    return false;
  }
  const Value& operator[](const std::string& key) const {
    expect(Type::object, "an object");
    for (const auto& m : members_)
      if (m.first == key) return m.second;
    throw std::runtime_error("JSON object has no member \"" + key + "\"");
  }
  const Value& operator[](std::size_t i) const { return items().at(i); }
  std::size_t size() const {
    return type_ == Type::array ? items_.size() : type_ == Type::object ? members_.size() : 0;
  }

 private:
  void expect(Type t, const char* what) const {
    if (type_ != t) throw std::runtime_error(std::string("JSON value is not ") + what);
  }
  Type type_ = Type::null;
  bool bool_ = false;
  double number_ = 0;
  std::string string_;
  std::vector<Value> items_;
  std::vector<std::pair<std::string, Value>> members_;
};

// ---- UTF-8 ---------------------------------------------------------------------------------
// Length of the valid UTF-8 sequence starting at s[i], or 0 when it is not valid
// (overlong forms, surrogates and code points past U+10FFFF are invalid).
inline std::size_t utf8_sequence(const std::string& s, std::size_t i) {
  const auto byte = [&](std::size_t k) { return static_cast<unsigned char>(s[k]); };
  const unsigned char c = byte(i);
  if (c < 0x80) return 1;
  std::size_t n;
  std::uint32_t cp;
  if ((c & 0xE0) == 0xC0) {
    n = 2;
    cp = c & 0x1F;
  } else if ((c & 0xF0) == 0xE0) {
    n = 3;
    cp = c & 0x0F;
  } else if ((c & 0xF8) == 0xF0) {
    n = 4;
    cp = c & 0x07;
  } else
    return 0;
  if (i + n > s.size()) return 0;
  for (std::size_t k = 1; k < n; ++k) {
    if ((byte(i + k) & 0xC0) != 0x80) return 0;
    cp = (cp << 6) | (byte(i + k) & 0x3F);
  }
  static const std::uint32_t smallest[] = {0, 0, 0x80, 0x800, 0x10000};
  if (cp < smallest[n] || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return 0;
  return n;
}

// Code point cp as UTF-8 (1 to 4 bytes), appended to out.
inline void append_utf8(std::string& out, std::uint32_t cp) {
  if (cp < 0x80)
    out += char(cp);
  else if (cp < 0x800) {
    out += char(0xC0 | (cp >> 6));
    out += char(0x80 | (cp & 0x3F));
  } else if (cp < 0x10000) {
    out += char(0xE0 | (cp >> 12));
    out += char(0x80 | ((cp >> 6) & 0x3F));
    out += char(0x80 | (cp & 0x3F));
  } else {
    out += char(0xF0 | (cp >> 18));
    out += char(0x80 | ((cp >> 12) & 0x3F));
    out += char(0x80 | ((cp >> 6) & 0x3F));
    out += char(0x80 | (cp & 0x3F));
  }
}

// s with every byte that is not part of valid UTF-8 replaced by U+FFFD.
inline std::string valid_utf8(const std::string& s) {
  std::string out;
  out.reserve(s.size());
  for (std::size_t i = 0; i < s.size();) {
    const std::size_t n = utf8_sequence(s, i);
    if (n == 0) {
      out += "\xEF\xBF\xBD";
      ++i;
    } else {
      out.append(s, i, n);
      i += n;
    }
  }
  return out;
}

// ---- writing -------------------------------------------------------------------------------
inline std::string quote(const std::string& raw) {
  const std::string s = valid_utf8(raw);
  std::string out = "\"";
  for (const char ch : s) {
    const unsigned char c = static_cast<unsigned char>(ch);
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\t': out += "\\t"; break;
      case '\r': out += "\\r"; break;
      case '\b': out += "\\b"; break;
      case '\f': out += "\\f"; break;
      default:
        if (c < 0x20 || c == 0x7F) {
          char buf[8];
          std::snprintf(buf, sizeof buf, "\\u%04x", c);
          out += buf;
        } else {
          out += ch;
        }
    }
  }
  return out + "\"";
}

inline std::string number_text(double d) {
  if (!std::isfinite(d)) return "null";  // JSON has no NaN or infinity
  char buf[32];
  if (d == std::floor(d) && std::fabs(d) < 1e15)
    std::snprintf(buf, sizeof buf, "%.0f", d);
  else
    std::snprintf(buf, sizeof buf, "%.10g", d);
  return buf;
}

// Objects and arrays of scalars are written one member per line, indented by two spaces.
inline void write(std::string& out, const Value& v, int depth = 0) {
  const std::string pad(2 * (depth + 1), ' ');
  const std::string close_pad(2 * depth, ' ');
  switch (v.type()) {
    case Value::Type::null: out += "null"; break;
    case Value::Type::boolean: out += v.as_bool() ? "true" : "false"; break;
    case Value::Type::number: out += number_text(v.as_number()); break;
    case Value::Type::string: out += quote(v.as_string()); break;
    case Value::Type::array: {
      if (v.size() == 0) {
        out += "[]";
        break;
      }
      out += "[\n";
      bool first = true;
      for (const Value& item : v.items()) {
        if (!first) out += ",\n";
        first = false;
        out += pad;
        write(out, item, depth + 1);
      }
      out += "\n" + close_pad + "]";
      break;
    }
    case Value::Type::object: {
      if (v.size() == 0) {
        out += "{}";
        break;
      }
      out += "{\n";
      bool first = true;
      for (const auto& m : v.members()) {
        if (!first) out += ",\n";
        first = false;
        out += pad + quote(m.first) + ": ";
        write(out, m.second, depth + 1);
      }
      out += "\n" + close_pad + "}";
      break;
    }
  }
}

inline std::string dump(const Value& v) {
  std::string out;
  write(out, v);
  return out + "\n";
}

// ---- parsing -------------------------------------------------------------------------------
class Parser {
 public:
  explicit Parser(const std::string& text) : s_(text) {}

  Value parse_document() {
    skip_space();
    Value v = parse_value(0);
    skip_space();
    if (i_ != s_.size()) fail("unexpected text after the JSON value");
    return v;
  }

 private:
  [[noreturn]] void fail(const std::string& what) const {
    std::size_t line = 1, column = 1;
    for (std::size_t k = 0; k < i_ && k < s_.size(); ++k) {
      if (s_[k] == '\n') {
        ++line;
        column = 1;
      } else {
        ++column;
      }
    }
    throw std::runtime_error("invalid JSON at line " + std::to_string(line) + ", column " +
                             std::to_string(column) + " (byte " + std::to_string(i_) +
                             "): " + what);
  }
  bool at_end() const { return i_ >= s_.size(); }
  char peek() const { return at_end() ? '\0' : s_[i_]; }
  void skip_space() {
    while (!at_end() && (s_[i_] == ' ' || s_[i_] == '\t' || s_[i_] == '\n' || s_[i_] == '\r')) ++i_;
  }
  void expect_word(const char* word) {
    for (const char* p = word; *p; ++p, ++i_)
      if (peek() != *p) fail(std::string("expected ") + word);
  }

  Value parse_value(int depth) {
    if (depth > 200) fail("nested too deeply");
    switch (peek()) {
      case '{': return parse_object(depth);
      case '[': return parse_array(depth);
      case '"': return Value(parse_string());
      case 't': expect_word("true"); return Value(true);
      case 'f': expect_word("false"); return Value(false);
      case 'n': expect_word("null"); return Value();
      default:
        if (peek() == '-' || (peek() >= '0' && peek() <= '9')) return Value(parse_number());
        if (at_end()) fail("unexpected end of input");
        fail(std::string("unexpected character '") + peek() + "'");
    }
  }

  Value parse_object(int depth) {
    Value obj = Value::object();
    ++i_;  // {
    skip_space();
    if (peek() == '}') {
      ++i_;
      return obj;
    }
    while (true) {
      skip_space();
      if (peek() != '"') fail("expected a string key");
      std::string key = parse_string();
      if (obj.has(key)) fail("duplicate key \"" + key + "\"");
      skip_space();
      if (peek() != ':') fail("expected ':'");
      ++i_;
      skip_space();
      obj.set(key, parse_value(depth + 1));
      skip_space();
      if (peek() == ',') {
        ++i_;
        continue;
      }
      if (peek() == '}') {
        ++i_;
        return obj;
      }
      fail("expected ',' or '}'");
    }
  }

  Value parse_array(int depth) {
    Value arr = Value::array();
    ++i_;  // [
    skip_space();
    if (peek() == ']') {
      ++i_;
      return arr;
    }
    while (true) {
      skip_space();
      arr.push(parse_value(depth + 1));
      skip_space();
      if (peek() == ',') {
        ++i_;
        continue;
      }
      if (peek() == ']') {
        ++i_;
        return arr;
      }
      fail("expected ',' or ']'");
    }
  }

  unsigned hex4() {
    unsigned v = 0;
    for (int k = 0; k < 4; ++k, ++i_) {
      const char c = peek();
      v <<= 4;
      if (c >= '0' && c <= '9')
        v |= unsigned(c - '0');
      else if (c >= 'a' && c <= 'f')
        v |= unsigned(c - 'a' + 10);
      else if (c >= 'A' && c <= 'F')
        v |= unsigned(c - 'A' + 10);
      else
        fail("bad \\u escape");
    }
    return v;
  }

  std::string parse_string() {
    ++i_;  // opening quote
    std::string out;
    while (true) {
      if (at_end()) fail("unterminated string");
      const unsigned char c = static_cast<unsigned char>(s_[i_]);
      if (c == '"') {
        ++i_;
        return out;
      }
      if (c < 0x20) fail("control character inside a string");
      if (c == '\\') {
        ++i_;
        const char e = peek();
        ++i_;
        switch (e) {
          case '"': out += '"'; break;
          case '\\': out += '\\'; break;
          case '/': out += '/'; break;
          case 'b': out += '\b'; break;
          case 'f': out += '\f'; break;
          case 'n': out += '\n'; break;
          case 'r': out += '\r'; break;
          case 't': out += '\t'; break;
          case 'u': {
            std::uint32_t cp = hex4();
            if (cp >= 0xD800 && cp <= 0xDBFF) {  // a surrogate pair
              if (peek() != '\\') fail("lone high surrogate");
              ++i_;
              if (peek() != 'u') fail("lone high surrogate");
              ++i_;
              const std::uint32_t low = hex4();
              if (low < 0xDC00 || low > 0xDFFF) fail("bad low surrogate");
              cp = 0x10000 + ((cp - 0xD800) << 10) + (low - 0xDC00);
            } else if (cp >= 0xDC00 && cp <= 0xDFFF) {
              fail("lone low surrogate");
            }
            append_utf8(out, cp);
            break;
          }
          default: --i_; fail("bad escape");
        }
        continue;
      }
      const std::size_t n = utf8_sequence(s_, i_);
      if (n == 0) fail("invalid UTF-8");
      out.append(s_, i_, n);
      i_ += n;
    }
  }

  double parse_number() {
    const std::size_t start = i_;
    if (peek() == '-') ++i_;
    if (peek() == '0')
      ++i_;
    else if (peek() >= '1' && peek() <= '9') {
      while (peek() >= '0' && peek() <= '9') ++i_;
    } else
      fail("bad number");
    if (peek() == '.') {
      ++i_;
      if (!(peek() >= '0' && peek() <= '9')) fail("bad number: digits expected after '.'");
      while (peek() >= '0' && peek() <= '9') ++i_;
    }
    if (peek() == 'e' || peek() == 'E') {
      ++i_;
      if (peek() == '+' || peek() == '-') ++i_;
      if (!(peek() >= '0' && peek() <= '9')) fail("bad number: digits expected in the exponent");
      while (peek() >= '0' && peek() <= '9') ++i_;
    }
    return std::stod(s_.substr(start, i_ - start));
  }

  const std::string& s_;
  std::size_t i_ = 0;
};

inline Value parse(const std::string& text) { return Parser(text).parse_document(); }

}  // namespace grade_json
