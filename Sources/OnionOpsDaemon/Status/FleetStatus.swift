public import Foundation
public import OnionOpsCore
public import OnionOpsReconcile

/// What the status page shows, gathered by `watch` as it works: each host's
/// health as last read (after every apply and every drift check), its last
/// reconcile, what serves each project, each publisher's own report, the
/// topology drawn by Graphviz, and the revisions it refused.
public struct FleetStatus: Sendable {
    public struct Reconcile: Sendable, Equatable {
        public var at: Date
        public var revision: String
        public var status: String
        public var failure: String?

        public init(at: Date, revision: String, status: String, failure: String? = nil) {
            self.at = at
            self.revision = revision
            self.status = status
            self.failure = failure
        }
    }

    public struct Host: Sendable {
        public var name: String
        /// nil until the first read after start.
        public var health: HostHealth?
        public var lastReconcile: Reconcile?
        /// Changes the last drift check found (files, folders, daemons).
        public var driftChanges: Int?
    }

    /// A project: the hosts that serve it, its onions, and for a softmap
    /// the publishers of its frontends.
    public struct Project: Sendable, Equatable {
        public var name: String
        public var mode: String
        public var hosts: [String]
        public var onions: [String]
        /// Balancer name -> its publisher hosts.
        public var balancers: [String: [String]]

        public init(name: String, mode: String, hosts: [String], onions: [String], balancers: [String: [String]]) {
            self.name = name
            self.mode = mode
            self.hosts = hosts
            self.onions = onions
            self.balancers = balancers
        }

        /// The projects of a topology, in its order.
        public static func of(_ topology: Topology) -> [Project] {
            topology.projects.map { project in
                var balancers: [String: [String]] = [:]
                for balancer in topology.balancers where balancer.project == project.name {
                    balancers[balancer.name] = balancer.hosts
                }
                return Project(
                    name: project.name, mode: project.mode.rawValue, hosts: project.placement.hosts,
                    onions: project.sites.map(\.onion), balancers: balancers)
            }
        }
    }

    public struct Refusal: Sendable, Equatable {
        public var at: Date
        public var revision: String
        public var reason: String
    }

    /// How many refused revisions the page keeps.
    public static let refusalsKept = 10

    public var revision: String?
    public var lastResult = "starting"
    public var hosts: [Host] = []
    public var projects: [Project] = []
    public var refused: [Refusal] = []
    /// The drift check's interval: the page refreshes at that pace.
    public var refreshSeconds = 60
    /// When the hosts were last read.
    public var read: Date?

    public init() {}

    /// The entry for `name`, made when first seen.
    public mutating func update(host name: String, _ change: (inout Host) -> Void) {
        if let index = hosts.firstIndex(where: { $0.name == name }) {
            change(&hosts[index])
        } else {
            var host = Host(name: name)
            change(&host)
            hosts.append(host)
        }
    }

    public mutating func refuse(_ revision: String, reason: String, at: Date) {
        refused.insert(Refusal(at: at, revision: revision, reason: reason), at: 0)
        if refused.count > Self.refusalsKept { refused.removeLast(refused.count - Self.refusalsKept) }
    }
}
