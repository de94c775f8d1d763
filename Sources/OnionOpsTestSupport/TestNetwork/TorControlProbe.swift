import OnionOpsHosts

/// Short questions to a running tor over its control socket (cookie
/// authentication), each on a connection of its own: a test asks rarely
/// and from any thread, and a connection is not Sendable.
public enum TorControlProbe {
    /// Bootstrap progress in percent (`status/bootstrap-phase`), or nil
    /// when tor does not answer (yet).
    public static func bootstrapProgress(socket: String, cookie: String) -> Int? {
        guard let reply = try? ask(socket: socket, cookie: cookie, "GETINFO status/bootstrap-phase"),
            let line = reply.lines.first(where: { $0.contains("PROGRESS=") }),
            let field = line.split(separator: " ").first(where: { $0.hasPrefix("PROGRESS=") })
        else { return nil }
        return Int(field.dropFirst("PROGRESS=".count))
    }

    /// The ids of the onion-service rendezvous circuits that have joined a
    /// client (`PURPOSE=HS_SERVICE_REND ... HS_STATE=HSSR_JOINED`): one per
    /// client circuit this service tor answered on. Nil when tor does not
    /// answer.
    public static func joinedRendezvousCircuits(socket: String, cookie: String) -> Set<String>? {
        guard let reply = try? ask(socket: socket, cookie: cookie, "GETINFO circuit-status") else { return nil }
        var ids: Set<String> = []
        for block in reply.lines {
            for line in block.split(separator: "\n")
            where line.contains("PURPOSE=HS_SERVICE_REND") && line.contains("HS_STATE=HSSR_JOINED") {
                // The status reply's first block starts with the key.
                let text = line.hasPrefix("circuit-status=") ? line.dropFirst("circuit-status=".count) : line
                if let id = text.split(separator: " ").first { ids.insert(String(id)) }
            }
        }
        return ids
    }

    /// `SIGNAL NEWNYM`: new circuits for new streams, and (what tests want)
    /// the client's onion descriptor cache and intro-point state purged, so
    /// the next fetch reads the descriptor now on the HSDirs.
    public static func newIdentity(socket: String, cookie: String) throws {
        let reply = try ask(socket: socket, cookie: cookie, "SIGNAL NEWNYM")
        guard reply.isOK else {
            throw TestNetwork.Failure(description: "NEWNYM refused: \(reply.lines.joined(separator: " "))")
        }
    }

    static func ask(socket: String, cookie: String, _ command: String) throws -> TorControlConnection.Reply {
        try TorControlConnection.askBlocking(socketPath: socket, cookieFile: cookie, command)
    }
}
