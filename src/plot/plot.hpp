// plot.hpp -- figures for lessons: a data file, a PNG, and a text rendering on a terminal.
//
// Contract
//   Fill one of the figure structs below, then draw(figure) (a lesson calls step.plot(figure))
//   writes, under output_dir():
//     <name>.tsv   the numbers, tab-separated, '#' header lines: open it in any tool
//     <name>.png   an 800x500 picture with title, axis labels and legend (needs gnuplot)
//   and, when stdout is a terminal, draws the figure inline (gnuplot's dumb terminal for
//   lines, scatter and bars; text shading for heat maps, images and histograms).
//   Files are written under a temporary name and renamed, so an interrupted run never leaves
//   half a file. gnuplot runs once per figure and is waited for: no stray processes.
//   Without gnuplot the data files are still written, and a note says once how to get the
//   pictures. Every file written is recorded in files_written() for the lesson's summary.
//   A figure name is a file stem: letters, digits, '-', '_' and '.'; anything else throws
//   nn::Error, as does data of the wrong shape (a series whose x and y differ in length).
//
// Where figures go is a Plotter's: its output directory, whether it renders on its text stream,
// which gnuplot it runs. The lesson runner creates one per run (text through the runner's
// stream, so paging counts it) and makes it current while the steps run; the free functions
// below draw with the current plotter (a default one writing to std::cout when none is).
// Nothing else is process-wide: SIGPIPE is ignored only while writing to gnuplot's pipe.
#pragma once

#include <armadillo>
#include <iosfwd>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace nn::plot {

// How values map to colours in heat maps and images.
//   automatic   diverging (blue-white-red, centred on 0) when the data has both signs,
//               sequential (white to dark blue) otherwise
//   grey        black (low) to white (high): pictures such as Fashion-MNIST images
enum class Palette { automatic, grey, sequential, diverging };

// Several named series over x, e.g. training and test loss per epoch.
struct Lines {
  Lines(std::string name, std::string title);
  // The usual figure in one expression: its axes named, then what differs from the defaults,
  //   auto fig = Lines("loss", "Loss per epoch", "epoch", "loss").log_scale_y().keyed("top left");
  Lines(std::string name, std::string title, std::string x_label, std::string y_label);
  Lines& log_scale_y() { log_y = true; return *this; }
  Lines& keyed(std::string position) { key = std::move(position); return *this; }
  Lines& marked(bool on = true) { points = on; return *this; }  // mark every data point
  std::string name, title, x_label = "x", y_label = "y";
  bool log_x = false, log_y = false;
  bool points = false;  // mark every data point, not only the line through them
  std::string key = "top right";  // legend position, as gnuplot's "set key": "top left", ...
  struct Series {
    std::string label;
    arma::vec x, y;  // (n), same length
  };
  std::vector<Series> series;
  Lines& add(const std::string& label, const arma::vec& x, const arma::vec& y);
  Lines& add(const std::string& label, const arma::vec& y);  // x = 1, 2, ..., n
};

// Points in the plane, coloured by class, e.g. a 2-D latent space; optional marks on top
// (class centroids).
struct Scatter {
  Scatter(std::string name, std::string title, const arma::mat& points,
          const arma::uvec& classes = arma::uvec());
  std::string name, title, x_label = "x", y_label = "y";
  arma::mat points;                      // (2 x n): one column per point
  arma::uvec classes;                    // (n) class of each point, or empty: one colour
  std::vector<std::string> class_names;  // legend entries; default "class k"
  arma::mat marks;                       // (2 x m) drawn as large crosses, or empty
  std::string marks_label = "centroids";
};

// One histogram per panel, all in one picture, e.g. the activations of each of 10 layers.
struct Histograms {
  Histograms(std::string name, std::string title);
  std::string name, title, x_label = "value";
  arma::uword bins = 40;
  arma::uword columns = 0;    // panels per row; 0 chooses
  bool shared_range = true;   // one x range for every panel, so layers compare at a glance
  bool log_y = false;
  struct Panel {
    std::string label;
    arma::vec values;
  };
  std::vector<Panel> panels;
  Histograms& add(const std::string& label, const arma::mat& values);  // every entry counts
};

// A matrix drawn as an image: a confusion matrix, a weight matrix, a Toeplitz matrix.
// Row 0 is at the top, as the matrix is printed.
struct Heatmap {
  Heatmap(std::string name, std::string title, const arma::mat& values);
  std::string name, title, x_label = "column", y_label = "row";
  arma::mat values;
  Palette palette = Palette::automatic;
  bool numbers = true;  // write each value in its cell when the matrix is at most 16x16
  std::vector<std::string> row_labels, column_labels;  // tick labels (e.g. class names)
};

// A confusion matrix (classes x classes counts, rows the true class) as a heat map: axes
// "predicted class" / "true class", the class names on both, a sequential palette.
Heatmap confusion_heatmap(const std::string& name, const std::string& title,
                          const arma::umat& confusion, const std::vector<std::string>& class_names);

// A map of regions (one label 0 .. n-1 per pixel, e.g. the linear pieces of a ReLU layer) as a
// heat map: one colour per region, the labels shuffled (Armadillo's generator, so nn::seed
// fixes it) and centred on 0 so that neighbouring regions rarely get similar colours.
Heatmap regions_heatmap(const std::string& name, const std::string& title, const arma::umat& regions);

// A grid of small images: samples of a data set, or learned filters.
struct Images {
  Images(std::string name, std::string title);
  std::string name, title;
  std::vector<arma::mat> images;  // each (height x width); smaller ones are padded
  std::vector<std::string> labels;
  arma::uword columns = 8;
  Palette palette = Palette::grey;
  bool scale_each = true;  // stretch each image to its own range (filters); else one range
  bool numbers = false;    // write each pixel's value on it (images of at most 16x16 pixels)
  Images& add(const arma::mat& image, const std::string& label = "");
};

// One bar per label, e.g. the gradient norm of each layer.
struct Bars {
  Bars(std::string name, std::string title);
  std::string name, title, y_label = "value";
  bool log_y = false;
  std::vector<std::string> labels;
  std::vector<double> values;
  Bars& add(const std::string& label, double value);
  // Optional horizontal lines across the bars (thresholds), each with a label at its left end,
  // e.g. the bands of a relative error: {1e-7, "good below"}, {1e-2, "wrong above"}.
  struct Level {
    double y;
    std::string label;
  };
  std::vector<Level> levels;
};

// ---- a plotter: where figures go ----------------------------------------------------------
class Plotter {
public:
  struct Settings {
    std::string output_dir = "out";  // created on first write
    std::optional<bool> console;     // render figures on the text stream; unset: stdout is a tty
    // Which gnuplot to run: "" searches PATH; otherwise that program. A program that does not
    // exist behaves as if gnuplot were not installed (tests use this).
    std::string gnuplot;
  };
  Plotter();  // the defaults: std::cout and std::cerr
  explicit Plotter(Settings settings);
  Plotter(Settings settings, std::ostream& out, std::ostream& err);

  // Draw a figure: write <name>.tsv (and <name>.png with gnuplot) under the output directory,
  // and render it on the text stream when console() is on. Returns the paths written, data
  // file first.
  std::vector<std::string> draw(const Lines& figure);
  std::vector<std::string> draw(const Scatter& figure);
  std::vector<std::string> draw(const Histograms& figure);
  std::vector<std::string> draw(const Heatmap& figure);
  std::vector<std::string> draw(const Images& figure);
  std::vector<std::string> draw(const Bars& figure);
  // A plain table: <name>.tsv with a header line, one row per matrix row. Returns its path.
  std::string write_table(const std::string& name, const arma::mat& rows,
                          const std::vector<std::string>& header);

  Settings& settings() { return settings_; }
  const Settings& settings() const { return settings_; }
  bool console() const;
  bool have_gnuplot() const;

  // While a Scope lives, the free functions draw with `plotter`; the one before comes back after.
  class Scope {
  public:
    explicit Scope(Plotter& plotter);
    ~Scope();
    Scope(const Scope&) = delete;
    Scope& operator=(const Scope&) = delete;

  private:
    Plotter* previous_;
  };

private:
  struct Job;  // one figure's gnuplot run (plotter.cpp)
  std::string output_path(const std::string& name, const std::string& extension) const;
  std::string run_gnuplot(const Job& job);
  std::string write_data(const std::string& name, const std::string& content) const;
  void tell_missing_once();

  Settings settings_;
  std::ostream* out_;
  std::ostream* err_;
  bool told_missing_ = false;
};

// The plotter the free functions use: the innermost Scope's, else a default one (std::cout).
Plotter& current_plotter();

// Draw with the current plotter (see Plotter::draw).
std::vector<std::string> draw(const Lines& figure);
std::vector<std::string> draw(const Scatter& figure);
std::vector<std::string> draw(const Histograms& figure);
std::vector<std::string> draw(const Heatmap& figure);
std::vector<std::string> draw(const Images& figure);
std::vector<std::string> draw(const Bars& figure);
std::string write_table(const std::string& name, const arma::mat& rows,
                        const std::vector<std::string>& header);

// ---- text renderings (what a lesson prints; draw() uses them on a terminal) ----------------
// A matrix as aligned text, fixed decimals (-1: 0 when every entry is an integer, else 4),
// "-0.0000" printed as 0; at most max_rows x max_cols shown, "..." marks the rest.
std::string matrix_text(const arma::mat& m, int decimals = -1, arma::uword max_rows = 12,
                        arma::uword max_cols = 12);
// A matrix as shaded characters (' ' low ... '@' high, or signed shades), at most 100 x 40.
std::string shade_text(const arma::mat& m, Palette palette = Palette::automatic);

// ---- the current plotter's settings (see Plotter::Settings) -----------------------------------
void set_output_dir(const std::string& dir);
const std::string& output_dir();
void set_console(bool on);
bool console();
void set_gnuplot(const std::string& program);
bool have_gnuplot();

// Every file written since the start (or the last forget_files_written()), in order, once:
// the same list as nn::util::files_written() (util/files.hpp), which the training loop's TSV
// writer also records into.
const std::vector<std::string>& files_written();
void forget_files_written();
void record_file(const std::string& path);  // for files a lesson writes itself
// nn::util::write_atomically (util/files.hpp): a hidden temporary file beside `path`, renamed
// over it, so an interrupted run never leaves a half-written file. Records the path.
void write_atomically(const std::string& path, const std::string& content);

}  // namespace nn::plot
