# Two commands do all the set-up on a fresh machine:
#   make demo   a local Kafka broker, the worker, the seeds flowing through it
#   make test   lint, type-check and the whole test suite against a real broker
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python

.PHONY: demo test lint install browser clean

# The kernels are compiled by the install: a changed C file installs again.
# PYTHONWARNINGS: setuptools boxes a warning about editable installs on every install,
# which asks nothing of the user.
$(VENV)/.installed: pyproject.toml setup.py $(wildcard worker/core/kernels_c/*.c) \
		worker/core/kernels_c/kernels.h worker/core/kernels_c/id_tables.h \
		worker/core/kernels_c/markdown.h \
		$(wildcard worker/core/html_blocks_c/*.c) \
		worker/core/html_blocks_c/html_blocks.h \
		$(wildcard worker/core/site_memory_c/*.c) worker/core/site_memory_c/site_memory.h \
		$(wildcard worker/core/declared_c/*.c) worker/core/declared_c/declared.h \
		worker/core/_minhash.c \
		worker/core/_lexbor.h
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	PYTHONWARNINGS='ignore:Editable installation:UserWarning' $(PY) -m pip install --quiet -e '.[dev]'
	touch $@

install: $(VENV)/.installed

demo: $(VENV)/.installed
	$(PY) -m worker demo

lint: $(VENV)/.installed
	$(VENV)/bin/ruff check worker tests setup.py
	$(VENV)/bin/ruff format --check worker tests setup.py
	$(VENV)/bin/mypy

# The report tests (tests/inspect/) render in Debian's chromium: installed once, with
# apt-get as root or through sudo -n; where it cannot be, the script says what to run.
browser:
	.ci/chromium

test: lint browser
	$(PY) -m pytest

clean:
	rm -rf $(VENV) .chaff .pytest_cache .mypy_cache .ruff_cache build worker/core/*.so
