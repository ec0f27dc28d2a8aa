# mk/figures.mk -- make figures: redraw the figures the docs show in the repository itself.
#
#   make figures    run the lesson step behind each figure of docs/figures/figures.tsv (default
#                   seed and options), copy its PNG to docs/figures/ and rewrite the manifest's
#                   checksums of the data file the figure was drawn from; then commit docs/figures/
#
# docs/lessonNN.md shows these as ![...](figures/lessonNN-name.png), so they are visible where the
# docs are read (GitHub, an editor) without running anything; out/ keeps every other figure.
# tests/infra/figures_test.cpp reruns each step and compares the data file it writes now with the
# manifest, so the committed pictures and the prose cannot drift from what the code computes.
#
# The manifest: one row per figure, tab-separated,
#   figure  lesson  step  options  data  rows  values  sum  abs_sum  weighted_sum
# where options are the lesson's options besides --step K --no-pause ("-" for none; a figure
# that depends on less than the default run computes may say so, e.g. --search-repeats 1, and one
# drawn on smaller data says so in its caption too, e.g. lesson 10's --quick --epochs 15),
# data is the .tsv under out/lessonN/ the step writes beside the PNG of the same stem,
# rows its non-comment, non-blank lines, values its numeric fields v_1 .. v_n (in file order),
# sum = sum v_k, abs_sum = sum |v_k|, weighted_sum = sum k |v_k| (which also sees a reordering).

FIGURES_DIR      := docs/figures
FIGURES_MANIFEST := $(FIGURES_DIR)/figures.tsv
FIGURE_LESSONS   := $(sort $(shell awk -F'\t' '!/^\#/ && NF >= 3 { print $$2 }' $(FIGURES_MANIFEST) 2>/dev/null))

# The checksum columns of one data file (the test computes the same in C++).
FIGURE_STATS := awk -F'\t' 'BEGIN { re = "^[-+]?([0-9]+[.]?[0-9]*|[.][0-9]+)([eE][-+]?[0-9]+)?$$" } \
  /^\#/ || NF == 0 { next } \
  { rows++; for (i = 1; i <= NF; i++) if ($$i ~ re) { v = $$i + 0; n++; a = v < 0 ? -v : v; \
      sum += v; abs_sum += a; weighted += n * a } } \
  END { printf "%d\t%d\t%.12g\t%.12g\t%.12g\n", rows, n, sum, abs_sum, weighted }'

.PHONY: figures
figures: check-setup
	@command -v gnuplot >/dev/null 2>&1 || { \
	  echo "make figures: gnuplot is not installed (make setup installs it)." >&2; exit 1; }
	@$(MAKE) --no-print-directory $(foreach n,$(FIGURE_LESSONS),$(BUILD)/lessons/lesson$(n))
	@set -e; new=$(FIGURES_MANIFEST).new; ran=; : > $$new; \
	while IFS= read -r line; do \
	  case "$$line" in \#*|'') printf '%s\n' "$$line" >> $$new; continue;; esac; \
	  figure=$$(printf '%s' "$$line" | cut -f1); lesson=$$(printf '%s' "$$line" | cut -f2); \
	  step=$$(printf '%s' "$$line" | cut -f3); options=$$(printf '%s' "$$line" | cut -f4); \
	  data=$$(printf '%s' "$$line" | cut -f5); [ "$$options" = - ] && args= || args=$$options; \
	  case " $$ran " in *" $$lesson:$$step "*) ;; *) \
	    echo "figures: lesson $$lesson, step $$step $$args"; \
	    $(BUILD)/lessons/lesson$$lesson --step $$step --no-pause $$args < /dev/null \
	      > $(BUILD)/figures-lesson$$lesson-step$$step.log 2>&1 \
	      || { echo "figures: lesson $$lesson step $$step failed; see $(BUILD)/figures-lesson$$lesson-step$$step.log" >&2; \
	           rm -f $$new; exit 1; }; \
	    ran="$$ran $$lesson:$$step";; \
	  esac; \
	  cp out/lesson$$lesson/$${data%.tsv}.png $(FIGURES_DIR)/$$figure; \
	  printf '%s\t%s\t%s\t%s\t%s\t%s\n' "$$figure" "$$lesson" "$$step" "$$options" "$$data" \
	    "$$($(FIGURE_STATS) out/lesson$$lesson/$$data)" >> $$new; \
	  echo "figures: $(FIGURES_DIR)/$$figure ($$(wc -c < $(FIGURES_DIR)/$$figure) bytes)"; \
	done < $(FIGURES_MANIFEST); \
	mv $$new $(FIGURES_MANIFEST); \
	echo "figures: $(FIGURES_MANIFEST) rewritten; commit $(FIGURES_DIR)/"
