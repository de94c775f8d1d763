/// One action of a host's apply, run by the executor over the host's
/// transport. Gates (`test`, `verify`, `check`) fail the apply; a failed
/// gate rolls the host back.
public enum ApplyStep: Sendable, Hashable, CustomStringConvertible {
    /// Wave 1: folders, and every file no daemon check reads before it is
    /// live (keys, TLS material, ob_config). Written atomically.
    case prepare([HostOperation])
    /// Configs written beside their targets, for each daemon's own check
    /// to read before it goes live; every staged config of a phase goes in
    /// one batch (one round trip), since nothing reads a staged copy until
    /// its check.
    case stage([ManagedFile])
    /// `nginx -t` on a config file (staged or live).
    case testNginx(project: String, config: String)
    /// The key files of each onion service folder (folder -> address) are
    /// whole and agree with the address: tor exits on a LOADCONF with a key
    /// it cannot parse.
    case checkKeys(DaemonInstance, hostnames: [String: String])
    /// `tor --verify-config` as tor's user on a torrc (staged or live).
    case verifyTor(DaemonInstance, torrc: String)
    /// The publisher's config (staged) names valid onions and every key it
    /// names is in place: Onionbalance exits on a HUP with a bad config.
    case verifyPublisher(balancer: String, config: ManagedFile)
    /// Staged configs become live (atomic rename); the staged copies go.
    case swap([ManagedFile])
    /// LOADCONF on a running tor's control socket: a bad config is refused
    /// and the running one kept (a bare HUP would make tor exit).
    case loadConf(DaemonInstance, torrc: ManagedFile)
    case start(DaemonInstance)
    /// nginx: HUP (new workers); publisher: LOADCONF its tor, HUP Onionbalance.
    case reload(DaemonInstance)
    /// nginx answers on the project's sockets; with `proxyProtocol` (the
    /// project exports circuit ids) it expects a PROXY header first.
    case checkNginx(project: String, proxyProtocol: Bool)
    /// tor runs and each onion service folder's `hostname` holds the
    /// expected address (service folder -> address).
    case checkTor(DaemonInstance, hostnames: [String: String])
    /// Onionbalance runs, or cannot publish only for want of a consensus.
    case checkPublisher(balancer: String)
    case stop(DaemonInstance)
    /// Files, then folders (deepest first, each only if empty), that the
    /// inventory lists and the new state does not.
    case remove(files: [String], folders: [String])

    public var description: String {
        switch self {
        case .prepare(let operations): "prepare \(operations.count) folders and files"
        case .stage(let files): "stage \(files.map(\.path).joined(separator: ", "))"
        case .testNginx(let project, _): "nginx -t (\(project))"
        case .checkKeys(let instance, _): "check keys of \(instance)"
        case .verifyTor(let instance, _): "tor --verify-config (\(instance))"
        case .verifyPublisher(let balancer, _): "check Onionbalance config (\(balancer))"
        case .swap(let files): "swap in \(files.map(\.path).joined(separator: ", "))"
        case .loadConf(let instance, _): "LOADCONF \(instance)"
        case .start(let instance): "start \(instance)"
        case .reload(let instance): "reload \(instance)"
        case .checkNginx(let project, _): "check nginx-\(project) answers"
        case .checkTor(let instance, _): "check \(instance) hostnames"
        case .checkPublisher(let balancer): "check ob-\(balancer)"
        case .stop(let instance): "stop \(instance)"
        case .remove(let files, let folders): "remove \(files.count) files and \(folders.count) folders"
        }
    }

    /// Where a config is staged: beside its target, so the rename that
    /// makes it live stays on one file system.
    public static func stagedPath(_ path: String) -> String { path + ".onionops-staged" }
}
