import OnionOpsCore

/// Onionbalance's pid file, exit record and log, which both supervisors
/// keep in the same form (the direct wrapper, or the unit's ExecStartPost
/// and ExecStopPost): waiting for a start to settle and judging the state
/// work the same under either.
enum OnionbalanceProcess {
    /// Logged once Onionbalance has loaded its config and keys and reached
    /// its tor, just before it installs its signal handlers (until then a
    /// HUP or TERM kills it outright).
    static let initializedMarker = "Onionbalance initialized"

    static func state(transport: any HostTransport, balancer: String) async throws(HostError) -> PublisherState {
        let pidFile = HostLayout.onionbalancePidFile(balancer: balancer)
        let exitFile = HostLayout.onionbalanceExitFile(balancer: balancer)
        let files = try await transport.read([pidFile, exitFile])
        let pidText = files[pidFile].map { String(decoding: $0, as: UTF8.self) }
        var alive = false
        if let pid = pidText.flatMap(firstInt) {
            alive = try await transport.isAlive(pid)
        }
        return PublisherState.judge(
            pidText: pidText, alive: alive, exitRecord: files[exitFile].map { String(decoding: $0, as: UTF8.self) })
    }

    /// After a start: Onionbalance's pid once it has initialized, or once it
    /// has exited for want of a consensus (offline; `state` then says
    /// `cannotPublish`). Throws if it exits for any other reason or never
    /// writes a pid.
    static func waitUntilSettled(
        transport: any HostTransport, balancer: String, timeout: Duration = .seconds(15)
    ) async throws(HostError) -> Int32 {
        let pidFile = HostLayout.onionbalancePidFile(balancer: balancer)
        let exitFile = HostLayout.onionbalanceExitFile(balancer: balancer)
        let log = HostLayout.onionbalanceLog(balancer: balancer)
        let deadline = ContinuousClock.now + timeout
        var pid: Int32?
        while ContinuousClock.now < deadline {
            let files = try await transport.read([pidFile, exitFile, log])
            pid = pid ?? files[pidFile].map { String(decoding: $0, as: UTF8.self) }.flatMap(firstInt)
            if let pid {
                if let record = files[exitFile].map({ String(decoding: $0, as: UTF8.self) }),
                    PublisherState.exitRecordPid(record) == pid
                {
                    let state = PublisherState.judge(pidText: String(pid), alive: false, exitRecord: record)
                    if case .failed(let reason) = state {
                        throw HostError(
                            host: transport.host, code: .commandFailed,
                            message: "onionbalance \(balancer) exited: \(reason)")
                    }
                    return pid
                }
                if files[log].map({ String(decoding: $0, as: UTF8.self).contains(initializedMarker) }) == true {
                    return pid
                }
            }
            try await transport.pause(.milliseconds(50))
        }
        if let pid, try await transport.isAlive(pid) { return pid }
        throw HostError(
            host: transport.host, code: .commandFailed,
            message: "onionbalance \(balancer) did not start within \(timeout) (no live pid in \(pidFile))")
    }

    static func firstInt(_ text: String) -> Int32? {
        Int32(text.split(separator: "\n").first ?? "")
    }
}
