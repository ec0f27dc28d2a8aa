// The grader's own tests, its pieces on their own (no binary runs): strict JSON for
// results.json, a Catch2 report cut off anywhere, solution regions turned into stubs and hidden
// tests cut for make student, and a submission's exercise bodies spliced into the course's files.
// The grader's sources are header-only where the tests need them, so they are included here.
// The other grading files: grading_runs_test.cpp (the grader on real binaries) and
// grading_sandbox_test.cpp (what a submission can reach); grading_fixtures.hpp is what they share.
#include <catch2/catch.hpp>

#include <memory>
#include <string>

#include "../../tools/grade_exercises.hpp"
#include "../../tools/grade_json.hpp"
#include "../../tools/grade_splice.hpp"
#include "../../tools/grade_xml.hpp"
#include "grading_fixtures.hpp"

namespace {

const char* const catch_report = R"(<?xml version="1.0" encoding="UTF-8"?>
<Catch name="stepnet_tests" filters="[lesson02]">
  <Group name="stepnet_tests">
    <TestCase name="Scenario: ReLU" tags="[lesson02][points:3]" filename="tests/a.cpp" line="8">
      <Section name="Given: x" filename="tests/a.cpp" line="9">
        <Expression success="false" type="CHECK_THAT" filename="tests/a.cpp" line="17">
          <Original>
            g, Equals(grid({{0}, {1}}))
          </Original>
          <Expanded>
            0 &lt; 1 &amp;&amp; &quot;x&quot;
          </Expanded>
        </Expression>
        <OverallResults successes="0" failures="1" expectedFailures="0"/>
      </Section>
      <OverallResult success="false" durationInSeconds="0.001"/>
    </TestCase>
    <TestCase name="Scenario: tanh" tags="[lesson02][points:2]" filename="tests/a.cpp" line="30">
      <FatalErrorCondition filename="tests/a.cpp" line="30">
        SIGSEGV - Segmentation violation signal
      </FatalErrorCondition>
      <OverallResult success="false"/>
    </TestCase>
    <OverallResults successes="0" failures="2" expectedFailures="0"/>
  </Group>
  <OverallResults successes="0" failures="2" expectedFailures="0"/>
</Catch>
)";

}  // namespace

// ---- the pieces ------------------------------------------------------------------------------
SCENARIO("results.json is written and read as strict JSON", "[infra][grading]") {
  GIVEN("a report with what a program printed: invalid UTF-8, control bytes") {
    Value report = Value::object();
    report.set("score", 2.5);
    report.set("output", std::string("tab\there, quote \" backslash \\ bell \a bad \xff\xfe byte"));
    Value tests = Value::array();
    tests.push(Value::object());
    report.set("tests", tests);
    THEN("it round-trips, with the bad bytes replaced by U+FFFD") {
      const Value back = grade_json::parse(grade_json::dump(report));
      CHECK(back["score"].as_number() == 2.5);
      CHECK(back["output"].as_string() ==
            "tab\there, quote \" backslash \\ bell \a bad \xEF\xBF\xBD\xEF\xBF\xBD byte");
      CHECK(back["tests"].size() == 1);
    }
  }
  THEN("what is not JSON is refused, with where") {
    for (const char* bad :
         {"{\"a\": 1,}", "[1 2]", "{\"a\": 01}", "\"\x01\"", "\"\xff\"", "{\"a\": 1} {", "NaN",
          "{\"a\": 1, \"a\": 2}", "[1.]", "", "\"\\ud800\""}) {
      INFO("input: " << bad);
      CHECK_THROWS_WITH(grade_json::parse(bad), Contains("invalid JSON"));
    }
  }
}

SCENARIO("a Catch2 report cut off anywhere still reads", "[infra][grading]") {
  const std::string full = catch_report;
  GIVEN("the whole report") {
    const auto doc = grade_xml::parse(full);
    const auto* group = doc->child("Catch")->child("Group");
    REQUIRE(group != nullptr);
    THEN("both test cases are finished, entities decoded, text trimmed") {
      CHECK(doc->child("Catch")->closed);
      const auto* relu = group->children[0].get();
      CHECK(relu->attribute_or("name", "") == "Scenario: ReLU");
      CHECK(relu->closed);
      const auto* expanded = relu->child("Section")->child("Expression")->child("Expanded");
      CHECK(grade_xml::trim(expanded->text) == "0 < 1 && \"x\"");
    }
  }
  GIVEN("every prefix of it, as a killed process leaves it") {
    THEN("each parses, and a test case counts as finished only once its end tag is there") {
      const std::size_t second = full.find("<TestCase name=\"Scenario: tanh\"");
      const std::size_t second_open = full.find('>', second) + 1;  // its start tag, whole
      const std::size_t second_end = full.find("</TestCase>", second);
      for (std::size_t n = 0; n <= full.size(); ++n) {
        std::unique_ptr<grade_xml::Element> doc;
        REQUIRE_NOTHROW(doc = grade_xml::parse(full.substr(0, n)));
        const auto* root = doc->child("Catch");
        const auto* group = root ? root->child("Group") : nullptr;
        if (n >= second_open && group) {
          REQUIRE(group->children.size() >= 2);
          INFO("cut after " << n << " bytes");
          CHECK(group->children[1]->closed == (n >= second_end + 11));
        }
      }
    }
  }
}

SCENARIO("solution regions become stubs that throw; hidden tests are cut", "[infra][grading]") {
  GIVEN("a function whose body is an exercise, with a hint and a snippet marker inside") {
    const std::string source =
        "#include \"nn/activations.hpp\"\n"
        "arma::mat relu_backward(const arma::mat& x, const arma::mat& grad_y) {\n"
        "  // BEGIN SOLUTION lesson02 \"relu_backward (the \\\"mask\\\")\"\n"
        "  // HINT: ReLU'(0) = 0.\n"
        "  // [snippet inner]\n"
        "  const arma::mat mask = arma::conv_to<arma::mat>::from(x > 0);\n"
        "  // [/snippet]\n"
        "  return grad_y % mask;\n"
        "  // END SOLUTION\n"
        "}\n";
    const auto stripped = grade_exercises::strip_solutions(source, "src/nn/activations.cpp");
    THEN("the body is a TODO line, the hint, the markers and a throw naming lesson and doc") {
      CHECK(stripped.problems.empty());
      REQUIRE(stripped.exercises.size() == 1);
      CHECK(stripped.exercises[0].name == "relu_backward (the \"mask\")");
      CHECK(stripped.text ==
            "#include \"nn/activations.hpp\"\n"
            "#include \"nn/error.hpp\"  // the exercise stubs throw nn::Error\n"
            "\n"
            "// Student release: the stubs below leave parameters (and helpers) unused\n"
            "// until you write them; once every one is written, delete the two pragmas.\n"
            "#pragma GCC diagnostic ignored \"-Wunused-parameter\"\n"
            "#pragma GCC diagnostic ignored \"-Wunused-function\"\n"
            "arma::mat relu_backward(const arma::mat& x, const arma::mat& grad_y) {\n"
            "  // TODO(lesson02): relu_backward (the \"mask\")\n"
            "  // HINT: ReLU'(0) = 0.\n"
            "  // [snippet inner]\n"
            "  // [/snippet]\n"
            "  throw nn::Unwritten(2, \"relu_backward (the \\\"mask\\\")\", "
            "\"src/nn/activations.cpp\", __LINE__);\n"
            "}\n");
    }
    THEN("the release's stub is found again as still to write") {
      const auto found = grade_exercises::find_exercises(stripped.text, "src/nn/activations.cpp");
      REQUIRE(found.size() == 1);
      CHECK(found[0].state == grade_exercises::Exercise::State::stub);
      CHECK(found[0].hints == std::vector<std::string>{"// HINT: ReLU'(0) = 0."});
      CHECK(found[0].line == 13);  // the throw, whose __LINE__ the lessons print
    }
  }
  GIVEN("regions that are not closed, nested or malformed") {
    THEN("each is a problem with its line, and no release is written from it") {
      CHECK(
          grade_exercises::strip_solutions("  // BEGIN SOLUTION lesson01 \"x\"\n  return 1;\n", "f")
              .problems.size() == 1);
      CHECK(grade_exercises::strip_solutions("  // END SOLUTION\n", "f").problems.size() == 1);
      CHECK(grade_exercises::strip_solutions("  // BEGIN SOLUTION lesson1 x\n", "f")
                .problems.size() == 1);
      const auto nested = grade_exercises::strip_solutions(
          "// BEGIN SOLUTION lesson01 \"a\"\n// BEGIN SOLUTION lesson01 \"b\"\n// END SOLUTION\n",
          "f");
      REQUIRE(nested.problems.size() == 1);
      CHECK(nested.problems[0].line == 2);
    }
  }
  GIVEN("a test file with a hidden region, and one with a stray hidden tag") {
    const std::string tests =
        "TEST_CASE(\"shown\", \"[lesson01][points:1]\") {}\n"
        "// BEGIN HIDDEN\n"
        "TEST_CASE(\"secret\", \"[lesson01][points:2][hidden]\") {}\n"
        "// END HIDDEN\n";
    THEN("the region goes, and a hidden tag outside a region stops the release") {
      const auto cut = grade_exercises::strip_hidden(tests, "tests/a_test.cpp");
      CHECK(cut.problems.empty());
      CHECK(cut.regions == 1);
      CHECK(cut.text == "TEST_CASE(\"shown\", \"[lesson01][points:1]\") {}\n");
      const auto stray = grade_exercises::strip_hidden(
          "TEST_CASE(\"x\", \"[lesson01][points:1][visibility:hidden]\") {}\n", "tests/b_test.cpp");
      REQUIRE(stray.problems.size() == 1);
      CHECK(stray.problems[0].line == 1);
    }
  }
}

// ---- only exercise regions come from a submission ----------------------------------------------
SCENARIO("a submission's exercise bodies are spliced into the course's file, nothing else",
         "[infra][grading]") {
  const std::string course =
      "#include \"nn/x.hpp\"\n"
      "namespace nn {\n"
      "arma::mat twice(const arma::mat& x) {\n"
      "  // TODO(lesson02): twice\n"
      "  // HINT: two of it.\n"
      "  throw nn::Error(\"lesson 2 exercise: twice is yours to write; see docs/lesson02.md\");\n"
      "}\n"
      "\n"
      "double half(double v) {\n"
      "  // TODO(lesson02): half\n"
      "  throw nn::Error(\"lesson 2 exercise: half is yours to write; see docs/lesson02.md\");\n"
      "}\n"
      "}  // namespace nn\n";
  const auto course_lines = grade_exercises::split_lines(course);
  GIVEN("a student's file: one body written, code added outside the functions") {
    const std::string sub =
        "#include \"nn/x.hpp\"\n"
        "#include <cstdlib>\n"
        "static int planted = (std::system(\"id\"), 0);\n"
        "namespace nn {\n"
        "arma::mat twice(const arma::mat& x) {\n"
        "  // TODO(lesson02): twice\n"
        "  if (x.n_rows > 0) {\n"
        "    return 2 * x;\n"
        "  }\n"
        "  return x;\n"
        "}\n"
        "\n"
        "double half(double v) {\n"
        "  // TODO(lesson02): half\n"
        "  throw nn::Error(\"lesson 2 exercise: half is yours to write; see docs/lesson02.md\");\n"
        "}\n"
        "}  // namespace nn\n";
    const auto s = grade_splice::splice(course_lines, grade_exercises::split_lines(sub));
    THEN("the written body is taken, the stub stays, the outside code is dropped and noticed") {
      CHECK(s.written == 1);
      CHECK(s.stubs == 1);
      CHECK(s.outside_changed);
      const std::string text = grade_exercises::join_lines(s.lines, true);
      CHECK(text ==
            "#include \"nn/x.hpp\"\n"
            "namespace nn {\n"
            "arma::mat twice(const arma::mat& x) {\n"
            "  // TODO(lesson02): twice\n"
            "  if (x.n_rows > 0) {\n"
            "    return 2 * x;\n"
            "  }\n"
            "  return x;\n"
            "}\n"
            "\n"
            "double half(double v) {\n"
            "  // TODO(lesson02): half\n"
            "  throw nn::Error(\"lesson 2 exercise: half is yours to write; see docs/lesson02.md\");\n"
            "}\n"
            "}  // namespace nn\n");
    }
  }
  GIVEN("bodies that try to reach outside their function") {
    THEN("each is refused with its reason") {
      CHECK_THAT(grade_splice::unsafe("  return 1;\n}\nstatic int x = f();\nvoid g() {\n"),
                 Contains("close the function"));
      CHECK_THAT(grade_splice::unsafe("#define TEST_CASE(...) void f()\n"), Contains("preprocessor"));
      CHECK_THAT(grade_splice::unsafe("  %:define X\n"), Contains("preprocessor"));
      CHECK_THAT(grade_splice::unsafe("  asm(\".globl x\");\n"), Contains("asm"));
      CHECK_THAT(grade_splice::unsafe("  int a = 1'0; } int b = 2'0; {\n"), Contains("close"));
      CHECK_THAT(grade_splice::unsafe("  return 1; %> int y; <%\n"), Contains("close"));
      CHECK(grade_splice::unsafe("  const char* s = \"}\"; // }\n  /* } */ return '}';\n").empty());
      CHECK(grade_splice::unsafe("  auto f = [] { return R\"x(})x\"; };\n").empty());
    }
  }
  GIVEN("a body from the course's solution, between BEGIN and END SOLUTION markers") {
    const std::string sub =
        "arma::mat twice(const arma::mat& x) {\n"
        "  // BEGIN SOLUTION lesson02 \"twice\"\n"
        "  return 2 * x;\n"
        "  // END SOLUTION\n"
        "}\n";
    const auto s = grade_splice::splice(course_lines, grade_exercises::split_lines(sub));
    THEN("it is taken too") {
      CHECK(s.written == 1);
      CHECK(grade_exercises::join_lines(s.lines, true).find("  return 2 * x;\n") != std::string::npos);
    }
  }
}
