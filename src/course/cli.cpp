// cli.cpp -- a lesson's command line: declaring options, parsing, usage, help and the list.
#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <iomanip>
#include <set>
#include <sstream>

#include "course/lesson.hpp"
#include "course/text.hpp"
#include "nn/error.hpp"
#include "util/format.hpp"
#include "util/strings.hpp"

namespace nn::lesson {

using detail::shown;
using util::starts_with;

namespace {

const std::set<std::string> builtin = {"--list", "--step", "--seed", "--quick", "--no-pause",
                                       "--help"};

void check_option_name(const std::string& name) {
  if (!starts_with(name, "--") || name.size() < 3 || name.find('=') != std::string::npos) {
    throw Error("Lesson::option: '" + name + "' must look like --name");
  }
  if (builtin.count(name)) throw Error("Lesson::option: " + name + " is a built-in option");
}

}  // namespace

void Lesson::option(const std::string& name, const std::string& metavar,
                    const std::string& help, long default_value) {
  check_option_name(name);
  if (!options_.count(name)) option_order_.push_back(name);
  options_[name] = Option{metavar, help, Option::Kind::integer, double(default_value)};
}

void Lesson::option(const std::string& name, const std::string& metavar,
                    const std::string& help, long default_value, long minimum) {
  if (default_value < minimum) {
    throw Error("Lesson::option: " + name + "'s default " + std::to_string(default_value) +
                " is below its minimum " + std::to_string(minimum));
  }
  option(name, metavar, help, default_value);
  options_[name].minimum = double(minimum);
}

void Lesson::option(const std::string& name, const std::string& metavar,
                    const std::string& help, double default_value) {
  check_option_name(name);
  if (!options_.count(name)) option_order_.push_back(name);
  options_[name] = Option{metavar, help, Option::Kind::number, default_value};
}

void Lesson::option(const std::string& name, const std::string& metavar,
                    const std::string& help, double default_value, double bound, Bound kind) {
  const bool exclusive = kind == Bound::above;
  if (exclusive ? !(default_value > bound) : !(default_value >= bound)) {
    throw Error("Lesson::option: " + name + "'s default " + util::number(default_value) +
                " is outside its bound (" + (exclusive ? "> " : ">= ") + util::number(bound) + ")");
  }
  option(name, metavar, help, default_value);
  options_[name].minimum = bound;
  options_[name].exclusive = exclusive;
}

void Lesson::flag(const std::string& name, const std::string& help) {
  check_option_name(name);
  if (!options_.count(name)) option_order_.push_back(name);
  options_[name] = Option{"", help, Option::Kind::flag, 0.0};
}

const Lesson::Option& Lesson::find(const std::string& name, Option::Kind kind) const {
  const auto it = options_.find(name);
  if (it == options_.end()) throw Error("lesson option " + name + " was never declared");
  if (it->second.kind != kind) {
    const char* kinds[] = {"an integer option", "a number option", "a flag"};
    throw Error("lesson option " + name + " is " + kinds[int(it->second.kind)]);
  }
  return it->second;
}

long Lesson::integer(const std::string& name) const {
  return static_cast<long>(find(name, Option::Kind::integer).value);
}
double Lesson::number(const std::string& name) const {
  return find(name, Option::Kind::number).value;
}
bool Lesson::is_set(const std::string& name) const { return find(name, Option::Kind::flag).set; }
bool Lesson::given(const std::string& name) const {
  const auto it = options_.find(name);
  if (it == options_.end()) throw Error("lesson option " + name + " was never declared");
  return it->second.set;
}

// ---- a lesson: the command line ----------------------------------------------------------
namespace detail {

bool parse_long(const std::string& text, long& value) {
  if (text.empty()) return false;
  char* end = nullptr;
  errno = 0;
  value = std::strtol(text.c_str(), &end, 10);
  return errno == 0 && *end == '\0';
}

}  // namespace detail

namespace {

using detail::parse_long;

bool parse_double(const std::string& text, double& value) {
  if (text.empty()) return false;
  char* end = nullptr;
  errno = 0;
  value = std::strtod(text.c_str(), &end);
  return errno == 0 && *end == '\0' && std::isfinite(value);
}

// Levenshtein distance, for "did you mean --steps?".
std::size_t edit_distance(const std::string& a, const std::string& b) {
  std::vector<std::size_t> row(b.size() + 1);
  for (std::size_t j = 0; j <= b.size(); ++j) row[j] = j;
  for (std::size_t i = 1; i <= a.size(); ++i) {
    std::size_t diagonal = row[0];
    row[0] = i;
    for (std::size_t j = 1; j <= b.size(); ++j) {
      const std::size_t above = row[j];
      row[j] = std::min({row[j] + 1, row[j - 1] + 1, diagonal + (a[i - 1] != b[j - 1])});
      diagonal = above;
    }
  }
  return row[b.size()];
}

}  // namespace

std::string Lesson::nearest_option(const std::string& name) const {
  std::string best;
  std::size_t best_distance = 3;  // suggest only near misses
  auto consider = [&](const std::string& candidate) {
    const std::size_t d = edit_distance(name, candidate);
    if (d < best_distance) {
      best = candidate;
      best_distance = d;
    }
  };
  for (const auto& b : builtin) consider(b);
  for (const auto& o : option_order_) consider(o);
  return best;
}

void Lesson::print_usage(std::ostream& os) const {
  os << "usage: " << program_ << " [--list] [--step K] [--seed N] [--quick] [--no-pause]";
  for (const auto& name : option_order_) {
    const Option& o = options_.at(name);
    os << " [" << name << (o.kind == Option::Kind::flag ? "" : " " + o.metavar) << "]";
  }
  os << " [--help]\n";
}

bool Lesson::usage_error(const std::string& message) {
  *err_ << program_ << ": " << message << "\n";
  print_usage(*err_);
  *err_ << "Try '" << program_ << " --help' for more.\n";
  return false;
}

bool Lesson::parse() {
  parsed_ = true;
  for (std::size_t i = 0; i < args_.size(); ++i) {
    std::string name = args_[i], value;
    bool has_value = false;
    if (name == "-h") name = "--help";
    if (!starts_with(name, "--")) return usage_error("unexpected argument '" + name + "'");
    const auto eq = name.find('=');
    if (eq != std::string::npos) {
      value = name.substr(eq + 1);
      name = name.substr(0, eq);
      has_value = true;
    }
    const auto it = options_.find(name);
    const bool takes_value = name == "--step" || name == "--seed" ||
                             (it != options_.end() && it->second.kind != Option::Kind::flag);
    if (!builtin.count(name) && it == options_.end()) {
      const std::string near = nearest_option(name);
      return usage_error("unknown option '" + name + "'" +
                         (near.empty() ? "" : " (did you mean " + near + "?)"));
    }
    if (!takes_value && has_value) return usage_error(name + " takes no value");
    if (takes_value && !has_value) {
      if (i + 1 >= args_.size()) {
        const std::string metavar = name == "--step" ? "K" : name == "--seed" ? "N"
                                                                               : it->second.metavar;
        return usage_error(name + " needs a value (" + name + " " + metavar + ")");
      }
      value = args_[++i];
    }
    if (!set_option(name, value)) return false;
  }
  return true;
}

// One option and its value ("" for a flag), known to exist; false after a usage error.
bool Lesson::set_option(const std::string& name, const std::string& value) {
  if (name == "--help") help_ = true;
  else if (name == "--list") list_ = true;
  else if (name == "--quick") quick_ = true;
  else if (name == "--no-pause") no_pause_ = true;
  else if (name == "--step") {
    long k = 0;
    if (!parse_long(value, k) || k < 1 || std::size_t(k) > steps_.size()) {
      return usage_error("--step wants a step number from 1 to " +
                         std::to_string(steps_.size()) + ", got '" + value + "'");
    }
    only_step_ = std::size_t(k);
  } else if (name == "--seed") {
    long s = 0;
    if (!parse_long(value, s) || s < 0) {
      return usage_error("--seed wants a whole number >= 0, got '" + value + "'");
    }
    seed_ = std::uint64_t(s);
  } else {
    Option& o = options_.at(name);
    o.set = true;
    if (o.kind == Option::Kind::integer) {
      long v = 0;
      if (!parse_long(value, v)) return usage_error(name + " wants a whole number, got '" + value + "'");
      if (double(v) < o.minimum) {
        return usage_error(name + " wants a whole number >= " + std::to_string(long(o.minimum)) +
                           ", got '" + value + "'");
      }
      o.value = double(v);
    } else if (o.kind == Option::Kind::number) {
      double v = 0;
      if (!parse_double(value, v)) return usage_error(name + " wants a number, got '" + value + "'");
      if (o.exclusive ? !(v > o.minimum) : v < o.minimum) {
        return usage_error(name + " wants a number " + (o.exclusive ? "> " : ">= ") +
                           util::number(o.minimum) + ", got '" + value + "'");
      }
      o.value = v;
    }
  }
  return true;
}

void Lesson::print_help() const {
  std::ostream& out = *out_;
  out << "Lesson " << number_ << ": " << title_ << "\n\n";
  print_usage(out);
  auto line = [&out](const std::string& left, const std::string& help) {
    out << "  " << std::left << std::setw(16) << left << " " << help << "\n";
  };
  out << "\n";
  line("--list", "list the steps and exit");
  line("--step K", "run only step K (1-" + std::to_string(steps_.size()) + ")");
  line("--seed N", "seed every random generator before each step (default 0)");
  line("--quick", "small, fast settings (what make test uses)");
  line("--no-pause", "run straight through, without waiting after each step");
  line("--help", "show this help");
  if (!option_order_.empty()) {
    out << "lesson options:\n";
    for (const auto& name : option_order_) {
      const Option& o = options_.at(name);
      std::ostringstream help;
      help << o.help;
      if (o.kind != Option::Kind::flag) help << " (default " << o.value << ")";
      line(name + (o.kind == Option::Kind::flag ? "" : " " + o.metavar), help.str());
    }
  }
  out << "\nOn a terminal the lesson waits after each step: Enter = next, a number = jump to "
         "that step,\nl = list the steps, q = quit. Figures go to "
      << shown(output_dir_) << "/.\n";
}

void Lesson::print_list() const {
  *out_ << "Lesson " << number_ << ": " << title_ << "\n";
  for (std::size_t i = 0; i < steps_.size(); ++i) {
    *out_ << "  " << std::setw(2) << i + 1 << ". " << steps_[i].title << "\n";
  }
}

}  // namespace nn::lesson
