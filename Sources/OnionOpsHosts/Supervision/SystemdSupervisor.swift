public import OnionOpsCore

/// Drives a host's daemons through the systemd units OnionOps renders into
/// `HostLayout.systemdUnitDirectory` (see `SystemdUnitRenderer`), with
/// `systemctl` through the transport. A unit systemd does not know yet is
/// linked (`systemctl link`) and systemd reloaded before its first start;
/// so is one whose file changed on disk.
///
/// Units: `onionops-tor-<project>-<n>`, `onionops-nginx-<project>`, and for
/// a publisher `onionops-ob-<balancer>`, which requires its tor
/// `onionops-obtor-<balancer>`.
public struct SystemdSupervisor: DaemonSupervisor {
    public let transport: any HostTransport
    public let host: OnionOpsCore.Host
    public var systemctl: String

    public init(transport: any HostTransport, host: OnionOpsCore.Host, systemctl: String = "/usr/bin/systemctl") {
        self.transport = transport
        self.host = host
        self.systemctl = systemctl
    }

    public var kind: Supervision { .systemd }

    private func failure(_ message: String) -> HostError {
        HostError(host: host.name, code: .commandFailed, message: message)
    }

    public func start(_ instance: DaemonInstance) async throws(HostError) -> Int32 {
        let unit = HostLayout.systemdUnit(instance)
        try await ensureLoaded(HostLayout.systemdUnits(instance))
        if case .publisher(let balancer, _) = instance {
            // The unit's StandardOutput=append: applies to its ExecStartPre=
            // lines too, so it cannot make its own log folder (status
            // 209/STDOUT); and LogsDirectory= would give the folder to the
            // Onionbalance user, where root rotates the log. /var/log
            // outlives a reboot, so making it here, root-owned, is enough.
            try await transport.apply([
                .makeDirectory(
                    ManagedDirectory(path: HostLayout.publisherLogDirectory(balancer: balancer), mode: 0o750))
            ])
        }
        // Starting Onionbalance's unit starts its tor too (Requires=).
        try await run(["start", unit], "start \(unit)")
        if case .publisher(let balancer, _) = instance {
            return try await OnionbalanceProcess.waitUntilSettled(transport: transport, balancer: balancer)
        }
        guard let pid = try await mainPid(unit) else { throw failure("\(unit) started but has no main pid") }
        return pid
    }

    /// Stops the units and disables them (which also removes the link), so
    /// a reboot does not start a daemon the manifests no longer want.
    public func stop(_ instance: DaemonInstance) async throws(HostError) {
        let units = HostLayout.systemdUnits(instance)
        let known = try await properties(["LoadState"], of: units)
        // Dependents first: Onionbalance before its tor. A unit systemd
        // never loaded is not running.
        let loaded = zip(units, known).filter { $0.1["LoadState"] == "loaded" }.map(\.0)
        for unit in loaded.reversed() {
            try await run(["stop", unit], "stop \(unit)")
        }
        if !loaded.isEmpty { try await run(["disable"] + loaded, "disable \(loaded)") }
    }

    /// `systemctl reload`: the units' ExecReload is `kill -HUP $MAINPID`
    /// (Debian's own onionbalance unit runs a reload command that fails).
    public func reload(_ instance: DaemonInstance) async throws(HostError) {
        if case .tor = instance {
            throw failure("\(instance) is reloaded with LOADCONF on its control socket, never by a signal")
        }
        let unit = HostLayout.systemdUnit(instance)
        try await run(["reload", unit], "reload \(unit)")
    }

    public func pid(_ instance: DaemonInstance) async throws(HostError) -> Int32? {
        try await mainPid(HostLayout.systemdUnit(instance))
    }

    /// The same pid file and exit record as direct supervision: the
    /// Onionbalance unit writes them in ExecStartPost and ExecStopPost.
    public func publisherState(balancer: String) async throws(HostError) -> PublisherState {
        try await OnionbalanceProcess.state(transport: transport, balancer: balancer)
    }

    // MARK: systemctl

    private func mainPid(_ unit: String) async throws(HostError) -> Int32? {
        let values = try await properties(["MainPID"], of: [unit])
        guard let pid = values.first?["MainPID"].flatMap({ Int32($0) }), pid > 0 else { return nil }
        return pid
    }

    /// Links units systemd does not know, reloads systemd when a unit is
    /// new or its file changed since systemd read it, and enables them, so
    /// the host starts them again after a reboot without a reconcile.
    private func ensureLoaded(_ units: [String]) async throws(HostError) {
        let states = try await properties(["LoadState", "NeedDaemonReload", "UnitFileState"], of: units)
        let layout = HostLayout(root: host.connection.root)
        let missing = zip(units, states).filter { $0.1["LoadState"] != "loaded" }.map(\.0)
        if !missing.isEmpty {
            try await run(
                ["link"] + missing.map { layout.resolve(HostLayout.systemdUnitPath($0)) }, "link \(missing)")
        }
        if !missing.isEmpty || states.contains(where: { $0["NeedDaemonReload"] == "yes" }) {
            try await run(["daemon-reload"], "daemon-reload")
        }
        let disabled = zip(units, states).filter { $0.1["UnitFileState"] != "enabled" }.map(\.0)
        if !disabled.isEmpty {
            try await run(["enable"] + disabled, "enable \(disabled)")
        }
    }

    /// `systemctl show -p A -p B unit...`: one block of `Key=Value` lines
    /// per unit, in the order given, separated by blank lines. (`--value`
    /// would drop the keys, and systemctl prints properties in its own
    /// order, not the one asked for.)
    func properties(_ names: [String], of units: [String]) async throws(HostError) -> [[String: String]] {
        let output = try await transport.run(
            [systemctl, "show"] + names.flatMap { ["-p", $0] } + ["--"] + units, input: [])
        guard output.succeeded else { throw failure("systemctl show \(units): \(output.stderr)") }
        let blocks = Self.parseShow(output.stdoutText)
        guard blocks.count == units.count else {
            throw failure("systemctl show \(units): \(blocks.count) answers for \(units.count) units")
        }
        return blocks
    }

    static func parseShow(_ text: String) -> [[String: String]] {
        text.split(separator: "\n\n", omittingEmptySubsequences: true).map { block in
            var values: [String: String] = [:]
            for line in block.split(separator: "\n") {
                guard let equals = line.firstIndex(of: "=") else { continue }
                values[String(line[..<equals])] = String(line[line.index(after: equals)...])
            }
            return values
        }
    }

    private func run(_ arguments: [String], _ what: String) async throws(HostError) {
        let output = try await transport.run([systemctl] + arguments, input: [])
        guard output.succeeded else {
            let detail =
                (output.stderr + output.stdoutText).split(whereSeparator: \.isNewline).last.map(String.init) ?? ""
            throw failure("systemctl \(what) failed (exit \(output.exitCode)): \(detail)")
        }
    }
}
