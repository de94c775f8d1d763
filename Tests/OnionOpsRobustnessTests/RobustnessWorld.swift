import Foundation
import OnionOpsTestSupport

/// `make robustness` sets `ONIONOPS_ROBUSTNESS=1`; `make test` skips these
/// long suites. They need root: the daemons run as their own users.
enum RobustnessWorld {
    static var isEnabled: Bool {
        ProcessInfo.processInfo.environment["ONIONOPS_ROBUSTNESS"] == "1" && Command.isRoot
    }

    /// A whole-number setting from the environment, or `fallback`.
    static func count(_ name: String, _ fallback: Int) -> Int {
        ProcessInfo.processInfo.environment[name].flatMap(Int.init) ?? fallback
    }

    /// A seed from `ONIONOPS_SEED`, else a fresh one; printed so a failing
    /// run can be repeated.
    static func seed(_ label: String) -> UInt64 {
        let seed =
            ProcessInfo.processInfo.environment["ONIONOPS_SEED"].flatMap(UInt64.init)
            ?? UInt64.random(in: 1...UInt64(UInt32.max))
        report("\(label): seed \(seed) (ONIONOPS_SEED=\(seed) repeats it)")
        return seed
    }

    static func report(_ line: String) {
        print("[robustness] \(line)")
    }
}
