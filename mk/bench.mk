# mk/bench.mk -- training throughput of the lesson 7 architectures, stepnet beside PyTorch
# (a benchmark, not a test).
#
#   make bench                              A and B at batch 1 and 64, with 1 and 2 BLAS threads
#   make bench BENCH_THREADS=1              one thread count only
#   make bench BENCH_ARGS="--seconds 5"     longer cells (also --quick, --no-breakdown, --no-trainer)
#   make bench BENCH_ARGS='--only "cls B 10"'  one cell, any batch size (e.g. for perf record)
#
# For every thread count: bench/bench_torch.py runs the same steps in PyTorch (float64, the same
# thread count), then bench_train runs stepnet's and prints both (images per wall second and per
# CPU second: on a loaded machine compare the CPU ratio), the ratios, a DGEMM rate
# measured in the same run, a per-module breakdown and nn::train's rate. Without python3-torch
# (an optional Debian package: apt-get install python3-torch) PyTorch is "not measured".

BENCH_BIN     := $(BUILD)/bench/bench_train
BENCH_OBJ     := $(BUILD)/obj/bench/bench_train.o
BENCH_THREADS ?= 1 2
BENCH_ARGS    ?=
BENCH_SECONDS ?= 2
# Debian's python3, where python3-torch lives (a pyenv or venv python3 on PATH would not see it)
BENCH_PYTHON  ?= $(firstword $(wildcard /usr/bin/python3) python3)

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
	  OPENBLAS_NUM_THREADS=$$threads OMP_NUM_THREADS=$$threads \
	    $(BENCH_PYTHON) bench/bench_torch.py --seconds $(BENCH_SECONDS) --threads $$threads \
	    > $(BUILD)/bench/torch_$$threads.txt 2> $(BUILD)/bench/torch_$$threads.err \
	  || echo "# PyTorch failed: see $(BUILD)/bench/torch_$$threads.err" > $(BUILD)/bench/torch_$$threads.txt; \
	  OPENBLAS_NUM_THREADS=$$threads OMP_NUM_THREADS=$$threads $(BENCH_BIN) --seconds $(BENCH_SECONDS) \
	    --torch $(BUILD)/bench/torch_$$threads.txt $(BENCH_ARGS) || exit 1; \
	  echo; \
	done
