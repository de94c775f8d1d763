import OnionOpsCore
import Yams

enum HostDecoder {
    static func decode(name: String, spec node: Node, context: DecodeContext) -> Host? {
        guard
            let spec = MappingReader(
                node,
                path: "spec",
                allowed: [
                    "local", "ssh", "supervision", "tor", "nginx", "onionbalance", "testHost", "testing", "packages",
                ],
                context: context
            )
        else {
            context.markMissingRequired()
            return nil
        }

        var connection: HostConnection?
        switch (spec.has("local"), spec.has("ssh")) {
        case (true, true):
            context.error(
                .invalidValue,
                "a Host has either 'local' or 'ssh', not both",
                at: context.origin.location(of: "spec")
            )
            context.markMissingRequired()
        case (false, false):
            context.error(
                .missingKey,
                "missing connection in 'spec': add 'local: {root: ...}' or 'ssh: {address: ...}'",
                at: context.origin.location(of: "spec")
            )
            context.markMissingRequired()
        case (true, false):
            if let local = spec.mapping("local", allowed: ["root"]), let root = local.requiredString("root") {
                connection = .local(root: root)
            } else {
                context.markMissingRequired()
            }
        case (false, true):
            connection = decodeSSH(spec)
        }

        let supervision = spec.choice("supervision", as: Supervision.self) ?? .auto
        let packages = spec.choice("packages", as: PackagePolicy.self) ?? .verify
        let tor = daemon(spec, "tor", default: .torDefault)
        let nginx = daemon(spec, "nginx", default: .nginxDefault)
        let onionbalance = daemon(spec, "onionbalance", default: .onionbalanceDefault)
        let testing = spec.mapping("testing", allowed: ["torOptions"])
        let torOptions = testing?.stringList("torOptions") ?? []
        let testHost = spec.bool("testHost") ?? false

        guard let connection else { return nil }
        return Host(
            name: name,
            connection: connection,
            supervision: supervision,
            tor: tor,
            nginx: nginx,
            onionbalance: onionbalance,
            testingTorOptions: torOptions,
            testHost: testHost,
            packages: packages,
            origin: context.origin
        )
    }

    private static func decodeSSH(_ spec: MappingReader) -> HostConnection? {
        guard
            let ssh = spec.mapping(
                "ssh",
                allowed: ["address", "port", "user", "identityFile", "knownHostsFile", "root", "become"]
            ), let address = ssh.requiredString("address")
        else {
            spec.context.markMissingRequired()
            return nil
        }
        let defaults = SSHConnection(address: address)
        return .ssh(
            SSHConnection(
                address: address,
                port: ssh.int("port") ?? defaults.port,
                user: ssh.string("user") ?? defaults.user,
                identityFile: ssh.string("identityFile"),
                knownHostsFile: ssh.string("knownHostsFile"),
                root: ssh.string("root") ?? defaults.root,
                become: ssh.choice("become", as: Become.self)
            )
        )
    }

    private static func daemon(_ spec: MappingReader, _ key: String, default fallback: DaemonSettings) -> DaemonSettings
    {
        guard let reader = spec.mapping(key, allowed: ["binary", "user"]) else { return fallback }
        return DaemonSettings(
            binary: reader.string("binary") ?? fallback.binary,
            user: reader.string("user") ?? fallback.user
        )
    }
}
