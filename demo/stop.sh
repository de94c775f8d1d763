#!/usr/bin/env bash
# Stops every daemon the demo started under the given root (default
# /tmp/onionops-demo): Onionbalance, tor and nginx, by their pid files.
root=${1:-/tmp/onionops-demo}
[ -d "$root" ] || exit 0
for pidfile in $(find "$root" -name '*.pid' -path '*/run/onionops/*' 2>/dev/null); do
    pid=$(head -n1 "$pidfile")
    case "$pid" in ''|*[!0-9]*) continue;; esac
    kill -TERM "$pid" 2>/dev/null
done
sleep 1
for pidfile in $(find "$root" -name '*.pid' -path '*/run/onionops/*' 2>/dev/null); do
    pid=$(head -n1 "$pidfile")
    case "$pid" in ''|*[!0-9]*) continue;; esac
    kill -0 "$pid" 2>/dev/null && { pkill -KILL -P "$pid"; kill -KILL "$pid"; } 2>/dev/null
done
exit 0
