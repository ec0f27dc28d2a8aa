// The docs cite code by snippet marker; these fail the build when a citation goes stale.
#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "../../tools/snippets.hpp"
#include "course/lesson.hpp"

using Catch::Matchers::Contains;
namespace fs = std::filesystem;

namespace {

// Each problem as its own failure, so the report lists every one with its file and line.
void report(const std::vector<std::string>& problems) {
  for (const auto& p : problems) FAIL_CHECK(p);
  CHECK(problems.empty());
}

}  // namespace

SCENARIO("every snippet marker in the sources is well formed", "[docs]") {
  GIVEN("every source file under src/, lessons/, tests/, tools/ and mk/") {
    const std::string root = nn::lesson::repository_root();
    REQUIRE(fs::exists(root + "/src/nn/nn.hpp"));
    THEN("each snippet is closed, and no file marks the same name twice") {
      report(snippets::check_markers(root));
    }
  }
}

SCENARIO("every snippet a doc cites still exists", "[docs]") {
  const std::string root = nn::lesson::repository_root();
  for (const auto& page : snippets::doc_pages(root)) {
    GIVEN(page) {
      THEN("each <!-- snippet FILE NAME --> names a file that still marks NAME") {
        report(snippets::check_citations(root, page));
      }
      THEN("each link goes to a page that exists, each figure to a lesson that exists") {
        report(snippets::check_links(root, page));
      }
    }
  }
}

SCENARIO("a page expands into captioned, line-numbered code", "[docs]") {
  GIVEN("a scratch repository with one marked source and one page citing it") {
    const fs::path root = fs::temp_directory_path() / "stepnet_docs_fixture";
    fs::remove_all(root);
    fs::create_directories(root / "src/nn");
    fs::create_directories(root / "docs");
    fs::create_directories(root / "lessons");
    std::ofstream(root / "src/nn/relu.cpp") << "#include <x>\n"
                                               "// [snippet relu]\n"
                                               "    y = max(x, 0);\n"
                                               "    return y;\n"
                                               "// [/snippet]\n";
    std::ofstream(root / "lessons/lesson02_relu.cpp") << "int main() {}\n";
    std::ofstream(root / "docs/lesson2.md")
        << "# Lesson 2: ReLU\n"
           "<!-- snippet src/nn/relu.cpp relu -->\n"
           "See [the index](index.md#top), [the source](../src/nn/relu.cpp)\n"
           "and ![a figure](../out/lesson2/relu.png), not `[code](gone.md)`.\n"
           "```\n<!-- snippet src/nn/gone.cpp example-in-a-code-block -->\n```\n";
    std::ofstream(root / "docs/index.md") << "# stepnet\n<!-- lesson-index -->\n";
    const std::string r = root.string();

    WHEN("it is checked") {
      THEN("there is nothing to report; the citation in a code block is only an example") {
        CHECK(snippets::check(r).empty());
      }
    }
    WHEN("it is expanded") {
      std::ostringstream out;
      std::vector<std::string> problems;
      REQUIRE(snippets::expand(r, "docs/lesson2.md", out, problems));
      THEN("the citation becomes the code, dedented, captioned with file:line") {
        CHECK_THAT(out.str(), Contains(":::: snippet\n::: snippet-source\n"
                                       "[src/nn/relu.cpp:2](../../src/nn/relu.cpp) · `relu`\n"
                                       ":::\n\n"
                                       "```{.cpp .numberLines startFrom=\"3\"}\n"
                                       "y = max(x, 0);\n"
                                       "return y;\n"
                                       "```\n::::\n"));
      }
      THEN("links point where build/docs/ needs them; figures stay for pandoc to embed") {
        CHECK_THAT(out.str(), Contains("See [the index](index.html#top), "
                                       "[the source](../../src/nn/relu.cpp)\n"));
        CHECK_THAT(out.str(), Contains("![a figure](../out/lesson2/relu.png)"));
        CHECK(snippets::figures_of(r, "docs/lesson2.md") ==
              std::vector<std::string>{"out/lesson2/relu.png"});
      }
    }
    WHEN("the index page is expanded") {
      std::ostringstream out;
      std::vector<std::string> problems;
      REQUIRE(snippets::expand(r, "docs/index.md", out, problems));
      THEN("it lists every lesson page by its title") {
        CHECK_THAT(out.str(), Contains("- [Lesson 2: ReLU](lesson2.html)\n"));
      }
    }
    WHEN("the snippet is renamed, the page links to a missing page and a missing lesson") {
      std::ofstream(root / "src/nn/relu.cpp") << "// [snippet relu-forward]\n// [/snippet]\n";
      std::ofstream(root / "docs/lesson2.md", std::ios::app)
          << "[next](lesson3.md) ![loss](../out/lesson7/loss.png)\n"
             "<!-- snippet src/nn/gone.cpp x -->\n";
      THEN("each stale citation and link is reported with its page and line") {
        CHECK(snippets::check(r) ==
              std::vector<std::string>{
                  "docs/lesson2.md:2: cites snippet 'relu', which src/nn/relu.cpp no longer marks",
                  "docs/lesson2.md:9: cites src/nn/gone.cpp, which does not exist",
                  "docs/lesson2.md:8: links to lesson3.md, which does not exist",
                  "docs/lesson2.md:8: shows out/lesson7/loss.png, but there is no lesson 7"});
        std::ostringstream out;
        std::vector<std::string> problems;
        CHECK_FALSE(snippets::expand(r, "docs/lesson2.md", out, problems));
      }
    }
    fs::remove_all(root);
  }
}
