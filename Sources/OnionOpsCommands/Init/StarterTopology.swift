import ArgumentParser

/// The shapes `onionops init` starts a repository with.
enum StarterTopology: String, ExpressibleByArgument, CaseIterable, Sendable {
    /// One project; every host runs tor with the site's own key.
    case hardmap
    /// Backends with their own addresses behind one frontend that
    /// Onionbalance publishes from the first host.
    case softmap
    /// The same with two publishers, so losing one keeps the site up.
    case softmapHA = "softmap-ha"

    var defaultHosts: [String] {
        switch self {
        case .hardmap, .softmap: ["edge-1"]
        case .softmapHA: ["edge-1", "edge-2", "edge-3"]
        }
    }
}
