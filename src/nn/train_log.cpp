#include "nn/train_log.hpp"

#include <unistd.h>

#include <cmath>
#include <filesystem>
#include <iomanip>
#include <iostream>

#include "nn/error.hpp"
#include "util/files.hpp"
#include "util/format.hpp"

namespace nn {

namespace {

using util::fixed;
using util::number;
using util::percent;

// A loss as a person reads it: 0.5312, or 6.119e+164 once it has blown up.
std::string loss_text(double x) {
  return std::isfinite(x) && std::abs(x) < 1e4 ? fixed(x, 4) : number(x);
}

// "0:09", "12:34", "1:02:03"
std::string duration(double seconds) {
  if (!std::isfinite(seconds) || seconds < 0) return "?";
  const long s = std::lround(seconds);
  std::ostringstream out;
  if (s >= 3600) out << s / 3600 << ":" << std::setw(2) << std::setfill('0') << (s / 60) % 60;
  else out << s / 60;
  out << ":" << std::setw(2) << std::setfill('0') << s % 60;
  return out.str();
}

bool is_terminal(const std::ostream* os) {
  if (os == &std::cerr || os == &std::clog) return isatty(STDERR_FILENO) == 1;
  if (os == &std::cout) return isatty(STDOUT_FILENO) == 1;
  return false;
}

// "epoch 3/10  train loss 0.5312 acc 81.2%  test loss 0.6012 acc 78.0%  lr 0.01  1.6 s  850 img/s"
// (test and validation only when evaluated; '*' marks a new best validation loss)
std::string epoch_line(const EpochStats& s, int epochs, bool show_test, bool show_validation,
                       bool best) {
  std::ostringstream line;
  const int width = static_cast<int>(std::to_string(epochs).size());
  line << "epoch " << std::setw(width) << s.epoch << "/" << epochs << "  train loss "
       << loss_text(s.train_loss) << " acc " << percent(s.train_accuracy);
  if (show_test)
    line << "  test loss " << loss_text(s.test_loss) << " acc " << percent(s.test_accuracy);
  if (show_validation)
    line << "  val loss " << loss_text(s.validation_loss) << " acc "
         << percent(s.validation_accuracy) << (best ? " *" : "");
  line << "  lr " << number(s.lr) << "  " << fixed(s.seconds, 1) << " s  "
       << fixed(s.images_per_second, 0) << " img/s";
  return line.str();
}

}  // namespace

// ---- the TSV ---------------------------------------------------------------------------------
TsvWriter::TsvWriter(const std::string& path) : path_(path) {
  if (path_.empty()) return;
  const std::filesystem::path parent = std::filesystem::path(path_).parent_path();
  std::error_code ignored;
  if (!parent.empty()) std::filesystem::create_directories(parent, ignored);
  text_ << std::setprecision(10);
}

void TsvWriter::row(const std::vector<std::string>& cells) {
  for (std::size_t i = 0; i < cells.size(); ++i) text_ << (i ? "\t" : "") << cells[i];
  text_ << "\n";
  publish();
}

void TsvWriter::row(const std::vector<double>& values) {
  for (std::size_t i = 0; i < values.size(); ++i) text_ << (i ? "\t" : "") << values[i];
  text_ << "\n";
  publish();
}

void TsvWriter::comment(const std::string& text) {
  text_ << "# " << text << "\n";
  publish();
}

void TsvWriter::publish() {
  if (path_.empty()) return;
  try {
    util::write_atomically(path_, text_.str());
  } catch (const Error&) {
    throw Error("train: cannot write the history to " + path_);
  }
}

// ---- the history as a table ----------------------------------------------------------------
std::vector<std::string> tsv_header(const EpochStats& stats) {
  std::vector<std::string> names = {"epoch",          "samples",         "batches",
                                    "lr",             "train_loss",      "train_accuracy",
                                    "test_loss",      "test_accuracy",   "validation_loss",
                                    "validation_accuracy", "conv_delta", "seconds",
                                    "images_per_second"};
  for (const ParameterStats& p : stats.parameters)
    for (const char* what : {".norm", ".grad_norm", ".update_ratio"}) names.push_back(p.name + what);
  return names;
}

std::vector<double> tsv_values(const EpochStats& s) {
  std::vector<double> values = {static_cast<double>(s.epoch), static_cast<double>(s.samples),
                                static_cast<double>(s.batches), s.lr, s.train_loss,
                                s.train_accuracy, s.test_loss, s.test_accuracy,
                                s.validation_loss, s.validation_accuracy, s.conv_delta,
                                s.seconds, s.images_per_second};
  for (const ParameterStats& p : s.parameters) {
    values.push_back(p.norm);
    values.push_back(p.grad_norm);
    values.push_back(p.update_ratio);
  }
  return values;
}

arma::mat history_matrix(const std::vector<EpochStats>& history) {
  if (history.empty()) return {};
  arma::mat rows(history.size(), tsv_values(history.front()).size());  // (epochs x columns)
  for (std::size_t e = 0; e < history.size(); ++e) {
    const std::vector<double> values = tsv_values(history[e]);
    if (values.size() != rows.n_cols)
      throw Error("history_matrix: epoch " + std::to_string(e + 1) + " has " +
                  std::to_string(values.size()) + " columns, epoch 1 " +
                  std::to_string(rows.n_cols));
    rows.row(e) = arma::rowvec(values);
  }
  return rows;
}

arma::vec per_epoch(const std::vector<EpochStats>& history, double EpochStats::*field) {
  arma::vec v(history.size());  // (epochs)
  for (std::size_t e = 0; e < history.size(); ++e) v(e) = history[e].*field;
  return v;
}

// ---- the log ---------------------------------------------------------------------------------
TrainLog::TrainLog(const TrainConfig& config, arma::uword training_samples)
    : out_(config.log ? *config.log : std::cerr), talk_(!config.quiet),
      terminal_(talk_ && is_terminal(&out_)), epochs_(config.epochs), n_(training_samples) {}

void TrainLog::initial_loss(double loss, arma::uword samples) {
  if (talk_)
    out_ << "initial loss " << loss_text(loss) << " (first " << samples
         << " training samples, before any update)\n";
}

void TrainLog::progress(int epoch, arma::uword samples, double mean_loss, double elapsed) {
  if (!terminal_) return;
  if (epoch != epoch_) last_ = 0, epoch_ = epoch;
  if (elapsed - last_ < 0.2) return;
  last_ = elapsed;
  const double rate = static_cast<double>(samples) / elapsed;
  out_ << "\repoch " << epoch << "/" << epochs_ << "  " << samples << "/" << n_ << "  "
       << fixed(rate, 0) << " img/s  ETA " << duration(static_cast<double>(n_ - samples) / rate)
       << "  loss " << fixed(mean_loss, 4) << "\033[K" << std::flush;
}

void TrainLog::epoch(const EpochStats& stats, bool show_test, bool show_validation, bool best) {
  if (!talk_) return;
  if (terminal_) out_ << "\r\033[K";
  out_ << epoch_line(stats, epochs_, show_test, show_validation, best) << "\n" << std::flush;
}

void TrainLog::stopped(const std::string& reason) {
  if (talk_) out_ << "stopped early: " << reason << "\n" << std::flush;
}

}  // namespace nn
