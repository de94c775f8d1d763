public import OnionOpsCore

/// Whether a host's lock is held, and by whom, as `status` shows it.
public struct HostLockState: Sendable, Hashable, Encodable {
    /// `held`, `free`, or `unknown` (the host's /proc/locks is unreadable).
    public var state: String
    /// Who the record names, when it names anyone.
    public var holder: String?

    /// One line for `status`, or nil when there is nothing to say.
    public var summary: String? {
        switch (state, holder) {
        case ("held", let holder?): "held by \(holder)"
        case ("held", nil): "held"
        case ("unknown", let holder?): "last taken by \(holder) (whether it still holds it is unknown)"
        // A record with no flock behind it: a holder that died without
        // releasing, or one in another pid namespace, whose locks this
        // host's /proc/locks may not list.
        case ("free", let holder?): "not held; the last holder, \(holder), did not release it"
        default: nil
        }
    }
}

extension HostTransport {
    /// The lock's state, read without touching the lock: a probe that took
    /// it, even shared and for an instant, would refuse a reconciler trying
    /// at that moment.
    public func lockState(root: String) async throws(HostError) -> HostLockState {
        let path = try confined(HostLock.path, in: HostLayout(root: root))
        let output = try await run(["/bin/sh", "-c", LockScript.probe(path: path)], input: [])
        guard output.succeeded else {
            throw HostError(host: host, code: .io, message: "cannot read the lock state: \(output.stderr)")
        }
        let text = output.stdoutText
        let newline = text.firstIndex(of: "\n") ?? text.endIndex
        let state = String(text[..<newline])
        let record = newline < text.endIndex ? String(text[text.index(after: newline)...]) : ""
        let empty = record.allSatisfy { $0.isWhitespace }
        return HostLockState(
            state: ["held", "free", "unknown"].contains(state) ? state : "unknown",
            holder: empty ? nil : LockScript.describe(record: record))
    }
}
