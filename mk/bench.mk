# mk/bench.mk -- training throughput of the lesson 7 architectures (a benchmark, not a test).
#
#   make bench                              A and B at batch 1 and 64, with 1 and 2 BLAS threads
#   make bench BENCH_THREADS=1              one thread count only
#   make bench BENCH_ARGS="--seconds 5"     longer cells (also --quick, --no-breakdown, --no-trainer)
#
# Prints images/s (forward + backward + SGD update) beside PyTorch's CPU float64 numbers, a
# per-module breakdown of one step, and nn::train's rate on the same data.

BENCH_BIN     := $(BUILD)/bench/bench_train
BENCH_OBJ     := $(BUILD)/obj/bench/bench_train.o
BENCH_THREADS ?= 1 2
BENCH_ARGS    ?=

.PHONY: bench

$(BUILD)/obj/bench/%.o: bench/%.cpp
	@mkdir -p $(@D)
	$(CXX) $(CPPFLAGS) $(CXXFLAGS) -c $< -o $@

$(BENCH_BIN): $(BENCH_OBJ) $(LIB)
	@mkdir -p $(@D)
	$(CXX) $(LDFLAGS) $(BENCH_OBJ) $(LIB) $(LDLIBS) -o $@

bench: $(BENCH_BIN)
	@for threads in $(BENCH_THREADS); do \
	  echo "== OPENBLAS_NUM_THREADS=$$threads"; \
	  OPENBLAS_NUM_THREADS=$$threads OMP_NUM_THREADS=$$threads $(BENCH_BIN) $(BENCH_ARGS) || exit 1; \
	  echo; \
	done
