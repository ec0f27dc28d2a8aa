// pager.hpp -- a step's output, paused every screenful on a terminal so that no prose scrolls
// away unread (the lesson runner's; tests drive it through a string stream).
//
// Contract: a Pager is a stream buffer that writes through to `out`, counting the lines. With
// `rows` > 0, before the first character of a line that would make the screenful longer than
// rows - 3 lines (counted since the last new_screen()), it writes the prompt "-- more: Enter --",
// flushes, and reads one line from `in`; then a new screenful starts. rows 0 never pauses, and
// neither does a closed `in` (end of input: the rest runs straight through).
#pragma once

#include <istream>
#include <ostream>
#include <streambuf>
#include <string>

namespace nn::lesson {

class Pager : public std::streambuf {
public:
  static constexpr const char* prompt = "-- more: Enter --";

  Pager(std::ostream& out, std::istream& in, int rows);
  void new_screen() { lines_ = 0; }  // the reader has just answered a prompt of the runner's
  int pauses() const { return pauses_; }

protected:
  int_type overflow(int_type c) override;
  std::streamsize xsputn(const char* s, std::streamsize n) override;
  int sync() override;

private:
  void put(char c);
  void pause();

  std::ostream& out_;
  std::istream& in_;
  int limit_;  // lines per screenful; 0: no paging
  int lines_ = 0, pauses_ = 0;
  bool line_start_ = true;
};

// The rows of the terminal on standard output (ioctl TIOCGWINSZ), or `fallback` when it is no
// terminal or does not say.
int terminal_rows(int fallback = 45);

}  // namespace nn::lesson
