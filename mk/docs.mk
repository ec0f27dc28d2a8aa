# mk/docs.mk -- docs/*.md with their code citations expanded, rendered to build/docs/*.html.
#
#   make docs          check every citation, draw the figures the pages show, render the pages
#   make docs-check    only check: every <!-- snippet FILE NAME --> still exists (also a test)
#
# A page cites code by marker, on a line of its own:
#     <!-- snippet src/nn/linear.cpp linear-backward -->
# and shows lesson figures by their path from docs/:   ![loss](../out/lesson2/loss.png)
# A figure that is missing is drawn by running its lesson (DOCS_LESSON_ARGS, e.g. --quick).
# Each page becomes one self-contained HTML file (figures and CSS embedded, math as MathML),
# so build/docs/ can be copied anywhere or uploaded as it is.

DOCS_OUT         := $(BUILD)/docs
DOC_PAGES        := $(sort $(wildcard docs/*.md))
SNIPPETS         := $(BUILD)/tools/snippets
DOCS_LESSON_ARGS ?= --no-pause

.PHONY: docs docs-check

$(BUILD)/obj/tools/snippets.o: tools/snippets.cpp tools/snippets.hpp
	@mkdir -p $(@D)
	$(call quiet,CXX,$<)$(CXX) $(CPPFLAGS) $(CXXFLAGS) -c $< -o $@

$(SNIPPETS): $(BUILD)/obj/tools/snippets.o $(LIB)
	@mkdir -p $(@D)
	$(call quiet,LINK,$@)$(CXX) $(LDFLAGS) $< $(LIB) $(LDLIBS) -o $@

docs-check: $(SNIPPETS)
	@$(SNIPPETS) check && echo "docs: every citation, marker and link is in place."

docs: $(SNIPPETS)
	@command -v pandoc >/dev/null 2>&1 || { \
	  echo "make docs: pandoc is not installed." \
	       "make setup installs it (or: sudo apt-get install pandoc)." >&2; \
	  exit 1; }
	@$(SNIPPETS) check
	@mkdir -p $(DOCS_OUT)/md
	@# Figures first: run each lesson whose figures a page shows but out/ lacks, once.
	@missing=; for page in $(DOC_PAGES); do \
	  for figure in $$($(SNIPPETS) figures $$page); do \
	    n=$$(echo $$figure | sed 's|^out/lesson\([0-9]*\)/.*|\1|'); \
	    [ -f $$figure ] || missing="$$missing $$n"; \
	  done; \
	done; \
	for n in $$(printf '%s\n' $$missing | sort -un); do \
	  echo "docs: running lesson $$n for its figures ($(DOCS_OUT)/lesson$$n.log)"; \
	  $(MAKE) --no-print-directory $(BUILD)/lessons/lesson$$n >/dev/null \
	    && $(BUILD)/lessons/lesson$$n $(DOCS_LESSON_ARGS) \
	         > $(DOCS_OUT)/lesson$$n.log 2>&1 < /dev/null \
	    || echo "docs: lesson $$n did not finish; see $(DOCS_OUT)/lesson$$n.log" >&2; \
	done
	@# Then the pages. pandoc >= 2.19 spells --self-contained as --embed-resources.
	@if pandoc --help | grep -q -- --embed-resources; then embed="--embed-resources --standalone"; \
	else embed="--self-contained"; fi; \
	for page in $(DOC_PAGES); do \
	  name=$$(basename $$page .md); \
	  $(SNIPPETS) expand $$page > $(DOCS_OUT)/md/$$name.md || exit 1; \
	  pandoc --from markdown --to html5 $$embed --mathml --resource-path=docs:. \
	    --css docs/style.css --metadata lang=en --metadata pagetitle="$$($(SNIPPETS) title $$page)" \
	    -o $(DOCS_OUT)/.$$name.html.tmp $(DOCS_OUT)/md/$$name.md \
	    && mv $(DOCS_OUT)/.$$name.html.tmp $(DOCS_OUT)/$$name.html || exit 1; \
	  echo "docs: $(DOCS_OUT)/$$name.html"; \
	done
	@echo "docs: open $(DOCS_OUT)/index.html"
