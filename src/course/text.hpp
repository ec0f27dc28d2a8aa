// text.hpp -- what the course room's files share: the page width, wrapping, paths as shown,
// whole numbers from the command line. Not for lessons (they include course/lesson.hpp).
#pragma once

#include <cstddef>
#include <string>

namespace nn::lesson::detail {

constexpr std::size_t page_width = 100;

// Each line of `text` indented by `indent`, long lines wrapped at word boundaries so that no
// line passes page_width. Explicit line breaks and leading spaces (aligned math) are kept.
std::string wrap(const std::string& text, const std::string& indent);
// A path as the reader should see it: relative to the current directory when inside it.
std::string shown(const std::string& path);
// The whole text as a number, or false.
bool parse_long(const std::string& text, long& value);

}  // namespace nn::lesson::detail
