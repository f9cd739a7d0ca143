# Quick start on a fresh machine:  make report   |   make test
VENV ?= .venv
PYTHON ?= python3
PYTEST_ARGS ?=
# Optional: file that receives pytest's exit status (used by .ci/run; make itself only returns 0/2).
PYTEST_RC_FILE ?=
STAMP := $(VENV)/.scaleaudit-installed

.PHONY: setup system-deps report test clean

setup: $(STAMP)

# Reinstalls whenever pyproject.toml changes (or the venv is removed).
$(STAMP): pyproject.toml
	test -x $(VENV)/bin/python || $(PYTHON) -m venv $(VENV)
	$(VENV)/bin/python -m pip install --disable-pip-version-check -e '.[test]'
	touch $@

system-deps:
	bash scripts/system-deps.sh

report: system-deps setup
	$(VENV)/bin/scaleaudit run examples/truststream --profile 10k --out reports/truststream

test: system-deps setup
	@rc=0; $(VENV)/bin/python -m pytest $(PYTEST_ARGS) || rc=$$?; \
	if [ -n "$(PYTEST_RC_FILE)" ]; then echo $$rc > "$(PYTEST_RC_FILE)"; fi; exit $$rc

clean:
	rm -rf build dist *.egg-info .pytest_cache $(STAMP)
	find . -path ./$(VENV) -prune -o -name __pycache__ -type d -prune -exec rm -rf {} +
