// figures_test.cpp -- the figures committed under docs/figures/ are current.
//
// docs/figures/figures.tsv names each committed figure, the lesson step that draws it and the
// data file (out/lessonN/<stem>.tsv) it was drawn from, with checksums of that file's numbers
// (mk/figures.mk writes them: make figures). Here every step is run again with the default seed
// and options, and the data it writes now must have the same checksums: a change to a lesson
// that changes a committed picture fails until `make figures` has redrawn it. The steps chosen
// are the fast ones (no step here trains for more than a few seconds).
#include <filesystem>
#include <fstream>
#include <regex>
#include <set>
#include <sstream>

#include "helpers.hpp"

namespace {

namespace fs = std::filesystem;

// The checksum columns of a data file, computed as mk/figures.mk's awk computes them: lines
// that are not blank and do not start with '#' are rows; a tab-separated field that reads
// whole as a decimal number is value v_k (k = 1, 2, ... in file order).
struct DataSums {
  long rows = 0, values = 0;
  double sum = 0, abs_sum = 0, weighted_sum = 0;  // sum v_k, sum |v_k|, sum k |v_k|
};

DataSums data_sums(const fs::path& file) {
  static const std::regex number("[-+]?([0-9]+[.]?[0-9]*|[.][0-9]+)([eE][-+]?[0-9]+)?");
  std::ifstream in(file);
  DataSums d;
  for (std::string line; std::getline(in, line);) {
    if (line.empty() || line[0] == '#') continue;
    ++d.rows;
    std::istringstream fields(line);
    for (std::string field; std::getline(fields, field, '\t');) {
      if (!std::regex_match(field, number)) continue;
      const double v = std::stod(field);
      ++d.values;
      d.sum += v;
      d.abs_sum += std::abs(v);
      d.weighted_sum += static_cast<double>(d.values) * std::abs(v);
    }
  }
  return d;
}

struct FigureRow {
  std::string figure, options, data;  // options: besides --step K --no-pause, "-" for none
  int lesson = 0, step = 0;
  DataSums sums;
};

std::vector<FigureRow> manifest(const fs::path& file) {
  std::ifstream in(file);
  std::vector<FigureRow> rows;
  for (std::string line; std::getline(in, line);) {
    if (line.empty() || line[0] == '#') continue;
    std::istringstream fields(line);
    FigureRow r;
    std::string lesson, step;
    std::getline(fields, r.figure, '\t');
    std::getline(fields, lesson, '\t');
    std::getline(fields, step, '\t');
    std::getline(fields, r.options, '\t');
    std::getline(fields, r.data, '\t');
    fields >> r.sums.rows >> r.sums.values >> r.sums.sum >> r.sums.abs_sum >> r.sums.weighted_sum;
    if (!fields) FAIL("docs/figures/figures.tsv: a row that does not read: " << line);
    r.lesson = std::stoi(lesson);
    r.step = std::stoi(step);
    rows.push_back(r);
  }
  return rows;
}

std::string read_all(const fs::path& file) {
  std::ifstream in(file);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

// Within 1e-7 of the scale: the data files hold 10 significant digits, and BLAS may round the
// last of them differently on another machine; a figure that visibly changed moves far more.
bool near(double now, double then, double scale) {
  return std::abs(now - then) <= 1e-7 * std::max(1.0, std::abs(scale));
}

}  // namespace

SCENARIO("the figures committed under docs/figures/ are current", "[infra][docs][figures][runs-lesson]") {
  const fs::path root = nn::lesson::repository_root();
  const fs::path dir = root / "docs" / "figures";
  const std::vector<FigureRow> rows = manifest(dir / "figures.tsv");

  GIVEN("docs/figures/figures.tsv") {
    REQUIRE(!rows.empty());

    THEN("every PNG there is in the manifest, small, and shown by a lesson's doc page") {
      std::string docs;
      for (const auto& entry : fs::directory_iterator(root / "docs"))
        if (entry.path().extension() == ".md") docs += read_all(entry.path());
      std::set<std::string> listed;
      for (const FigureRow& r : rows) {
        listed.insert(r.figure);
        INFO(r.figure);
        REQUIRE(fs::exists(dir / r.figure));
        CHECK(fs::file_size(dir / r.figure) < 80 * 1024);
        CHECK(docs.find("](figures/" + r.figure + ")") != std::string::npos);
      }
      for (const auto& entry : fs::directory_iterator(dir))
        if (entry.path().extension() == ".png") {
          INFO(entry.path().filename().string() << " is not in docs/figures/figures.tsv");
          CHECK(listed.count(entry.path().filename().string()) == 1);
        }
    }

    WHEN("each step is run again, default seed and options, THEN its data has the same sums") {
      std::set<std::pair<int, int>> ran;
      for (const FigureRow& r : rows) {
        const fs::path data = testing::lesson_out(r.lesson) / r.data;
        const std::pair<int, int> key{r.lesson, r.step};
        if (ran.insert(key).second) {
          for (const FigureRow& other : rows)  // no stale copy can pass
            if (other.lesson == r.lesson && other.step == r.step)
              fs::remove(testing::lesson_out(r.lesson) / other.data);
          const testing::LessonRun run = testing::run_lesson(
              r.lesson, "--step " + std::to_string(r.step) + " --no-pause" +
                            (r.options == "-" ? "" : " " + r.options));
          const auto skipped = run.output.find("\nSkipped ");
          if (skipped != std::string::npos)
            FAIL("lesson " << r.lesson << " step " << r.step << " ran, but" << run.output.substr(skipped));
          if (run.exit_code != 0)
            FAIL("lesson " << r.lesson << " --step " << r.step << " exited with " << run.exit_code
                           << "; its output ends:\n"
                           << run.output.substr(run.output.size() > 2000 ? run.output.size() - 2000 : 0));
        }
        {  // not a THEN section: Catch2 would rerun every step once per section
          INFO("docs/figures/" << r.figure << " was drawn from the data lesson " << r.lesson
                               << " step " << r.step << " writes now");
          REQUIRE(fs::exists(data));
          const DataSums now = data_sums(data);
          INFO("out/lesson" << r.lesson << "/" << r.data << " now: " << now.rows << " rows, "
                            << now.values << " values, sum " << now.sum << ", sum |v| "
                            << now.abs_sum << ", sum k|v_k| " << now.weighted_sum
                            << "; docs/figures/figures.tsv says " << r.sums.rows << ", "
                            << r.sums.values << ", " << r.sums.sum << ", " << r.sums.abs_sum
                            << ", " << r.sums.weighted_sum
                            << ". If the change is meant: make figures, and commit docs/figures/");
          CHECK(now.rows == r.sums.rows);
          CHECK(now.values == r.sums.values);
          CHECK(near(now.sum, r.sums.sum, r.sums.abs_sum));
          CHECK(near(now.abs_sum, r.sums.abs_sum, r.sums.abs_sum));
          CHECK(near(now.weighted_sum, r.sums.weighted_sum, r.sums.weighted_sum));
        }
      }
    }
  }
}

TEST_CASE("the figures' data checksums see a changed, a moved and an added number",
          "[infra][docs][figures]") {
  const fs::path dir = fs::temp_directory_path() / "stepnet_figures_test";
  fs::create_directories(dir);
  auto sums_of = [&](const std::string& text) {
    std::ofstream(dir / "data.tsv") << text;
    return data_sums(dir / "data.tsv");
  };
  const DataSums base = sums_of("# a title\tand 3 words\n1\t-2.5\tlabel\n\n3e-1\t4\n");
  CHECK(base.rows == 2);
  CHECK(base.values == 4);
  CHECK(base.sum == Approx(1 - 2.5 + 0.3 + 4));
  CHECK(base.abs_sum == Approx(1 + 2.5 + 0.3 + 4));
  CHECK(base.weighted_sum == Approx(1 * 1 + 2 * 2.5 + 3 * 0.3 + 4 * 4));
  const DataSums changed = sums_of("# a title\tand 3 words\n1\t-2.5\tlabel\n\n3e-1\t4.001\n");
  CHECK_FALSE(near(changed.abs_sum, base.abs_sum, base.abs_sum));
  const DataSums moved = sums_of("# a title\tand 3 words\n-2.5\t1\tlabel\n\n3e-1\t4\n");
  CHECK(near(moved.abs_sum, base.abs_sum, base.abs_sum));
  CHECK_FALSE(near(moved.weighted_sum, base.weighted_sum, base.weighted_sum));
  CHECK(sums_of("1\t-2.5\tlabel\n3e-1\t4\t5\n").values == 5);
  fs::remove_all(dir);
}
