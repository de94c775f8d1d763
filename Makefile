# OnionOps: set-up, build, demo and tests on Debian 12.
#
#   make demo   install what is missing, build, run the main job on manifests/
#   make test   install what is missing, build, lint, run every test

SHELL := /bin/bash
SWIFT ?= swift
BIN := .build/debug/onionops

# Debian packages the build, the tests and the daemons need.
DEBIAN_PACKAGES := libgit2-dev libyaml-dev pkg-config tor nginx onionbalance \
	openssh-client openssh-server age git curl

.PHONY: all deps build demo test lint format clean help bench

all: build

help:
	@echo "make demo    install deps, build, validate and summarise manifests/"
	@echo "make test    install deps, build, lint and run every test"
	@echo "make deps    install missing Debian packages (as root)"
	@echo "make build   debug build of the onionops binary"
	@echo "make lint    swift format lint --strict"
	@echo "make format  swift format in place"

# Installs only what is missing; runs apt-get update at most once.
deps:
	@missing=""; \
	for pkg in $(DEBIAN_PACKAGES); do \
		dpkg-query -W -f='$${Status}' $$pkg 2>/dev/null | grep -q "install ok installed" || missing="$$missing $$pkg"; \
	done; \
	if [ -n "$$missing" ]; then \
		echo "==> installing:$$missing"; \
		if [ "$$(id -u)" -eq 0 ]; then SUDO=""; else SUDO="sudo"; fi; \
		$$SUDO apt-get update -qq && \
		DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq --no-install-recommends $$missing; \
	else \
		echo "==> Debian packages: all present"; \
	fi
	@command -v $(SWIFT) >/dev/null || { echo "error: swift not found; install Swift 6.2 or later (see README)"; exit 1; }

build: deps
	$(SWIFT) build --product onionops

# The demo identity opens the sealed keys of manifests/ and Examples/ only;
# nothing uses it unless it is named like this.
DEMO_IDENTITY := demo/age-identity.txt
# manifests/ puts its two sandbox hosts here.
DEMO_ROOT := /tmp/onionops-demo

demo: build
	@echo
	@echo "==> onionops validate manifests"
	@$(BIN) validate manifests
	@echo
	@echo "==> onionops show manifests"
	@$(BIN) show manifests
	@echo
	@echo "==> onionops keys check manifests --identity $(DEMO_IDENTITY)"
	@$(BIN) keys check manifests --identity $(DEMO_IDENTITY)
	@echo
	@rm -rf $(DEMO_ROOT)
	@for host in edge-1 edge-2; do \
		echo "==> onionops render manifests --host $$host --out $(DEMO_ROOT)/$$host --with-keys"; \
		$(BIN) render manifests --host $$host --out $(DEMO_ROOT)/$$host --with-keys --identity $(DEMO_IDENTITY) || exit 1; \
	done
	@echo
	@echo "==> the daemons check what was rendered into each sandbox host"
	@for f in $$(find $(DEMO_ROOT) -name '*.torrc' | sort); do \
		case "$$f" in */balancers/*) user=onionbalance;; *) user=debian-tor;; esac; \
		printf 'tor --verify-config  %s (as %s): ' "$$f" "$$user"; \
		runuser -u $$user -- /usr/sbin/tor --verify-config -f "$$f" --hush >/dev/null 2>&1 && echo ok || echo FAILED; \
	done
	@for f in $$(find $(DEMO_ROOT) -name 'nginx.conf' | sort); do \
		root=$${f%%/etc/onionops/*}; \
		printf 'nginx -t             %s: ' "$$f"; /usr/sbin/nginx -t -q -c "$$f" -p "$$root" -e "$$root/nginx-test.log" && echo ok || echo FAILED; \
	done
	@echo
	@echo "Each host's files are under $(DEMO_ROOT)/<host> (the roots manifests/ names)."
	@echo "Applying them (starting tor, nginx, Onionbalance) comes with the hosts and apply stages."

lint:
	$(SWIFT) format lint --strict --recursive Sources Tests Package.swift

format:
	$(SWIFT) format --in-place --recursive Sources Tests Package.swift

test: deps lint
	$(SWIFT) build --build-tests
	$(SWIFT) test --skip-build

clean:
	rm -rf .build

# Release-build benchmarks: validate + render of synthetic topologies against
# a SHA-256 floor, keys against tor per key, certificates against openssl per
# certificate, all measured in the same run. Writes Benchmarks/RESULTS.md.
bench: deps
	$(SWIFT) build -c release --product onionops-bench
	ONIONOPS_BENCH_RESULTS=Benchmarks/RESULTS.md .build/release/onionops-bench
