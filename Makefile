# stepnet -- one Makefile for students, instructors and CI.
#
#   make              library, tests and lessons
#   make test         install what is missing (Debian packages), build, run every test
#   make test-e2e     the grader end to end on a student release (CI runs it; about 90 s)
#   make lessonN      step through lesson N   (ARGS="--seed 3 --no-pause" passes options)
#   make check [N]    lesson N's exercises: one PASS/FAIL/TODO line each, with points (mk/check.mk)
#   make setup        check and install the Debian packages stepnet needs
#   make clean        remove build/ and out/
# Instructors: make test EXTRA_TESTS=dir adds every dir/*.cpp as extra Catch2 tests.
#
# make runs as many jobs as the machine has cores (JOBS=1 or -j1 for one at a time) and prints
# one line per file it builds; V=1 shows the compiler's command lines instead.

CXX      ?= g++
OPT      ?= -O2
# Test files are assertions around library calls: unoptimized, the suite compiles in 60 s of
# CPU against 101 s at -O1 and its own tests run 4 s longer; the library they call stays -O2.
# The grader's tools are text processing: unoptimized, the grader compiles in 11 s of CPU against
# 18 s at -O1, and its scenarios run 1 s longer. Lessons spend their time in the library as
# well: -O1 compiles them in two thirds of the time, and lesson 10's default run took the same
# 34 s of CPU either way.
TEST_OPT ?= -O0
TOOL_OPT ?= -O0
LESSON_OPT ?= -O1
CXXFLAGS ?= $(OPT) -std=c++17 -Wall -Wextra -pipe
# -Winvalid-pch: a precompiled header the compiler cannot use says so (it would be parsed again).
CPPFLAGS += -Isrc -MMD -MP -Winvalid-pch
# What each room links besides the rooms below it (docs/design.md, "The rooms"): the core
# Armadillo (and through it LAPACK/BLAS), the data room zlib, plot gnuplot-iostream's Boost.
CORE_LDLIBS := -larmadillo
DATA_LDLIBS := -lz
PLOT_LDLIBS := -lboost_iostreams -lboost_filesystem
LDLIBS   += $(PLOT_LDLIBS) $(DATA_LDLIBS) $(CORE_LDLIBS)
BUILD    ?= build

# Every rule is written here: no built-in rules (they would, say, try to link a dependency
# file as a program).
MAKEFLAGS += --no-builtin-rules
.SUFFIXES:

JOBS ?= $(shell nproc 2>/dev/null || echo 2)
ifeq ($(MAKELEVEL)$(filter -j%,$(MAKEFLAGS)),0)
  MAKEFLAGS += -j$(JOBS)
endif
# $(call quiet,WHAT,file): the one progress line a recipe prints (nothing with V=1, which echoes
# the command itself).
ifeq ($(V),1)
  quiet =
else
  quiet = @printf '  %-5s %s\n' '$(1)' '$(2)';
endif

# Catch2 v3 (no catch2/catch.hpp): the suite's v2 spelling through tools/catch2_compat/, v3's library.
ifeq ($(wildcard /usr/include/catch2/catch.hpp),)
ifneq ($(wildcard /usr/include/catch2/catch_all.hpp),)
  CPPFLAGS += -Itools/catch2_compat
  LDLIBS   += -lCatch2
  CATCH_LDLIBS := -lCatch2
endif
endif

# -O1 and line tables only (-g1): a sanitizer report still names file:line, and the build,
# most of CI's time, is a third shorter than with -O2 -g.
ifeq ($(SANITIZE),1)
  BUILD    := build/sanitize
  OPT      := -O1
  CXXFLAGS += -fsanitize=address,undefined -fno-omit-frame-pointer -g1
  # GCC 12 with the sanitizers at -O1 reports its own std::regex (std::function inside the
  # automaton) as "may be used uninitialized": ten false alarms from libstdc++, none in our
  # code. The plain build keeps the warning.
  CXXFLAGS += -Wno-maybe-uninitialized
  LDFLAGS  += -fsanitize=address,undefined
endif

# The library's rooms, one archive each (src/<room>/*.cpp -> $(BUILD)/libstepnet_<room>.a).
# Dependencies point one way: course -> plot -> data -> core (src/nn) -> util; LIB lists the
# archives in that order, as a static link needs them. CORE_LIB is what a core-only program
# links (build/core_tests shows it: no Boost, no zlib).
ROOMS      := course plot data nn util
room_lib    = $(BUILD)/libstepnet_$(if $(filter nn,$(1)),core,$(1)).a
# A file with an exercise (a BEGIN SOLUTION marker) compiles alone, so make check N after an
# edit recompiles that file only. A room's other files compile as one translation unit (two for
# the core), like the tests: $(BUILD)/obj/unity/lib_GROUP.cpp includes them. That took the
# library's 40 such files from 104 s of CPU to 63 s; an edit to one of them recompiles its group.
# (The student release has the stub's TODO(lessonNN) line where the solution was; the markers
# are defined in src/course/exercises.hpp, whose scanner make cannot run before it builds.)
EXERCISE_LIB_SRC := $(shell grep -lE '^ *// (BEGIN SOLUTION|TODO\(lesson[0-9]+\))' $(wildcard src/*/*.cpp) 2>/dev/null)
plain_src_  = $(filter-out $(EXERCISE_LIB_SRC),$(sort $(wildcard src/$(1)/*.cpp)))
NN_PLAIN_  := $(call plain_src_,nn)
nn_half_   := $(shell echo $$(( ($(words $(NN_PLAIN_)) + 1) / 2 )))
LIBG_nn1   := $(wordlist 1,$(nn_half_),$(NN_PLAIN_))
LIBG_nn2   := $(filter-out $(LIBG_nn1),$(NN_PLAIN_))
$(foreach r,course plot data util,$(eval LIBG_$(r) := $(call plain_src_,$(r))))
room_groups_ = $(if $(filter nn,$(1)),nn1 nn2,$(1))
LIB_GROUPS := $(foreach r,$(ROOMS),$(foreach g,$(call room_groups_,$(r)),$(if $(LIBG_$(g)),$(g))))
room_obj    = $(patsubst src/%.cpp,$(BUILD)/obj/%.o,$(filter $(EXERCISE_LIB_SRC),$(sort $(wildcard src/$(1)/*.cpp)))) \
              $(foreach g,$(call room_groups_,$(1)),$(if $(LIBG_$(g)),$(BUILD)/obj/unity/lib_$(g).o))
LIB        := $(foreach r,$(ROOMS),$(call room_lib,$(r)))
CORE_LIB   := $(call room_lib,nn) $(call room_lib,util)
LIB_OBJ    := $(foreach r,$(ROOMS),$(call room_obj,$(r)))
# Tests by kind: tests/unit/ (one part of the library each), tests/lessons/ (a lesson's worked
# examples and graded exercises, and its run), tests/infra/ (the grader, the docs, the figures,
# reliability); tests/support/ holds their shared helpers (on the include path).
TEST_KINDS := unit lessons infra
TEST_SRC   := $(sort $(foreach k,$(TEST_KINDS),$(wildcard tests/$(k)/*.cpp)))
# The unit tests of the core: the files that include core_helpers.hpp (nn/core.hpp), not
# helpers.hpp (nn/nn.hpp). Their precompiled header holds the core only, so they compile
# without the other rooms' declarations, and build/core_tests links them against CORE_LIB
# and Armadillo only (no Boost, no zlib): a core test that needed another room would fail.
CORE_TEST_SRC := $(sort $(shell grep -l '#include "core_helpers.hpp"' $(TEST_SRC) 2>/dev/null))
# The suite compiles its files in four groups, one translation unit each (a generated
# $(BUILD)/obj/unity/GROUP.cpp that includes them): most of a test file's compile time is loading
# the precompiled header and instantiating the same Armadillo and Catch2 templates, so a group
# compiles in under half the time of its files one by one (tests/lessons: 22 s of CPU against
# 48 s). The core's files in two halves (they make build/core_tests as well), the lessons', the
# rest. Catch2 still names each test's own file and line. make check N compiles lesson N's files
# one by one (mk/check.mk), so a student's check does not wait for a whole group.
half_       = $(words $(CORE_TEST_SRC))
CORE_A_SRC := $(wordlist 1,$(shell echo $$(( ($(half_) + 1) / 2 ))),$(CORE_TEST_SRC))
CORE_B_SRC := $(filter-out $(CORE_A_SRC),$(CORE_TEST_SRC))
LESSONS_TEST_SRC := $(filter tests/lessons/%,$(TEST_SRC))
OTHER_TEST_SRC := $(filter-out $(CORE_TEST_SRC) $(LESSONS_TEST_SRC),$(TEST_SRC))
TEST_GROUPS := core_a core_b lessons other
group_src    = $($(call upper_,$(1))_SRC)
upper_       = $(subst core_a,CORE_A,$(subst core_b,CORE_B,$(subst lessons,LESSONS_TEST,$(subst other,OTHER_TEST,$(1)))))
group_obj    = $(BUILD)/obj/unity/$(1).o
TEST_OBJ      := $(foreach g,$(TEST_GROUPS),$(call group_obj,$(g)))
CORE_TEST_OBJ := $(call group_obj,core_a) $(call group_obj,core_b)
CORE_TESTS := $(BUILD)/core_tests
CATCH_MAIN := $(BUILD)/obj/catch_main.o
TESTS      := $(BUILD)/stepnet_tests
LESSON_SRC := $(sort $(wildcard lessons/lesson[0-9]*.cpp))
# lessons/lesson03_convolution.cpp -> build/lessons/lesson3
lesson_num  = $(patsubst 0%,%,$(firstword $(subst _, ,$(patsubst lessons/lesson%,%,$(1)))))
LESSONS    := $(foreach s,$(LESSON_SRC),$(BUILD)/lessons/lesson$(call lesson_num,$(s)))

ifdef EXTRA_TESTS
  EXTRA_DIR  := $(abspath $(EXTRA_TESTS))
  EXTRA_SRC  := $(sort $(wildcard $(EXTRA_DIR)/*.cpp))
  EXTRA_OBJ  := $(foreach s,$(EXTRA_SRC),$(BUILD)/obj/extra/$(notdir $(s:.cpp=.o)))
  EXTRA_BIN  := $(BUILD)/extra_tests
endif

.PHONY: all setup check-setup test clean lessons
.DEFAULT_GOAL := all

all: $(LIB) $(TESTS) $(CORE_TESTS) $(LESSONS)

setup:
	@bash tools/setup.sh

check-setup:
	@bash tools/setup.sh --quiet

# ---- precompiled headers ---------------------------------------------------------------
# Armadillo's headers take most of a file's compile time: they are parsed once into a
# precompiled header, one for the library and the lessons, one for the tests (which compile
# unoptimized, and GCC refuses a header precompiled with __OPTIMIZE__ there).
# $(call pch_rule,NAME,HEADER,FLAGS): $(BUILD)/pch/NAME.hpp.gch, used with -include.
define pch_rule
$(BUILD)/pch/$(1).hpp.gch: $(2)
	@mkdir -p $$(@D)
	@cp $$< $(BUILD)/pch/$(1).hpp
	$$(call quiet,PCH,$$<)$$(CXX) $$(CPPFLAGS) $(3) -x c++-header $(BUILD)/pch/$(1).hpp -o $$@
endef
LIB_PCH    := $(BUILD)/pch/lib_pch.hpp
$(eval $(call pch_rule,lib_pch,tools/lib_pch.hpp,$$(CXXFLAGS)))
# The lessons compile at -O1 with the library's header (made at -O2: the level is not part of
# what GCC checks). The 12 lessons took 45 s of CPU that way against 41 s with a header of
# their own, which took 10 s to make.
LESSON_CXXFLAGS = $(CXXFLAGS) $(LESSON_OPT)

# ---- library -----------------------------------------------------------------------------
$(BUILD)/obj/%.o: src/%.cpp $(LIB_PCH).gch
	@mkdir -p $(@D)
	$(call quiet,CXX,$<)$(CXX) $(CPPFLAGS) -include $(LIB_PCH) $(CXXFLAGS) -c $< -o $@

# A group's source: one #include line per file, rewritten only when the list changes. It lives
# beside the objects, so a copy of $(BUILD)/obj (the student release's seeded build) reuses them.
$(LIB_GROUPS:%=$(BUILD)/obj/unity/lib_%.cpp): $(BUILD)/obj/unity/lib_%.cpp: unity-force
	@mkdir -p $(@D)
	@printf '#include "%s"\n' $(LIBG_$*) > $@.tmp
	@cmp -s $@.tmp $@ && rm -f $@.tmp || mv -f $@.tmp $@

$(LIB_GROUPS:%=$(BUILD)/obj/unity/lib_%.o): $(BUILD)/obj/unity/lib_%.o: $(BUILD)/obj/unity/lib_%.cpp $(LIB_PCH).gch
	$(call quiet,CXX,src/ group $* ($(words $(LIBG_$*)) files))$(CXX) $(CPPFLAGS) -iquote . -fmacro-prefix-map=./= -include $(LIB_PCH) $(CXXFLAGS) -c $< -o $@

define room_rules
$(call room_lib,$(1)): $(call room_obj,$(1))
	@mkdir -p $$(@D)
	$$(call quiet,AR,$$@)rm -f $$@ && ar rcs $$@ $$^
endef
$(foreach r,$(ROOMS),$(eval $(call room_rules,$(r))))

# Dependencies point one way: a room includes headers of the rooms below it only (the
# one-line compatibility headers in src/nn/ excepted: see docs/design.md). grep says which
# line breaks the rule.
ROOM_COMPAT := src/nn/nn.hpp src/nn/data.hpp src/nn/plot.hpp src/nn/lesson.hpp
.PHONY: rooms-check
rooms-check:
	@bad=$$( { grep -nE '#include "(nn|data|plot|course)/' $(filter-out $(ROOM_COMPAT),$(wildcard src/util/*)); \
	  grep -nE '#include "(data|plot|course)/' $(filter-out $(ROOM_COMPAT),$(wildcard src/nn/*)); \
	  grep -nE '#include "(plot|course)/' $(wildcard src/data/*); \
	  grep -nE '#include "(data|course)/' $(wildcard src/plot/*); } \
	  | grep -v '"nn/error.hpp"'); \
	if [ -n "$$bad" ]; then echo "rooms-check: an include against the direction of the rooms:"; echo "$$bad"; exit 1; fi

# ---- tests -------------------------------------------------------------------------------
# Catch2's main is compiled once (unoptimized: it is only the framework); Catch2, Armadillo and
# nn.hpp are precompiled once into a header every test file is compiled with.
$(CATCH_MAIN): tools/catch_main.cpp
	@mkdir -p $(@D)
	$(call quiet,CXX,$<)$(CXX) $(CPPFLAGS) $(CXXFLAGS) -O0 -c $< -o $@

TEST_PCH := $(BUILD)/pch/test_pch.hpp
TEST_CXXFLAGS = $(CXXFLAGS) $(TEST_OPT)
$(eval $(call pch_rule,test_pch,tools/test_pch.hpp,$$(TEST_CXXFLAGS)))
TEST_FLAGS = -include $(TEST_PCH) -Itests/support

$(BUILD)/obj/tests/%.o: tests/%.cpp $(TEST_PCH).gch
	@mkdir -p $(@D)
	$(call quiet,CXX,$<)$(CXX) $(CPPFLAGS) $(TEST_FLAGS) $(TEST_CXXFLAGS) -c $< -o $@

# A group's source: one #include line per file, rewritten only when the list changes (so a
# new test file rebuilds its group, an unchanged list rebuilds nothing).
$(TEST_GROUPS:%=$(BUILD)/obj/unity/%.cpp): $(BUILD)/obj/unity/%.cpp: unity-force
	@mkdir -p $(@D)
	@printf '#include "%s"\n' $(call group_src,$*) > $@.tmp
	@cmp -s $@.tmp $@ && rm -f $@.tmp || mv -f $@.tmp $@
.PHONY: unity-force

$(TEST_OBJ): $(BUILD)/obj/unity/%.o: $(BUILD)/obj/unity/%.cpp $(TEST_PCH).gch
	@mkdir -p $(@D)
	$(call quiet,CXX,tests/ group $* ($(words $(call group_src,$*)) files))$(CXX) $(CPPFLAGS) -iquote . -fmacro-prefix-map=./= $(TEST_FLAGS) $(TEST_CXXFLAGS) -c $< -o $@

$(TESTS): $(TEST_OBJ) $(CATCH_MAIN) $(LIB)
	$(call quiet,LINK,$@)$(CXX) $(LDFLAGS) $(TEST_OBJ) $(CATCH_MAIN) $(LIB) $(LDLIBS) -o $@

$(CORE_TESTS): $(CORE_TEST_OBJ) $(CATCH_MAIN) $(CORE_LIB)
	$(call quiet,LINK,$@)$(CXX) $(LDFLAGS) $(CORE_TEST_OBJ) $(CATCH_MAIN) $(CORE_LIB) $(CORE_LDLIBS) $(CATCH_LDLIBS) -o $@

ifdef EXTRA_TESTS
$(BUILD)/obj/extra/%.o: $(EXTRA_DIR)/%.cpp $(TEST_PCH).gch
	@mkdir -p $(@D)
	$(call quiet,CXX,$<)$(CXX) $(CPPFLAGS) $(TEST_FLAGS) -I$(EXTRA_DIR) $(TEST_CXXFLAGS) -c $< -o $@

$(EXTRA_BIN): $(EXTRA_OBJ) $(CATCH_MAIN) $(LIB)
	$(call quiet,LINK,$@)$(CXX) $(LDFLAGS) $(EXTRA_OBJ) $(CATCH_MAIN) $(LIB) $(LDLIBS) -o $@
endif

# ---- lessons -----------------------------------------------------------------------------
define lesson_rules
$(BUILD)/lessons/lesson$(call lesson_num,$(1)): $(BUILD)/obj/lessons/$(notdir $(1:.cpp=.o)) $(LIB)
	@mkdir -p $$(@D)
	$$(call quiet,LINK,$$@)$$(CXX) $$(LDFLAGS) $$< $(LIB) $$(LDLIBS) -o $$@

lesson$(call lesson_num,$(1)): check-setup
	@$$(MAKE) --no-print-directory $(BUILD)/lessons/lesson$(call lesson_num,$(1))
	@$(BUILD)/lessons/lesson$(call lesson_num,$(1)) $$(ARGS)
.PHONY: lesson$(call lesson_num,$(1))
endef
$(foreach s,$(LESSON_SRC),$(eval $(call lesson_rules,$(s))))

$(BUILD)/obj/lessons/%.o: lessons/%.cpp $(LIB_PCH).gch
	@mkdir -p $(@D)
	$(call quiet,CXX,$<)$(CXX) $(CPPFLAGS) -include $(LIB_PCH) $(LESSON_CXXFLAGS) -c $< -o $@

lessons: $(LESSONS)

# ---- running the tests -------------------------------------------------------------------
# Every binary runs even when an earlier one failed; the log feeds .ci/run's summary line.
test: check-setup rooms-check
	@$(MAKE) --no-print-directory $(TESTS) $(CORE_TESTS) $(LESSONS) $(EXTRA_BIN)
	@TEST_JOBS=$(JOBS) bash tools/run_tests.sh $(BUILD) $(TESTS) $(EXTRA_BIN)

# The grader end to end, hidden from make test ([.][e2e]; .ci/run runs it): the student release
# is written, built and graded with hidden tests, and the solution tree is graded lesson by
# lesson. About a minute and a half on 2 cores; counts in $(BUILD)/e2e.log.
.PHONY: test-e2e
test-e2e: check-setup
	@$(MAKE) --no-print-directory $(TESTS) $(LESSONS)
	@TEST_SPEC='[e2e]' TEST_LOG=$(BUILD)/e2e.log bash tools/run_tests.sh $(BUILD) $(TESTS)

clean:
	rm -rf build out

# Each room (data, docs, grading, bench) keeps its own targets in mk/<room>.mk.
-include $(sort $(wildcard mk/*.mk))

-include $(shell find $(BUILD)/obj $(BUILD)/pch -name '*.d' 2>/dev/null)
