#!/usr/bin/env bash
# Stops everything the demo started under the given root (default
# /tmp/onionops-demo), by pid: Onionbalance, tor and nginx on the sandbox
# hosts, the upstream nginx, and the private Tor network (its tors end with
# the keeper process that owns them; they are stopped by pid too).
root=${1:-/tmp/onionops-demo}
[ -d "$root" ] || exit 0

pidfiles() {
    find "$root" -name '*.pid' -path '*/run/onionops/*' 2>/dev/null
    [ -f "$root/upstream/nginx.pid" ] && echo "$root/upstream/nginx.pid"
    [ -f "$root/demo-keeper.pid" ] && echo "$root/demo-keeper.pid"
    if [ -f "$root/demo-network.path" ]; then
        network=$(head -n1 "$root/demo-network.path")
        case "$network" in /tmp/oo-tn-*) find "$network" -name 'tor.pid' 2>/dev/null;; esac
    fi
}
signal() {
    for pidfile in $(pidfiles); do
        pid=$(head -n1 "$pidfile")
        case "$pid" in ''|*[!0-9]*) continue;; esac
        "$@" "$pid"
    done
}
signal kill -TERM 2>/dev/null
sleep 1
signal sh -c 'kill -0 "$0" 2>/dev/null && { pkill -KILL -P "$0"; kill -KILL "$0"; }' 2>/dev/null
if [ -f "$root/demo-network.path" ]; then
    network=$(head -n1 "$root/demo-network.path")
    case "$network" in /tmp/oo-tn-*) rm -rf "$network";; esac
    rm -f "$root/demo-network.path" "$root/demo-keeper.pid"
fi
exit 0
