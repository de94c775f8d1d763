import OnionOpsCore

/// The files of a new manifest repository, made by `onionops init`: pure
/// text from the choices; keys are made and sealed by the command.
struct StarterRepository {
    var topology: StarterTopology
    var hosts: [String]
    var onion: String
    var upstream: String
    /// Local sandbox hosts under this folder instead of SSH hosts.
    var sandboxRoot: String?
    var identityPath: String

    static let projectName = "site"
    static let balancerName = "site-front"

    /// Path in the repository, text, executable.
    var files: [(path: String, text: String, executable: Bool)] {
        [
            ("manifests/hosts.yaml", hostsYAML, false),
            ("manifests/projects.yaml", projectsYAML, false),
            (".gitignore", Self.gitignore, false),
            ("deploy/git-hooks/post-receive", StarterFiles.postReceive, true),
            ("deploy/systemd/onionops-watch.service", StarterFiles.watchService, false),
            ("deploy/systemd/onionops-drift.service", StarterFiles.driftService, false),
            ("deploy/systemd/onionops-drift.timer", StarterFiles.driftTimer, false),
            ("README.md", readme, false),
        ]
    }

    var torInstances: Int { max(1, min(2, 8 / hosts.count)) }

    var publishers: [String] {
        switch topology {
        case .hardmap: []
        case .softmap: [hosts[0]]
        case .softmapHA: Array(hosts.prefix(2))
        }
    }

    var hostsYAML: String {
        var lines = [
            "# The servers OnionOps manages. Each is reached over SSH (or is a local",
            "# sandbox folder); `onionops reconcile` writes only below its root.",
        ]
        for host in hosts {
            lines += ["---", "apiVersion: onionops/v1", "kind: Host", "metadata: {name: \(host)}", "spec:"]
            if let sandboxRoot {
                lines += [
                    "  local: {root: \(sandboxRoot)/\(host)}   # a sandbox folder on this machine",
                    "  supervision: direct                     # pid files and signals (no systemd in a folder)",
                ]
            } else {
                lines += [
                    "  ssh:",
                    "    address: \(host)          # EDIT: the server's address",
                    "    user: root                # EDIT: or a deploy user",
                    "  supervision: auto           # systemd where the host has it",
                ]
            }
        }
        return lines.joined(separator: "\n") + "\n"
    }

    var projectsYAML: String {
        var lines: [String] = []
        switch topology {
        case .hardmap:
            lines += [
                "# A hardmap project: every host runs tor with the site's own key and",
                "# nginx in front of the upstream site; clients reach whichever host",
                "# published last. Add hosts to placement to replicate it.",
            ]
        case .softmap, .softmapHA:
            lines += [
                "# A softmap project: each host runs \(torInstances) backend tor(s) with addresses of",
                "# their own; Onionbalance publishes the frontend address below from",
                publishers.count > 1
                    ? "# \(publishers.joined(separator: " and ")), so losing one publisher keeps the site up."
                    : "# \(publishers[0]). At most 8 backends per frontend (hosts x torInstances).",
            ]
        }
        lines += [
            "apiVersion: onionops/v1",
            "kind: Project",
            "metadata: {name: \(Self.projectName)}",
            "spec:",
            "  mode: \(topology == .hardmap ? "hardmap" : "softmap")",
            "  placement: {hosts: [\(hosts.joined(separator: ", "))], torInstances: \(topology == .hardmap ? 1 : torInstances)}",
            "  sites:",
            "    - onion: \(onion)   # its key is sealed in keys/",
            "      upstream: \(upstream)      # EDIT: your site's domain",
            "      subdomains: [www]          # names on the certificate; any depth is served",
            "  tor:",
            "    pow: {enabled: true}         # proof-of-work against introduction floods (tor 0.4.8+)",
            "  nginx:",
            "    forceHttps: true",
            "    tls: {source: selfSigned}    # or your CA's chain: onionops keys csr, keys tls --import-chain",
            "    # resolver: [127.0.0.1]      # a caching resolver on each host (the default)",
        ]
        if topology != .hardmap {
            lines += [
                "---",
                "# Publishes the frontend from the backends' descriptors.",
                "apiVersion: onionops/v1",
                "kind: Balancer",
                "metadata: {name: \(Self.balancerName)}",
                "spec:",
                "  project: \(Self.projectName)",
                "  hosts: [\(publishers.joined(separator: ", "))]",
            ]
        }
        return lines.joined(separator: "\n") + "\n"
    }

    static let gitignore = """
        # Never commit a key in plain: sealed keys live in manifests/keys/*.age.
        *.key
        *.pem
        hs_ed25519_secret_key
        *age-identity*
        AGE-SECRET-KEY*
        # Output of `onionops render --out`.
        rendered/

        """

    var readme: String {
        """
        # Onion sites, managed by OnionOps

        This repository describes the onion sites and the servers they run on;
        `onionops reconcile` makes the servers match it. Made by `onionops init`
        (\(topology.rawValue), hosts \(hosts.joined(separator: ", "))).

        The site's address is **\(onion)**. Its key is sealed in
        `manifests/keys/` to the age identity at `\(identityPath)`, which is
        not in this repository: back it up somewhere safe. Without it the keys
        cannot be opened, and the address cannot be kept.

        ## What to edit next

        1. `manifests/projects.yaml`: `upstream` is your site's domain (and
           `subdomains` the names you want on the certificate).
        2. `manifests/hosts.yaml`: each host's SSH address and user\(sandboxRoot == nil ? "" : " (these are local sandbox folders now)").
        3. Check and look at the plan:

               onionops validate manifests
               onionops keys check manifests --identity \(identityPath)
               onionops reconcile manifests --dry-run --identity \(identityPath)

        4. Commit and push, then `onionops reconcile manifests --identity ...`,
           or run `onionops watch` on a controller:
           `deploy/systemd/` has `onionops-watch.service` (follows the branch)
           and `onionops-drift.service` with its timer; `deploy/git-hooks/post-receive`
           tells the daemon to reconcile on every push. Each file says how to install it.

        More sites: `onionops keys new manifests` makes and seals a new onion key.

        """
    }
}
