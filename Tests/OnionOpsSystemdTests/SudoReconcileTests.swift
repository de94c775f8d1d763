import Foundation
import OnionOpsTestSupport
import Testing

@testable import OnionOpsHosts

/// A controller logged in as an unprivileged `deploy` user with
/// `become: sudo`, under the one sudoers rule the README shows.
@Suite(.serialized, .enabled(if: SystemdWorld.isEnabled, SystemdWorld.disabledReason))
struct SudoReconcileTests {
    /// The rule the README tells operators to install.
    static let sudoers = "deploy ALL=(root) NOPASSWD: /bin/sh\n"

    @Test("as deploy with sudo: apply, status through the relayed control sockets, drift; a no-op beside root's")
    func reconcileThroughSudo() async throws {
        try await SystemdTestHost.with([("su-edge-1", 21), ("su-edge-2", 22)], sudoers: Self.sudoers) { hosts in
            try await Self.reconcileThroughSudo(edge1: hosts[0], edge2: hosts[1])
        }
    }

    static func reconcileThroughSudo(edge1: SystemdTestHost, edge2: SystemdTestHost) async throws {
        let hosts = [("edge-1", edge1), ("edge-2", edge2)]
        let deploy = try SystemdSandbox(source: RepositoryPaths.manifests, hosts: hosts, user: "deploy")
        defer { deploy.remove() }

        let first = try await deploy.reconcile()
        SystemdWorld.report("sudo: first reconcile exit \(first.exitCode) in \(first.seconds) s")
        #expect(first.exitCode == 0, "\(first.stdout)\n\(first.stderr)")
        let units = try await edge2.ssh("systemctl is-active onionops-tor-news-1 onionops-nginx-shop")
        #expect(units.stdout == "active\nactive\n", "\(units.stdout)")
        // Every file was written by root through sudo, none by deploy.
        let owners = try await edge2.ssh("find /etc/onionops /var/lib/onionops -user deploy | head -5")
        #expect(owners.stdout.isEmpty, "files owned by deploy: \(owners.stdout)")
        // The login really was deploy's: sudo logged the commands.
        let journal = try await edge2.ssh("journalctl -b --no-pager _COMM=sudo | grep -c 'USER=root ; COMMAND=/bin/sh'")
        #expect((Int(journal.stdout.trimmingCharacters(in: .whitespacesAndNewlines)) ?? 0) > 0, "\(journal.stdout)")

        // status reads tor's control sockets: through the root relay.
        let status = try await deploy.onionops(["status", deploy.manifests])
        SystemdWorld.report("sudo: status exit \(status.exitCode)\n\(status.stdout)")
        #expect(status.exitCode == 0, "\(status.stdout)\n\(status.stderr)")
        #expect(status.stdout.contains("tor-news-1"), "\(status.stdout)")
        let drift = try await deploy.onionops(["drift", deploy.manifests, "--identity", deploy.identity])
        #expect(drift.exitCode == 0, "\(drift.stdout)\n\(drift.stderr)")

        // A torrc change: tor takes it by LOADCONF on its control socket,
        // which only root may open: through the relay.
        let projects = deploy.manifests + "/projects.yaml"
        let text = try String(contentsOfFile: projects, encoding: .utf8)
        try text.replacing(
            "  mode: hardmap\n", with: "  mode: hardmap\n  tor: {introductionPoints: 4}\n", maxReplacements: 1
        )
        .write(toFile: projects, atomically: true, encoding: .utf8)
        let torPid = "systemctl show -p MainPID --value onionops-tor-news-1"
        let pidBefore = try await edge2.ssh(torPid).stdout
        let changed = try await deploy.reconcile()
        SystemdWorld.report("sudo: torrc change exit \(changed.exitCode) in \(changed.seconds) s")
        #expect(changed.exitCode == 0, "\(changed.stdout)\n\(changed.stderr)")
        #expect(changed.stderr.contains("ok LOADCONF tor-news-1"), "\(changed.stderr)")
        #expect(try await edge2.ssh(torPid).stdout == pidBefore, "LOADCONF, not a restart")
        let torrc = try await edge2.ssh(
            "grep -c 'HiddenServiceNumIntroductionPoints 4' /etc/onionops/projects/news/tor1.torrc")
        #expect(torrc.stdout.hasPrefix("1") || torrc.stdout.hasPrefix("2"), "\(torrc.stdout)")
        let relayed = try await edge2.ssh("journalctl -b --no-pager _COMM=sudo | grep -c onionops-relay")
        #expect((Int(relayed.stdout.trimmingCharacters(in: .whitespacesAndNewlines)) ?? 0) > 0, "no relay ran")
        let relays = try await edge2.ssh("ls /run/onionops-relay 2>/dev/null | wc -l")
        #expect(relays.stdout.trimmingCharacters(in: .whitespacesAndNewlines) == "0", "relays left: \(relays.stdout)")

        // The no-op reconcile (every host in sync: the shortcut; --full
        // renders and observes everything) as deploy with sudo and as root,
        // same run. Each login applies its own hosts.yaml (a revision of
        // its own), so the first run after a switch records it: a warm-up,
        // not counted. Medians of five.
        let root = try SystemdSandbox(source: RepositoryPaths.manifests, hosts: hosts, user: "root")
        defer { root.remove() }
        var lines: [String] = []
        for (label, sandbox) in [("deploy with sudo", deploy), ("root", root)] {
            let warmUp = try await sandbox.reconcile()
            #expect(warmUp.exitCode == 0, "\(label): \(warmUp.stdout)\n\(warmUp.stderr)")
            for extra in [[], ["--full"]] {
                var seconds: [Double] = []
                for _ in 0..<5 {
                    let run = try await sandbox.reconcile(extra)
                    #expect(run.exitCode == 0, "\(label) \(extra): \(run.stdout)\n\(run.stderr)")
                    seconds.append(run.seconds)
                }
                let median = seconds.sorted()[2]
                lines.append(
                    "\(label), no-op reconcile \(extra.first ?? "(shortcut)"): median \(String(format: "%.2f", median)) s "
                        + "of \(seconds.map { String(format: "%.2f", $0) }.joined(separator: " "))")
            }
        }
        SystemdWorld.report("no-op reconciles of 2 systemd hosts over SSH:\n" + lines.joined(separator: "\n"))
    }

    @Test("the root relay's socket: the deploy user may connect, a daemon user may not")
    func relayRefusesDaemonUsers() async throws {
        try await SystemdTestHost.with([("su-relay", 24)], sudoers: Self.sudoers) { hosts in
            let edge = hosts[0]
            let program = Data(SocketRelay.program.utf8).base64EncodedString()
            let target = RemoteFileProgram.hex("/run/systemd/notify")
            // The relay runs for 5 s (its input is `sleep 5`); meanwhile
            // debian-tor and deploy each try its socket.
            let probe = try await edge.ssh(
                """
                echo \(program) | base64 -d > /tmp/relay.pl
                (sleep 5 | runuser -u deploy -- sudo -n -- /bin/sh -c "/usr/bin/perl /tmp/relay.pl \(target)" \
                    > /tmp/relay.out 2>&1 &)
                for i in $(seq 50); do grep -q listening /tmp/relay.out 2>/dev/null && break; sleep 0.1; done
                path=$(awk '/^listening/ {print $2}' /tmp/relay.out)
                stat -c '%U %a %n' "$path" "$(dirname "$path")"
                try='use IO::Socket::UNIX; print IO::Socket::UNIX->new(Peer => $ARGV[0]) ? "connected\n" : "refused: $!\n"'
                printf 'debian-tor: '; runuser -u debian-tor -- perl -e "$try" "$path"
                printf 'deploy: '; runuser -u deploy -- perl -e "$try" "$path"
                """)
            SystemdWorld.report("relay socket probe:\n\(probe.stdout)\(probe.stderr)")
            #expect(probe.stdout.contains("deploy 600 /run/onionops-relay/"), "\(probe.stdout)")
            #expect(probe.stdout.contains("root 711 /run/onionops-relay\n"), "\(probe.stdout)")
            #expect(probe.stdout.contains("debian-tor: refused: Permission denied"), "\(probe.stdout)")
            #expect(probe.stdout.contains("deploy: connected"), "\(probe.stdout)")
        }
    }

    @Test("without the sudo rule the host is refused, naming the rule it needs, and nothing changes")
    func noRule() async throws {
        try await SystemdTestHost.with([("su-norule", 23)]) { hosts in try await Self.noRule(edge: hosts[0]) }
    }

    static func noRule(edge: SystemdTestHost) async throws {
        let sandbox = try SystemdSandbox(
            source: RepositoryPaths.manifests, hosts: [("edge-1", edge), ("edge-2", edge)], user: "deploy")
        defer { sandbox.remove() }
        let run = try await sandbox.reconcile(["--hosts", "edge-1"])
        #expect(run.exitCode == 1, "\(run.stdout)\n\(run.stderr)")
        let said = run.stdout + run.stderr
        #expect(said.contains("deploy cannot become root with sudo"), "\(said)")
        #expect(said.contains("deploy ALL=(root) NOPASSWD: /bin/sh"), "\(said)")
        let touched = try await edge.ssh("ls /etc/onionops 2>&1 | head -3")
        #expect(touched.stdout.contains("No such file"), "\(touched.stdout)")
    }
}
