/// One tor of the private test network: a directory authority, a relay or
/// the client, with its folder, ports and identity, and the torrc that
/// makes it one (settings from shared/TEST-NETWORK.md, each for a reason
/// noted there).
public struct TestNetworkNode: Sendable, Hashable {
    public enum Role: String, Sendable, Hashable {
        case authority
        case relay
        case client
    }

    public var role: Role
    public var nickname: String
    /// Its DataDirectory (0700); torrc, logs, pid file and control socket
    /// live here too, so every path stays short.
    public var directory: String
    /// Authorities and relays.
    public var orPort: Int?
    /// Authorities.
    public var dirPort: Int?
    /// The client.
    public var socksPort: Int?
    /// The relay identity fingerprint (40 hex digits), authorities only:
    /// it goes in every node's DirAuthority line.
    public var fingerprint: String?
    /// The authority's v3 identity (its certificate's fingerprint line).
    public var v3Identity: String?
    /// The IPv4 address authorities and relays listen on and publish:
    /// 127.0.0.1, or a machine address that systemd containers reach. The
    /// client's SOCKS port stays on 127.0.0.1.
    public var address: String

    public init(
        role: Role, nickname: String, directory: String, orPort: Int? = nil, dirPort: Int? = nil,
        socksPort: Int? = nil, address: String = "127.0.0.1"
    ) {
        self.address = address
        self.role = role
        self.nickname = nickname
        self.directory = directory
        self.orPort = orPort
        self.dirPort = dirPort
        self.socksPort = socksPort
    }

    public var torrcPath: String { directory + "/torrc" }
    public var pidFile: String { directory + "/tor.pid" }
    public var logFile: String { directory + "/notice.log" }
    public var controlSocket: String { directory + "/control.sock" }
    public var cookieFile: String { directory + "/control_auth_cookie" }
    /// Where tor-gencert puts an authority's keys, and where tor reads them.
    public var keysDirectory: String { directory + "/keys" }

    /// `DirAuthority <nick> orport=<p> no-v2 v3ident=<id> <address>:<dirport>
    /// <fingerprint>`, for an authority whose keys exist.
    public var dirAuthorityLine: String? {
        guard role == .authority, let orPort, let dirPort, let v3Identity, let fingerprint else { return nil }
        return "DirAuthority \(nickname) orport=\(orPort) no-v2 v3ident=\(v3Identity) "
            + "\(address):\(dirPort) \(fingerprint)"
    }

    /// Lines every tor in the network needs, the nodes and the tors under
    /// test alike: the testing defaults, the authorities, and the small
    /// savings (no GeoIP files: about 36 MB and 0.4 s of CPU per tor).
    public static func commonOptions(dirAuthorities: [String]) -> [String] {
        ["TestingTorNetwork 1"] + dirAuthorities + [
            "GeoIPFile /dev/null",
            "GeoIPv6File /dev/null",
            "SafeLogging 0",
            "ShutdownWaitLength 0",
            "PathsNeededToBuildCircuits 0.67",
        ]
    }

    /// The node's torrc. `guards` are the authorities' fingerprints (the
    /// only guards, so paths always have one); `votingOffset` places the
    /// first vote about 5 s after launch; `owner` is the test process: tor
    /// exits by itself (within about 15 s) if that process dies without
    /// stopping it, so a crashed run leaves no network behind.
    public func torrc(dirAuthorities: [String], guards: [String], votingOffset: Int, owner: Int32) -> String {
        var lines =
            Self.commonOptions(dirAuthorities: dirAuthorities) + [
                "DataDirectory \(directory)",
                "PidFile \(pidFile)",
                "Log notice file \(logFile)",
                "ControlSocket \(controlSocket)",
                "CookieAuthentication 1",
                // Daemonized: the starting command returns once tor is up (or
                // failed), and the pid file is the handle to stop it.
                "RunAsDaemon 1",
                "__OwningControllerProcess \(owner)",
                "Nickname \(nickname)",
            ]
        switch role {
        case .client:
            lines.append("SocksPort 127.0.0.1:\(socksPort ?? 0)")
        case .relay, .authority:
            lines += [
                "ContactInfo onionops-test-network",
                "Address \(address)",
                "ORPort \(address):\(orPort ?? 0)",
                "SocksPort 0",
                "ExitRelay 0",
                "AssumeReachable 1",
            ]
        }
        if role == .authority {
            lines += [
                "DirPort \(address):\(dirPort ?? 0)",
                "AuthoritativeDirectory 1",
                "V3AuthoritativeDirectory 1",
                "TestingDirAuthVoteExit *",
                "TestingDirAuthVoteHSDir *",
                "TestingDirAuthVoteGuard \(guards.joined(separator: ","))",
                "TestingDirAuthVoteGuardIsStrict 1",
                "TestingMinExitFlagThreshold 0",
                "AuthDirVoteStableGuaranteeMinUptime 0",
                "V3AuthNIntervalsValid 2",
                // Onionbalance's --is-testnet assumes a 20 s voting interval.
                "TestingV3AuthInitialVotingInterval 20",
                "TestingV3AuthInitialVoteDelay 4",
                "TestingV3AuthInitialDistDelay 4",
                "V3AuthVotingInterval 20",
                "V3AuthVoteDelay 4",
                "V3AuthDistDelay 4",
                "TestingV3AuthVotingStartOffset \(votingOffset)",
            ]
        }
        return lines.joined(separator: "\n") + "\n"
    }
}
