# mk/fuzz.mk -- fuzzing the IDX reader (src/data/idx.cpp) with libFuzzer, clang from Debian.
#
#   make fuzz                      install clang if missing, build, replay tests/fuzz/crashes/,
#                                  fuzz FUZZ_SECONDS (60) over a copy of tests/fuzz/corpus/;
#                                  fails on any finding and prints where its input is
#   make fuzz FUZZ_SECONDS=30      CI's short run
#   make fuzz-build                only build $(BUILD)/fuzz/idx_fuzzer
#   make fuzz-repro CRASH=file     run the harness once on one input, with the full report
#   make fuzz-corpus               rewrite tests/fuzz/corpus/ with tests/fuzz/make_corpus.cpp
#
#   FUZZ_CXX=clang++   the compiler;  FUZZ_FLAGS="-seed=1 ..."   more libFuzzer flags
#   FUZZ_MALLOC_MB=64, FUZZ_RSS_MB=512   the memory limits (a larger allocation is a finding)
# tests/fuzz/README.md says what is checked and how to reproduce and fix a finding.

FUZZ_CXX       ?= clang++
FUZZ_SECONDS   ?= 60
FUZZ_FLAGS     ?=
# A finding: one allocation over FUZZ_MALLOC_MB, or a process over FUZZ_RSS_MB (run.sh says why
# 64 MB is far above anything an input of -max_len=4096 bytes can back).
FUZZ_MALLOC_MB ?= 64
FUZZ_RSS_MB    ?= 512
FUZZ_DIR       := $(BUILD)/fuzz
FUZZER         := $(FUZZ_DIR)/idx_fuzzer
MAKE_CORPUS    := $(FUZZ_DIR)/make_corpus
# UBSan aborts on its first report (-fno-sanitize-recover), so libFuzzer sees it as a crash;
# _GLIBCXX_SANITIZE_VECTOR lets ASan see reads past a vector's size inside its capacity.
FUZZ_CXXFLAGS  := -std=c++17 -g -O1 -fno-omit-frame-pointer -fno-sanitize-recover=all \
                  -D_GLIBCXX_SANITIZE_VECTOR
FUZZ_SANITIZE  := address,undefined
FUZZ_LDLIBS    := -larmadillo -lz
# The library sources the reader needs, instrumented for coverage (not the main library).
FUZZ_LIB_SRC   := src/data/idx.cpp src/nn/dataset.cpp src/nn/shape.cpp src/nn/random.cpp \
                  src/util/files.cpp
FUZZ_LIB_OBJ   := $(FUZZ_LIB_SRC:src/%.cpp=$(FUZZ_DIR)/obj/src/%.o)

.PHONY: fuzz fuzz-setup fuzz-build fuzz-repro fuzz-corpus

fuzz-setup: check-setup
	@bash tests/fuzz/setup.sh $(FUZZ_CXX)

$(FUZZ_DIR)/obj/src/%.o: src/%.cpp
	@mkdir -p $(@D)
	$(call quiet,CXX,$<)$(FUZZ_CXX) $(CPPFLAGS) $(FUZZ_CXXFLAGS) -fsanitize=fuzzer-no-link,$(FUZZ_SANITIZE) -c $< -o $@

$(FUZZ_DIR)/obj/fuzz/%.o: tests/fuzz/%.cpp
	@mkdir -p $(@D)
	$(call quiet,CXX,$<)$(FUZZ_CXX) $(CPPFLAGS) $(FUZZ_CXXFLAGS) -fsanitize=fuzzer-no-link,$(FUZZ_SANITIZE) -c $< -o $@

$(FUZZER): $(FUZZ_DIR)/obj/fuzz/idx_fuzzer.o $(FUZZ_LIB_OBJ)
	$(call quiet,LINK,$@)$(FUZZ_CXX) -fsanitize=fuzzer,$(FUZZ_SANITIZE) $^ $(FUZZ_LDLIBS) -o $@

$(MAKE_CORPUS): $(FUZZ_DIR)/obj/fuzz/make_corpus.o $(FUZZ_LIB_OBJ)
	$(call quiet,LINK,$@)$(FUZZ_CXX) -fsanitize=fuzzer-no-link,$(FUZZ_SANITIZE) $^ $(FUZZ_LDLIBS) -o $@

fuzz-build: fuzz-setup
	@$(MAKE) --no-print-directory $(FUZZER)

fuzz: fuzz-build
	@FUZZ_MALLOC_MB=$(FUZZ_MALLOC_MB) FUZZ_RSS_MB=$(FUZZ_RSS_MB) \
	  bash tests/fuzz/run.sh $(FUZZER) $(FUZZ_SECONDS) $(FUZZ_DIR) $(FUZZ_FLAGS)

fuzz-repro: fuzz-build
	@[ -n "$(CRASH)" ] || { echo "make fuzz-repro: say which input: CRASH=path/to/crash-..." >&2; exit 2; }
	$(FUZZER) -rss_limit_mb=$(FUZZ_RSS_MB) -malloc_limit_mb=$(FUZZ_MALLOC_MB) -timeout=10 \
	  $(FUZZ_FLAGS) $(CRASH)

fuzz-corpus: fuzz-setup
	@$(MAKE) --no-print-directory $(MAKE_CORPUS)
	rm -f tests/fuzz/corpus/*
	@mkdir -p tests/fuzz/corpus
	$(MAKE_CORPUS) tests/fuzz/corpus
	@du -sh tests/fuzz/corpus

-include $(wildcard $(FUZZ_DIR)/obj/*/*.d)
