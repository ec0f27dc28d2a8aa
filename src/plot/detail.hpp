// detail.hpp -- what the plot room's files share; not for lessons (they include plot.hpp).
//
// Every figure follows the same three moves:
//   1. write the numbers to <name>.tsv (temporary name, then rename): Plotter::write_data,
//   2. build a gnuplot script that reads that file (the figure's file: lines.cpp, images.cpp,
//      histograms.cpp) and run it once for the PNG and, on a console, once more with the dumb
//      terminal, its text copied to the plotter's stream (Plotter::run_gnuplot, plotter.cpp),
//   3. for pictures the dumb terminal cannot draw (images, heat maps, histogram panels),
//      write our own text rendering (text.cpp) to the plotter's stream instead.
#pragma once

#include <functional>
#include <sstream>
#include <string>
#include <vector>

#include "plot/plot.hpp"

namespace nn::plot {

// One figure's gnuplot run: body(dumb) is the script after the terminal is set.
struct Plotter::Job {
  std::string name, data;  // the figure's file stem, and the path of its data file
  std::function<std::string(bool dumb)> body;
  bool dumb_too = false;  // also draw it with gnuplot's dumb terminal on a console
  int png_height = 500, dumb_height = 30;
};

namespace detail {

// ---- script and file text (plotter.cpp) -----------------------------------------------------
std::string quoted(const std::string& text);         // a gnuplot single-quoted string
std::string double_quoted(const std::string& text);  // double-quoted: "\n" breaks the line
std::string cell(const std::string& text);           // a TSV cell: no tabs or newlines
std::ostringstream number_stream();                  // 10 significant digits
const char* colour(arma::uword k);                   // tab10, cycled
std::string axes(const std::string& title, const std::string& x_label, const std::string& y_label);
// The paths a draw returns: the data file, then the PNG when there is one.
std::vector<std::string> paths(const std::string& data, const std::string& png);

// ---- values and shades (text.cpp) -------------------------------------------------------------
bool utf8_terminal();
char shade(double t);         // [0, 1] -> ' ' ... '@'
char shade_signed(double t);  // [-1, 1] -> , - = #  and  . + * @
bool signed_palette(Palette palette, double lo, double hi);
bool all_integers(const arma::mat& m);
bool small_enough_for_numbers(const arma::mat& m);  // at most 16x16: values written in cells
std::string value_label(double v);   // at most 3 significant digits: "-10.9"
std::string short_number(double v);  // at most 2: "-0.98", "1.5e+03"
// Whether a cell of this value is dark in the palette, so white text reads on it.
bool dark_cell(Palette palette, double value, double lo, double hi);

}  // namespace detail
}  // namespace nn::plot
