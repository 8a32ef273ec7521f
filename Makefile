# localhost-lab: `make lab` runs the lab, `make test` proves it. `make help` lists the rest.
SHELL := /bin/bash
PORT ?= 3000

.PHONY: help deps test pong ping listeners resolve clean

help: ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-10s %s\n", $$1, $$2}'

deps: ## check (and on Debian/Ubuntu as root, install) what the lab and its tests use
	@missing=(); \
	command -v java >/dev/null || missing+=(openjdk-17-jdk-headless); \
	command -v mvn >/dev/null || missing+=(maven); \
	command -v python3 >/dev/null || missing+=(python3); \
	command -v ss >/dev/null || missing+=(iproute2); \
	command -v nsenter >/dev/null || missing+=(util-linux); \
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

test: deps ## run every test on real sockets and processes; ends with "N passed, N failed"
	./jbang tests/run.java

pong: deps ## start the article's server on localhost:$(PORT)
	./jbang pong@catalog --port $(PORT)

ping: deps ## ask localhost:$(PORT) the way nc does
	./jbang ping@catalog --port $(PORT)

listeners: deps ## list who listens on port $(PORT)
	./jbang listeners@catalog --port $(PORT)

resolve: deps ## show what localhost resolves to, and in which order
	./jbang resolve@catalog

clean: ## remove the bootstrapped JBang and its cache (.lab/)
	rm -rf .lab
