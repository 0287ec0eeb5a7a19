# Data Academy — `make run` starts the demo site, `make test` runs the checks.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
UV_VERSION := 0.13.9
-include .env
export

.DEFAULT_GOAL := help

help: ## Show this help
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-18s %s\n", $$1, $$2}'

$(STAMP): pyproject.toml jupyter_config/package-lock.json
	@scripts/system-deps
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	@# uv resolves and installs the same pins as pip in a fraction of the time,
	@# which keeps `make run` on a fresh clone well inside three minutes. Bytecode is
	@# compiled at install, as pip does: otherwise the first start of every process
	@# (20 learners' lab servers at once, say) compiles the same modules again.
	$(BIN)/python -m pip install --quiet "uv~=$(UV_VERSION)"
	$(BIN)/uv pip install --python $(BIN)/python --quiet --compile-bytecode -e . --group dev
	jupyter_config/install-proxy
	@touch $(STAMP)

install: $(STAMP) ## Create .venv and install pinned dependencies (dev + test groups)

run: export DEBUG ?= 1
run: install ## Migrate, load demo content, start web + worker + beat on 127.0.0.1:8000
	$(BIN)/python manage.py migrate --no-input
	$(BIN)/python manage.py seed_demo
	@echo ""
	@echo "  Học viện Dữ liệu: http://127.0.0.1:8000/   (Wagtail admin: /admin/)"
	@echo "  JupyterLab: http://127.0.0.1:18000/ (mở từ trang bài học: \"Mở bài thực hành\")"
	@echo "  Demo accounts (local only), password 'hocviendulieu2026':"
	@echo "    hocvien (learner) · giangvien (instructor) · quanly (agency manager) · sokhcn (DOST admin)"
	@echo ""
	$(BIN)/honcho start -f Procfile

test: install ## Lint, check migrations, run the whole test suite
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	DEBUG=1 $(BIN)/python manage.py makemigrations --check --dry-run
	$(BIN)/pytest $(PYTEST_ARGS)

lint: install ## ruff lint + format check
	$(BIN)/ruff check . && $(BIN)/ruff format --check .

format: install ## Apply ruff fixes and formatting
	$(BIN)/ruff check --fix . && $(BIN)/ruff format .

migrations-check: install ## Fail if models changed without a migration
	DEBUG=1 $(BIN)/python manage.py makemigrations --check --dry-run

ci: ## What CI runs: the suite on PostgreSQL + Redis, then on SQLite
	.ci/run

.PHONY: help install run test lint format migrations-check ci
