/// The deployment files `onionops init` writes into a new repository:
/// the same text as `Examples/git-hooks` and `Examples/systemd` (a test
/// keeps them equal), each saying how to install itself.
enum StarterFiles {
    static let postReceive = #"""
        #!/bin/sh
        # post-receive hook for the bare repository `onionops watch --repo` follows:
        # tells the daemon to reconcile now instead of at its next poll.
        # Install: copy into <repo>.git/hooks/post-receive and make it executable.
        # ONIONOPS_WATCH_URL overrides the daemon's address. /trigger needs the
        # daemon's token (its --trigger-token-file, or its webhook secret):
        # ONIONOPS_TRIGGER_TOKEN_FILE names the file (default
        # /etc/onionops/trigger-token), which the user running this hook must be able
        # to read and nobody else should. onionops sends it in a header, never on a
        # command line.
        url=${ONIONOPS_WATCH_URL:-http://127.0.0.1:9477}
        token_file=${ONIONOPS_TRIGGER_TOKEN_FILE:-/etc/onionops/trigger-token}
        while read -r old new ref; do
            case "$ref" in
            refs/heads/*)
                # A push must not fail because the daemon is down: it polls anyway.
                onionops trigger --url "$url" --token-file "$token_file" >/dev/null 2>&1 ||
                    echo "onionops: could not trigger the watch daemon at $url; it will pick up $new at its next poll" >&2
                break
                ;;
            esac
        done
        exit 0

        """#

    static let watchService = #"""
        # onionops watch: follows the manifests branch and keeps every host on it.
        # Install: copy to /etc/systemd/system/, put the age identity in
        # /etc/onionops/age-identity.txt (0600), a webhook secret in
        # /etc/onionops/webhook-secret (0600) and the token the post-receive hook sends
        # in /etc/onionops/trigger-token (0640, group of the git user running the hook),
        # then `systemctl enable --now onionops-watch`.
        [Unit]
        Description=OnionOps: reconcile onion service hosts from git
        Wants=network-online.target
        After=network-online.target

        [Service]
        Type=simple
        ExecStart=/usr/local/bin/onionops watch \
            --repo ssh://git@git.example.org/ops/onion-sites.git --branch main --path manifests \
            --state /var/lib/onionops-controller \
            --identity /etc/onionops/age-identity.txt \
            --webhook-secret-file /etc/onionops/webhook-secret \
            --trigger-token-file /etc/onionops/trigger-token \
            --listen 127.0.0.1:9477 \
            --interval 60 --drift-interval 900 --self-heal
        # SIGTERM lets the reconcile in hand finish (graceful shutdown).
        KillSignal=SIGTERM
        TimeoutStopSec=300
        Restart=on-failure
        RestartSec=10
        StateDirectory=onionops-controller
        StateDirectoryMode=0700

        [Install]
        WantedBy=multi-user.target

        """#

    static let driftService = #"""
        # One drift check, run by onionops-drift.timer: exit 0 no drift, 2 drift,
        # 1 error. The journal keeps the report; wire OnFailure= to your alerting.
        [Unit]
        Description=OnionOps: check onion service hosts for drift

        [Service]
        Type=oneshot
        ExecStart=/usr/local/bin/onionops drift \
            --repo ssh://git@git.example.org/ops/onion-sites.git --branch main --path manifests \
            --state /var/lib/onionops-controller \
            --identity /etc/onionops/age-identity.txt
        # Exit 2 (drift) marks the unit failed, so OnFailure= and `systemctl --failed` see it.
        SuccessExitStatus=0

        """#

    static let driftTimer = #"""
        # Drift checks every 15 minutes, for hosts reconciled without `watch`.
        [Unit]
        Description=OnionOps: drift check every 15 minutes

        [Timer]
        OnBootSec=5min
        OnUnitActiveSec=15min
        RandomizedDelaySec=60

        [Install]
        WantedBy=timers.target

        """#
}
