# OnionOps: set-up, build, demo and tests on Debian 12.
#
#   make demo   install what is missing, build, run the main job on manifests/
#   make test   install what is missing, build, lint, run every test

SHELL := /bin/bash
SWIFT ?= swift
BIN := .build/debug/onionops

# Debian packages the build, the tests and the daemons need.
DEBIAN_PACKAGES := libgit2-dev libyaml-dev pkg-config tor nginx onionbalance \
	openssh-client openssh-server age git curl strace logrotate \
	libnginx-mod-http-subs-filter libnginx-mod-http-headers-more-filter libnginx-mod-http-lua

.PHONY: all deps build demo demo-offline demo-stop test unit e2e robustness security systemd-e2e lint format clean help bench bench-ansible bench-proxy bench-tools deb deb-binary deb-test

# The proxy parity tests' DNS server for the CDN name (dnsmasq binary only,
# no system service).
DEBIAN_PACKAGES += dnsmasq-base
# The end-to-end browser test: headless Chromium over the test Tor network.
DEBIAN_PACKAGES += chromium
# watch's status page draws the topology with Graphviz's dot.
DEBIAN_PACKAGES += graphviz
# make systemd-e2e: real systemd hosts in systemd-nspawn containers, their
# images built by debootstrap, their apt repository indexed by dpkg-scanpackages.
DEBIAN_PACKAGES += systemd-container debootstrap dpkg-dev iproute2
# make deb: lintian checks the package (dpkg-dev above builds it:
# dpkg-shlibdeps, dpkg-deb).
DEBIAN_PACKAGES += lintian

all: build

help:
	@echo "make demo    install deps, build, reconcile manifests/ in a private Tor network and reach the onions"
	@echo "make demo-offline  the same hosts with tor offline: plan, apply, status, a second run"
	@echo "make demo-stop  stop the demo's daemons and network"
	@echo "make test    install deps, build, lint and run every test"
	@echo "make unit    the fast tier without root: pure core, manifests, golden renders, in-memory hosts"
	@echo "make e2e     every Examples/ topology through a private Tor network"
	@echo "make robustness  SIGKILL crash consistency, manifest fuzzer, concurrent reconcilers"
	@echo "make security  the hardening review's attacks, each acted out (daemon users, a second process, forged commits)"
	@echo "make systemd-e2e  real systemd hosts (systemd-nspawn containers) over SSH, as root and as a sudo user"
	@echo "make deb     the controller as a Debian package: .build/deb/onionops_VERSION_amd64.deb, checked by lintian"
	@echo "make deb-test  install that package into a clean Debian 12 systemd container and check it (watch, dpkg -r, dpkg -P)"
	@echo "make bench   release benchmarks; writes Benchmarks/RESULTS.md"
	@echo "make deps    install missing Debian packages (as root)"
	@echo "make build   debug build of the onionops binary"
	@echo "make lint    swift format lint --strict, and a build in which any warning is an error"
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

# A private Tor network on 127.0.0.1 (about 20 s), manifests/ reconciled by
# the real onionops onto two sandbox hosts joined to it, the hardmap sites
# and the softmap frontend fetched through its client, which backend answered
# each request, and status. Everything keeps running: make demo-stop.
demo: build
	$(SWIFT) build --product onionops-demo
	@demo/stop.sh $(DEMO_ROOT); rm -rf $(DEMO_ROOT)
	@.build/debug/onionops-demo --root $(DEMO_ROOT) --binary $(BIN) --identity $(DEMO_IDENTITY) --manifests manifests

# The same hosts with tor offline: plan, apply, status, and a second run that
# changes nothing.
demo-offline: build
	@BIN=$(BIN) IDENTITY=$(DEMO_IDENTITY) DEMO_ROOT=$(DEMO_ROOT) demo/demo.sh

demo-stop:
	@demo/stop.sh $(DEMO_ROOT) && echo "demo daemons and network under $(DEMO_ROOT) stopped"

# Format, then a build of everything: Package.swift makes any warning in
# the project's own code an error, so a warning fails lint.
lint:
	$(SWIFT) format lint --strict --recursive Sources Tests Package.swift
	$(SWIFT) build --build-tests

format:
	$(SWIFT) format --in-place --recursive Sources Tests Package.swift

# Each suite runs under a time limit, so a test that hangs fails the run
# in minutes instead of holding CI; stdbuf keeps the test output line by
# line when it goes to a pipe, so the last lines show where it stopped.
RUN_TESTS = timeout --kill-after=30
LINES := stdbuf -oL -eL
# The long suites run the package's test binary itself, built by the
# `swift build --build-tests` before them: `swift test` holds the build
# folder's lock for its whole run, so two suites (or a suite and make deb's
# man pages) could not run side by side, as .ci/run runs them.
SUITE := .build/debug/OnionOpsPackageTests.xctest --testing-library swift-testing

test: deps lint
	$(SWIFT) build --build-tests
	$(RUN_TESTS) 1800 $(LINES) $(SWIFT) test --skip-build

# The fast tier, without root or daemons (under 30 s once built): the pure
# core (planner, apply and fleet machines), the watch machine, manifest intake, golden
# renders, and the reconciler over in-memory hosts.
UNIT_FILTER := OnionOpsCoreTests|OnionOpsManifestTests|OnionOpsRenderTests.GoldenFileTests|OnionOpsUnitTests|OnionOpsPresentationTests|OnionOpsCommandsTests.WatchMachineTests

unit:
	$(SWIFT) build --build-tests
	$(SWIFT) test --skip-build --filter '$(UNIT_FILTER)'

# Every Examples/ topology reconciled onto sandbox hosts inside a private Tor
# network on 127.0.0.1, and fetched by a real Tor client (see
# ../shared/TEST-NETWORK.md). `make test` skips these; CI runs both.
e2e: deps
	$(SWIFT) build --build-tests
	ONIONOPS_E2E=1 $(RUN_TESTS) 1500 $(LINES) $(SUITE) --filter OnionOpsE2ETests

# Crash consistency (SIGKILL at 100+ random points), the manifest mutation
# fuzzer (10,000+ cases) and two reconcilers at once; about 10 minutes.
robustness: deps
	$(SWIFT) build --build-tests
	ONIONOPS_ROBUSTNESS=1 $(RUN_TESTS) 1800 $(LINES) $(SUITE) --filter OnionOpsRobustnessTests

# Every finding of the hardening review as the attacker would act it out:
# a daemon user through runuser against root, an unprivileged user on the
# controller, a forged commit, a caller of watch's listener, a second
# controller. Needs root.
security: deps
	$(SWIFT) build --build-tests
	ONIONOPS_SECURITY=1 $(RUN_TESTS) 1500 $(LINES) $(SUITE) --filter OnionOpsSecurityTests

# Real Debian 12 systemd hosts: systemd-nspawn containers, each in a network
# namespace of its own, reached over SSH. Their images are built once into
# .build/systemd-host (about 3 minutes; Tests/systemd-host/build-images.sh),
# then each boots in about 2 s. Needs root.
systemd-e2e: deps
	$(SWIFT) build --build-tests
	Tests/systemd-host/build-images.sh .build/systemd-host
	ONIONOPS_SYSTEMD=1 $(RUN_TESTS) 1200 $(LINES) $(SUITE) --no-parallel --filter OnionOpsSystemdTests

# The controller as a Debian package: the static-stdlib release binary,
# man pages, completions, systemd units and /etc/onionops/onionops.env
# (packaging/deb/build.sh; lintian errors fail it).
DEB_VERSION = $(shell sed -n 's/.*static let current *= *"\([^"]*\)".*/\1/p' Sources/OnionOpsEngine/OnionOpsVersion.swift)
DEB_FILE = .build/deb/onionops_$(DEB_VERSION)_amd64.deb

deb: deps
	packaging/deb/build.sh $(CURDIR)

# Only the package's release binary (about 12 minutes on 2 cores), in its
# own build folder: .ci/run builds it beside the test suites, and make deb
# then finds it built.
deb-binary:
	DEB_BINARY_ONLY=1 packaging/deb/build.sh $(CURDIR)

# The package installed by apt-get into a clean Debian 12 systemd container
# (the systemd-e2e images), onionops-watch reconciling a repository there,
# then dpkg -r and dpkg -P. Builds the package first only if it is missing.
# Needs root.
deb-test:
	@[ -f $(DEB_FILE) ] || $(MAKE) deb
	$(RUN_TESTS) 1200 $(LINES) packaging/deb/install-test.sh $(DEB_FILE)

clean:
	rm -rf .build

# Release-build benchmarks: validate + render of synthetic topologies against
# a SHA-256 floor, keys against tor per key, certificates against openssl per
# certificate, push-to-applied latency, 20- and 100-host SSH fan-outs against
# Ansible, and proxy throughput with body rewriting against a plain proxy_pass
# (wrk), all measured in the same run. Writes Benchmarks/RESULTS.md.
bench: deps bench-tools bench-ansible
	$(SWIFT) build -c release --product onionops-bench
	$(SWIFT) build -c release --product onionops
	ONIONOPS_BENCH_ANSIBLE=$(CURDIR)/$(BENCH_VENV)/bin/ansible-playbook \
		ONIONOPS_BENCH_RESULTS=Benchmarks/RESULTS.md .build/release/onionops-bench

# Only the proxy throughput part (as root; a few minutes), for quick
# iteration on body rewriting.
bench-proxy: deps bench-tools
	$(SWIFT) build -c release --product onionops-bench
	.build/release/onionops-bench --proxy

# wrk for the proxy throughput part.
bench-tools:
	@if ! dpkg-query -W -f='$${Status}' wrk 2>/dev/null | grep -q "install ok installed"; then \
		echo "==> installing: wrk (the proxy throughput part)"; \
		if [ "$$(id -u)" -eq 0 ]; then SUDO=""; else SUDO="sudo"; fi; \
		$$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq wrk; \
	fi

# The fan-out baseline: ansible-core from PyPI in a venv of its own under
# .build, on Debian's python3 (which needs python3-venv for venvs), one
# release line so runs stay comparable. If it cannot be installed (no
# network), the fan-out part of the bench says skipped and the rest runs.
BENCH_VENV := .build/bench-venv
ANSIBLE_CORE := ansible-core==2.19.*

bench-ansible:
	@if ! dpkg-query -W -f='$${Status}' time 2>/dev/null | grep -q "install ok installed"; then \
		echo "==> installing: time (the fan-out part's peak RSS)"; \
		if [ "$$(id -u)" -eq 0 ]; then SUDO=""; else SUDO="sudo"; fi; \
		$$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq time; \
	fi
	@if [ -x $(BENCH_VENV)/bin/ansible-playbook ]; then \
		echo "==> ansible-core: present in $(BENCH_VENV)"; \
	else \
		if ! dpkg-query -W -f='$${Status}' python3-venv 2>/dev/null | grep -q "install ok installed"; then \
			echo "==> installing: python3-venv"; \
			if [ "$$(id -u)" -eq 0 ]; then SUDO=""; else SUDO="sudo"; fi; \
			$$SUDO apt-get update -qq && \
			DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq --no-install-recommends python3-venv; \
		fi; \
		echo "==> installing $(ANSIBLE_CORE) into $(BENCH_VENV)"; \
		rm -rf $(BENCH_VENV); \
		{ /usr/bin/python3 -m venv $(BENCH_VENV) && \
			$(BENCH_VENV)/bin/pip install -q --disable-pip-version-check '$(ANSIBLE_CORE)'; } || \
			echo "warning: ansible-core not installed; the bench's fan-out part will say skipped"; \
	fi
