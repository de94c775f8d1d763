import Foundation
public import OnionOpsCore

/// The transport for a host as its manifest describes it.
public enum HostConnector {
    /// Where SSH keeps its shared-connection sockets: short (unix socket
    /// paths are limited to 107 bytes) and private to this user, checked
    /// on every call (see `SSHControlFolder`: a folder another user made
    /// would let them stand in for every host).
    public static var sshControlDirectory: String {
        SSHControlFolder.current()
    }

    public static func transport(for host: OnionOpsCore.Host, sshControlDirectory: String? = nil) -> any HostTransport {
        switch host.connection {
        case .local(let root):
            LocalTransport(host: host.name, root: root)
        case .ssh(let ssh):
            SSHTransport(
                host: host.name, connection: ssh, controlDirectory: sshControlDirectory ?? Self.sshControlDirectory)
        }
    }
}

extension HostTransport {
    /// Removes temp files that a writer killed mid-write left beside their
    /// targets (`.<name>.onionops-*`) and staged configs, inside OnionOps'
    /// own folders only. Run with the host lock held, so no live writer's
    /// temp file is taken.
    public func sweepTemporaryFiles(root: String) async throws(HostError) {
        let layout = HostLayout(root: root)
        let folders = HostLayout.topDirectories.map { layout.resolve($0) }
        let output = try await run(
            ["/usr/bin/find"] + folders + [
                "-xdev", "-type", "f", "(", "-name", ".*.onionops-*", "-o", "-name", "*.onionops-staged", ")",
                "-delete",
            ],
            input: []
        )
        // find exits 1 when a top folder does not exist yet: not an error.
        guard output.succeeded || output.stderr.contains("No such file") else {
            throw HostError(host: host, code: .io, message: "cannot clear temp files: \(output.stderr)")
        }
    }
}
