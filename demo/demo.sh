#!/usr/bin/env bash
# The demo: reconcile manifests/ onto two sandbox hosts under $DEMO_ROOT with
# real tor (offline: DisableNetwork 1), nginx and Onionbalance, then show that
# a second run changes nothing. Run by `make demo`; `make demo-stop` stops it.
set -uo pipefail

BIN=${BIN:-.build/debug/onionops}
IDENTITY=${IDENTITY:-demo/age-identity.txt}
DEMO_ROOT=${DEMO_ROOT:-/tmp/onionops-demo}
NEWS=fkncfijxnkt4aa7zfs6bhrbpkbqmfzg7f5ejrj4pmvscedss7h3qivid.onion
SHOP=q77xjelhcfjoqt66gfqsnrrykv4l55ctqk4byt5z4tohtedwxcbcjtyd.onion

step() { printf '\n==> %s\n' "$*"; }
run() {
    step "$*"
    "$@"
    local code=$?
    echo "(exit $code)"
    return 0
}
pids() { find "$DEMO_ROOT" -name '*.pid' -path '*/run/onionops/*' -exec cat {} + 2>/dev/null | sort -n | tr '\n' ' '; }

if [ "$(id -u)" -ne 0 ]; then
    echo "the demo runs tor and Onionbalance as their own users: run it as root" >&2
    exit 1
fi

demo/stop.sh "$DEMO_ROOT"
rm -rf "$DEMO_ROOT"
mkdir -p "$DEMO_ROOT/edge-1" "$DEMO_ROOT/edge-2"

run "$BIN" validate manifests
run "$BIN" show manifests
run "$BIN" keys check manifests --identity "$IDENTITY"
run "$BIN" graph manifests --format mermaid
run "$BIN" reconcile manifests --dry-run --summary --identity "$IDENTITY"
step "edge-1's news torrc in the plan (without --summary, the plan has a diff for every file)"
"$BIN" reconcile manifests --dry-run --identity "$IDENTITY" 2>/dev/null \
    | grep -B1 -A16 -m1 '^+++ b/etc/onionops/projects/news/tor1.torrc' || true
run "$BIN" reconcile manifests --identity "$IDENTITY"
run "$BIN" status manifests
before=$(pids)

for host in edge-1 edge-2; do
    for site in "$NEWS" "www.$SHOP"; do
        project=news; [ "$site" = "www.$SHOP" ] && project=shop
        printf 'curl via %s nginx-%s, Host %s/hello-onion: ' "$host" "$project" "$site"
        curl -s --max-time 5 --unix-socket "$DEMO_ROOT/$host/run/onionops/p/$project/nx/p80.sock" \
            "http://$site/hello-onion" || echo "(no answer)"
    done
done

run "$BIN" reconcile manifests --identity "$IDENTITY"
after=$(pids)
step "daemon pids before and after the second reconcile"
echo "before: $before"
echo "after:  $after"
if [ "$before" = "$after" ]; then echo "unchanged: nothing was restarted"; else echo "CHANGED"; exit 1; fi

echo
echo "The hosts' files are under $DEMO_ROOT/<host>; tor, nginx and the publisher keep running."
echo "Try: edit manifests/projects.yaml, then '$BIN reconcile manifests --dry-run --identity $IDENTITY'."
echo "Stop everything with: make demo-stop"
