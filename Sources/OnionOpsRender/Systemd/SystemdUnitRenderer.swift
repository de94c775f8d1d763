public import OnionOpsCore

/// systemd unit files for a host's daemons, for hosts supervised by
/// systemd: written into `HostLayout.systemdUnitDirectory` (OnionOps' own
/// tree) and linked by the supervisor, never into `/etc/systemd/system`.
///
/// Pure: the same host and instances give the same bytes. Every unit first
/// recreates its `/run/onionops` folders (systemd empties `/run` at boot)
/// with the modes and owners the renderer gives them, so a rebooted host
/// starts without a reconcile.
public enum SystemdUnitRenderer {
    public static func units(for host: Host, instances: [DaemonInstance]) -> [ManagedFile] {
        let layout = HostLayout(root: host.connection.root)
        var files: [ManagedFile] = []
        for instance in instances {
            switch instance {
            case .tor(let project, let index, _):
                files.append(
                    file(
                        HostLayout.systemdUnit(instance), torUnit(host, layout, project: project, index: index),
                        instance))
            case .nginx(let project):
                files.append(
                    file(HostLayout.systemdUnit(instance), nginxUnit(host, layout, project: project), instance))
            case .publisher(let balancer, let project):
                files.append(
                    file(
                        HostLayout.publisherTorUnit(balancer: balancer),
                        publisherTorUnit(host, layout, balancer: balancer), instance))
                files.append(
                    file(
                        HostLayout.systemdUnit(instance),
                        onionbalanceUnit(host, layout, balancer: balancer, project: project), instance))
            }
        }
        return files
    }

    private static func file(_ unit: String, _ text: String, _ instance: DaemonInstance) -> ManagedFile {
        ManagedFile(path: HostLayout.systemdUnitPath(unit), text: text, instance: instance)
    }

    // MARK: Units

    /// tor tells systemd when it is ready (Type=notify). No ExecReload: tor
    /// is reloaded with LOADCONF on its control socket, never with a HUP,
    /// which makes it exit on a bad config.
    static func torUnit(_ host: Host, _ layout: HostLayout, project: String, index: Int) -> String {
        let torrc = layout.resolve(HostLayout.torrc(project: project, instance: index))
        let run = HostLayout.torRunDirectory(project: project, instance: index)
        return unit(
            header: "tor-\(project)-\(index) (systemd unit)",
            host: host,
            description: "OnionOps tor-\(project)-\(index): tor instance \(index) of project \(project)",
            requires: nil,
            service: [
                "Type=notify",
                "NotifyAccess=all",
                "User=\(host.tor.user)",
            ]
                + folders([ManagedDirectory(path: run, mode: 0o700, owner: host.tor.user)], layout)
                + tor(
                    host, layout, torrc: torrc,
                    controlSocket: HostLayout.torControlSocket(project: project, instance: index))
                + sandbox(
                    writable: [HostLayout.torDataDirectory(project: project, instance: index), run], layout,
                    capabilities: [])
        )
    }

    /// nginx daemonizes and writes its pid file; its master runs as root and
    /// its workers drop to their user. ExecReload is a HUP to the master
    /// (the caller runs `nginx -t` first).
    static func nginxUnit(_ host: Host, _ layout: HostLayout, project: String) -> String {
        let config = layout.resolve(HostLayout.nginxConfig(project: project))
        let nginx = [host.nginx.binary, "-c", config, "-p", layout.resolve("/")]
        let sockets = [80, 443].map { layout.resolve(HostLayout.nginxSocket(project: project, port: $0)) }
        return unit(
            header: "nginx-\(project) (systemd unit)",
            host: host,
            description: "OnionOps nginx-\(project): nginx of project \(project)",
            requires: nil,
            service: [
                "Type=forking",
                "PIDFile=\(layout.resolve(HostLayout.nginxPidFile(project: project)))",
            ]
                + folders([ManagedDirectory(path: HostLayout.nginxSocketDirectory(project: project))], layout)
                + [
                    // A socket left by a killed nginx blocks the next bind.
                    "ExecStartPre=" + command(["/bin/rm", "-f"] + sockets),
                    "ExecStartPre=" + command(nginx.prefix(1) + ["-t", "-q"] + nginx.dropFirst()),
                    "ExecStart=" + command(nginx),
                    "ExecReload=/bin/kill -HUP $MAINPID",
                    "KillMode=mixed",
                    "TimeoutStopSec=5",
                    "Restart=on-failure",
                    "RestartSec=5",
                ]
                // The master (root) starts workers as their user, makes
                // its temp folders theirs and signals them; it listens on
                // unix sockets only. /var/log/nginx: nginx opens its
                // built-in error log before it reads the config.
                + sandbox(
                    writable: [
                        HostLayout.projectRunDirectory(project), HostLayout.nginxStateDirectory(project: project),
                        HostLayout.nginxLogDirectory(project: project),
                    ], layout,
                    capabilities: ["CAP_CHOWN", "CAP_DAC_OVERRIDE", "CAP_KILL", "CAP_SETGID", "CAP_SETUID"],
                    optionalWritable: ["/var/log/nginx"])
        )
    }

    /// The publisher's own tor: a client with a control socket, running as
    /// Onionbalance's user so Onionbalance can use the socket and cookie.
    static func publisherTorUnit(_ host: Host, _ layout: HostLayout, balancer: String) -> String {
        let user = host.onionbalance.user
        return unit(
            header: "ob-\(balancer) publisher tor (systemd unit)",
            host: host,
            description: "OnionOps obtor-\(balancer): the tor of Onionbalance publisher \(balancer)",
            requires: nil,
            service: [
                "Type=notify",
                "NotifyAccess=all",
                "User=\(user)",
            ]
                + folders(publisherFolders(host, balancer: balancer), layout)
                + tor(
                    host, layout, torrc: layout.resolve(HostLayout.publisherTorrc(balancer: balancer)),
                    controlSocket: HostLayout.publisherControlSocket(balancer: balancer))
                + sandbox(
                    writable: [
                        HostLayout.publisherDataDirectory(balancer: balancer),
                        HostLayout.publisherTorRunDirectory(balancer: balancer),
                    ], layout, capabilities: [])
        )
    }

    /// Onionbalance does not daemonize (Type=simple) and logs to stderr,
    /// appended to the same log file as under direct supervision. Its pid
    /// file and exit record (`exit <status> pid <pid>` and the last log
    /// lines) are kept as the direct supervisor keeps them, so the observer
    /// judges both alike. Offline it exits at once (no consensus):
    /// Restart=on-failure retries every 30 s, which also covers a boot
    /// where tor has no consensus yet. ExecReload is a HUP (Debian's own
    /// unit runs `onionbalance reload`, which fails).
    static func onionbalanceUnit(_ host: Host, _ layout: HostLayout, balancer: String, project: String) -> String {
        let torUnit = HostLayout.publisherTorUnit(balancer: balancer)
        let pidFile = layout.resolve(HostLayout.onionbalancePidFile(balancer: balancer))
        let exitFile = layout.resolve(HostLayout.onionbalanceExitFile(balancer: balancer))
        let log = layout.resolve(HostLayout.onionbalanceLog(balancer: balancer))
        // Root writes the records into a root-owned folder, through mktemp
        // and rename all the same (a link left there by an older layout,
        // whose folder the Onionbalance user owned, is replaced, not
        // followed).
        let writePid =
            #"t=$$(/usr/bin/mktemp "$$1.XXXXXX") && echo "$$MAINPID" > "$$t" && chmod 0644 "$$t" && mv -f -T "$$t" "$$1""#
        let recordExit =
            #"p=$$(cat "$$1" 2>/dev/null); r=$$(/usr/bin/mktemp "$$2.XXXXXX") || exit 0; "#
            + #"{ echo "exit $$EXIT_STATUS pid $$p"; /usr/bin/tail -n 20 "$$3"; } > "$$r"; mv -f -T "$$r" "$$2"; "#
            + #"if [ "$$SERVICE_RESULT" = success ]; then rm -f "$$1"; fi"#
        let rotate = #"if [ -f "$$1" ] && [ ! -L "$$1" ]; then mv -f -T "$$1" "$$1.1"; fi"#
        return unit(
            header: "ob-\(balancer) (systemd unit)",
            host: host,
            description: "OnionOps ob-\(balancer): Onionbalance publisher \(balancer) of project \(project)",
            requires: torUnit,
            service: [
                "Type=simple",
                "User=\(host.onionbalance.user)",
            ]
                // Not the log folder: see SystemdSupervisor.start.
                + folders(publisherFolders(host, balancer: balancer), layout)
                + [
                    // A status socket left by an Onionbalance that exited on
                    // a bad HUP answers nothing; pid and exit record belong
                    // to the previous run.
                    "ExecStartPre=+"
                        + command(
                            [
                                "/bin/rm", "-f", layout.resolve(HostLayout.publisherStatusSocket(balancer: balancer)),
                                pidFile,
                                exitFile,
                            ]),
                    "ExecStartPre=+" + command(["/bin/sh", "-c"]) + " '\(rotate)' " + command(["onionops-ob", log]),
                    "ExecStart="
                        + command([
                            host.onionbalance.binary,
                            "-c", layout.resolve(HostLayout.publisherConfig(balancer: balancer)),
                            "-s", layout.resolve(HostLayout.publisherControlSocket(balancer: balancer)),
                        ]),
                    "ExecStartPost=+" + command(["/bin/sh", "-c"]) + " '\(writePid)' "
                        + command(["onionops-ob", pidFile]),
                    "ExecReload=/bin/kill -HUP $MAINPID",
                    "ExecStopPost=+" + command(["/bin/sh", "-c"]) + " '\(recordExit)' "
                        + command(["onionops-ob", pidFile, exitFile, log]),
                    "StandardOutput=append:\(log)",
                    "StandardError=append:\(log)",
                    "TimeoutStopSec=5",
                    "Restart=on-failure",
                    "RestartSec=30",
                ]
                // Its log is opened by systemd, outside the sandbox.
                + sandbox(
                    writable: [HostLayout.publisherStatusDirectory(balancer: balancer)], layout, capabilities: [])
        )
    }

    // MARK: Parts

    /// The lines every tor unit shares: a stale control socket removed (it
    /// blocks the next start), the config verified, tor in the foreground.
    private static func tor(_ host: Host, _ layout: HostLayout, torrc: String, controlSocket: String) -> [String] {
        let tor = [host.tor.binary, "-f", torrc, "--RunAsDaemon", "0"]
        return [
            "ExecStartPre=" + command(["/bin/rm", "-f", layout.resolve(controlSocket)]),
            "ExecStartPre=" + command(tor + ["--verify-config", "--hush"]),
            "ExecStart=" + command(tor),
            "TimeoutStopSec=5",
            "Restart=on-failure",
            "RestartSec=5",
            "LimitNOFILE=65536",
        ]
    }

    /// The hardening a careful Debian package ships: the whole file system
    /// read-only but for `writable`, no /home, a private /tmp and /dev, no
    /// new privileges, only `capabilities`, and the kernel's knobs out of
    /// reach. `ExecStartPre=+` lines run outside it (they make the folders).
    /// Each directive is checked inside a real systemd by `make
    /// systemd-e2e`.
    static func sandbox(
        writable: [String], _ layout: HostLayout, capabilities: [String], optionalWritable: [String] = []
    ) -> [String] {
        [
            "NoNewPrivileges=yes",
            "ProtectSystem=strict",
            "ProtectHome=yes",
            "PrivateTmp=yes",
            "PrivateDevices=yes",
            // "-": a /run folder does not exist yet when a rebooted host
            // spawns the `+` line that makes it, and a missing path fails
            // that spawn (226/NAMESPACE); each command gets its own
            // namespace, so ExecStart= finds the folder writable.
            "ReadWritePaths=" + command((writable.map { layout.resolve($0) } + optionalWritable).map { "-" + $0 }),
            "CapabilityBoundingSet=" + capabilities.joined(separator: " "),
            "ProtectKernelTunables=yes",
            "ProtectKernelModules=yes",
            "ProtectKernelLogs=yes",
            "ProtectControlGroups=yes",
            "ProtectClock=yes",
            "ProtectHostname=yes",
            "RestrictNamespaces=yes",
            "RestrictRealtime=yes",
            "RestrictSUIDSGID=yes",
            "LockPersonality=yes",
            "RestrictAddressFamilies=AF_UNIX AF_INET AF_INET6",
            "SystemCallArchitectures=native",
        ]
    }

    /// A publisher's run folders, as the renderer makes them.
    private static func publisherFolders(_ host: Host, balancer: String) -> [ManagedDirectory] {
        [
            ManagedDirectory(path: HostLayout.publisherRunDirectory(balancer)),
            ManagedDirectory(
                path: HostLayout.publisherTorRunDirectory(balancer: balancer), mode: 0o700,
                owner: host.onionbalance.user),
            ManagedDirectory(
                path: HostLayout.publisherStatusDirectory(balancer: balancer), mode: 0o700,
                owner: host.onionbalance.user),
        ]
    }

    /// `install -d` lines (as root: `+`) for `folders` and every missing
    /// ancestor below OnionOps' top folders (0755 root, as the renderer
    /// makes them), parents first, one line per mode and owner.
    static func folders(_ folders: [ManagedDirectory], _ layout: HostLayout) -> [String] {
        var all: [String: ManagedDirectory] = [:]
        for folder in folders {
            all[folder.path] = folder
            guard let top = HostLayout.topDirectories.first(where: { folder.path.hasPrefix($0 + "/") }) else {
                continue
            }
            var parent = folder.path
            while let slash = parent.lastIndex(of: "/"), parent.count > top.count {
                parent = String(parent[..<slash])
                if all[parent] == nil { all[parent] = ManagedDirectory(path: parent) }
            }
        }
        var lines: [String] = []
        var group: [ManagedDirectory] = []
        func flush() {
            guard let first = group.first else { return }
            let mode = String(first.mode, radix: 8)
            lines.append(
                "ExecStartPre=+"
                    + command(
                        [
                            "/usr/bin/install", "-d", "-m",
                            String(repeating: "0", count: max(0, 4 - mode.count)) + mode, "-o",
                            first.owner,
                        ] + group.map { layout.resolve($0.path) }))
            group = []
        }
        for folder in all.values.sorted(by: { $0.path < $1.path }) {
            if let first = group.first, first.mode != folder.mode || first.owner != folder.owner { flush() }
            group.append(folder)
        }
        flush()
        return lines
    }

    private static func unit(header: String, host: Host, description: String, requires: String?, service: [String])
        -> String
    {
        var lines = FileHeader.lines(header, host: host.name)
        lines += ["", "[Unit]", "Description=\(description)"]
        if let requires {
            lines += ["Requires=\(requires)", "After=\(requires)"]
        } else {
            lines += ["Wants=network-online.target", "After=network-online.target"]
        }
        lines += ["", "[Service]"] + service
        lines += ["", "[Install]", "WantedBy=multi-user.target"]
        return lines.joined(separator: "\n") + "\n"
    }

    /// One command line: each word as systemd reads it back, quoted when
    /// it holds anything but plain path characters (`%` and `$` doubled:
    /// systemd expands specifiers and variables).
    static func command<S: Sequence<String>>(_ words: S) -> String {
        words.map(word).joined(separator: " ")
    }

    static func word(_ text: String) -> String {
        let plain = text.utf8.allSatisfy { byte in
            (byte >= UInt8(ascii: "a") && byte <= UInt8(ascii: "z"))
                || (byte >= UInt8(ascii: "A") && byte <= UInt8(ascii: "Z"))
                || (byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9")) || "/._-+=:,@".utf8.contains(byte)
        }
        if plain && !text.isEmpty { return text }
        let escaped = text.replacing("\\", with: "\\\\").replacing("\"", with: "\\\"").replacing("%", with: "%%")
            .replacing("$", with: "$$")
        return "\"\(escaped)\""
    }
}
