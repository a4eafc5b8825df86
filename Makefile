# PrivexBot — two commands: `make run` (start the platform on embedded defaults) and
# `make test` (set up everything and run every test). Both work from a fresh clone.
SHELL := /bin/bash
.DEFAULT_GOAL := help
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
BUF := node_modules/.bin/buf
STAMP := $(VENV)/.installed
# buf breaking compares the contract with this revision (default: the previous commit).
BREAKING_BASE ?= HEAD~1

help: ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-14s %s\n", $$1, $$2}'

$(STAMP): pyproject.toml clients/python/pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip setuptools wheel
	$(PY) -m pip install -q -e clients/python -e '.[dev,edge]' --config-settings editable_mode=compat
	touch $@

# The enclave (its own package, real models; llama-cpp-python compiles once, ~6 min).
ENCLAVE_STAMP := $(VENV)/.enclave-installed
$(ENCLAVE_STAMP): $(STAMP) enclave/pyproject.toml enclave/install.sh
	enclave/install.sh $(PY)
	touch $@

$(BUF): package.json
	npm install --no-audit --no-fund --loglevel=error
	touch $@

install: $(STAMP) $(ENCLAVE_STAMP) $(BUF) ## create .venv and install Python, the enclave, Node tools

proto: $(STAMP) $(BUF) ## regenerate code (Python, TypeScript), the Envoy descriptor set, OpenAPI
	PYTHON=$(PY) scripts/protoc.sh

GENERATED := clients/python/privexbot/v1 clients/python/privexbot/client/_services.py \
  clients/typescript/src/gen envoy/privexbot.binpb envoy/openapi.json
proto-check: proto ## fail if generated files differ from what the protos produce
	@git diff --exit-code --stat -- $(GENERATED) \
	  || (echo "generated code drifted from protos/: run 'make proto' and commit" && exit 1)
	@test -z "$$(git status --porcelain -- $(GENERATED))" \
	  || (echo "untracked generated files: run 'make proto' and commit" && exit 1)

buf-lint: $(STAMP) $(BUF) ## lint the protos (AIP style, buf STANDARD) and check their formatting
	scripts/buf.sh lint
	$(BUF) format --diff --exit-code protos

buf-breaking: $(STAMP) $(BUF) ## fail on breaking contract changes against BREAKING_BASE
	scripts/buf.sh breaking $(BREAKING_BASE)

TS_SDK := clients/typescript/node_modules/.installed
$(TS_SDK): clients/typescript/package.json clients/typescript/package-lock.json
	cd clients/typescript && npm ci --no-audit --no-fund --loglevel=error
	touch $@

CONSOLE_NODE := web/console/node_modules/.installed

ts-check: $(TS_SDK) $(CONSOLE_NODE) ## type-check the TypeScript SDK, its tests, the chat widget and the console
	cd clients/typescript && npm run --silent typecheck
	cd web/widget && npm run --silent typecheck
	cd web/console && npm run --silent typecheck

ts-build: $(TS_SDK) ## build the TypeScript SDK (dist/: ESM + .d.ts) and its Node tests (build/)
	cd clients/typescript && npm run --silent build && npm run --silent build:test

WIDGET_NODE := web/widget/node_modules/.installed
$(WIDGET_NODE): web/widget/package.json web/widget/package-lock.json
	cd web/widget && npm ci --no-audit --no-fund --loglevel=error
	touch $@

widget: ts-check $(WIDGET_NODE) ## build the chat widget (web/widget/dist, served by Envoy at /widget/) and print its size
	cd web/widget && npm run --silent build

$(CONSOLE_NODE): web/console/package.json web/console/package-lock.json
	cd web/console && npm ci --no-audit --no-fund --loglevel=error
	touch $@

console: $(TS_SDK) $(CONSOLE_NODE) ## build the web console (web/console/dist, served by Envoy at /console/)
	cd web/console && npm run --silent typecheck && npm run --silent build

lint: $(STAMP) buf-lint ts-check ## ruff (lint + format), buf lint, TypeScript type-check
	$(VENV)/bin/ruff check server tests bench db clients/python/privexbot/client enclave/privexbot_enclave scripts
	$(VENV)/bin/ruff format --check server tests bench db clients/python/privexbot/client enclave/privexbot_enclave scripts

services: ## start PostgreSQL and Redis when they are not running (installs them if missing)
	scripts/services.sh

migrate: $(STAMP) ## apply database migrations (DATABASE_URL, default SQLite in var/)
	$(VENV)/bin/privexbot migrate

run: $(STAMP) $(ENCLAVE_STAMP) widget console ## start the platform on embedded defaults: gRPC server + Envoy
	$(VENV)/bin/privexbot serve --migrate --with-envoy --with-enclave

# Test processes (pytest-xdist; each has its own server stacks, enclave and Redis database).
TEST_WORKERS ?= 2

test: install services lint proto-check buf-breaking ts-build widget console ## set up and run every test
	$(VENV)/bin/pytest -q -p no:cacheprovider -n $(TEST_WORKERS) --dist loadfile

demo: $(STAMP) $(ENCLAVE_STAMP) ## sign up, upload a document, build a chatbot, stream a cited answer via Envoy REST
	$(PY) scripts/demo.py

demo-flow: $(STAMP) $(ENCLAVE_STAMP) ## the same stack, then build and run a chatflow (knowledge -> llm -> answer) via Envoy REST
	$(PY) scripts/demo_flow.py

bench: $(STAMP) ## run the benchmarks (they print ratios)
	$(PY) bench/rpc_overhead.py

clean: ## remove local state (var/) — not the venv
	rm -rf var

.PHONY: ts-check ts-build widget console help install proto proto-check buf-lint buf-breaking lint services migrate run demo demo-flow test bench clean
