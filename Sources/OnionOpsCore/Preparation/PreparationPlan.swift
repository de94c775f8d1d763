/// What `hosts prepare` does on one host, from its requirements and what
/// it has: packages to install, users to create, Debian services to
/// disable, and, under the `verify` policy (or when nothing can fix it),
/// the problems with the command that fixes each. Pure.
public struct PreparationPlan: Sendable, Hashable, Encodable {
    public var install: [String] = []
    public var createUsers: [String] = []
    public var disable: [String] = []
    public var problems: [String] = []

    /// Nothing to do.
    public init() {}

    public var isEmpty: Bool { install.isEmpty && createUsers.isEmpty && disable.isEmpty && problems.isEmpty }

    /// The users Debian's packages create, by package.
    static let packageUsers = ["tor": "debian-tor", "onionbalance": "onionbalance", "nginx": "www-data"]

    public init(requirements: HostRequirements, facts: HostFacts, policy: PackagePolicy) {
        var needed: [String] = []
        for package in requirements.packages {
            guard let version = facts.versions[package.name] else {
                needed.append(package.name)
                if policy == .verify {
                    problems.append("\(package.name) is not installed (\(package.reason))")
                }
                continue
            }
            if let minimum = package.minimumVersion, !facts.recent.contains(package.name) {
                needed.append(package.name)
                if policy == .verify {
                    problems.append(
                        "\(package.name) \(version) is older than \(minimum) (\(package.reason))")
                }
            }
        }
        if policy == .install {
            install = needed
        } else if !needed.isEmpty {
            problems.append(
                "fix: apt-get install \(needed.joined(separator: " ")), or set spec.packages: install")
        }
        let comingWith = Set(needed.compactMap { Self.packageUsers[$0] })
        for user in requirements.users where !facts.users.contains(user) && !comingWith.contains(user) {
            if policy == .install {
                createUsers.append(user)
            } else {
                problems.append(
                    "user \(user) does not exist; fix: useradd --system --user-group --no-create-home "
                        + "--shell /usr/sbin/nologin \(user)")
            }
        }
        guard facts.systemd else { return }
        let installed = Set(install)
        for service in requirements.conflictingServices {
            let package = String(service.prefix { $0 != "." && $0 != "@" })
            let state = facts.services[service] ?? ""
            // Enabled now, or about to be: Debian's postinst enables and
            // starts the units a package ships.
            if state == "enabled" || (installed.contains(package) && state != "masked") {
                disable.append(service)
            }
        }
    }

    /// One line per change, as the plan shows it.
    public var lines: [String] {
        var lines: [String] = []
        if !install.isEmpty { lines.append("install \(install.joined(separator: " "))") }
        for user in createUsers { lines.append("create system user \(user)") }
        for service in disable {
            lines.append("disable and stop \(service) (Debian's own; OnionOps runs its own units)")
        }
        return lines
    }
}
