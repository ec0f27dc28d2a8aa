# mk/data.mk -- real data: installing Fashion-MNIST, fetching MNIST, the shipped subset.
#
#   make data                   install Debian's dataset-fashion-mnist (the full 70000 images)
#   make data DATASET=mnist     download the original MNIST digits into data/mnist/, sha256-checked
#   make subset                 rebuild data/fashion-mnist/ (the shipped subset) from the full set
#
# Without either, lessons and tests use the subset committed in data/fashion-mnist/.

DATASET           ?= fashion-mnist
FASHION_MNIST_DIR := /usr/share/datasets/fashion-mnist
SUBSET_DIR        := data/fashion-mnist
SUBSET_SEED       := 2017
MAKE_SUBSET       := $(BUILD)/tools/make_subset
MNIST_DIR         := data/mnist
# Tried in order; yann.lecun.com has refused downloads at times, so it comes last.
MNIST_MIRRORS     := https://ossci-datasets.s3.amazonaws.com/mnist \
                     https://storage.googleapis.com/cvdf-datasets/mnist \
                     http://yann.lecun.com/exdb/mnist
# file:sha256 of the four files every mirror serves.
MNIST_FILES := \
  train-images-idx3-ubyte.gz:440fcabf73cc546fa21475e81ea370265605f56be210a4024d2ca8f203523609 \
  train-labels-idx1-ubyte.gz:3552534a0a558bbed6aed32b30c495cca23d567ec52cac8be1a0730e8010255c \
  t10k-images-idx3-ubyte.gz:8d422c7b0a1c1c79245a5bcf07fe86e33eeafee792b84584aec276f5a2dbc4e6 \
  t10k-labels-idx1-ubyte.gz:f7ae60f92e00ec6debd23a6088c31dbd2371eca3ffa0defaefb259924204aec6

.PHONY: data data-fashion-mnist data-mnist subset

ifneq ($(filter data,$(MAKECMDGOALS)),)
  ifeq ($(filter $(DATASET),fashion-mnist mnist),)
    $(error DATASET=$(DATASET): expected fashion-mnist (the default) or mnist)
  endif
endif

data: data-$(DATASET)

data-fashion-mnist:
	@if [ -f $(FASHION_MNIST_DIR)/train-images-idx3-ubyte.gz ]; then \
	  echo "Fashion-MNIST is installed in $(FASHION_MNIST_DIR)/ (package dataset-fashion-mnist)."; \
	else \
	  sudo=; [ "$$(id -u)" = 0 ] || sudo=sudo; \
	  echo "Installing Debian's dataset-fashion-mnist ($$sudo apt-get install -y dataset-fashion-mnist)"; \
	  $$sudo apt-get install -y dataset-fashion-mnist \
	    || { $$sudo apt-get update && $$sudo apt-get install -y dataset-fashion-mnist; } \
	    || { echo "make data: could not install dataset-fashion-mnist; lessons keep using the subset in $(SUBSET_DIR)/" >&2; exit 1; }; \
	  echo "Fashion-MNIST is now in $(FASHION_MNIST_DIR)/ (60000 train + 10000 test images)."; \
	fi
	@ls -l $(FASHION_MNIST_DIR)/

# Each file: keep it when its sha256 matches, else try every mirror (10 s to connect), check
# the sum of what arrived, and only then move it into place. Offline, this fails in seconds.
data-mnist:
	@mkdir -p $(MNIST_DIR)
	@for entry in $(MNIST_FILES); do \
	  file=$${entry%%:*}; sum=$${entry##*:}; target=$(MNIST_DIR)/$$file; \
	  if [ -f $$target ] && echo "$$sum  $$target" | sha256sum --check --status; then \
	    echo "$$target: present, sha256 ok"; continue; \
	  fi; \
	  ok=; \
	  for mirror in $(MNIST_MIRRORS); do \
	    echo "fetching $$mirror/$$file"; \
	    if command -v curl >/dev/null; then \
	      curl --fail --silent --show-error --location --connect-timeout 10 --max-time 300 \
	           -o $$target.part $$mirror/$$file; \
	    else \
	      wget --quiet --timeout=10 --tries=1 -O $$target.part $$mirror/$$file; \
	    fi || { rm -f $$target.part; continue; }; \
	    if echo "$$sum  $$target.part" | sha256sum --check --status; then \
	      mv $$target.part $$target; ok=1; break; \
	    fi; \
	    echo "  $$mirror/$$file: sha256 $$(sha256sum < $$target.part | cut -c1-64), expected $$sum; discarded" >&2; \
	    rm -f $$target.part; \
	  done; \
	  if [ -z "$$ok" ]; then \
	    echo "make data DATASET=mnist: no mirror gave $$file with the expected sha256" >&2; \
	    echo "  (offline? tried: $(MNIST_MIRRORS))." >&2; \
	    echo "  Copy the four MNIST .gz files into $(MNIST_DIR)/ by hand and rerun to check their sums," >&2; \
	    echo "  or use Fashion-MNIST: make data." >&2; \
	    exit 1; \
	  fi; \
	  echo "$$target: sha256 ok"; \
	done
	@echo "MNIST digits are in $(MNIST_DIR)/ (nn::mnist(\"train\") / nn::mnist(\"test\"))."

# ---- the shipped subset ------------------------------------------------------------------
$(BUILD)/obj/tools/make_subset.o: tools/make_subset.cpp
	@mkdir -p $(@D)
	$(call quiet,CXX,$<)$(CXX) $(CPPFLAGS) $(CXXFLAGS) -c $< -o $@

$(MAKE_SUBSET): $(BUILD)/obj/tools/make_subset.o $(LIB)
	@mkdir -p $(@D)
	$(call quiet,LINK,$@)$(CXX) $(LDFLAGS) $< $(LIB) $(LDLIBS) -o $@

subset: $(MAKE_SUBSET)
	@[ -f $(FASHION_MNIST_DIR)/train-images-idx3-ubyte.gz ] \
	  || { echo "make subset: the full set is not in $(FASHION_MNIST_DIR)/; run make data first" >&2; exit 1; }
	$(MAKE_SUBSET) --from $(FASHION_MNIST_DIR) --to $(SUBSET_DIR) --train 200 --test 100 --seed $(SUBSET_SEED)
	@{ echo '```'; (cd $(SUBSET_DIR) && sha256sum *.gz); echo '```'; echo; \
	   echo "Made from dataset-fashion-mnist $$(dpkg-query -W -f='$${Version}' dataset-fashion-mnist 2>/dev/null || echo '(version unknown)')."; \
	 } >> $(SUBSET_DIR)/README.md
	@tail -n 9 $(SUBSET_DIR)/README.md
	@du -ch $(SUBSET_DIR)/*.gz | tail -n 1
