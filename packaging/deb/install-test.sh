#!/bin/bash
# Installs the onionops package into a clean Debian 12 systemd host (a
# systemd-nspawn container of Tests/systemd-host, `full` image: tor and
# nginx, no onionops) and checks it as an operator would:
#   packaging/deb/install-test.sh [DEB]   (default: .build/deb/onionops_<version>_amd64.deb)
# apt-get installs the .deb from the container's only apt source (the
# images' flat repository); then --version, a man page, the completions,
# the units (not enabled, not started, refusing to start unconfigured),
# `onionops init` of a git repository in the container, onionops-watch
# started by systemd until /healthz says the revision was applied, and
# `dpkg -r` / `dpkg -P` leaving nothing behind.
# Needs root, systemd-container, debootstrap, dpkg-dev, iproute2 (make deps).
# The container is 10.78.$DEB_TEST_INDEX.2 (default 200); it reaches this
# machine only. Stopped on exit, whatever happens.
set -uo pipefail

here=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$here/../.." && pwd)
cd "$ROOT"

VERSION=$(sed -n 's/.*static let current *= *"\([^"]*\)".*/\1/p' Sources/OnionOpsEngine/OnionOpsVersion.swift)
DEB=${1:-$ROOT/.build/deb/onionops_${VERSION}_amd64.deb}
NAME=${DEB_TEST_NAME:-debtest}
INDEX=${DEB_TEST_INDEX:-200}
IMAGES=$ROOT/.build/systemd-host
IMAGE=$IMAGES/full
ADDRESS=10.78.$INDEX.2
WAIT_APPLIED=${DEB_TEST_WAIT:-120}

passed=0
failed=0
failures=()
say() { printf '==> %s\n' "$*"; }
pass() { passed=$((passed + 1)); printf 'PASS  %s\n' "$*"; }
fail() { failed=$((failed + 1)); failures+=("$*"); printf 'FAIL  %s\n' "$*"; }
# check DESCRIPTION COMMAND...: PASS when COMMAND exits 0.
check() {
    local what=$1
    shift
    if "$@"; then pass "$what"; else fail "$what"; fi
}
summary() {
    echo
    echo "deb-test summary ($(basename "$DEB")):"
    for f in "${failures[@]+"${failures[@]}"}"; do echo "  failed: $f"; done
    if [ "$failed" -eq 0 ] && [ "$passed" -gt 0 ]; then echo "deb-test: PASS"; else echo "deb-test: FAIL"; fi
    echo "$passed passed, $failed failed"
}
abort() {
    fail "$*"
    exit 1
}

[ "$(id -u)" -eq 0 ] || { echo "install-test.sh needs root (containers)" >&2; exit 1; }
[ -f "$DEB" ] || { echo "no $DEB: run make deb first" >&2; exit 1; }
case $NAME in deb*) ;; *) echo "DEB_TEST_NAME must start with deb" >&2; exit 1 ;; esac
[ "${#NAME}" -le 11 ] || { echo "DEB_TEST_NAME: at most 11 characters" >&2; exit 1; }
[ "$INDEX" -ge 200 ] && [ "$INDEX" -le 209 ] || { echo "DEB_TEST_INDEX must be in 200..209" >&2; exit 1; }

# The images: built once; a rebuild replaces them, so none may be in use.
stamp=$(sha256sum "$ROOT/Tests/systemd-host/build-images.sh" | cut -c1-16)
if [ "$(cat "$IMAGES/stamp" 2>/dev/null)" != "$stamp" ]; then
    if pgrep -x systemd-nspawn >/dev/null; then
        echo "the systemd host images are out of date, and containers run on them now: rerun when they have stopped" >&2
        exit 1
    fi
fi
say "systemd host images"
"$ROOT/Tests/systemd-host/build-images.sh" "$IMAGES" || { echo "build-images.sh failed" >&2; exit 1; }

DIR=$(mktemp -d /tmp/oo-deb-test.XXXXXX)
cleanup() {
    local rc=$?
    if [ -n "${started:-}" ]; then
        say "stopping container $NAME"
        "$ROOT/Tests/systemd-host/container.sh" stop "$NAME" "$DIR" >/dev/null 2>&1 || true
    fi
    if [ "$rc" -ne 0 ] && [ -f "$DIR/console.log" ]; then
        echo "--- last lines of the container's console"
        tail -15 "$DIR/console.log"
    fi
    rm -rf "$DIR"
    summary
    [ "$failed" -eq 0 ] && [ "$rc" -eq 0 ] || exit 1
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# The container's keys and files: one client key for root and deploy, the
# images' host key as the only known host, and the images' apt repository.
ssh-keygen -q -t ed25519 -N "" -C deb-test -f "$DIR/client_key" || abort "ssh-keygen"
install -m 0644 "$DIR/client_key.pub" "$DIR/root_keys"
install -m 0644 "$DIR/client_key.pub" "$DIR/deploy_keys"
printf '%s %s\n' "$ADDRESS" "$(cut -d' ' -f1,2 "$IMAGE/etc/ssh/ssh_host_ed25519_key.pub")" >"$DIR/known_hosts"
ln -s "$IMAGES/repo" "$DIR/repo"

SSH=(ssh -o BatchMode=yes -o ConnectTimeout=5 -o LogLevel=ERROR -o UserKnownHostsFile="$DIR/known_hosts"
    -o StrictHostKeyChecking=yes -o IdentitiesOnly=yes -i "$DIR/client_key" "root@$ADDRESS")
# inside SECONDS COMMAND: a shell command in the container, bounded.
inside() {
    local limit=$1
    shift
    timeout --kill-after=5 "$limit" "${SSH[@]}" -- "$*"
}

say "booting $NAME ($ADDRESS, image full)"
# A container of the same name left by an earlier run goes first.
"$ROOT/Tests/systemd-host/container.sh" stop "$NAME" "$DIR" >/dev/null 2>&1 || true
started=1
"$ROOT/Tests/systemd-host/container.sh" start "$NAME" "$INDEX" "$IMAGE" "$DIR" >/dev/null || abort "container.sh start"
booted=""
for _ in $(seq 1 90); do
    state=$(inside 20 systemctl is-system-running --wait 2>/dev/null) && { booted=$state; break; }
    [ -n "$state" ] && { booted=$state; break; }
    sleep 1
done
case $booted in
running) pass "container booted (systemd: running)" ;;
degraded)
    # A login's user manager can fail when several containers boot at
    # once on 2 cores; nothing here uses it.
    others=$(inside 20 "systemctl --failed --no-legend --plain | awk '{print \$1}' | grep -v -e '^user@' -e '^systemd-ask-password'")
    [ -z "$others" ] && pass "container booted (degraded by: user manager only)" || abort "container booted degraded: $others"
    ;;
*) abort "container did not come up within 90 s ('$booted')" ;;
esac

say "installing $(basename "$DEB")"
inside 60 "cat > /root/$(basename "$DEB")" <"$DEB" || abort "copy the .deb into the container"
check "no onionops before the install" inside 20 '! command -v onionops >/dev/null && [ ! -e /etc/onionops ]'
inside 120 "apt-get update -qq" >/dev/null || abort "apt-get update (the images' repository)"
# man-db to read the pages, git for the test's repository: neither is a
# dependency of the package.
inside 300 "DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends man-db git >/dev/null" ||
    abort "apt-get install man-db git"
if inside 300 "DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends /root/$(basename "$DEB")" >"$DIR/apt.log" 2>&1; then
    pass "apt-get install -y ./$(basename "$DEB") (dependencies from the flat repository)"
else
    tail -20 "$DIR/apt.log"
    abort "apt-get install of the .deb"
fi
grep -E '^(Setting up|Unpacking|The following NEW)' "$DIR/apt.log" | head -20

say "what the package installed"
inside 20 "dpkg -L onionops" >"$DIR/files" || abort "dpkg -L onionops"
sort -o "$DIR/files" "$DIR/files"
echo "$(wc -l <"$DIR/files") paths"
check "onionops --version prints $VERSION" inside 20 "[ \"\$(onionops --version)\" = '$VERSION' ]"
check "the binary loads no Swift runtime library, and every library resolves" \
    inside 20 "! ldd /usr/bin/onionops | grep -E 'libswift|libFoundation|libdispatch|not found'"
check "man onionops-reconcile renders" inside 30 "man -P cat onionops-reconcile 2>/dev/null | grep -q 'onionops reconcile'"
check "man onionops renders" inside 30 "man -P cat onionops 2>/dev/null | grep -q -i 'onion'"
check "one page per subcommand (watch, drift, status, keys-new, hosts-prepare)" inside 20 \
    "for p in watch drift status keys-new hosts-prepare; do [ -f /usr/share/man/man1/onionops-\$p.1.gz ] || exit 1; done"
check "bash completion present and loads" inside 20 \
    "[ -f /usr/share/bash-completion/completions/onionops ] && bash -c '. /usr/share/bash-completion/completions/onionops && complete -p onionops' >/dev/null"
check "zsh and fish completions present" inside 20 \
    "[ -f /usr/share/zsh/vendor-completions/_onionops ] && [ -f /usr/share/fish/vendor_completions.d/onionops.fish ]"
check "/etc/onionops 0755 root, onionops.env a conffile" inside 20 \
    "[ \"\$(stat -c '%a %U' /etc/onionops)\" = '755 root' ] && dpkg-query -W -f='\${Conffiles}' onionops | grep -q /etc/onionops/onionops.env"
check "/var/lib/onionops-controller 0700 root" inside 20 "[ \"\$(stat -c '%a %U' /var/lib/onionops-controller)\" = '700 root' ]"
check "copyright and changelog.Debian.gz in /usr/share/doc/onionops" inside 20 \
    "[ -s /usr/share/doc/onionops/copyright ] && zcat /usr/share/doc/onionops/changelog.Debian.gz | grep -q '^onionops ($VERSION)'"
if inside 60 "systemd-analyze verify /lib/systemd/system/onionops-watch.service /lib/systemd/system/onionops-drift.service /lib/systemd/system/onionops-drift.timer" >"$DIR/verify.log" 2>&1 && [ ! -s "$DIR/verify.log" ]; then
    # (verify exits 0 on an unknown key: any message fails.)
    pass "systemd-analyze verify of the three units, on the host (no message)"
else
    cat "$DIR/verify.log"
    fail "systemd-analyze verify of the three units, on the host"
fi
check "units installed neither enabled nor started" inside 20 \
    "[ \"\$(systemctl is-enabled onionops-watch.service)\" = disabled ] && [ \"\$(systemctl is-enabled onionops-drift.timer)\" = disabled ] && ! systemctl -q is-active onionops-watch.service onionops-drift.timer"
# Without the age identity the watch does not start at all.
inside 30 "systemctl start onionops-watch.service" >/dev/null 2>&1
check "onionops-watch does not start unconfigured (ConditionPathExists)" inside 20 \
    "[ \"\$(systemctl show -P ConditionResult onionops-watch.service)\" = no ] && ! systemctl -q is-active onionops-watch.service"

say "a manifest repository in the container, and watch started by systemd"
# onionops init: a hardmap with one local sandbox host; its identity is
# the one the units read.
if inside 120 "onionops init /srv/repo --topology hardmap --hosts edge-1 --sandbox /srv/sandbox --identity /etc/onionops/age-identity.txt" >"$DIR/init.log" 2>&1; then
    pass "onionops init /srv/repo (hardmap, sandbox host edge-1)"
else
    cat "$DIR/init.log"
    fail "onionops init /srv/repo"
fi
# A sandbox host's root folder is there before the first reconcile (a
# missing one is an unreachable host).
inside 20 "mkdir -p /srv/sandbox/edge-1" || fail "mkdir /srv/sandbox/edge-1"
inside 60 "cd /srv/repo && git init -q -b main && git add -A && git -c user.name=deb-test -c user.email=deb-test@localhost commit -q -m 'onionops init'" ||
    fail "git commit in /srv/repo"
cat >"$DIR/onionops.env" <<'EOF'
# Written by packaging/deb/install-test.sh.
ONIONOPS_REPO=/srv/repo
ONIONOPS_BRANCH=main
ONIONOPS_PATH=manifests
ONIONOPS_LISTEN=127.0.0.1:9477
ONIONOPS_INTERVAL=10
ONIONOPS_DRIFT_INTERVAL=900
ONIONOPS_WATCH_FLAGS=--self-heal
ONIONOPS_DRIFT_FLAGS=
EOF
inside 20 "cat > /etc/onionops/onionops.env" <"$DIR/onionops.env" || fail "write /etc/onionops/onionops.env"
check "systemctl start onionops-watch" inside 60 "systemctl start onionops-watch.service && systemctl -q is-active onionops-watch.service"

# /healthz over perl (no curl in the image): one line about the last
# reconcile. (Connection: close, or the server keeps the socket open.)
healthz='use IO::Socket::INET; my $s = IO::Socket::INET->new(PeerAddr => "127.0.0.1:9477", Timeout => 5) or exit 1;
print $s "GET /healthz HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n"; my $r = join("", <$s>); $r =~ s/^.*?\r\n\r\n//s; print $r;'
printf '%s\n' "$healthz" >"$DIR/healthz.pl"
inside 20 "cat > /root/healthz.pl" <"$DIR/healthz.pl"
applied=""
deadline=$((SECONDS + WAIT_APPLIED))
while [ $SECONDS -lt $deadline ]; do
    health=$(inside 15 "perl /root/healthz.pl" 2>/dev/null || true)
    case $health in
    *"applied"*) applied=$health; break ;;
    esac
    # A watch that died will not come back within the wait.
    inside 15 "systemctl -q is-failed onionops-watch.service" && break
    sleep 2
done
if [ -n "$applied" ]; then
    pass "watch reconciled the repository: /healthz says '$(printf '%s' "$applied" | tr -d '\n')'"
else
    fail "watch did not apply within ${WAIT_APPLIED} s: /healthz said '${health:-nothing}'"
    inside 20 "systemctl status --no-pager onionops-watch.service; journalctl -u onionops-watch.service --no-pager | tail -40"
fi
# The host's own view: the sandbox host's generation, files and daemons.
inside 60 "onionops status /srv/repo/manifests" >"$DIR/status.log" 2>&1
status_rc=$?
sed 's/^/    /' "$DIR/status.log" | head -20
if [ "$status_rc" -eq 0 ]; then pass "onionops status exits 0 (healthy)"; else fail "onionops status exited $status_rc"; fi
# The drift unit, once, with the same settings: in sync, so it succeeds.
if inside 120 "systemctl start onionops-drift.service" >/dev/null 2>&1 &&
    inside 20 "[ \"\$(systemctl show -P Result onionops-drift.service)\" = success ]"; then
    pass "onionops-drift.service (oneshot, same EnvironmentFile) found no drift"
else
    fail "onionops-drift.service did not succeed"
    inside 20 "journalctl -u onionops-drift.service --no-pager | tail -15"
fi
check "the watch ran under the unit's sandbox (ProtectSystem=full)" inside 20 \
    "[ \"\$(systemctl show -P ProtectSystem onionops-watch.service)\" = full ] && systemctl -q is-active onionops-watch.service"
inside 20 "journalctl -u onionops-watch.service --no-pager | tail -8" | sed 's/^/    /'

say "dpkg -r onionops"
inside 120 "dpkg -r onionops" >"$DIR/remove.log" 2>&1 || { cat "$DIR/remove.log"; fail "dpkg -r onionops"; }
check "package state: config-files after dpkg -r" inside 20 "[ \"\$(dpkg-query -W -f='\${db:Status-Status}' onionops)\" = config-files ]"
check "onionops-watch stopped by prerm, no onionops process left" inside 20 \
    "! systemctl -q is-active onionops-watch.service && ! pgrep -x onionops >/dev/null"
# What is left of the package's paths: files only under /etc/onionops;
# directories only where another package or the state kept until purge
# (/var/lib/onionops-controller) holds them.
leftover() {
    local allow=$1
    inside 60 "while read -r p; do
        [ -e \"\$p\" ] || [ -L \"\$p\" ] || continue
        case \"\$p\" in /.|$allow) continue ;; esac
        # /lib and the like: merged /usr's links to directories.
        if [ -L \"\$p\" ] && [ -d \"\$p\" ]; then continue; fi
        if [ -d \"\$p\" ] && [ ! -L \"\$p\" ]; then dpkg -S \"\$p\" >/dev/null 2>&1 && continue; fi
        echo \"\$p\"
    done" <"$DIR/files"
}
left=$(leftover '/etc/onionops|/etc/onionops/*|/var/lib/onionops-controller')
if [ -z "$left" ]; then
    pass "dpkg -r left none of the package's files but /etc/onionops (and the state in /var/lib/onionops-controller)"
else
    fail "dpkg -r left: $(echo $left)"
fi
check "dpkg -r kept the conffile /etc/onionops/onionops.env" inside 20 "grep -q ONIONOPS_REPO=/srv/repo /etc/onionops/onionops.env"

say "dpkg -P onionops"
inside 120 "dpkg -P onionops" >"$DIR/purge.log" 2>&1 || { cat "$DIR/purge.log"; fail "dpkg -P onionops"; }
sed 's/^/    /' "$DIR/purge.log"
check "package state: not installed after dpkg -P" inside 20 "! dpkg-query -W -f='\${db:Status-Status}' onionops 2>/dev/null | grep -q ."
left=$(leftover '/etc/onionops')
remaining=$(inside 20 "ls -A /etc/onionops 2>/dev/null")
if [ -z "$left" ] && [ "$remaining" = "age-identity.txt" ]; then
    pass "dpkg -P removed every file of the package, its state and its conffile; /etc/onionops keeps only the operator's age-identity.txt"
else
    fail "dpkg -P left: $(echo $left) /etc/onionops: $(echo $remaining)"
fi
check "dpkg -P removed /var/lib/onionops-controller and the units' mask links" inside 20 \
    "[ ! -e /var/lib/onionops-controller ] && [ ! -e /etc/systemd/system/onionops-watch.service ] && [ ! -L /etc/systemd/system/onionops-watch.service ]"
check "no onionops process or unit left" inside 20 \
    "! pgrep -x onionops >/dev/null && [ -z \"\$(systemctl list-units --all --no-legend 'onionops-*' | grep -v 'not-found')\" ]"
