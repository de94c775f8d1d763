public import OnionOpsCore

/// `onionops hosts prepare` on one host: reads what it has (one round
/// trip), plans (`PreparationPlan`), and applies the plan as root in one
/// script: packages from the host's own apt sources, missing daemon users,
/// Debian's own services disabled. Then it reads again, so what it reports
/// is what the host now has.
public struct HostPreparer: Sendable {
    public let host: OnionOpsCore.Host
    public let transport: any HostTransport
    public let requirements: HostRequirements

    public init(host: OnionOpsCore.Host, transport: any HostTransport, requirements: HostRequirements) {
        self.host = host
        self.transport = transport
        self.requirements = requirements
    }

    private func failure(_ message: String) -> HostError {
        HostError(host: host.name, code: .commandFailed, message: message)
    }

    /// A sandbox host is a folder of this machine: its packages are the
    /// machine's, not the manifests' business.
    public var isSandbox: Bool { !SupervisorFactory.isRealRoot(host.connection.root) }

    public func plan() async throws(HostError) -> PreparationPlan {
        PreparationPlan(requirements: requirements, facts: try await facts(), policy: host.packages)
    }

    public func facts() async throws(HostError) -> HostFacts {
        let output = try await transport.run(["/bin/sh", "-s"], input: Array(factsScript.utf8))
        guard output.succeeded else {
            throw failure("cannot read the host's packages (exit \(output.exitCode)): \(output.stderr)")
        }
        return HostFacts.parse(output.stdoutText)
    }

    /// Applies `plan` (never one with problems) and returns the plan a
    /// fresh read gives after it: empty when the host is ready.
    public func apply(_ plan: PreparationPlan) async throws(HostError) -> PreparationPlan {
        guard plan.problems.isEmpty else { throw failure(plan.problems.joined(separator: "; ")) }
        guard !plan.isEmpty else { return plan }
        let output = try await transport.run(["/bin/sh", "-s"], input: Array(Self.applyScript(plan).utf8))
        guard output.succeeded else {
            let said = (output.stdoutText + output.stderr).split(separator: "\n").suffix(5).joined(separator: " | ")
            throw failure("preparing failed (exit \(output.exitCode)): \(said)")
        }
        return try await self.plan()
    }

    var factsScript: String {
        var lines = ["export LC_ALL=C"]
        for package in requirements.packages {
            let name = ShellScript.quote(package.name)
            lines.append(
                "v=$(dpkg-query -W -f '${db:Status-Abbrev} ${Version}' \(name) 2>/dev/null | "
                    + "awk '$1 == \"ii\" {print $2}'); echo \"pkg \(package.name) ${v:--}\"")
            if let minimum = package.minimumVersion {
                lines.append(
                    "[ -n \"$v\" ] && dpkg --compare-versions \"$v\" ge \(ShellScript.quote(minimum)) "
                        + "&& echo \"recent \(package.name)\"")
            }
        }
        for user in requirements.users {
            lines.append("getent passwd \(ShellScript.quote(user)) >/dev/null && echo \"user \(user)\"")
        }
        lines.append("if [ -d /run/systemd/system ]; then echo 'systemd yes'; else echo 'systemd no'; fi")
        for service in requirements.conflictingServices {
            lines.append(
                "[ -d /run/systemd/system ] && echo \"service \(service) "
                    + "$(systemctl is-enabled \(ShellScript.quote(service)) 2>/dev/null)\"")
        }
        lines.append("exit 0")
        return lines.joined(separator: "\n") + "\n"
    }

    /// Debian's postinst starts what a package ships (tor@default would join
    /// the Tor network, nginx take port 80): the disable follows the install
    /// in the same script, and stops them.
    static func applyScript(_ plan: PreparationPlan) -> String {
        var lines = ["set -e", "export DEBIAN_FRONTEND=noninteractive LC_ALL=C"]
        if !plan.install.isEmpty {
            lines.append("apt-get update -qq")
            lines.append(
                "apt-get install -y -qq --no-install-recommends -o Dpkg::Options::=--force-confold "
                    + plan.install.map(ShellScript.quote).joined(separator: " "))
        }
        for user in plan.createUsers {
            let name = ShellScript.quote(user)
            lines.append(
                "getent passwd \(name) >/dev/null || "
                    + "useradd --system --user-group --no-create-home --shell /usr/sbin/nologin \(name)")
        }
        if !plan.disable.isEmpty {
            lines.append("systemctl disable --now " + plan.disable.map(ShellScript.quote).joined(separator: " "))
        }
        return lines.joined(separator: "\n") + "\n"
    }
}
