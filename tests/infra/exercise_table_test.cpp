// The exercise tables in docs/grading.md and the student README are the tests' tags, and every
// exercise has its "Implement" section in its lesson's doc.
#include <catch2/catch.hpp>

#include <filesystem>
#include <string>

#include "../../tools/check_table.hpp"
#include "course/lesson.hpp"

namespace fs = std::filesystem;
using Catch::Matchers::Contains;

SCENARIO("the exercise table is generated from the tests' tags, and is current", "[infra][docs]") {
  const std::string root = nn::lesson::repository_root();
  if (fs::exists(root + "/.stepnet-release")) return;  // a release has fewer tests: not its job
  GIVEN("the tests' [lessonNN][points:N][exercise:NAME][needs:...] tags") {
    const check_table::Table table = check_table::table(root);
    THEN("every graded test with points names one exercise of its own lesson") {
      for (const std::string& p : table.problems) FAIL_CHECK(p);
      CHECK_THAT(table.markdown, Contains("| 1 | numeric_gradient | `src/nn/gradcheck.cpp` |"));
    }
    for (const char* file : {"docs/grading.md", "tools/student_README.md"}) {
      THEN(std::string(file) + " holds exactly that table (make exercise-table rewrites it)") {
        const std::string text = check_table::read_text(root + "/" + file);
        const std::string updated = check_table::with_table(text, table.markdown);
        REQUIRE_FALSE(updated.empty());
        CHECK(updated == text);
      }
    }
  }
}

SCENARIO("every exercise has an Implement section where its stub points", "[infra][docs]") {
  const std::string root = nn::lesson::repository_root();
  for (const auto& e : check_table::exercises_in(root)) {
    const std::string doc = grade_exercises::doc_page(e);
    const std::string heading = "\n### Implement " + grade_exercises::exercise_id(e.name) + "\n";
    INFO(e.file << ":" << e.line << ": " << e.name << " -> " << grade_exercises::doc_anchor(e));
    CHECK_THAT(check_table::read_text(root + "/" + doc), Contains(heading));
    CHECK(grade_exercises::doc_anchor(e) ==
          nn::Unwritten::doc_of(e.lesson_number, e.name));
    CHECK_FALSE(e.hints.empty());  // every stub keeps at least one // HINT: line
  }
}
