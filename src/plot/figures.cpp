// figures.cpp -- the figure structs' constructors and adders (plot.hpp).
#include "nn/error.hpp"
#include "plot/plot.hpp"

namespace nn::plot {

Lines::Lines(std::string name_, std::string title_)
    : name(std::move(name_)), title(std::move(title_)) {}

Lines::Lines(std::string name_, std::string title_, std::string x_label_, std::string y_label_)
    : name(std::move(name_)), title(std::move(title_)), x_label(std::move(x_label_)),
      y_label(std::move(y_label_)) {}

Lines& Lines::add(const std::string& label, const arma::vec& x, const arma::vec& y) {
  if (x.n_elem != y.n_elem) {
    throw Error("plot '" + name + "': series '" + label + "' has " + std::to_string(x.n_elem) +
                " x values but " + std::to_string(y.n_elem) + " y values");
  }
  series.push_back({label, x, y});
  return *this;
}

Lines& Lines::add(const std::string& label, const arma::vec& y) {
  return add(label, arma::regspace<arma::vec>(1, y.n_elem), y);
}

Scatter::Scatter(std::string name_, std::string title_, const arma::mat& points_,
                 const arma::uvec& classes_)
    : name(std::move(name_)), title(std::move(title_)), points(points_), classes(classes_) {}

Histograms::Histograms(std::string name_, std::string title_)
    : name(std::move(name_)), title(std::move(title_)) {}

Histograms& Histograms::add(const std::string& label, const arma::mat& values) {
  panels.push_back({label, arma::vectorise(values)});
  return *this;
}

Heatmap::Heatmap(std::string name_, std::string title_, const arma::mat& values_)
    : name(std::move(name_)), title(std::move(title_)), values(values_) {}

Images::Images(std::string name_, std::string title_)
    : name(std::move(name_)), title(std::move(title_)) {}

Images& Images::add(const arma::mat& image, const std::string& label) {
  images.push_back(image);
  labels.push_back(label);
  return *this;
}

Heatmap confusion_heatmap(const std::string& name, const std::string& title,
                          const arma::umat& confusion, const std::vector<std::string>& class_names) {
  Heatmap heat(name, title, arma::conv_to<arma::mat>::from(confusion));
  heat.x_label = "predicted class";
  heat.y_label = "true class";
  heat.row_labels = class_names;
  heat.column_labels = class_names;
  heat.palette = Palette::sequential;
  return heat;
}

Heatmap regions_heatmap(const std::string& name, const std::string& title, const arma::umat& regions) {
  const arma::uword count = regions.max() + 1;
  const arma::uvec shuffle = arma::randperm(count);  // region k is drawn in colour shuffle(k)
  arma::mat colours(regions.n_rows, regions.n_cols);   // (rows x cols), centred on 0
  for (arma::uword i = 0; i < regions.n_elem; ++i)
    colours(i) = static_cast<double>(shuffle(regions(i))) - 0.5 * (count - 1);
  Heatmap heat(name, title, colours);
  heat.palette = Palette::diverging;
  return heat;
}

Bars::Bars(std::string name_, std::string title_)
    : name(std::move(name_)), title(std::move(title_)) {}

Bars& Bars::add(const std::string& label, double value) {
  labels.push_back(label);
  values.push_back(value);
  return *this;
}

}  // namespace nn::plot
