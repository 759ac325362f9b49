# flemsim: two commands set everything up on a fresh Debian 12 machine.
#   make run    installs missing packages, builds, runs the default scenario (Flemingsberg 2030)
#   make test   installs missing packages, builds, runs every test
BUILD_DIR ?= build
BUILD_TYPE ?= Release
JOBS ?= $(shell nproc 2>/dev/null || echo 2)
SCENARIO ?= scenarios/flemingsberg-2030.yaml
FLEMSIM_ARGS ?=

.PHONY: all setup configure build run test bench clean asan tsan fuzz

all: build

setup:
	@./scripts/setup.sh

configure: setup
	@cmake -S . -B $(BUILD_DIR) -G Ninja -DCMAKE_BUILD_TYPE=$(BUILD_TYPE) $(CMAKE_EXTRA) > /dev/null

build: configure
	@cmake --build $(BUILD_DIR) -j $(JOBS)

run: build
	@$(BUILD_DIR)/sim/apps/flemsim run $(SCENARIO) $(FLEMSIM_ARGS)

test: build
	@cd $(BUILD_DIR) && ctest --output-on-failure -j $(JOBS)

# Benchmarks are not tests: run on demand, results go to benchmarks/RESULTS.md.
bench: build
	@./benchmarks/run_scenarios.sh $(BUILD_DIR)/sim/apps/flemsim

# Sanitizer builds in their own folders.
asan:
	@$(MAKE) test BUILD_DIR=build-asan BUILD_TYPE=RelWithDebInfo CMAKE_EXTRA=-DFLEMSIM_ASAN=ON
# ThreadSanitizer only sees the synchronisation of code built with it: Debian's libtbb is
# not, so a TSan run needs a oneTBB built with -fsanitize=thread (give its CMake folder).
tsan:
	@test -n "$(TSAN_TBB_DIR)" || { echo "make tsan TSAN_TBB_DIR=<oneTBB built with -fsanitize=thread>/lib/cmake/TBB" >&2; exit 2; }
	@$(MAKE) test BUILD_DIR=build-tsan BUILD_TYPE=RelWithDebInfo CMAKE_EXTRA="-DFLEMSIM_TSAN=ON -DTBB_DIR=$(TSAN_TBB_DIR)"

# libFuzzer targets of every parser (clang), FUZZ_SECONDS each, in build-fuzz-clang.
FUZZ_SECONDS ?= 60
fuzz: setup
	@./tests/fuzz/run_fuzz.sh $(FUZZ_SECONDS)

clean:
	rm -rf $(BUILD_DIR) build-asan build-tsan build-fuzz-clang
