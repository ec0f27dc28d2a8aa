// The synthetic data generator (src/nn/synthetic.hpp): shapes, seeded reproducibility, class
// balance, the informative / redundant / noise structure, and the label noise rate.
#include <filesystem>
#include <fstream>
#include <string>

#include "core_helpers.hpp"
#include "nn/synthetic.hpp"

namespace {

// Small enough to draw in milliseconds: 4 classes, 2 clusters each on a 5-D hypercube.
nn::SyntheticSpec small_spec(std::uint64_t seed = 7) {
  nn::SyntheticSpec spec;
  spec.train = 320;
  spec.validation = 40;
  spec.test = 40;
  spec.features = 30;
  spec.informative = 5;
  spec.redundant = 4;
  spec.classes = 4;
  spec.clusters_per_class = 2;
  spec.class_sep = 2;
  spec.flip_y = 0.1;
  spec.seed = seed;
  return spec;
}

arma::mat all_x(const nn::SyntheticData& d) {  // (features x every sample), split order
  return arma::join_rows(d.train.x, d.validation.x, d.test.x);
}
arma::uvec all_y(const nn::SyntheticData& d) {
  return arma::join_cols(d.train.y, d.validation.y, d.test.y);
}

}  // namespace

SCENARIO("make_classification returns three splits of the asked sizes", "[synthetic][lesson10]"
         "[points:0]") {
  GIVEN("320 / 40 / 40 samples of 30 features") {
    const nn::SyntheticData d = nn::make_classification(small_spec());
    THEN("x is features x samples, one label per column, and the shape is 1x1x30") {
      CHECK(arma::size(d.train.x) == arma::size(30, 320));
      CHECK(arma::size(d.validation.x) == arma::size(30, 40));
      CHECK(arma::size(d.test.x) == arma::size(30, 40));
      CHECK(d.train.y.n_elem == 320);
      CHECK(d.test.y.n_elem == 40);
      CHECK(d.train.shape.size() == 30);
      CHECK(d.train.shape.width == 30);
      CHECK(all_y(d).max() == 3);
      CHECK(d.train.x.is_finite());
    }
    THEN("the feature kinds partition the 30 rows: 5 informative, 4 redundant, 21 noise") {
      CHECK(d.informative.n_elem == 5);
      CHECK(d.redundant.n_elem == 4);
      CHECK(d.noise.n_elem == 21);
      const arma::uvec every = arma::sort(arma::join_cols(d.informative, d.redundant, d.noise));
      CHECK(arma::all(every == arma::regspace<arma::uvec>(0, 29)));
    }
  }
  GIVEN("the lesson's defaults") {
    const nn::SyntheticSpec spec;
    THEN("they are 3400 / 600 / 1000 samples, 1000 features, 10 classes") {
      CHECK(spec.train == 3400);
      CHECK(spec.validation == 600);
      CHECK(spec.test == 1000);
      CHECK(spec.features == 1000);
      CHECK(spec.classes == 10);
    }
  }
}

SCENARIO("The same seed gives the same data; another seed other data", "[synthetic][lesson10]"
         "[points:0]") {
  GIVEN("two draws with seed 7 and one with seed 8") {
    const nn::SyntheticData a = nn::make_classification(small_spec(7));
    const nn::SyntheticData b = nn::make_classification(small_spec(7));
    const nn::SyntheticData c = nn::make_classification(small_spec(8));
    THEN("seed 7 twice is identical, bit for bit") {
      CHECK(arma::approx_equal(all_x(a), all_x(b), "absdiff", 0.0));
      CHECK(arma::all(all_y(a) == all_y(b)));
      CHECK(arma::all(a.informative == b.informative));
    }
    THEN("seed 8 differs") {
      CHECK_FALSE(arma::approx_equal(all_x(a), all_x(c), "absdiff", 1e-6));
    }
  }
  GIVEN("nn::seed(3) set before drawing") {
    nn::seed(3);
    nn::make_classification(small_spec());
    const double after = arma::randu();
    nn::seed(3);
    THEN("the library's generators are untouched: the next draw is what it would have been") {
      CHECK(arma::randu() == after);
    }
  }
}

SCENARIO("Classes are balanced before label noise", "[synthetic][lesson10][points:0]") {
  GIVEN("400 samples, 4 classes of 2 clusters") {
    const nn::SyntheticData d = nn::make_classification(small_spec());
    THEN("every class has exactly 100 clean labels") {
      const arma::uvec counts = arma::hist(d.clean_labels, arma::regspace<arma::uvec>(0, 3));
      CHECK(arma::all(counts == 100));
    }
    THEN("the training split, drawn at random, holds 80 +- 20 of each") {
      const arma::uvec counts = arma::hist(d.train.y, arma::regspace<arma::uvec>(0, 3));
      INFO("train counts " << counts.t());
      CHECK(counts.min() >= 60);
      CHECK(counts.max() <= 100);
    }
  }
}

SCENARIO("Redundant features are linear combinations of the informative ones",
         "[synthetic][lesson10][points:0]") {
  GIVEN("5 informative and 4 redundant features") {
    const nn::SyntheticData d = nn::make_classification(small_spec());
    const arma::mat x = all_x(d);
    const arma::mat informative = x.rows(d.informative);  // (5 x 400)
    const arma::mat signal = x.rows(arma::join_cols(d.informative, d.redundant));  // (9 x 400)
    THEN("the 9 rows have rank 5, while 9 noise rows have rank 9") {
      CHECK(arma::rank(signal) == 5);
      CHECK(arma::rank(arma::mat(x.rows(d.noise.head(9)))) == 9);
    }
    THEN("least squares recovers each redundant row from the informative ones exactly") {
      const arma::mat redundant = x.rows(d.redundant);                  // (4 x 400)
      const arma::mat mixing = arma::solve(informative.t(), redundant.t());  // (5 x 4)
      CHECK(arma::abs(mixing.t() * informative - redundant).max() < 1e-9);
      CHECK(arma::abs(mixing).max() <= 1.0 + 1e-9);  // B is uniform in [-1, 1]
    }
    THEN("the cluster centres are distinct vertices of [-2, 2]^5") {
      CHECK(arma::size(d.cluster_centers) == arma::size(5, 8));
      CHECK(arma::all(arma::vectorise(arma::abs(d.cluster_centers)) == 2.0));
      for (arma::uword i = 0; i < 8; ++i)
        for (arma::uword j = i + 1; j < 8; ++j)
          CHECK(arma::any(d.cluster_centers.col(i) != d.cluster_centers.col(j)));
    }
  }
}

SCENARIO("About flip_y of the labels are redrawn", "[synthetic][lesson10][points:0]") {
  GIVEN("5000 samples, 10 classes, flip_y = 0.2") {
    nn::SyntheticSpec spec = small_spec(11);
    spec.train = 5000;
    spec.validation = spec.test = 0;
    spec.classes = 10;
    spec.informative = 6;
    spec.flip_y = 0.2;
    const nn::SyntheticData d = nn::make_classification(spec);
    const double redrawn = arma::mean(arma::conv_to<arma::vec>::from(d.redrawn));
    const double changed = arma::mean(arma::conv_to<arma::vec>::from(d.train.y != d.clean_labels));
    THEN("0.2 +- 0.02 are redrawn, and 0.2 * 9/10 = 0.18 +- 0.02 actually change") {
      CHECK(redrawn == Approx(0.2).margin(0.02));
      CHECK(changed == Approx(0.18).margin(0.02));
    }
    THEN("a label that was not redrawn is its clean label") {
      const arma::uvec kept = arma::find(d.redrawn == 0);
      CHECK(arma::all(d.train.y.elem(kept) == d.clean_labels.elem(kept)));
    }
  }
  GIVEN("flip_y = 0") {
    nn::SyntheticSpec spec = small_spec();
    spec.flip_y = 0;
    const nn::SyntheticData d = nn::make_classification(spec);
    THEN("every label is clean") { CHECK(arma::all(all_y(d) == d.clean_labels)); }
  }
}

SCENARIO("Impossible specs are refused", "[synthetic][lesson10][points:0]") {
  nn::SyntheticSpec spec = small_spec();
  WHEN("informative + redundant exceed the features") {
    spec.redundant = 30;
    CHECK_THROWS_WITH(nn::make_classification(spec),
                      Catch::Contains("5 informative + 30 redundant features do not fit in 30"));
  }
  WHEN("there are more clusters than hypercube vertices") {
    spec.informative = 2;
    CHECK_THROWS_WITH(nn::make_classification(spec),
                      Catch::Contains("8 clusters need more than the 4 vertices"));
  }
  WHEN("flip_y is 1.5") {
    spec.flip_y = 1.5;
    CHECK_THROWS_WITH(nn::make_classification(spec), Catch::Contains("flip_y"));
  }
}

SCENARIO("save_tsv writes a slice as text", "[synthetic][lesson10][points:0]") {
  GIVEN("the training split of the small spec") {
    const nn::SyntheticData d = nn::make_classification(small_spec());
    const std::string path = (std::filesystem::temp_directory_path() / "stepnet_synthetic.tsv").string();
    WHEN("its first 3 samples are saved") {
      CHECK(nn::save_tsv(d.train, path, 3) == 3);
      std::ifstream in(path);
      std::string header, line;
      std::getline(in, header);
      int lines = 0;
      while (std::getline(in, line)) ++lines;
      THEN("a header 'label f0 .. f29' and 3 lines follow") {
        CHECK(header.rfind("label\tf0\tf1", 0) == 0);
        CHECK(header.substr(header.size() - 4) == "\tf29");
        CHECK(lines == 3);
      }
      std::filesystem::remove(path);
    }
  }
}
