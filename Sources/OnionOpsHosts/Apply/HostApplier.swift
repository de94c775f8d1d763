import Foundation
public import OnionOpsCore

/// Runs apply steps on one host through its transport and supervisor: the
/// thin executor under the pure `ApplyMachine`.
public struct HostApplier: Sendable {
    public let transport: any HostTransport
    public let host: OnionOpsCore.Host
    public let supervisor: any DaemonSupervisor
    public let hooks: ApplyHooks

    public init(
        transport: any HostTransport, host: OnionOpsCore.Host, supervisor: any DaemonSupervisor,
        hooks: ApplyHooks = .none
    ) {
        self.transport = transport
        self.host = host
        self.supervisor = supervisor
        self.hooks = hooks
    }

    private var layout: HostLayout { HostLayout(root: host.connection.root) }

    public func run(_ step: ApplyStep) async throws(ApplyFailure) {
        await hooks.beforeStep?(host.name, step)
        do {
            try await perform(step)
        } catch let failure as ApplyFailure {
            throw failure
        } catch let error as HostError {
            throw ApplyFailure(
                host: host.name, step: step, message: error.message, unreachable: error.code == .unreachable)
        } catch {
            throw ApplyFailure(host: host.name, step: step, message: "\(error)")
        }
    }

    private func perform(_ step: ApplyStep) async throws {
        switch step {
        case .prepare(let operations):
            try await transport.apply(operations)
        case .stage(let files):
            try await transport.apply(
                files.map { file in
                    var staged = file
                    staged.path = ApplyStep.stagedPath(file.path)
                    return .write(staged)
                })
        case .testNginx(let project, let config):
            let output = try await transport.run(
                [
                    host.nginx.binary, "-t", "-q", "-c", layout.resolve(config), "-p", layout.resolve("/"),
                    "-e", layout.resolve(HostLayout.nginxLogDirectory(project: project) + "/config-test.log"),
                ],
                input: []
            )
            guard output.succeeded else { throw fail(step, "nginx -t failed: \(output.stderr.lastLines)") }
        case .checkKeys(_, let hostnames):
            let folders = hostnames.keys.sorted()
            let names = ["hs_ed25519_secret_key", "hs_ed25519_public_key", "hostname"]
            let files = try await transport.read(folders.flatMap { folder in names.map { folder + "/" + $0 } })
            for folder in folders {
                if let problem = TorKeyFilesCheck.problem(
                    secret: files[folder + "/" + names[0]], public: files[folder + "/" + names[1]],
                    hostname: files[folder + "/" + names[2]], expected: hostnames[folder] ?? "")
                {
                    throw fail(step, "\(folder): \(problem)")
                }
            }
        case .verifyTor(let instance, let torrc):
            let user = instance.isPublisher ? host.onionbalance.user : host.tor.user
            let output = try await transport.run(
                [
                    "/usr/sbin/runuser", "-u", user, "--", host.tor.binary, "--verify-config", "-f",
                    layout.resolve(torrc),
                ],
                input: []
            )
            guard output.succeeded else {
                let said = (output.stdoutText + output.stderr).lastLines
                throw fail(step, "tor --verify-config exited \(output.exitCode): \(said)")
            }
        case .verifyPublisher(let balancer, let config):
            try await verifyPublisher(step, balancer: balancer, config: config)
        case .swap(let files):
            try await transport.apply(
                files.map { .write($0) } + files.map { .remove(path: ApplyStep.stagedPath($0.path)) })
        case .loadConf(let instance, let torrc):
            try await loadConf(step, instance, text: torrc.text)
        case .start(let instance):
            _ = try await supervisor.start(instance)
        case .reload(let instance):
            try await reload(step, instance)
        case .checkNginx(let project, let proxyProtocol):
            try await checkNginx(step, project: project, proxyProtocol: proxyProtocol)
        case .checkTor(let instance, let hostnames):
            try await checkTor(step, instance, hostnames: hostnames)
        case .checkPublisher(let balancer):
            switch try await supervisor.publisherState(balancer: balancer) {
            case .running, .cannotPublish: return
            case .failed(let reason): throw fail(step, reason)
            case .stopped: throw fail(step, "Onionbalance is not running")
            }
        case .stop(let instance):
            try await supervisor.stop(instance)
        case .remove(let files, let folders):
            try await transport.apply(files.map { .remove(path: $0) } + folders.map { .removeIfEmpty(path: $0) })
        }
    }

    private func fail(_ step: ApplyStep, _ message: String) -> ApplyFailure {
        ApplyFailure(host: host.name, step: step, message: message)
    }

    private func verifyPublisher(_ step: ApplyStep, balancer: String, config: ManagedFile) async throws {
        let services: [PublisherConfigCheck.Service]
        switch PublisherConfigCheck.parse(config.text) {
        case .success(let parsed): services = parsed
        case .failure(let problem): throw fail(step, "\(config.path): \(problem)")
        }
        let folder = HostLayout.publisherConfigDirectory(balancer)
        let keys = services.map { folder + "/" + $0.key }
        let present = try await transport.stat(keys)
        for key in keys {
            guard let status = present[key], !status.isDirectory, status.size > 0 else {
                throw fail(step, "the key \(key) that \(config.path) names is missing")
            }
        }
    }

    private func controlPaths(_ instance: DaemonInstance) -> (socket: String, cookie: String) {
        switch instance {
        case .tor(let project, let index, _):
            (
                HostLayout.torControlSocket(project: project, instance: index),
                HostLayout.torDataDirectory(project: project, instance: index) + "/control_auth_cookie"
            )
        case .publisher(let balancer, _):
            (
                HostLayout.publisherControlSocket(balancer: balancer),
                HostLayout.publisherDataDirectory(balancer: balancer) + "/control_auth_cookie"
            )
        case .nginx:
            ("", "")
        }
    }

    /// LOADCONF replaces the running config only if tor accepts all of it.
    private func loadConf(_ step: ApplyStep, _ instance: DaemonInstance, text: String) async throws {
        let (socket, cookiePath) = controlPaths(instance)
        guard let cookie = try await transport.read([cookiePath])[cookiePath] else {
            throw fail(step, "no control cookie at \(cookiePath): is \(instance) running?")
        }
        let local = try await transport.forwardSocket(socket)
        do {
            let control = try await TorControlConnection(socketPath: local)
            try await control.authenticate(cookie: cookie)
            let reply = try await control.send("+LOADCONF\n" + text.trimmingSuffixNewlines)
            await transport.releaseSocket(local)
            guard reply.isOK else { throw fail(step, "tor refused the config: \(reply.lines.joined(separator: " "))") }
        } catch let failure as ApplyFailure {
            throw failure
        } catch {
            await transport.releaseSocket(local)
            throw fail(step, "control socket \(socket): \(error)")
        }
    }

    /// nginx: HUP, then wait for a worker the master did not have before:
    /// a config nginx cannot take at runtime (it logs `[emerg]`) leaves
    /// only the old workers, and that must fail the gate.
    private func reload(_ step: ApplyStep, _ instance: DaemonInstance) async throws {
        if case .publisher(let balancer, _) = instance, try await supervisor.pid(instance) == nil {
            // Onionbalance is not running: offline it exits for want of a
            // consensus. Start it again on the new config rather than HUP.
            _ = try await supervisor.start(instance)
            if case .failed(let reason) = try await supervisor.publisherState(balancer: balancer) {
                throw fail(step, reason)
            }
            return
        }
        guard case .nginx = instance, let master = try await supervisor.pid(instance) else {
            try await supervisor.reload(instance)
            return
        }
        let before = try await workers(of: master)
        try await supervisor.reload(instance)
        for _ in 0..<100 {
            if try await !workers(of: master).subtracting(before).isEmpty { return }
            try await Task.sleep(for: .milliseconds(50))
        }
        throw fail(step, "\(instance) kept its old workers after the reload: it did not take the new config")
    }

    private func workers(of master: Int32) async throws -> Set<Int32> {
        let output = try await transport.run(["/usr/bin/pgrep", "-P", String(master)], input: [])
        return Set(output.stdoutText.split(separator: "\n").compactMap { Int32($0) })
    }

    /// Any HTTP answer on the project's port-80 socket shows the (new)
    /// workers serve; the request names no site, so nothing goes upstream.
    /// Asked by the host's perl (Essential on Debian), not curl, which a
    /// minimal server does not have.
    private func checkNginx(_ step: ApplyStep, project: String, proxyProtocol: Bool) async throws {
        let socket = layout.resolve(HostLayout.nginxSocket(project: project, port: 80))
        var last = ""
        for attempt in 0..<20 {
            let output = try await transport.run(
                ["/usr/bin/perl", "-e", Self.httpProbe, socket, proxyProtocol ? "1" : "0"], input: [])
            last = output.stdoutText
            if output.succeeded, last != "000", !last.isEmpty { return }
            // An answer shows nginx runs: ask for its pid only when none
            // came, to fail at once if it is not running.
            if attempt == 0, try await supervisor.pid(.nginx(project: project)) == nil {
                throw fail(step, "nginx-\(project) is not running")
            }
            try await Task.sleep(for: .milliseconds(100))
        }
        throw fail(step, "nginx-\(project) does not answer on \(socket) (\(last.isEmpty ? "no answer" : last))")
    }

    /// Prints the HTTP status code of a GET on a unix socket (ARGV[0]),
    /// with a PROXY protocol v1 line first when ARGV[1] is 1; exits 1 with
    /// nothing printed when no answer comes within 3 s.
    static let httpProbe = #"""
        use IO::Socket::UNIX; $SIG{ALRM} = sub { exit 1 }; alarm 3;
        my $s = IO::Socket::UNIX->new(Type => SOCK_STREAM, Peer => $ARGV[0]) or exit 1;
        print $s "PROXY TCP4 127.0.0.1 127.0.0.1 1 80\r\n" if $ARGV[1];
        print $s "GET / HTTP/1.0\r\nHost: onionops-health.invalid\r\n\r\n";
        my $line = <$s>; exit 1 unless defined $line && $line =~ m{^HTTP/\S+ (\d{3})};
        print $1;
        """#

    /// tor runs and every service folder's hostname holds its address.
    private func checkTor(_ step: ApplyStep, _ instance: DaemonInstance, hostnames: [String: String]) async throws {
        let paths = hostnames.keys.sorted().map { $0 + "/hostname" }
        // Under direct supervision the pid file and its process are looked
        // at with the hostnames: one round trip per look.
        let pidFile: String? =
            if supervisor.kind == .direct, case .tor(let project, let index, _) = instance {
                HostLayout.torPidFile(project: project, instance: index)
            } else { nil }
        var wrong: [String] = []
        for _ in 0..<50 {
            let look = try await transport.look(read: paths, stat: [], livePidsIn: pidFile.map { [$0] } ?? [])
            let contents = look.contents
            let running: Bool =
                if let pidFile {
                    look.livePids[pidFile] != nil
                } else {
                    try await supervisor.pid(instance) != nil || instance.isPublisher
                }
            guard running else { throw fail(step, "\(instance) is not running") }
            wrong = hostnames.keys.sorted().filter { folder in
                let text = contents[folder + "/hostname"].map { String(decoding: $0, as: UTF8.self) } ?? ""
                return text.split(separator: "\n").first.map(String.init) != hostnames[folder]
            }
            if wrong.isEmpty { return }
            try await Task.sleep(for: .milliseconds(100))
        }
        throw fail(step, "hostname does not hold the expected address in \(wrong.joined(separator: ", "))")
    }
}

extension DaemonInstance {
    var isPublisher: Bool {
        if case .publisher = self { return true }
        return false
    }
}

extension String {
    /// The last few lines, for a daemon's error in one message.
    fileprivate var lastLines: String {
        split(separator: "\n").suffix(3).joined(separator: " | ")
    }

    fileprivate var trimmingSuffixNewlines: String {
        var text = self
        while text.hasSuffix("\n") { text.removeLast() }
        return text
    }
}
