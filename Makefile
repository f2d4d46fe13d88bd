# Everything a newcomer needs, from a fresh machine with Rust and Python >= 3.11:
#   make demo   # venv + release build + the demo
#   make test   # venv + release build + cargo test + pytest + doctests
SHELL := /bin/bash
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
export VIRTUAL_ENV := $(abspath $(VENV))
export PATH := $(VIRTUAL_ENV)/bin:$(PATH)

.PHONY: demo test build venv lint fmt bench docs clean

$(VENV)/.deps: requirements-dev.txt
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements-dev.txt
	touch $@

venv: $(VENV)/.deps

# One release build of the extension (the Polars plugin and the Python classes are the same
# library), installed into the venv in development mode.
build: venv
	maturin develop --release --quiet

demo: build
	$(PY) -m polars_streamstats.demo

test: build
	cargo test --lib --quiet
	$(PY) -m pytest tests python/polars_streamstats --doctest-modules -q

lint: venv
	cargo fmt --check
	cargo clippy --all-targets --quiet -- -D warnings
	cargo clippy --all-targets --features python --quiet -- -D warnings
	$(PY) -m ruff check python tests bench docs/_ext
	$(PY) -m ruff format --check python tests bench docs/_ext
	$(PY) -m mypy python tests bench docs/_ext

fmt: venv
	cargo fmt
	$(PY) -m ruff format python tests bench docs/_ext
	$(PY) -m ruff check --fix python tests bench docs/_ext

bench: build
	# numpy's OpenBLAS threads spin after use and would take a core from whatever runs next.
	OPENBLAS_NUM_THREADS=1 $(PY) bench/bench.py

# The documentation site in site/ (mkdocs.yml; offline, any warning is an error). The API
# reference is read from the built extension; every example on the pages is run first.
docs: build
	$(PY) docs/_ext/run_examples.py
	NO_MKDOCS_2_WARNING=1 $(PY) -m mkdocs build --strict

clean:
	rm -rf $(VENV) target site
