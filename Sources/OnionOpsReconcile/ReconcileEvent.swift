public import OnionOpsCore

/// Progress, as it happens, for the command line and the daemon's log.
public enum ReconcileEvent: Sendable {
    case planned(host: String, plan: HostPlan)
    case stepStarted(host: String, phase: ApplyPhase, step: ApplyStep)
    case stepFinished(host: String, step: ApplyStep, failure: String?, seconds: Double)
    case rollingBack(host: String, reason: String)
    case finished(HostReport)
    /// A transport operation on `host` began or ended (see
    /// `ObservedConnector`): when the host is being worked on.
    case hostIO(host: String, started: Bool)
}
