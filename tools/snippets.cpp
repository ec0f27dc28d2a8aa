// snippets -- check and expand the code citations in docs/*.md (make docs uses it).
//
//   snippets check            every citation, marker and link; exit 1 when one is broken
//   snippets expand PAGE      PAGE with citations expanded, on stdout (for pandoc)
//   snippets title PAGE       the page's first "# heading"
//   snippets figures PAGE     the lesson figures (out/lessonN/...) PAGE shows, one per line
// PAGE is a path relative to the repository root, e.g. docs/lesson3.md. The root is found as
// the lesson runner finds it (the first directory up holding src/nn/nn.hpp).
#include <iostream>
#include <sstream>

#include "snippets.hpp"

namespace {

int usage() {
  std::cerr << "usage: snippets check\n"
               "       snippets expand PAGE | title PAGE | figures PAGE\n";
  return 2;
}

}  // namespace

int main(int argc, char** argv) {
  const std::string root = nn::lesson::repository_root();
  if (argc < 2) return usage();
  const std::string command = argv[1];

  if (command == "check" && argc == 2) {
    const auto problems = snippets::check(root);
    for (const auto& p : problems) std::cerr << p << "\n";
    if (!problems.empty()) {
      std::cerr << "snippets: " << problems.size() << " broken citation(s), marker(s) or link(s)\n";
      return 1;
    }
    return 0;
  }
  if (argc != 3) return usage();
  const std::string page = argv[2];
  if (!std::filesystem::exists(root + "/" + page)) {
    std::cerr << "snippets: no " << page << " under " << root << "\n";
    return 1;
  }
  if (command == "title") {
    std::cout << snippets::title_of(root + "/" + page) << "\n";
    return 0;
  }
  if (command == "figures") {
    for (const auto& f : snippets::figures_of(root, page)) std::cout << f << "\n";
    return 0;
  }
  if (command == "expand") {
    std::ostringstream out;  // nothing on stdout unless the whole page expands
    std::vector<std::string> problems;
    if (!snippets::expand(root, page, out, problems)) {
      for (const auto& p : problems) std::cerr << p << "\n";
      return 1;
    }
    std::cout << out.str();
    return 0;
  }
  return usage();
}
