import Foundation
public import OnionOpsCore
import OnionOpsHosts

/// A Debian 12 server with its own systemd as PID 1: a `systemd-nspawn`
/// container in a network namespace of its own, reached over SSH at
/// 10.78.INDEX.2 as root or as the unprivileged `deploy` user. Its writes go
/// to an overlay in its own folder, so it survives a reboot from inside
/// (`reboot()`), and the image under it is never changed.
///
/// Built and booted by `Tests/systemd-host/` (build-images.sh once, then
/// container.sh per boot); this type gives tests the keys, the connection
/// and the waits.
public final class SystemdTestHost: Sendable {
    /// `full` has tor, nginx with its modules, Onionbalance and age; `bare`
    /// has none of them (what `onionops hosts prepare` starts from).
    public enum Image: String, Sendable {
        case full
        case bare
    }

    public struct Failure: Error, CustomStringConvertible {
        public var description: String
    }

    public let name: String
    public let index: Int
    public let address: String
    public let folder: TemporaryFolder
    /// The private key root and deploy accept, and a known_hosts file that
    /// names exactly this container's host key.
    public let clientKey: String
    public let knownHosts: String

    /// The images' folder: built once per checkout (about 3 minutes), then
    /// reused while the build script is unchanged.
    public static var imageDirectory: String { RepositoryPaths.root.path + "/.build/systemd-host" }
    static var scripts: String { RepositoryPaths.root.path + "/Tests/systemd-host" }

    /// The machine's address every container reaches (10.78.0.0/24 is
    /// routed to each container's end of its pair), once
    /// `exposeMachineAddress` has put it on the loopback: a private Tor
    /// network and an upstream site listen there for tors and nginx inside.
    public static let machineAddress = "10.78.0.1"

    /// Puts `machineAddress` on this machine (idempotent).
    public static func exposeMachineAddress() async throws {
        let made = try await Spawn.capture(
            "\(scripts)/container.sh", ["machine-address", "up"], environment: .inherited, mergeErrors: true)
        guard made.status == 0 else {
            throw Failure(
                description: "container.sh machine-address up: \(String(decoding: made.stdout, as: UTF8.self))")
        }
    }

    /// Takes `machineAddress` away again.
    public static func removeMachineAddress() async {
        _ = try? await Spawn.capture(
            "\(scripts)/container.sh", ["machine-address", "down"], environment: .inherited, mergeErrors: true)
    }

    /// Builds the images unless they are up to date.
    public static func ensureImages() async throws {
        let built = try await Spawn.capture(
            "\(scripts)/build-images.sh", [imageDirectory], environment: .inherited, mergeErrors: true)
        guard built.status == 0 else {
            throw Failure(description: "build-images.sh: \(String(decoding: built.stdout, as: UTF8.self))")
        }
    }

    /// Boots a container and waits until systemd says it is running.
    /// `sudoers` becomes /etc/sudoers.d/onionops inside; `repository` (a
    /// flat apt repository) is bound at /srv/onionops-test-repo.
    public static func boot(
        name: String,
        index: Int,
        image: Image = .full,
        sudoers: String? = nil,
        repository: String? = nil
    ) async throws -> SystemdTestHost {
        try await ensureImages()
        // ssh-keygen and the key files: blocking work, on the blocking pool.
        let host = try await BlockingPool.shared.run { () throws -> SystemdTestHost in
            try SystemdTestHost(name: name, index: index, sudoers: sudoers, repository: repository)
        }
        do {
            let started = try await Spawn.capture(
                "\(scripts)/container.sh",
                ["start", name, String(index), "\(imageDirectory)/\(image.rawValue)", host.folder.path],
                environment: .inherited, mergeErrors: true)
            guard started.status == 0 else {
                throw Failure(description: "container.sh start: \(String(decoding: started.stdout, as: UTF8.self))")
            }
            try await host.waitUntilRunning(within: 90)
            return host
        } catch {
            await host.stop()
            throw error
        }
    }

    private init(name: String, index: Int, sudoers: String?, repository: String?) throws {
        precondition(name.count <= 11 && (1...250).contains(index), "container name or index out of range")
        self.name = name
        self.index = index
        address = "10.78.\(index).2"
        folder = try TemporaryFolder(prefix: "oo-sd-\(name)")
        clientKey = folder.path + "/client_key"
        knownHosts = folder.path + "/known_hosts"
        let made = try Command.run(
            "/usr/bin/ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-C", "systemd-test", "-f", clientKey])
        guard made.succeeded else { throw Failure(description: "ssh-keygen: \(made.output)") }
        let publicKey = try String(contentsOfFile: clientKey + ".pub", encoding: .utf8)
        for file in ["root_keys", "deploy_keys"] {
            try folder.write(file, publicKey)
            chmod(folder.path + "/" + file, 0o644)
        }
        // Every container of one image has the image's host key.
        let hostKey = try String(
            contentsOfFile: "\(Self.imageDirectory)/full/etc/ssh/ssh_host_ed25519_key.pub", encoding: .utf8
        )
        .split(separator: " ").prefix(2).joined(separator: " ")
        try folder.write("known_hosts", "\(address) \(hostKey)\n")
        if let sudoers {
            let path = try folder.write("sudoers", sudoers)
            chmod(path, 0o440)
        }
        if let repository {
            try FileManager.default.createSymbolicLink(atPath: folder.path + "/repo", withDestinationPath: repository)
        }
    }

    /// How the controller reaches it.
    public func connection(user: String = "root") -> SSHConnection {
        SSHConnection(address: address, user: user, identityFile: clientKey, knownHostsFile: knownHosts)
    }

    /// A shell command inside, over SSH (for the test's own checks).
    public func ssh(_ command: String, user: String = "root") async throws -> Command.Captured {
        let started = Date()
        let arguments = [
            "-o", "BatchMode=yes", "-o", "ConnectTimeout=5", "-o", "LogLevel=ERROR",
            "-o", "UserKnownHostsFile=\(knownHosts)", "-o", "StrictHostKeyChecking=yes",
            "-i", clientKey, "-o", "IdentitiesOnly=yes", "\(user)@\(address)", "--", command,
        ]
        let run = try await Spawn.capture("/usr/bin/ssh", arguments, environment: .inherited, mergeErrors: false)
        return Self.captured(run, since: started)
    }

    /// A command inside the container's PID and mount namespaces, entered
    /// from the machine (nsenter into its PID 1): it needs no network, so it
    /// works while the container's link is down.
    public func inside(_ arguments: [String]) async throws -> Command.Captured {
        let started = Date()
        let pidFile = folder.path + "/nspawn.pid"
        let nspawn = try await BlockingPool.shared.run {
            try String(contentsOfFile: pidFile, encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)
        }
        let children = try await Spawn.capture("/usr/bin/pgrep", ["-P", nspawn], environment: .inherited)
        guard let leader = String(decoding: children.stdout, as: UTF8.self).split(separator: "\n").first else {
            throw Failure(description: "\(name): no container PID 1 under nspawn \(nspawn)")
        }
        let run = try await Spawn.capture(
            "/usr/bin/nsenter", ["-t", String(leader), "-p", "-m", "--"] + arguments, environment: .inherited,
            mergeErrors: false)
        return Self.captured(run, since: started)
    }

    private static func captured(_ run: Spawn.Captured, since started: Date) -> Command.Captured {
        Command.Captured(
            exitCode: run.status,
            stdout: String(decoding: run.stdout, as: UTF8.self),
            stderr: String(decoding: run.stderr, as: UTF8.self),
            seconds: Date().timeIntervalSince(started))
    }

    /// Waits for sshd, then for `systemctl is-system-running --wait`.
    /// "degraded" (a unit failed) is reported, not waited on.
    public func waitUntilRunning(within seconds: Double) async throws {
        let deadline = Date().addingTimeInterval(seconds)
        while Date() < deadline {
            if let state = try? await ssh("systemctl is-system-running --wait"), state.exitCode != 255 {
                let text = state.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
                if text == "running" { return }
                // A login's user manager and the console password agents
                // can fail when several containers boot at once on 2 cores;
                // no test uses them. Any other failed unit is the test's
                // business.
                let failed = try await ssh("systemctl --failed --no-legend --plain | awk '{print $1}'").stdout
                    .split(separator: "\n").map(String.init)
                let others = failed.filter { !$0.hasPrefix("user@") && !$0.hasPrefix("systemd-ask-password") }
                if text == "degraded" && others.isEmpty { return }
                throw Failure(description: "\(name) booted \(text): \(failed)")
            }
            try await Task.sleep(for: .milliseconds(200))
        }
        throw Failure(description: "\(name) did not come up within \(Int(seconds)) s: \(consoleTail)")
    }

    /// The boot id changes with each boot.
    public func bootID() async throws -> String {
        try await ssh("cat /proc/sys/kernel/random/boot_id").stdout.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// `systemctl reboot` inside; returns once the next boot is running.
    public func reboot() async throws {
        let before = try await bootID()
        _ = try await ssh("systemctl reboot")
        let deadline = Date().addingTimeInterval(120)
        while Date() < deadline {
            try await Task.sleep(for: .milliseconds(300))
            if let now = try? await bootID(), !now.isEmpty, now != before {
                try await waitUntilRunning(within: 60)
                return
            }
        }
        throw Failure(description: "\(name) did not come back from a reboot: \(consoleTail)")
    }

    public var consoleTail: String {
        let log = (try? String(contentsOfFile: folder.path + "/console.log", encoding: .utf8)) ?? ""
        return log.split(separator: "\n").suffix(20).joined(separator: "\n")
    }

    /// An orderly shutdown (SIGKILL after 15 s), then the namespace, the
    /// overlay and the folder go.
    public func stop() async {
        _ = try? await Spawn.capture(
            "\(Self.scripts)/container.sh", ["stop", name, folder.path], environment: .inherited, mergeErrors: true)
        folder.remove()
    }
}
