/// Connection details, binaries and users of each host.
struct HostRule: ValidationRule {
    func check(_ topology: Topology, context: ValidationContext, into report: inout ValidationReport) {
        for host in topology.hosts {
            let origin = host.origin
            switch host.connection {
            case .local(let root):
                report.checkAbsolutePath(root, "local root", at: origin.location(of: "spec.local.root"))
            case .ssh(let ssh):
                report.checkConfigText(
                    ssh.address,
                    "ssh address",
                    at: origin.location(of: "spec.ssh.address"),
                    code: .invalidDNSName,
                    expected: "use a host name, an IPv4 or an IPv6 address"
                ) { ConfigText.isHostAddress($0) }
                if !(1...65535).contains(ssh.port) {
                    report.error(
                        .valueOutOfRange,
                        "ssh port \(ssh.port) is out of range 1...65535",
                        at: origin.location(of: "spec.ssh.port")
                    )
                }
                checkUser(ssh.user, "ssh user", at: origin.location(of: "spec.ssh.user"), into: &report)
                if let identity = ssh.identityFile {
                    report.checkAbsolutePath(
                        identity, "ssh identityFile", at: origin.location(of: "spec.ssh.identityFile"))
                }
                if let knownHosts = ssh.knownHostsFile {
                    report.checkAbsolutePath(
                        knownHosts,
                        "ssh knownHostsFile",
                        at: origin.location(of: "spec.ssh.knownHostsFile")
                    )
                }
                report.checkAbsolutePath(ssh.root, "ssh root", at: origin.location(of: "spec.ssh.root"))
            }
            for (key, settings) in [("tor", host.tor), ("nginx", host.nginx), ("onionbalance", host.onionbalance)] {
                report.checkAbsolutePath(
                    settings.binary, "\(key) binary", at: origin.location(of: "spec.\(key).binary"))
                let userLocation = origin.location(of: "spec.\(key).user")
                checkUser(settings.user, "\(key) user", at: userLocation, into: &report)
                // The manifest's author must not get root on the host by
                // naming it: tor and Onionbalance run as this user, and
                // their folders are handed to it. The host checks the uid
                // again before any daemon starts (BinaryTrust).
                if Self.isRootName(settings.user) {
                    report.error(
                        .invalidValue,
                        "\(key) user '\(settings.user)' is root (uid 0): a daemon must run as its own unprivileged user",
                        at: userLocation
                    )
                }
            }
            checkTesting(host, into: &report)
        }
    }

    /// `testing.torOptions` can send a host's tors to another network (a
    /// foreign `DirAuthority`, `TestingTorNetwork`) or make them read any
    /// file (`GeoIPFile`): only a host its operator marked as a test host
    /// may carry them.
    private func checkTesting(_ host: Host, into report: inout ValidationReport) {
        let origin = host.origin
        for (index, line) in host.testingTorOptions.enumerated() where !TestingTorOptions.isValid(line) {
            let allowed = TestingTorOptions.allowed.sorted().joined(separator: ", ")
            report.error(
                .invalidOption,
                "testing tor option '\(line)' is not allowed: write 'Name value' with one of \(allowed)",
                at: origin.location(of: "spec.testing.torOptions[\(index)]")
            )
        }
        if !host.testingTorOptions.isEmpty, !host.testHost {
            report.error(
                .invalidOption,
                "testing.torOptions are for test hosts only: host '\(host.name)' is not marked 'testHost: true' "
                    + "(a production host must not join a test network)",
                at: origin.location(of: "spec.testing.torOptions")
            )
        }
    }

    /// Names that are uid 0 on every system: `root` (and BSD's `toor`),
    /// or a numeric 0 (`0`, `00`) that some tools take as a uid.
    static func isRootName(_ user: String) -> Bool {
        if user == "root" || user == "toor" { return true }
        return !user.isEmpty && user.allSatisfy { $0 == "0" }
    }

    private func checkUser(
        _ user: String, _ what: String, at location: SourceLocation, into report: inout ValidationReport
    ) {
        report.checkConfigText(
            user,
            what,
            at: location,
            code: .invalidName,
            expected: "use a POSIX user name (lowercase letters, digits, '_' and '-')"
        ) { ConfigText.isUserName($0) }
    }
}
