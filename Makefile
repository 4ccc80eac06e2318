# Two commands do all set-up: `make demo` and `make test` create .venv and
# install the kit on first use. PYTHON picks the interpreter that makes the venv;
# TENSORFLOW pins another TensorFlow/Keras pair in another VENV (CI's oldest lane:
#   make test VENV=.venv-oldest TENSORFLOW="tensorflow==2.16.2 keras==3.3.3").
PYTHON ?= python3
VENV ?= .venv
TENSORFLOW ?=
TESTS ?= tests
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo test install clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]' $(TENSORFLOW)
	touch $(STAMP)

install: $(STAMP)

demo: $(STAMP)
	$(BIN)/python -m grader demo

test: $(STAMP)
	$(BIN)/python -m pytest $(TESTS)

clean:
	rm -rf $(VENV) .venv-oldest out grades
