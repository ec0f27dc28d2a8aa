// The plot wrapper: every figure writes its numbers, and a PNG when gnuplot is there.
#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>
#include <iostream>
#include <iterator>
#include <sstream>
#include <string>
#include <csignal>
#include <unistd.h>

#include "nn/nn.hpp"
#include "plot/plot.hpp"

using Catch::Matchers::Contains;
using Catch::Matchers::StartsWith;
namespace fs = std::filesystem;
namespace plot = nn::plot;

namespace {

// A fresh output directory for one scenario, removed afterwards; no console drawing.
struct ScratchOutput {
  fs::path dir;
  ScratchOutput() {
    static int count = 0;
    dir = fs::temp_directory_path() /
          ("stepnet_plot_test_" + std::to_string(getpid()) + "_" + std::to_string(++count));
    plot::set_output_dir(dir.string());
    plot::set_console(false);
    plot::forget_files_written();
  }
  ~ScratchOutput() {
    std::error_code ec;
    fs::remove_all(dir, ec);
    plot::set_output_dir("out");
    plot::set_gnuplot("");
  }
  std::string path(const std::string& file) const { return (dir / file).string(); }
  // Every name in the directory, hidden temporaries included.
  std::vector<std::string> names() const {
    std::vector<std::string> out;
    for (const auto& e : fs::directory_iterator(dir)) out.push_back(e.path().filename().string());
    std::sort(out.begin(), out.end());
    return out;
  }
};

std::string read_text(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(f), std::istreambuf_iterator<char>());
}

bool is_png(const std::string& path) {
  const std::string bytes = read_text(path);
  return bytes.size() > 100 && bytes.compare(0, 8, "\x89PNG\r\n\x1a\n") == 0;
}

}  // namespace

SCENARIO("a line plot writes its numbers and its picture", "[infra]") {
  GIVEN("training and test loss over three epochs") {
    ScratchOutput scratch;
    plot::Lines loss("loss", "Loss per epoch");
    loss.x_label = "epoch";
    loss.y_label = "loss";
    loss.log_y = true;
    loss.add("train", arma::vec{1.0, 0.5, 0.25}).add("test", arma::vec{1.5, 1.0, 0.75});
    WHEN("it is drawn") {
      const std::vector<std::string> written = plot::draw(loss);
      THEN("loss.tsv holds one row per epoch, x first, one column per series") {
        REQUIRE(written.at(0) == scratch.path("loss.tsv"));
        CHECK(read_text(written[0]) == "# Loss per epoch\n"
                                  "# epoch\ttrain\ttest\n"
                                  "1\t1\t1.5\n"
                                  "2\t0.5\t1\n"
                                  "3\t0.25\t0.75\n");
      }
      THEN("with gnuplot, loss.png is a real PNG; no temporary file is left behind") {
        if (plot::have_gnuplot()) {
          REQUIRE(written.size() == 2);
          CHECK(written[1] == scratch.path("loss.png"));
          CHECK(is_png(written[1]));
          CHECK(scratch.names() == std::vector<std::string>{"loss.png", "loss.tsv"});
        } else {
          WARN("gnuplot is not installed: only the data file was checked");
        }
      }
      THEN("the files are recorded for the lesson's summary, each once") {
        plot::draw(loss);
        CHECK(plot::files_written() == written);
      }
    }
  }
}

SCENARIO("without gnuplot the data is still written", "[infra]") {
  GIVEN("a gnuplot that does not exist") {
    ScratchOutput scratch;
    plot::set_gnuplot("/nonexistent/bin/gnuplot");
    REQUIRE_FALSE(plot::have_gnuplot());
    WHEN("a heat map and a bar chart are drawn") {
      std::ostringstream err;
      std::streambuf* const saved = std::cerr.rdbuf(err.rdbuf());
      const auto written = plot::draw(plot::Heatmap("w", "W", arma::mat{{1, 2}, {3, 4}}));
      plot::draw(plot::Bars("b", "B").add("x", 1));
      std::cerr.rdbuf(saved);
      THEN("only the data files are written; w.tsv holds the matrix as printed, row 0 first") {
        CHECK(written == std::vector<std::string>{scratch.path("w.tsv")});
        CHECK_THAT(read_text(written[0]), StartsWith("# W\n# 2x2 matrix, row 0 first\n1\t2\n3\t4\n"));
        CHECK(scratch.names() == std::vector<std::string>{"b.tsv", "w.tsv"});
      }
      THEN("a note says, at most once per run, how to get the pictures") {
        const std::string note = err.str();
        CHECK(note.find("make setup") == note.rfind("make setup"));
        if (!note.empty()) CHECK_THAT(note, Contains("sudo apt-get install gnuplot-nox"));
      }
    }
  }
}

SCENARIO("every kind of figure draws", "[infra]") {
  GIVEN("a scatter, histograms, a heat map, an image grid, bars and a table") {
    ScratchOutput scratch;
    nn::seed(0);
    plot::Scatter scatter("latent", "Latent space", arma::randn(2, 40),
                          arma::randi<arma::uvec>(40, arma::distr_param(0, 2)));
    scatter.class_names = {"T-shirt", "Trouser", "Pullover"};
    scatter.marks = arma::mat{{0, 1}, {0, 1}};
    plot::Histograms histograms("activations", "Activations per layer");
    for (int k = 1; k <= 4; ++k) histograms.add("layer " + std::to_string(k), arma::randn(100) / k);
    plot::Heatmap confusion("confusion", "Confusion matrix", arma::mat{{8, 1}, {2, 9}});
    confusion.row_labels = confusion.column_labels = {"T-shirt", "Trouser"};
    plot::Images filters("filters", "Filters");
    filters.palette = plot::Palette::diverging;
    for (int k = 0; k < 3; ++k) filters.add(arma::randn(5, 5), "filter " + std::to_string(k));
    plot::Bars bars("norms", "Gradient norm per layer");
    bars.add("layer 1", 0.1).add("layer 2", 0.01);
    bars.log_y = true;
    WHEN("each is drawn") {
      const std::vector<std::vector<std::string>> written = {
          plot::draw(scatter), plot::draw(histograms), plot::draw(confusion),
          plot::draw(filters), plot::draw(bars)};
      const std::string table =
          plot::write_table("results", arma::mat{{1, 0.5}}, {"epoch", "loss"});
      THEN("each writes its data file, and with gnuplot a PNG") {
        for (const auto& files : written) {
          INFO(files.at(0));
          CHECK(fs::file_size(files.at(0)) > 0);
          if (plot::have_gnuplot()) {
            REQUIRE(files.size() == 2);
            CHECK(is_png(files[1]));
          }
        }
        CHECK(read_text(table) == "epoch\tloss\n1\t0.5\n");
        for (const auto& name : scratch.names()) CHECK(name[0] != '.');  // no temporaries
      }
      THEN("the histogram data has one block of 40 bins per panel, counting every value") {
        const std::string data = read_text(scratch.path("activations.tsv"));
        CHECK_THAT(data, Contains("# panel: layer 1   mean "));
        CHECK_THAT(data, Contains("# panel: layer 4   mean "));
      }
    }
  }
}

SCENARIO("figures refuse what they cannot draw", "[infra]") {
  ScratchOutput scratch;
  GIVEN("a name that is not a file stem") {
    THEN("nn::Error says so") {
      CHECK_THROWS_AS(plot::draw(plot::Bars("a b", "t").add("x", 1)), nn::Error);
      CHECK_THROWS_WITH(plot::draw(plot::Bars("../x", "t").add("x", 1)),
                        Contains("plot name '../x' is not a file stem"));
    }
  }
  GIVEN("series and points of the wrong shape") {
    THEN("nn::Error names the figure and both sizes") {
      plot::Lines lines("l", "t");
      CHECK_THROWS_WITH(lines.add("train", arma::vec{1, 2, 3}, arma::vec{1, 2}),
                        "plot 'l': series 'train' has 3 x values but 2 y values");
      CHECK_THROWS_WITH(plot::draw(plot::Scatter("s", "t", arma::mat(3, 5, arma::fill::zeros))),
                        "plot 's': points must be 2 x n (one column per point), got 3x5");
      CHECK_THROWS_WITH(plot::draw(lines), "plot 'l': no series to draw");
    }
  }
}

SCENARIO("a confusion matrix becomes a labelled heat map", "[infra]") {
  GIVEN("counts for 2 classes: 5 and 1 for class a, 2 and 7 for class b") {
    const arma::umat counts = {{5, 1}, {2, 7}};
    const plot::Heatmap heat = plot::confusion_heatmap("cm", "Confusion", counts, {"a", "b"});
    THEN("rows are the true class, columns the prediction, named on both axes") {
      CHECK(heat.name == "cm");
      CHECK(heat.values(0, 1) == 1);
      CHECK(heat.values(1, 0) == 2);
      CHECK(heat.x_label == "predicted class");
      CHECK(heat.y_label == "true class");
      CHECK(heat.row_labels == std::vector<std::string>{"a", "b"});
      CHECK(heat.column_labels == heat.row_labels);
      CHECK(heat.palette == plot::Palette::sequential);
    }
  }
}

SCENARIO("a line figure in one expression: axes named, then what differs", "[infra]") {
  GIVEN("Lines(name, title, x label, y label) and the three adjusters") {
    const auto plain = plot::Lines("loss", "Loss per epoch", "epoch", "loss");
    const auto fig = plot::Lines("acc", "Accuracy", "epoch", "accuracy").log_scale_y().keyed("bottom right").marked();
    THEN("the axes are named; the defaults hold until an adjuster changes them") {
      CHECK(plain.x_label == "epoch");
      CHECK(plain.y_label == "loss");
      CHECK_FALSE(plain.log_y);
      CHECK(plain.key == "top right");
      CHECK_FALSE(plain.points);
      CHECK(fig.name == "acc");
      CHECK(fig.title == "Accuracy");
      CHECK(fig.log_y);
      CHECK_FALSE(fig.log_x);
      CHECK(fig.key == "bottom right");
      CHECK(fig.points);
      CHECK_FALSE(plot::Lines("f", "F", "x", "y").marked(false).points);
    }
  }
}

SCENARIO("a region map gets one shuffled colour per region, centred on 0", "[infra]") {
  GIVEN("3 regions on a 2x3 grid: 0 0 1 / 0 2 1") {
    const arma::umat regions = {{0, 0, 1}, {0, 2, 1}};
    nn::seed(3);
    const plot::Heatmap heat = plot::regions_heatmap("r", "Regions", regions);
    THEN("the colours are -1, 0 and 1, one per region, the same within a region") {
      CHECK(heat.values.n_rows == 2);
      CHECK(heat.values.n_cols == 3);
      const arma::vec seen = arma::sort(arma::unique(arma::vectorise(heat.values)));
      CHECK(arma::approx_equal(seen, arma::vec{-1, 0, 1}, "absdiff", 0));
      CHECK(heat.values(0, 0) == heat.values(0, 1));
      CHECK(heat.values(0, 0) == heat.values(1, 0));
      CHECK(heat.values(0, 2) == heat.values(1, 2));
      CHECK(heat.palette == plot::Palette::diverging);
    }
    THEN("the same seed gives the same colours") {
      nn::seed(3);
      CHECK(arma::approx_equal(plot::regions_heatmap("r", "Regions", regions).values, heat.values, "absdiff", 0));
    }
  }
}

SCENARIO("a plotter keeps its settings and writes its text where it is told", "[infra]") {
  GIVEN("a plotter with its own directory, console on, text into a string stream") {
    ScratchOutput scratch;  // the current plotter's settings, to see that they are not touched
    const fs::path dir = fs::path(scratch.dir.string() + "_own");
    std::ostringstream out, err;
    plot::Plotter plotter({dir.string(), true, "/nonexistent/bin/gnuplot"}, out, err);
    WHEN("it draws a heat map and a bar chart") {
      const auto written = plotter.draw(plot::Heatmap("w", "W", arma::mat{{1, 2}, {3, 4}}));
      plotter.draw(plot::Bars("b", "B").add("x", 1));
      THEN("its files go to its directory, its text and notes to its streams") {
        CHECK(written == std::vector<std::string>{(dir / "w.tsv").string()});
        CHECK(out.str() == "  W  (2x2)\n    1 2\n    3 4\n");
        CHECK_THAT(err.str(), StartsWith("note: /nonexistent/bin/gnuplot is not there"));
        CHECK(err.str().find("make setup") == err.str().rfind("make setup"));  // once
        CHECK(plot::output_dir() == scratch.dir.string());  // the current one is untouched
      }
    }
    WHEN("it is made current") {
      {
        const plot::Plotter::Scope scope(plotter);
        CHECK(plot::output_dir() == dir.string());
        CHECK(&plot::current_plotter() == &plotter);
      }
      THEN("the free functions use it while the scope lives, the one before after") {
        CHECK(plot::output_dir() == scratch.dir.string());
      }
    }
    std::error_code ec;
    fs::remove_all(dir, ec);
  }
  GIVEN("gnuplot, and a line plot drawn on the console") {
    ScratchOutput scratch;
    std::ostringstream out, err;
    plot::Plotter plotter({scratch.dir.string(), true, ""}, out, err);
    if (!plotter.have_gnuplot()) {
      WARN("gnuplot is not installed: the dumb terminal's text was not checked");
      return;
    }
    struct sigaction before {};
    sigaction(SIGPIPE, nullptr, &before);
    plotter.draw(plot::Lines("loss", "Loss per epoch").add("train", arma::vec{3, 2, 1}));
    THEN("gnuplot's text rendering comes through the plotter's stream, its file removed") {
      CHECK_THAT(out.str(), Contains("Loss per epoch"));
      CHECK_THAT(out.str(), Contains("train"));
      CHECK(scratch.names() == std::vector<std::string>{"loss.png", "loss.tsv"});
    }
    THEN("SIGPIPE is handled as before: it was ignored only while gnuplot's pipe was written") {
      struct sigaction after {};
      sigaction(SIGPIPE, nullptr, &after);
      CHECK(after.sa_handler == before.sa_handler);
    }
  }
}

SCENARIO("values written on small images read on dark pixels", "[infra]") {
  GIVEN("a diverging 2x2 image with -4 (dark blue), 0.5 (pale) and 4 (dark red)") {
    ScratchOutput scratch;
    plot::Images images("cells", "Cells");
    images.palette = plot::Palette::diverging;
    images.numbers = true;
    images.add(arma::mat{{-4, 0.5}, {0, 4}});
    WHEN("it is drawn with gnuplot, the script kept") {
      std::ostringstream out, err;
      fs::create_directories(scratch.dir);
      const fs::path script = scratch.dir / "gnuplot-script.sh";
      std::ofstream(script) << "#!/bin/sh\ncat > '" << scratch.path("script.gp") << "'\n";
      fs::permissions(script, fs::perms::owner_all);
      plot::Plotter plotter({scratch.dir.string(), false, script.string()}, out, err);
      plotter.draw(images);
      THEN("the labels on the dark cells are white, the others black") {
        const std::string gp = read_text(scratch.path("script.gp"));
        CHECK_THAT(gp, Contains("set label '-4' at 0,0 center front font ',9' textcolor rgb '#ffffff'"));
        CHECK_THAT(gp, Contains("set label '4' at 1,1 center front font ',9' textcolor rgb '#ffffff'"));
        CHECK_THAT(gp, Contains("set label '0.5' at 1,0 center front font ',9' textcolor rgb '#000000'"));
        CHECK_THAT(gp, Contains("set label '0' at 0,1 center front font ',9' textcolor rgb '#000000'"));
      }
    }
  }
}

SCENARIO("a line plot of one epoch gets an x range around its one point", "[infra]") {
  GIVEN("a loss curve with one point, at epoch 1 (a --quick run), and one with three") {
    ScratchOutput scratch;
    fs::create_directories(scratch.dir);
    const fs::path script = scratch.dir / "gnuplot-script.sh";
    std::ofstream(script) << "#!/bin/sh\ncat >> '" << scratch.path("script.gp") << "'\n";
    fs::permissions(script, fs::perms::owner_all);
    std::ostringstream out, err;
    plot::Plotter plotter({scratch.dir.string(), false, script.string()}, out, err);
    WHEN("the one-point curve is drawn, the script kept") {
      plotter.draw(plot::Lines("one", "One epoch").add("train", arma::vec{1}, arma::vec{0.5}));
      THEN("the script sets [0:2], so gnuplot has no empty range to warn about") {
        CHECK_THAT(read_text(scratch.path("script.gp")), Contains("set xrange [0:2]\n"));
      }
    }
    WHEN("the three-point curve is drawn") {
      plotter.draw(plot::Lines("three", "Three epochs").add("train", arma::vec{1, 2, 3}, arma::vec{3, 2, 1}));
      THEN("gnuplot chooses the range itself") {
        CHECK_THAT(read_text(scratch.path("script.gp")), !Contains("set xrange"));
      }
    }
  }
}
