# mk/grade.mk -- grading: make grade, make student, make autograder, make exercises.
#
#   make grade                    run every lesson's tests, each lesson in its own process with a
#                                 time limit; write $(BUILD)/grade/results.json (Gradescope),
#                                 junit.xml and report.txt; print the table
#   make grade EXTRA_TESTS=dir    ... with the instructor's own (hidden) tests, graded alike
#   make student                  the student release in dist/student/ (solutions become stubs)
#   make autograder               $(BUILD)/autograder.zip for Gradescope (EXTRA_TESTS=dir inside)
#   make exercises                every exercise, and which are still to write
#
#   GRADE_TIMEOUT=60   seconds each lesson's process may run;  GRADE_TEST_TIMEOUT=20  each test
#   GRADE_DEADLINE=S   seconds for the whole run (GRADE_DEADLINE_AT=T: until T, seconds since
#                      the epoch);  GRADE_LESSONS=1-3  grade only these lessons
#   GRADE_MEMORY_MB=1024  address space of a test process;  GRADE_OUT=$(BUILD)/grade  reports
#   GRADE_SOLUTION_TIMES=junit.xml  the solution's run: each test may take 10x its time (>= 3 s)
# docs/grading.md tells the whole story: tags, points, visibility, hidden tests, the release.

GRADER        := $(BUILD)/tools/grade
GRADE_OUT     ?= $(BUILD)/grade
GRADE_TIMEOUT ?= 60
GRADE_TEST_TIMEOUT ?= 20
GRADE_DEADLINE ?=
GRADE_LESSONS ?=
# Address space of one test process; the sanitizers reserve terabytes of it.
GRADE_MEMORY_MB ?= $(if $(filter 1,$(SANITIZE)),0,1024)
STUDENT_DIR   ?= dist/student
AUTOGRADER    := $(BUILD)/autograder.zip

.PHONY: grade student autograder exercises

# The grader is standard C++ and POSIX only: it builds even when the library does not.
# tools/grade.cpp is its command line; tools/grade_<part>.cpp one subcommand's part each.
# They compile as one translation unit ($(BUILD)/obj/unity/grader.cpp includes them), as the tests
# do (Makefile): the parts share the exercise scanner's and the report's headers, whose
# std::regex and containers each file instantiated again: 17 s of CPU against 40 s.
GRADER_SRC := $(sort $(wildcard tools/grade*.cpp))
GRADER_OBJ := $(BUILD)/obj/unity/grader.o
$(BUILD)/obj/unity/grader.cpp: unity-force
	@mkdir -p $(@D)
	@printf '#include "%s"\n' $(GRADER_SRC) > $@.tmp
	@cmp -s $@.tmp $@ && rm -f $@.tmp || mv -f $@.tmp $@

$(GRADER_OBJ): $(BUILD)/obj/unity/grader.cpp
	@mkdir -p $(@D)
	$(call quiet,CXX,tools/grade*.cpp ($(words $(GRADER_SRC)) files))$(CXX) $(CPPFLAGS) -iquote . -fmacro-prefix-map=./= $(CXXFLAGS) $(TOOL_OPT) -c $< -o $@

$(GRADER): $(GRADER_OBJ)
	@mkdir -p $(@D)
	$(call quiet,LINK,$@)$(CXX) $(LDFLAGS) $^ -o $@

# A build that fails still leaves a report (score 0, the compiler's errors) and fails make.
grade: check-setup
	@mkdir -p $(GRADE_OUT)
	@$(MAKE) --no-print-directory $(GRADER)
	@{ $(MAKE) --no-print-directory $(TESTS) $(LESSONS) $(EXTRA_BIN) 2>&1; echo $$? > $(GRADE_OUT)/build.status; } \
	  | tee $(GRADE_OUT)/build.log
	@if [ "$$(cat $(GRADE_OUT)/build.status)" != 0 ]; then \
	  $(GRADER) build-failed --log $(GRADE_OUT)/build.log --out $(GRADE_OUT) \
	    $(if $(GRADE_NOTE),--note-file $(GRADE_NOTE)); exit 1; fi
	@$(GRADER) run --build $(BUILD) --out $(GRADE_OUT) --timeout $(GRADE_TIMEOUT) \
	  --test-timeout $(GRADE_TEST_TIMEOUT) --max-memory-mb $(GRADE_MEMORY_MB) \
	  $(if $(GRADE_DEADLINE),--deadline $(GRADE_DEADLINE)) \
	  $(if $(GRADE_DEADLINE_AT),--deadline-at $(GRADE_DEADLINE_AT)) \
	  $(if $(GRADE_LESSONS),--lessons $(GRADE_LESSONS)) \
	  $(if $(GRADE_SOLUTION_TIMES),--solution-times $(GRADE_SOLUTION_TIMES)) \
	  $(if $(GRADE_NOTE),--note-file $(GRADE_NOTE)) $(TESTS) $(EXTRA_BIN)

student: $(GRADER)
	@$(GRADER) student --from . --to $(STUDENT_DIR)
	@echo "Try it: cd $(STUDENT_DIR) && make test   (every exercise fails until written)"

exercises: $(GRADER)
	@$(GRADER) exercises $(if $(RESULTS),--results $(RESULTS))

# make autograder LESSONS=1-3: LESSONS on the command line names the assignment's lessons (it
# replaces the Makefile's list of lesson programs, which only this target then sees).
ifneq ($(filter autograder,$(MAKECMDGOALS)),)
ifeq ($(origin LESSONS),command line)
GRADE_LESSONS := $(LESSONS)
endif
endif
autograder: $(GRADER)
	@bash tools/autograder/bundle.sh "$(GRADER)" "$(BUILD)/autograder" "$(AUTOGRADER)" \
	  "$(EXTRA_DIR)" "$(GRADE_TIMEOUT)" "$(GRADE_LESSONS)" "$(or $(GRADE_DEADLINE),480)"

# ---- the grader's own tests (tests/infra/grading_*.cpp, in make test) ----------------------------
# They need the grader, a binary of planted crashes and endless loops, and the make variables
# this build used (to rebuild a student release the same way, reusing these objects).
GRADE_PLANTED_SRC := $(sort $(wildcard tests/fixtures/grading/planted/*.cpp))
ifneq ($(GRADE_PLANTED_SRC),)
GRADE_PLANTED     := $(BUILD)/grade_planted_tests
GRADE_PLANTED_OBJ := $(GRADE_PLANTED_SRC:tests/fixtures/grading/planted/%.cpp=$(BUILD)/obj/grade_planted/%.o)
GRADE_VARS        := $(BUILD)/tools/grade.vars
GRADE_VARS_TEXT   := BUILD=$(BUILD) SANITIZE=$(SANITIZE) CXX=$(CXX)

$(BUILD)/obj/grade_planted/%.o: tests/fixtures/grading/planted/%.cpp $(if $(TEST_PCH),$(TEST_PCH).gch)
	@mkdir -p $(@D)
	$(call quiet,CXX,$<)$(CXX) $(CPPFLAGS) $(or $(TEST_FLAGS),-Itests/support) $(or $(TEST_CXXFLAGS),$(CXXFLAGS)) -c $< -o $@

$(GRADE_PLANTED): $(GRADE_PLANTED_OBJ) $(CATCH_MAIN) $(LIB)
	$(call quiet,LINK,$@)$(CXX) $(LDFLAGS) $(GRADE_PLANTED_OBJ) $(CATCH_MAIN) $(LIB) $(LDLIBS) -o $@

.PHONY: grade-vars-force
$(GRADE_VARS): grade-vars-force
	@mkdir -p $(@D)
	@echo '$(GRADE_VARS_TEXT)' | cmp -s - $@ || echo '$(GRADE_VARS_TEXT)' > $@

# Hostile submissions (tests/fixtures/grading/hostile): attacks on the verdict from inside.
GRADE_HOSTILE     := $(BUILD)/grade_hostile_tests
GRADE_HOSTILE_SRC := $(sort $(wildcard tests/fixtures/grading/hostile/*.cpp))
GRADE_HOSTILE_OBJ := $(GRADE_HOSTILE_SRC:tests/fixtures/grading/hostile/%.cpp=$(BUILD)/obj/grade_hostile/%.o)
$(BUILD)/obj/grade_hostile/%.o: tests/fixtures/grading/hostile/%.cpp $(if $(TEST_PCH),$(TEST_PCH).gch)
	@mkdir -p $(@D)
	$(call quiet,CXX,$<)$(CXX) $(CPPFLAGS) $(or $(TEST_FLAGS),-Itests/support) $(or $(TEST_CXXFLAGS),$(CXXFLAGS)) -c $< -o $@

$(GRADE_HOSTILE): $(GRADE_HOSTILE_OBJ) $(CATCH_MAIN) $(LIB)
	$(call quiet,LINK,$@)$(CXX) $(LDFLAGS) $(GRADE_HOSTILE_OBJ) $(CATCH_MAIN) $(LIB) $(LDLIBS) -o $@

$(TESTS): | $(GRADE_PLANTED) $(GRADE_HOSTILE) $(GRADE_VARS)
endif

# Built with the tests: the grader's tests use it, and a student release's make test names
# the exercises still to write with it.
$(TESTS): | $(GRADER)
