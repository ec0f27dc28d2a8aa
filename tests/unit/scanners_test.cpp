// The scanners of the sources' markers: exercise regions (course/exercises.hpp, shared by the
// runner and the grader) and snippets (course/lesson.hpp), which lessons and docs cite.
#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "course/exercises.hpp"
#include "course/lesson.hpp"
#include "nn/nn.hpp"

using Catch::Matchers::Contains;
namespace fs = std::filesystem;

SCENARIO("one scanner reads the exercise markers, for the runner and the grader", "[infra]") {
  using nn::lesson::Exercise;
  GIVEN("a source text with a solution region and, below it, a release's stub") {
    // The stub line is built by the scanner itself: its marker word is spelled in one place.
    const std::string stub = nn::lesson::stub_line("  ", "lesson11", "batchnorm_backward");
    CHECK(stub == "  // TO" "DO(lesson11): batchnorm_backward");
    const std::string head =
        "int f(int x) {\n"                                          // line 1
        "  // BEGIN SOLUTION lesson02 \"relu_backward (the mask)\"\n"  // 2
        "  // HINT: 1 where x > 0\n"                                 // 3
        "  return x > 0;\n"                                          // 4
        "  // END SOLUTION\n"                                        // 5
        "}\n"                                                        // 6
        "int g() {\n" +                                              // 7
        stub + "\n"                                                  // 8
        "  // HINT: two passes\n"                                    // 9
        "  // [snippet bn]\n";                                       // 10
    const std::string text = head + "  throw nn::Unwritten(11, \"batchnorm_backward\", "
                                    "\"x.cpp\", __LINE__);\n}\n";  // 11, 12
    WHEN("it is scanned") {
      const std::vector<Exercise> found = nn::lesson::find_exercises(text, "src/nn/x.cpp");
      THEN("the solution is at its BEGIN line, the stub at its throw's, each with its hints") {
        REQUIRE(found.size() == 2);
        CHECK(found[0].state == Exercise::State::solution);
        CHECK(found[0].line == 2);
        CHECK(found[0].lesson == "lesson02");
        CHECK(found[0].lesson_number == 2);
        CHECK(found[0].name == "relu_backward (the mask)");
        CHECK(found[0].hints == std::vector<std::string>{"// HINT: 1 where x > 0"});
        CHECK(found[1].state == Exercise::State::stub);
        CHECK(found[1].line == 11);
        CHECK(found[1].lesson_number == 11);
        CHECK(found[1].name == "batchnorm_backward");
        CHECK(found[1].hints == std::vector<std::string>{"// HINT: two passes"});
        CHECK(found[1].file == "src/nn/x.cpp");
      }
    }
    WHEN("the student replaced the stub's throw") {
      const auto found = nn::lesson::find_exercises(head + "  return 0;\n}\n", "x.cpp");
      THEN("the exercise is written, at its stub line") {
        REQUIRE(found.size() == 2);
        CHECK(found[1].state == Exercise::State::written);
        CHECK(found[1].line == 8);
      }
    }
    WHEN("a marker is malformed (no quotes, no lesson number)") {
      const auto found = nn::lesson::find_exercises(
          "  // BEGIN SOLUTION lesson02 relu\n  // TO" "DO(lesson): x\n", "y.cpp");
      THEN("it is no exercise") { CHECK(found.empty()); }
    }
  }
}

SCENARIO("snippet markers are scanned strictly", "[infra][docs]") {
  GIVEN("a fixture file with nested, unclosed, duplicated and stray markers") {
    const fs::path path = fs::temp_directory_path() / "stepnet_snippet_fixture.cpp";
    std::ofstream(path) << "int a;\n"                       // 1
                           "  // [snippet outer]\n"         // 2
                           "  int b;\n"                     // 3
                           "  // [snippet inner]\n"         // 4
                           "  int c;\n"                     // 5
                           "  // [/snippet inner]\n"        // 6
                           "  int d;\n"                     // 7
                           "  // [/snippet]\n"              // 8
                           "// [snippet outer]\n"           // 9: a second 'outer'
                           "// [/snippet]\n"                // 10
                           "// [/snippet]\n"                // 11: closes nothing
                           "std::string s = \"// [snippet fake]\";\n"  // 12: not a marker
                           "# [snippet shell]\n"            // 13: '#' comments work
                           "// [snippet open]\n";           // 14: never closed
    const nn::lesson::SnippetFile f = nn::lesson::scan_snippets(path.string(), "fixture.cpp");
    fs::remove(path);
    THEN("nested snippets are found, with their lines, nested markers left out") {
      REQUIRE(f.readable);
      const nn::lesson::Snippet* outer = f.find("outer");
      REQUIRE(outer != nullptr);
      CHECK(outer->line == 2);
      CHECK(outer->end_line == 8);
      CHECK(outer->code == std::vector<std::string>{"  int b;", "  int c;", "  int d;"});
      CHECK(outer->code_lines == std::vector<std::size_t>{3, 5, 7});
      REQUIRE(f.find("inner") != nullptr);
      CHECK(f.find("inner")->code == std::vector<std::string>{"  int c;"});
      CHECK(f.find("fake") == nullptr);
      CHECK(f.find("shell") != nullptr);
    }
    THEN("each problem is reported with its line") {
      CHECK(f.problems == std::vector<std::string>{
                              "fixture.cpp:9: snippet 'outer' is defined twice (first at line 2)",
                              "fixture.cpp:11: [/snippet] closes nothing: no snippet is open",
                              "fixture.cpp:13: snippet 'shell' is opened but never closed",
                              "fixture.cpp:14: snippet 'open' is opened but never closed"});
    }
  }
}

SCENARIO("docs cite snippets with an HTML comment of their own", "[infra][docs]") {
  std::string problem;
  GIVEN("a citation line") {
    const auto c = nn::lesson::parse_citation(
        "  <!-- snippet src/nn/activations.cpp relu-backward -->", problem);
    THEN("it gives the file and the snippet name") {
      REQUIRE(c.has_value());
      CHECK(c->file == "src/nn/activations.cpp");
      CHECK(c->name == "relu-backward");
      CHECK(problem.empty());
    }
  }
  GIVEN("other comments and prose") {
    THEN("they are not citations and not problems") {
      CHECK_FALSE(nn::lesson::parse_citation("<!-- a note -->", problem).has_value());
      CHECK(problem.empty());
      CHECK_FALSE(nn::lesson::parse_citation("The snippet below", problem).has_value());
      CHECK(problem.empty());
    }
  }
  GIVEN("a malformed citation") {
    THEN("it is a problem") {
      CHECK_FALSE(
          nn::lesson::parse_citation("<!-- snippet relu-backward -->", problem).has_value());
      CHECK_THAT(problem, Contains("expected <!-- snippet FILE NAME -->"));
      CHECK_FALSE(nn::lesson::parse_citation("<!-- snippet a.cpp b", problem).has_value());
      CHECK_THAT(problem, Contains("one line"));
    }
  }
}
