# The two commands of the README: `make run` and `make test`.
# Both create .venv from nothing: torch (CPU wheel) first, then the pinned stack.
SHELL := /bin/bash
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
CORES ?= all

.PHONY: run test bench clean slurm-profile

$(STAMP): requirements.txt pyproject.toml
	test -x $(BIN)/python || $(PY) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	# torch first and pinned, so no other package can resolve a CUDA build.
	$(BIN)/pip install --quiet torch==2.13.0 $(if $(TORCH_INDEX),--index-url $(TORCH_INDEX))
	$(BIN)/pip install --quiet -r requirements.txt
	$(BIN)/pip install --quiet --no-deps -e .
	touch $(STAMP)

run: $(STAMP)
	$(BIN)/snakemake -c $(CORES) all

test: $(STAMP)
	$(BIN)/ruff check src scripts tests bench
	$(BIN)/snakemake --lint
	$(BIN)/snakemake -n results/table.csv > /dev/null
	$(BIN)/pytest

bench: $(STAMP)
	$(BIN)/python bench/bm25.py

# Install profiles/slurm as ~/.config/snakemake/slurm so that `snakemake --profile slurm` works.
slurm-profile:
	mkdir -p $(HOME)/.config/snakemake/slurm
	cp profiles/slurm/config.yaml $(HOME)/.config/snakemake/slurm/config.yaml

clean:
	rm -rf results logs benchmarks .snakemake
