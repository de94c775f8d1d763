#!/bin/bash
# Boots, reboots and stops one systemd test host: Debian 12's systemd as PID 1
# of a systemd-nspawn container, in a network namespace of its own joined to
# the machine by a veth pair, reached over SSH. Traffic never leaves the
# machine: the container's address lives only on that pair.
#
#   container.sh start NAME INDEX IMAGE DIR   prints "ADDRESS"
#   container.sh stop  NAME DIR
#   container.sh machine-address up|down
#
# `machine-address up` adds 10.78.0.1/32 to this machine's loopback (no
# dummy link module here): a private Tor network or an upstream site
# listening there is reached from every container (each routes 10.78.0.0/24
# to its end of the pair, and nothing else) and from this machine; no other
# machine routes to it.
#
# NAME: at most 11 characters (the machine's side of the pair is "vo-NAME").
# INDEX 1..250: the container is 10.78.INDEX.2, the machine 10.78.INDEX.1.
# IMAGE: a root folder from build-images.sh; it is never written: the
# container writes into DIR/upper through an overlay, so its changes survive
# a reboot from inside (`systemctl reboot`), which boots it again.
# DIR holds what the test gives: root_keys and deploy_keys (authorized_keys
# of root and of deploy), optionally sudoers (installed as
# /etc/sudoers.d/onionops) and repo (the apt repository, bound at
# /srv/onionops-test-repo); the script adds its own files there.
set -euo pipefail
cmd=$1 name=${2:-}
if [ "$cmd" = machine-address ]; then
    case $name in
    up)
        ip addr replace 10.78.0.1/32 dev lo
        ;;
    down) ip addr del 10.78.0.1/32 dev lo 2>/dev/null || true ;;
    *) echo "usage: container.sh machine-address up|down" >&2; exit 2 ;;
    esac
    exit 0
fi
netns=oo-$name
link=vo-$name
# This machine mounts cgroup v1 hierarchies with a cgroup2 one beside them:
# each container gets its own parent cgroup in both, or nspawn's payload/
# and supervisor/ cgroups of two containers collide.
cgroups=(/sys/fs/cgroup/systemd/oo-$name /sys/fs/cgroup/unified/oo-$name)

teardown() {
    local dir=$1
    ip link del "$link" 2>/dev/null || true
    ip netns del "$netns" 2>/dev/null || true
    if mountpoint -q "$dir/root" 2>/dev/null; then umount "$dir/root" || umount -l "$dir/root"; fi
    # systemd inside leaves its empty cgroups behind: deepest first.
    for cg in "${cgroups[@]}"; do
        [ -d "$cg" ] && find "$cg" -depth -type d -exec rmdir {} + 2>/dev/null || true
    done
}

case $cmd in
start)
    index=$3 image=$4 dir=$5
    address=10.78.$index.2
    teardown "$dir"
    # systemd inside takes inotify instances by the dozen; the default of
    # 128 per user runs out with a few containers.
    if [ "$(cat /proc/sys/fs/inotify/max_user_instances)" -lt 1024 ]; then
        echo 1024 >/proc/sys/fs/inotify/max_user_instances
    fi
    # Whatever is not a container's own /30 (one stopped, or its link
    # down) is unreachable here, never sent to this machine's gateway.
    ip route replace unreachable 10.78.0.0/16
    ip netns add "$netns"
    ip link add "$link" type veth peer name host0 netns "$netns"
    ip addr add "10.78.$index.1/30" dev "$link"
    ip link set "$link" up
    ip -n "$netns" addr add "$address/30" dev host0
    ip -n "$netns" link set host0 up
    ip -n "$netns" link set lo up
    # Only the machine's test address, no default route: nothing the
    # container sends can be forwarded anywhere.
    ip -n "$netns" route add 10.78.0.0/24 via "10.78.$index.1"
    printf 'ListenAddress %s\n' "$address" >"$dir/20-listen.conf"
    mkdir -p "$dir/upper" "$dir/work" "$dir/root"
    mount -t overlay overlay -o "lowerdir=$image,upperdir=$dir/upper,workdir=$dir/work" "$dir/root"
    # A server knows its own name (sudo warns on every command otherwise).
    printf '127.0.0.1 localhost\n127.0.1.1 %s\n' "$name" >"$dir/root/etc/hosts"
    binds=(
        --bind-ro="$dir/root_keys:/root/.ssh/authorized_keys"
        --bind-ro="$dir/deploy_keys:/home/deploy/.ssh/authorized_keys"
        --bind-ro="$dir/20-listen.conf:/etc/ssh/sshd_config.d/20-listen.conf"
    )
    [ -f "$dir/sudoers" ] && binds+=(--bind-ro="$dir/sudoers:/etc/sudoers.d/onionops")
    [ -d "$dir/repo" ] && binds+=(--bind-ro="$dir/repo:/srv/onionops-test-repo")
    rm -f "$dir/stopping"
    touch "$dir/running"
    (
        for cg in "${cgroups[@]}"; do
            if [ -d "$(dirname "$cg")" ]; then mkdir -p "$cg" && echo $BASHPID >"$cg/cgroup.procs"; fi
        done
        while :; do
            rc=0
            # Unified: cgroup2 only inside, as on a stock Debian 12 server.
            # No machined or system bus here: --register=no --keep-unit.
            # The namespace path drops CAP_NET_ADMIN, which PrivateNetwork=
            # units need to set up their loopback.
            SYSTEMD_NSPAWN_UNIFIED_HIERARCHY=1 setsid systemd-nspawn --quiet -D "$dir/root" --boot \
                --machine="oo-$name" --hostname="$name" --register=no --keep-unit \
                --network-namespace-path="/run/netns/$netns" --capability=CAP_NET_ADMIN \
                "${binds[@]}" --console=read-only </dev/null >>"$dir/console.log" 2>&1 &
            echo $! >"$dir/nspawn.pid"
            wait $! || rc=$?
            # 133: a reboot asked for inside.
            [ "$rc" = 133 ] && [ ! -e "$dir/stopping" ] || break
            echo "$(date +%s.%N) reboot" >>"$dir/boots"
        done
        rm -f "$dir/running"
    ) >/dev/null 2>&1 &
    echo $! >"$dir/loop.pid"
    echo "$address"
    ;;
stop)
    dir=$3
    touch "$dir/stopping"
    loop=$(cat "$dir/loop.pid" 2>/dev/null || true)
    nspawn=$(cat "$dir/nspawn.pid" 2>/dev/null || true)
    if [ -n "$loop" ] && kill -0 "$loop" 2>/dev/null; then
        # SIGTERM to nspawn: an orderly shutdown of the systemd inside.
        [ -n "$nspawn" ] && kill -TERM "$nspawn" 2>/dev/null || true
        for _ in $(seq 1 150); do kill -0 "$loop" 2>/dev/null || break; sleep 0.1; done
        if kill -0 "$loop" 2>/dev/null; then
            # nspawn alone killed would orphan the container: its PID 1
            # first (the pid namespace goes with it).
            leader=$(pgrep -P "$nspawn" || true)
            [ -n "$leader" ] && kill -KILL $leader 2>/dev/null || true
            kill -KILL "$nspawn" 2>/dev/null || true
            for _ in $(seq 1 50); do kill -0 "$loop" 2>/dev/null || break; sleep 0.1; done
        fi
    fi
    teardown "$dir"
    ;;
*)
    echo "usage: container.sh start NAME INDEX IMAGE DIR | stop NAME DIR | machine-address up|down" >&2
    exit 2
    ;;
esac
