// pager.cpp -- paging a step's output on a terminal (pager.hpp).
#include "course/pager.hpp"

#include <sys/ioctl.h>
#include <unistd.h>

namespace nn::lesson {

Pager::Pager(std::ostream& out, std::istream& in, int rows)
    : out_(out), in_(in), limit_(rows > 3 ? rows - 3 : 0) {}

void Pager::pause() {
  out_ << prompt << std::flush;
  std::string answer;
  if (!std::getline(in_, answer)) {  // input closed: no more pauses
    out_ << "\n";
    limit_ = 0;
  }
  ++pauses_;
  lines_ = 0;
}

void Pager::put(char c) {
  if (line_start_ && limit_ > 0 && lines_ >= limit_) pause();
  out_.put(c);
  line_start_ = c == '\n';
  if (line_start_) ++lines_;
}

Pager::int_type Pager::overflow(int_type c) {
  if (traits_type::eq_int_type(c, traits_type::eof())) return traits_type::not_eof(c);
  put(traits_type::to_char_type(c));
  return c;
}

std::streamsize Pager::xsputn(const char* s, std::streamsize n) {
  for (std::streamsize i = 0; i < n; ++i) put(s[i]);
  return n;
}

int Pager::sync() {
  out_.flush();
  return out_ ? 0 : -1;
}

int terminal_rows(int fallback) {
  winsize size{};
  if (isatty(STDOUT_FILENO) && ioctl(STDOUT_FILENO, TIOCGWINSZ, &size) == 0 && size.ws_row > 0)
    return size.ws_row;
  return fallback;
}

}  // namespace nn::lesson
