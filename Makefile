# Thin wrapper over CMake. `make test` and `make demo` install what is missing first
# (scripts/deps.sh), so a fresh machine needs no other step.
BUILD    ?= build
ASAN     ?= build-asan
JOBS     ?= $(shell nproc 2>/dev/null || echo 2)
PREFIX   ?= /usr/local
CMAKE_ARGS ?=

.PHONY: all build deps test test-asan demo bench fuzz valgrind format format-check install clean \
	completion

all: build

deps:
	@scripts/deps.sh

$(BUILD)/CMakeCache.txt: | deps
	cmake -S . -B $(BUILD) -DCMAKE_INSTALL_PREFIX=$(PREFIX) $(CMAKE_ARGS)

# CMAKE_ARGS given to a tree configured before (.ci/run's -DREELSYNC_WERROR=ON) still apply.
build: deps $(BUILD)/CMakeCache.txt
	$(if $(strip $(CMAKE_ARGS)),cmake -S . -B $(BUILD) $(CMAKE_ARGS))
	cmake --build $(BUILD) -j $(JOBS)

test: build
	@scripts/deps.sh --browser
	ctest --test-dir $(BUILD) --output-on-failure -j $(JOBS)

# The same suite built with AddressSanitizer and UndefinedBehaviorSanitizer; sanitizer
# reports of every process (child servers included) fail it (scripts/test-asan.sh).
test-asan: deps
	@scripts/deps.sh --browser
	@JOBS=$(JOBS) scripts/test-asan.sh $(ASAN)

# The demo shows the demo only: the build's output goes to $(BUILD)/build.log, printed when
# the build fails.
demo:
	@mkdir -p $(BUILD)
	@echo "== building reelsync (log: $(BUILD)/build.log)"
	@$(MAKE) --no-print-directory build >$(BUILD)/build.log 2>&1 || { \
		cat $(BUILD)/build.log; echo "demo: the build failed (log above, in $(BUILD)/build.log)" >&2; \
		exit 1; }
	@scripts/demo.sh $(BUILD)

bench: build
	cmake --build $(BUILD) --target benchmarks -j $(JOBS)
	@bench/run.sh $(BUILD)

# libFuzzer targets in build-fuzz (clang), FUZZ_SECONDS each (default 60); see scripts/fuzz.sh.
fuzz:
	@scripts/deps.sh --fuzz
	@scripts/fuzz.sh

# A demo-sized collect under valgrind memcheck: no invalid access, no definite leak.
valgrind: build
	@scripts/deps.sh --valgrind
	@scripts/valgrind-collect.sh $(BUILD)

# Every tracked C file in the style of .clang-format: `format` rewrites, `format-check` (CI)
# fails on the first file that differs.
format:
	@scripts/deps.sh --format
	git ls-files '*.c' '*.h' | xargs clang-format -i

format-check:
	@scripts/deps.sh --format
	git ls-files '*.c' '*.h' | xargs clang-format --dry-run -Werror

# contrib/reelsync.bash and contrib/reelsync.zsh, written by the program from its tables
# (test_cli_complete fails when they differ from its output).
completion: build
	env -i PATH="$$PATH" HOME=/nonexistent $(BUILD)/reelsync completion bash >contrib/reelsync.bash
	env -i PATH="$$PATH" HOME=/nonexistent $(BUILD)/reelsync completion zsh >contrib/reelsync.zsh

install: build
	cmake --install $(BUILD) --prefix $(PREFIX)

clean:
	rm -rf $(BUILD) $(ASAN) build-fuzz
