import Foundation
import OnionOpsTestSupport
import Testing

/// `make security` sets `ONIONOPS_SECURITY=1`; `make test` skips these
/// suites. They need root: the attacker is a real daemon user (`runuser -u
/// debian-tor`, `www-data`, `onionbalance`, `nobody`) acting against root.
enum SecurityWorld {
    static var isEnabled: Bool {
        ProcessInfo.processInfo.environment["ONIONOPS_SECURITY"] == "1" && Command.isRoot
    }

    static let disabledReason: Comment = "set ONIONOPS_SECURITY=1 and run as root"

    static func report(_ line: String) {
        print("[security] \(line)")
    }
}
