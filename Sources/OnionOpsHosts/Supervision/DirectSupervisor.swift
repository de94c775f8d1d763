public import OnionOpsCore

/// Starts and stops a host's daemons without systemd (containers, sandbox
/// hosts): tor as its user with its rendered torrc, nginx as root (its
/// workers drop to their user), both daemonizing and writing pid files;
/// a publisher's tor as Onionbalance's user, and Onionbalance itself, which
/// does not daemonize, detached by a small root wrapper that records its pid
/// and, when it exits, its status and last log lines.
///
/// Commands go through the transport, so the same supervisor drives a
/// local sandbox and an SSH host.
public struct DirectSupervisor: DaemonSupervisor {
    public let transport: any HostTransport
    public let host: OnionOpsCore.Host
    /// torrc options on every tor command line this supervisor starts:
    /// tests pass `--DisableNetwork 1` so no tor they start leaves the
    /// machine.
    public var torArguments: [String]

    public init(transport: any HostTransport, host: OnionOpsCore.Host, torArguments: [String] = []) {
        self.transport = transport
        self.host = host
        self.torArguments = torArguments
    }

    public var kind: Supervision { .direct }

    private var layout: HostLayout { HostLayout(root: host.connection.root) }

    private func failure(_ message: String) -> HostError {
        HostError(host: host.name, code: .commandFailed, message: message)
    }

    // MARK: DaemonSupervisor

    public func start(_ instance: DaemonInstance) async throws(HostError) -> Int32 {
        if let pid = try await pid(instance) { return pid }
        switch instance {
        case .tor(let project, let index, _): return try await startTor(project: project, instance: index)
        case .nginx(let project): return try await startNginx(project: project)
        case .publisher(let balancer, _): return try await startPublisher(balancer: balancer)
        }
    }

    public func stop(_ instance: DaemonInstance) async throws(HostError) {
        switch instance {
        case .tor(let project, let index, _):
            try await stop(pidFile: HostLayout.torPidFile(project: project, instance: index), expecting: torProcess)
        case .nginx(let project):
            try await stop(pidFile: HostLayout.nginxPidFile(project: project), expecting: nginxProcess)
        case .publisher(let balancer, _):
            // Onionbalance first: it should not see its tor vanish.
            try await stopOnionbalance(balancer: balancer)
            try await stop(pidFile: HostLayout.publisherTorPidFile(balancer: balancer), expecting: publisherTorProcess)
        }
    }

    public func reload(_ instance: DaemonInstance) async throws(HostError) {
        if case .tor = instance {
            throw failure("\(instance) is reloaded with LOADCONF on its control socket, never by a signal")
        }
        guard let pid = try await pid(instance) else { throw failure("\(instance) is not running: cannot reload") }
        let expected = if case .nginx = instance { nginxProcess } else { onionbalanceProcess }
        try await signal(pid, "HUP", expecting: expected)
    }

    public func pid(_ instance: DaemonInstance) async throws(HostError) -> Int32? {
        let pidFile =
            switch instance {
            case .tor(let project, let index, _): HostLayout.torPidFile(project: project, instance: index)
            case .nginx(let project): HostLayout.nginxPidFile(project: project)
            case .publisher(let balancer, _): HostLayout.onionbalancePidFile(balancer: balancer)
            }
        return try await livePid(pidFile)
    }

    public func publisherState(balancer: String) async throws(HostError) -> PublisherState {
        try await OnionbalanceProcess.state(transport: transport, balancer: balancer)
    }

    // MARK: tor and nginx

    /// Starts a project's tor instance as the tor user, daemonized.
    /// `extraArguments` follow `torArguments` on the command line.
    public func startTor(project: String, instance: Int, extraArguments: [String] = []) async throws(HostError)
        -> Int32
    {
        try await startTorDaemon(
            name: "tor \(project)-\(instance)",
            torrc: HostLayout.torrc(project: project, instance: instance),
            pidFile: HostLayout.torPidFile(project: project, instance: instance),
            controlSocket: HostLayout.torControlSocket(project: project, instance: instance),
            user: host.tor.user,
            extraArguments: extraArguments
        )
    }

    /// Starts a project's nginx (master as root).
    public func startNginx(project: String) async throws(HostError) -> Int32 {
        let config = layout.resolve(HostLayout.nginxConfig(project: project))
        // nginx will not bind over a socket a killed nginx left behind.
        try await transport.apply([
            .remove(path: HostLayout.nginxSocket(project: project, port: 80)),
            .remove(path: HostLayout.nginxSocket(project: project, port: 443)),
        ])
        let output = try await transport.run([host.nginx.binary, "-c", config, "-p", layout.resolve("/")], input: [])
        guard output.succeeded else { throw failure("nginx \(project) did not start: \(output.stderr)") }
        return try await waitForPid(HostLayout.nginxPidFile(project: project))
    }

    private func startTorDaemon(
        name: String, torrc: String, pidFile: String, controlSocket: String, user: String, extraArguments: [String]
    ) async throws(HostError) -> Int32 {
        // A control socket left by a killed tor blocks the next start.
        try await transport.apply([.remove(path: controlSocket)])
        let output = try await transport.run(
            ["/usr/sbin/runuser", "-u", user, "--", host.tor.binary, "-f", layout.resolve(torrc), "--RunAsDaemon", "1"]
                + torArguments + extraArguments,
            input: []
        )
        guard output.succeeded else {
            throw failure("\(name) did not start (exit \(output.exitCode)): \(output.stdoutText)\(output.stderr)")
        }
        return try await waitForPid(pidFile)
    }

    // MARK: Onionbalance publishers

    /// Starts a publisher: its own tor (as Onionbalance's user, with the
    /// rendered `HostLayout.publisherTorrc`) if it is not running, then
    /// Onionbalance against that tor's control socket. Returns
    /// Onionbalance's pid once it has initialized, or once it has exited
    /// for want of a consensus (offline: `publisherState` then says
    /// `cannotPublish`); throws if it exits for any other reason.
    public func startPublisher(balancer: String, extraArguments: [String] = []) async throws(HostError) -> Int32 {
        if try await livePid(HostLayout.publisherTorPidFile(balancer: balancer)) == nil {
            _ = try await startTorDaemon(
                name: "publisher tor \(balancer)",
                torrc: HostLayout.publisherTorrc(balancer: balancer),
                pidFile: HostLayout.publisherTorPidFile(balancer: balancer),
                controlSocket: HostLayout.publisherControlSocket(balancer: balancer),
                user: host.onionbalance.user,
                extraArguments: extraArguments
            )
        }
        let pidFile = HostLayout.onionbalancePidFile(balancer: balancer)
        if let pid = try await livePid(pidFile) { return pid }

        let exitFile = HostLayout.onionbalanceExitFile(balancer: balancer)
        let log = HostLayout.onionbalanceLog(balancer: balancer)
        // A status socket left by an Onionbalance that exited on a bad HUP
        // would answer nothing; the old pid and exit record describe a
        // previous run.
        try await transport.apply([
            .makeDirectory(ManagedDirectory(path: HostLayout.publisherLogDirectory(balancer: balancer), mode: 0o750)),
            .remove(path: HostLayout.publisherStatusSocket(balancer: balancer)),
            .remove(path: pidFile),
            .remove(path: exitFile),
        ])
        let command = [
            host.onionbalance.binary,
            "-c", layout.resolve(HostLayout.publisherConfig(balancer: balancer)),
            "-s", layout.resolve(HostLayout.publisherControlSocket(balancer: balancer)),
        ]
        let output = try await transport.run(
            ["/usr/bin/setsid", "-f", "/bin/sh", "-c", Self.onionbalanceWrapper, "onionops-ob"]
                + [pidFile, exitFile, log].map(layout.resolve) + [host.onionbalance.user] + command,
            input: []
        )
        guard output.succeeded else {
            throw failure("onionbalance \(balancer) did not start: \(output.stdoutText)\(output.stderr)")
        }
        return try await OnionbalanceProcess.waitUntilSettled(transport: transport, balancer: balancer)
    }

    /// Run by `setsid -f sh -c` as root: `$1` pid file, `$2` exit file, `$3`
    /// log, `$4` user, then the command. An inner sh writes its own pid
    /// before it execs into setpriv and Onionbalance (same pid). Both
    /// records live in a root-owned folder (`HostLayout.publisherRunDirectory`)
    /// and are written through an exclusive create (`set -C`) or mktemp and
    /// `mv -T`, so even a link left there by an older layout is replaced,
    /// never followed. A clean exit (status 0: SIGTERM) removes the pid
    /// file if it is still this run's.
    static let onionbalanceWrapper = """
        pid_file=$1 exit_file=$2 log=$3 user=$4
        shift 4
        if [ -f "$log" ] && [ ! -L "$log" ]; then mv -f -T "$log" "$log.1"; fi
        exec </dev/null >>"$log" 2>&1
        group=$(/usr/bin/id -g "$user") || exit 1
        /bin/sh -c 'set -C; echo $$ > "$0" && exec "$@"' "$pid_file" \\
          /usr/bin/setpriv --reuid="$user" --regid="$group" --init-groups -- \\
          /usr/bin/env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin HOME=/nonexistent LANG=C.UTF-8 "$@" &
        child=$!
        wait "$child"
        status=$?
        record=$(/usr/bin/mktemp "$exit_file.XXXXXX") || exit 1
        { echo "exit $status pid $child"; /usr/bin/tail -n 20 "$log"; } > "$record"
        mv -f -T "$record" "$exit_file"
        if [ "$status" -eq 0 ] && [ "$(cat "$pid_file" 2>/dev/null)" = "$child" ]; then rm -f "$pid_file"; fi
        """

    /// TERM (KILL after the grace period), then waits briefly for the
    /// wrapper's exit record so that it cannot land after a new start.
    private func stopOnionbalance(balancer: String) async throws(HostError) {
        let pidFile = HostLayout.onionbalancePidFile(balancer: balancer)
        let exitFile = HostLayout.onionbalanceExitFile(balancer: balancer)
        guard let pid = try await readPid(pidFile) else { return }
        if try await isAlive(pid) {
            try await stop(pidFile: pidFile, expecting: onionbalanceProcess)
            let deadline = ContinuousClock.now + .seconds(2)
            while ContinuousClock.now < deadline {
                let record = try await transport.read([exitFile])[exitFile].map { String(decoding: $0, as: UTF8.self) }
                if record.flatMap(PublisherState.exitRecordPid) == pid { break }
                try await transport.pause(.milliseconds(20))
            }
        }
        try await transport.apply([.remove(path: pidFile)])
    }

    // MARK: pid files and signals

    /// Who a daemon's process must be before root signals it: tor writes
    /// its own pid file, in a folder its user owns, so the number in it is
    /// only a claim. Root signals a pid only if the process runs as the
    /// daemon's user (and, where it is not an interpreter, its binary):
    /// never a process that user could not signal itself.
    public struct ExpectedProcess: Sendable, Hashable {
        public var user: String
        /// nil for Onionbalance, which runs as python.
        public var executable: String?

        public init(user: String, executable: String?) {
            self.user = user
            self.executable = executable
        }
    }

    var torProcess: ExpectedProcess { ExpectedProcess(user: host.tor.user, executable: host.tor.binary) }
    var publisherTorProcess: ExpectedProcess {
        ExpectedProcess(user: host.onionbalance.user, executable: host.tor.binary)
    }
    /// The master runs as root; its pid file is in a root-owned folder.
    var nginxProcess: ExpectedProcess { ExpectedProcess(user: "root", executable: host.nginx.binary) }
    var onionbalanceProcess: ExpectedProcess { ExpectedProcess(user: host.onionbalance.user, executable: nil) }

    /// Checked and sent in one command on the host, so the check sees the
    /// process the signal reaches (short of the pid being reused within
    /// that one command). Exit 3 means "not that process".
    static let signalScript = """
        pid=$1 sig=$2 user=$3 exe=$4
        # /proc/PID/status, not the folder's owner: tor makes itself
        # non-dumpable, which shows its /proc folder as root's.
        uid=$(/usr/bin/id -u "$user") || exit 3
        owner=$(while read -r key real rest; do
          if [ "$key" = "Uid:" ]; then echo "$real"; fi; done < "/proc/$pid/status") 2>/dev/null || exit 0
        if [ -z "$owner" ]; then exit 0; fi
        if [ "$owner" != "$uid" ]; then echo "pid $pid runs as uid $owner, not $user" >&2; exit 3; fi
        if [ -n "$exe" ]; then
          running=$(/usr/bin/readlink "/proc/$pid/exe" 2>/dev/null) || exit 0
          expected=$(/usr/bin/readlink -f "$exe")
          if [ "$running" != "$expected" ]; then echo "pid $pid runs $running, not $expected" >&2; exit 3; fi
        fi
        /bin/kill "-$sig" "$pid" 2>/dev/null || [ ! -e "/proc/$pid" ]
        """

    /// `kill -<signal> <pid>` after checking the process is `expected`;
    /// a process that is already gone is not an error.
    public func signal(_ pid: Int32, _ signal: String, expecting expected: ExpectedProcess) async throws(HostError) {
        let output = try await transport.run(
            ["/bin/sh", "-c", Self.signalScript, "onionops-signal", String(pid), signal, expected.user]
                + [expected.executable ?? ""],
            input: []
        )
        guard output.succeeded else {
            throw failure(
                "refused to send \(signal) to pid \(pid): \(output.stderr.split(whereSeparator: \.isNewline).last ?? "")"
            )
        }
    }

    /// SIGTERM to the pid in `pidFile`, then SIGKILL after `grace` seconds
    /// (tor sometimes hangs on SIGTERM); waits until it is gone.
    public func stop(pidFile: String, expecting expected: ExpectedProcess, grace: Double = 5) async throws(HostError) {
        guard let pid = try await livePid(pidFile) else { return }
        try await signal(pid, "TERM", expecting: expected)
        let deadline = ContinuousClock.now + .milliseconds(Int(grace * 1000))
        while ContinuousClock.now < deadline {
            if try await !isAlive(pid) { return }
            try await transport.pause(.milliseconds(50))
        }
        try await signal(pid, "KILL", expecting: expected)
        let killed = ContinuousClock.now + .seconds(2)
        while ContinuousClock.now < killed, try await isAlive(pid) {
            try await transport.pause(.milliseconds(20))
        }
    }

    public func readPid(_ pidFile: String) async throws(HostError) -> Int32? {
        let content = try await transport.read([pidFile])[pidFile]
        return content.flatMap { Int32(String(decoding: $0, as: UTF8.self).split(separator: "\n").first ?? "") }
    }

    public func isAlive(_ pid: Int32) async throws(HostError) -> Bool {
        try await transport.isAlive(pid)
    }

    private func livePid(_ pidFile: String) async throws(HostError) -> Int32? {
        try await transport.livePids(inFiles: [pidFile])[pidFile]
    }

    /// A daemon normally writes its pid within a second; a loaded host
    /// (seen: 20 runnable processes on 2 cores) took over 10 s for tor.
    /// Waiting longer only delays a start that fails anyway.
    private func waitForPid(_ pidFile: String) async throws(HostError) -> Int32 {
        let deadline = ContinuousClock.now + .seconds(30)
        while ContinuousClock.now < deadline {
            if let pid = try await livePid(pidFile) { return pid }
            try await transport.pause(.milliseconds(20))
        }
        throw failure("no live pid in \(pidFile) after 30 s")
    }
}
