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

/// SplitMix64: a small seeded generator, so a run can be repeated.
struct SeededGenerator: RandomNumberGenerator {
    var state: UInt64

    init(seed: UInt64) { state = seed }

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
