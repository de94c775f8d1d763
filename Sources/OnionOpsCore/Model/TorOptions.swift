/// Per-project tor settings, comparable to Onionspray's.
public struct TorOptions: Sendable, Hashable {
    /// HiddenServiceNumIntroductionPoints, 3...20.
    public var introductionPoints: Int
    /// Single onion service (non-anonymous, one-hop circuits to intro points).
    public var singleOnion: Bool
    /// HiddenServiceMaxStreams, 0 (unlimited) ... 65535.
    public var maxStreams: Int
    public var maxStreamsCloseCircuit: Bool
    public var exportCircuitID: CircuitIDExport
    public var proofOfWork: ProofOfWork
    public var introDoSDefense: IntroDoSDefense

    public init(
        introductionPoints: Int = 3,
        singleOnion: Bool = false,
        maxStreams: Int = 0,
        maxStreamsCloseCircuit: Bool = false,
        exportCircuitID: CircuitIDExport = .none,
        proofOfWork: ProofOfWork = ProofOfWork(),
        introDoSDefense: IntroDoSDefense = IntroDoSDefense()
    ) {
        self.introductionPoints = introductionPoints
        self.singleOnion = singleOnion
        self.maxStreams = maxStreams
        self.maxStreamsCloseCircuit = maxStreamsCloseCircuit
        self.exportCircuitID = exportCircuitID
        self.proofOfWork = proofOfWork
        self.introDoSDefense = introDoSDefense
    }

    public static let introductionPointRange = 3...20
    public static let maxStreamsRange = 0...65535
}

/// HiddenServiceExportCircuitID.
public enum CircuitIDExport: String, Sendable, Hashable, Codable, CaseIterable {
    case none
    /// A PROXY v1 header ahead of each stream; nginx listens with proxy_protocol.
    case haproxy
}

/// HiddenServicePoWDefensesEnabled and its queue settings.
public struct ProofOfWork: Sendable, Hashable {
    public var enabled: Bool
    public var queueRate: Int?
    public var queueBurst: Int?

    public init(enabled: Bool = false, queueRate: Int? = nil, queueBurst: Int? = nil) {
        self.enabled = enabled
        self.queueRate = queueRate
        self.queueBurst = queueBurst
    }
}

/// HiddenServiceEnableIntroDoSDefense and its token bucket.
public struct IntroDoSDefense: Sendable, Hashable {
    public var enabled: Bool
    public var ratePerSecond: Int?
    public var burstPerSecond: Int?

    public init(enabled: Bool = false, ratePerSecond: Int? = nil, burstPerSecond: Int? = nil) {
        self.enabled = enabled
        self.ratePerSecond = ratePerSecond
        self.burstPerSecond = burstPerSecond
    }
}
