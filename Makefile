# The two commands of the Quick start, and the pieces they are made of.
BUILD ?= build
JOBS ?= 2
CMAKE_FLAGS ?=

.PHONY: all deps configure build test demo sanitize format clean

all: build

deps:
	@bash scripts/install-deps.sh

configure: deps
	cmake -S . -B $(BUILD) $(CMAKE_FLAGS)

build: configure
	cmake --build $(BUILD) -j$(JOBS)

test: build
	ctest --test-dir $(BUILD) --output-on-failure -j$(JOBS)

# KEEP=1 leaves plauditd (and the vendor sandbox) running at the end, to open the pages.
# STORE=postgres runs the tour on a throw-away PostgreSQL cluster instead of the embedded SQLite.
demo: build
	KEEP=$(KEEP) STORE=$(STORE) bash scripts/demo.sh $(BUILD)

# The test suite under AddressSanitizer and UndefinedBehaviorSanitizer, in its own build tree.
# Without the benchmarks' smoke runs and the chaos tests: timings mean nothing under the
# sanitizers, and the code the chaos tests drive runs there in the end-to-end tests.
sanitize: deps
	cmake -S . -B build-asan -DPLAUDIT_SANITIZE=ON -DCMAKE_BUILD_TYPE=Debug
	cmake --build build-asan -j$(JOBS)
	ASAN_OPTIONS=fast_unwind_on_malloc=0 LSAN_OPTIONS=suppressions=$(CURDIR)/tests/lsan.supp \
	  ctest --test-dir build-asan --output-on-failure -j$(JOBS) --label-exclude 'bench|chaos'

format:
	git ls-files '*.cc' '*.h' | xargs clang-format -i

clean:
	rm -rf $(BUILD) build-asan
