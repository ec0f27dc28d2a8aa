# mk/check.mk -- make check [N]: has my exercise the points it should?
#
#   make check        every lesson's graded tests; one line per lesson: points, PASS/FAIL/TODO
#   make check N      lesson N only: builds the library and lesson N's test files (nothing else),
#                     runs "[lessonNN]~[run]", one line per exercise, then "lesson N: x/y points"
#   make check N=3    the same as make check 3
# Tests give their points to the exercise their [exercise:NAME] tag names (docs/grading.md).

CHECKER := $(BUILD)/tools/check
# make check 3: the number is a goal too; it does nothing itself.
CHECK_LESSONS := $(filter $(shell seq 0 99 2>/dev/null),$(MAKECMDGOALS)) $(if $(filter command line,$(origin N)),$(N))
CHECK_LESSONS := $(strip $(CHECK_LESSONS))

.PHONY: check
ifneq ($(filter check,$(MAKECMDGOALS)),)
$(filter-out $(N),$(CHECK_LESSONS)): check ; @:
endif

$(BUILD)/obj/tools/check.o: tools/check.cpp tools/check_table.hpp tools/grade_case.hpp tools/grade_exercises.hpp tools/grade_xml.hpp tools/grade_json.hpp
	@mkdir -p $(@D)
	$(call quiet,CXX,$<)$(CXX) $(CPPFLAGS) $(CXXFLAGS) $(TOOL_OPT) -c $< -o $@

$(CHECKER): $(BUILD)/obj/tools/check.o
	@mkdir -p $(@D)
	$(call quiet,LINK,$@)$(CXX) $(LDFLAGS) $< -o $@

# lesson N's test files: those that hold a [lessonNN] test.
check_two = $(if $(filter 1 2 3 4 5 6 7 8 9,$(1)),0$(1),$(1))
check_files = $(filter-out tests/infra/grading%,$(shell grep -l '\[lesson$(call check_two,$(1))\]' $(TEST_SRC) 2>/dev/null))
check_bin = $(BUILD)/check/lesson$(call check_two,$(1))_tests

define check_rules
$(call check_bin,$(1)): $(patsubst tests/%.cpp,$(BUILD)/obj/tests/%.o,$(call check_files,$(1))) $(CATCH_MAIN) $(LIB)
	@mkdir -p $$(@D)
	$$(call quiet,LINK,$$@)$$(CXX) $$(LDFLAGS) $$^ $$(LDLIBS) -o $$@
endef
$(foreach n,$(CHECK_LESSONS),$(eval $(call check_rules,$(n))))

check: check-setup
ifeq ($(CHECK_LESSONS),)
	@$(MAKE) --no-print-directory $(CHECKER) $(TESTS)
	@echo "== make check: every lesson's graded tests"
	@STEPNET_BUILD=$(BUILD) $(CHECKER) --tests $(TESTS)
else
	@$(MAKE) --no-print-directory N="$(CHECK_LESSONS)" $(CHECKER) $(foreach n,$(CHECK_LESSONS),$(call check_bin,$(n)))
	@$(foreach n,$(CHECK_LESSONS),echo "== make check $(n): lesson $(n)'s graded tests" && \
	  STEPNET_BUILD=$(BUILD) $(CHECKER) --tests $(call check_bin,$(n)) --lesson $(n) &&) true
endif

# The exercise table (lesson, exercise, points, tests) in docs/grading.md and the student README,
# generated from the tests' tags; tests/infra/exercise_table_test.cpp fails when it is not current.
.PHONY: exercise-table
exercise-table: $(CHECKER)
	@$(CHECKER) --table --write docs/grading.md --write tools/student_README.md

# The student's loop, end to end, on a scratch release (tools/check_loop.sh; .ci/run runs it).
.PHONY: check-loop
check-loop: check-setup
	@$(MAKE) --no-print-directory $(TESTS) $(LESSONS) $(CHECKER)
	+@bash tools/check_loop.sh $(BUILD)
