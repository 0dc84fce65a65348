# texto: every target sets itself up (venv + install) on a fresh machine.
PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
TEXTO  := $(VENV)/bin/texto
STAMP  := $(VENV)/.installed
DEMO_EXEMPLAR := sample_textures/cobbles.png

.PHONY: install test demo bench fuzz clean

install: $(STAMP)

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip "setuptools>=70.1"
	$(PY) -m pip install --quiet -e '.[dev,dask]'
	$(PY) -m texto_cli.warmup
	touch $(STAMP)

test: install
	$(PY) -m pytest -q

demo: install
	mkdir -p out
	$(TEXTO) fit $(DEMO_EXEMPLAR) -o out/demo_model.npz
	$(TEXTO) inspect out/demo_model.npz
	$(TEXTO) synthesize out/demo_model.npz --size 1280x768 --seed 1 -o out/demo.png
	@echo "demo image: out/demo.png (exemplar: $(DEMO_EXEMPLAR))"

bench: install
	$(PY) benchmarks/run_all.py

clean:
	rm -rf out benchmarks/out .pytest_cache

fuzz: install
	TEXTO_FUZZ_EXAMPLES=3000 $(PY) -m pytest -q tests/test_robustness.py -k fuzz
