/// A softmap backend tor, named as Onionbalance names its instance
/// (`project-host-instance`), with the control socket that tells which
/// requests it answered.
public struct SoftmapBackend: Sendable, Hashable {
    public var name: String
    public var host: String
    public var controlSocket: String
    public var cookieFile: String

    public init(name: String, host: String, controlSocket: String, cookieFile: String) {
        self.name = name
        self.host = host
        self.controlSocket = controlSocket
        self.cookieFile = cookieFile
    }

    /// The ids of its joined rendezvous circuits: one per client circuit it
    /// answered on (clients keep them open for minutes, so a snapshot
    /// after a request still holds it). Empty when its tor does not answer.
    public var rendezvousCircuits: Set<String> {
        TorControlProbe.joinedRendezvousCircuits(socket: controlSocket, cookie: cookieFile) ?? []
    }

    /// Every backend's circuits now, by backend name.
    public static func snapshot(_ backends: [SoftmapBackend]) -> [String: Set<String>] {
        Dictionary(uniqueKeysWithValues: backends.map { ($0.name, $0.rendezvousCircuits) })
    }

    /// The backends with a circuit in `after` that `before` did not have.
    public static func answered(before: [String: Set<String>], after: [String: Set<String>]) -> [String] {
        after.filter { !$0.value.subtracting(before[$0.key] ?? []).isEmpty }.map(\.key).sorted()
    }
}
