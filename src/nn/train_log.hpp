// train_log.hpp -- what nn::train writes while it runs: the TSV of its history and the lines of
// its log. trainer.hpp's contract describes both formats; trainer.cpp is the one user.
//
// TsvWriter: a header row, then one row per epoch, then maybe "# comment" lines. After every
//   row the whole table is written to a temporary file and renamed over the TSV
//   (util::write_atomically): an interrupted run keeps every finished epoch and never leaves a
//   half-written line. "" as the path writes nothing. A file it cannot write throws nn::Error.
// TrainLog: to config.log (std::cerr when null), nothing when config.quiet: the initial loss;
//   on a terminal a progress line rewritten in place (\r) at most every 0.2 s; one line per
//   epoch; why the run stopped early.
#pragma once

#include <armadillo>
#include <iosfwd>
#include <sstream>
#include <string>
#include <vector>

#include "nn/trainer.hpp"

namespace nn {

class TsvWriter {
public:
  explicit TsvWriter(const std::string& path);  // creates the parent directories
  void row(const std::vector<std::string>& cells);
  void row(const std::vector<double>& values);
  void comment(const std::string& text);

private:
  void publish();
  std::string path_;
  std::ostringstream text_;
};

class TrainLog {
public:
  TrainLog(const TrainConfig& config, arma::uword training_samples);
  void initial_loss(double loss, arma::uword samples);
  // `samples` of this epoch done in `elapsed` seconds, their mean loss so far.
  void progress(int epoch, arma::uword samples, double mean_loss, double elapsed);
  void epoch(const EpochStats& stats, bool show_test, bool show_validation, bool best);
  void stopped(const std::string& reason);

private:
  std::ostream& out_;
  bool talk_, terminal_;
  int epochs_, epoch_ = 0;
  arma::uword n_;
  double last_ = 0;  // when the progress line was last written (seconds into the epoch)
};

}  // namespace nn
