# Every target sets up what it needs: a fresh machine only needs python3 and make.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo test lint bench bench-quick fuzz docs clean system-deps

# Debian packages the tests and pictures need: a real browser for the generated pages, Graphviz for
# static SVG/PNG, Java for HermiT (the OWL 2 DL reasoner owlready2 runs on the ontology), and
# Virtuoso's server for the second SPARQL engine in the tests (the -bin package only: the full
# virtuoso-opensource also starts a system service that keeps the default dba password when
# installed non-interactively).
# Installed when missing and we can (root with apt-get); otherwise say how.
SYSTEM_DEPS := chromium:chromium dot:graphviz virtuoso-t:virtuoso-opensource-7-bin java:default-jre-headless

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

demo: $(STAMP)
	$(BIN)/tropekg parse --summary examples/pages/*/*.txt examples/html/*.html
	$(BIN)/tropekg build examples/pages examples/html -o out --validate
	$(BIN)/tropekg load out --store out/kg.store --prune
	$(BIN)/tropekg query run subtropes -p trope=Main/NeverHurtAnInnocent -p transitive=true --store out/kg.store
	$(BIN)/tropekg query run works-for-trope -p trope=Main/WouldNotShootAGoodGuy --store out/kg.store
	$(BIN)/tropekg analyze --store out/kg.store --top 5
	$(BIN)/tropekg viz hierarchy --store out/kg.store -o out/hierarchy.html
	@echo "browse the graph: .venv/bin/tropekg serve --store out/kg.store (then open http://127.0.0.1:7878/)"

system-deps:
	@missing=""; for pair in $(SYSTEM_DEPS); do cmd=$${pair%%:*}; pkg=$${pair#*:}; \
	  command -v $$cmd >/dev/null 2>&1 || missing="$$missing $$pkg"; done; \
	if [ -n "$$missing" ]; then \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
	    echo "installing Debian packages:$$missing"; \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $$missing >/dev/null; \
	  else echo "tropekg: missing Debian packages:$$missing (install them: sudo apt-get install$$missing)"; fi; \
	fi

test: $(STAMP) system-deps
	$(BIN)/python -m pytest -q

# A coverage-guided fuzzing campaign on the parser (atheris); not part of `make test`.
FUZZ_SECONDS ?= 600
fuzz: $(STAMP)
	$(BIN)/python -m pip install --quiet -e '.[fuzz]'
	mkdir -p .fuzz-corpus && cp -n examples/pages/*/*.txt .fuzz-corpus/
	$(BIN)/python tests/fuzz_parser.py -max_total_time=$(FUZZ_SECONDS) -max_len=8192 .fuzz-corpus

lint: $(STAMP)
	$(BIN)/ruff check src tests benchmarks

# The benchmarks: the whole wiki (every section, the HTML corpus too), the 2012 backup's size
# (build and load), and validating the whole wiki: a few hours on two cores. --quick for a smoke run.
bench: $(STAMP)
	$(BIN)/python benchmarks/parse_scaling.py
	$(BIN)/python benchmarks/html_read.py
	$(BIN)/python benchmarks/bench.py
	$(BIN)/python benchmarks/bench.py --backup-size
	$(BIN)/python benchmarks/validate_scale.py --tropes 30000 --works 20000
	$(BIN)/python benchmarks/page_memory.py

bench-quick: $(STAMP)
	$(BIN)/python benchmarks/parse_scaling.py --quick
	$(BIN)/python benchmarks/html_read.py --quick
	$(BIN)/python benchmarks/bench.py --quick
	$(BIN)/python benchmarks/validate_scale.py --quick
	$(BIN)/python benchmarks/page_memory.py --quick

# pyLODE quirks worked around here: 3.4.1 cannot import when installed from a wheel (its
# version.py reads a pyproject.toml that is not shipped), so pylode.version is stubbed; OntPub
# treats every skos:ConceptScheme as the ontology itself, so the two schemes are untyped for
# the docs; and it has no section for individuals, so the playing-with modes are listed in a
# note on tk:PlayingWithMode.
define PYLODE_DOCS
import importlib.metadata, sys, types
from rdflib import RDF, SKOS, Graph, Literal, Namespace
stub = types.ModuleType("pylode.version")
stub.__version__ = importlib.metadata.version("pylode")
sys.modules["pylode.version"] = stub
from pylode import OntPub
TK = Namespace("https://w3id.org/tropekg/ontology#")
g = Graph().parse("ontology/tropekg.ttl", format="turtle")
g.remove((None, RDF.type, SKOS.ConceptScheme))
modes = [(str(g.value(m, SKOS.prefLabel)), m.fragment, str(g.value(m, SKOS.definition))) for m in g.subjects(RDF.type, TK.PlayingWithMode)]
note = "The modes (individuals of this class):\n\n" + "\n".join(f"- **{label}** (tk:{name}): {text}" for label, name, text in sorted(modes))
g.add((TK.PlayingWithMode, SKOS.note, Literal(note, lang="en")))
OntPub(g, sort_subjects=True).make_html(destination="docs/ontology.html")
endef
export PYLODE_DOCS

docs: $(STAMP)
	$(BIN)/python -m pip install --quiet -e '.[docs]'
	mkdir -p docs
	$(BIN)/python -c "$$PYLODE_DOCS"
	test -s docs/ontology.html
	@echo "wrote docs/ontology.html"

clean:
	rm -rf $(VENV) out .pytest_cache
