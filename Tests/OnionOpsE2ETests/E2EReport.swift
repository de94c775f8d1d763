/// The one-line summaries the end-to-end run prints, each prefixed
/// `[e2e]`, so a run's log can be grepped for timings and spreads.
enum E2EReport {
    static func seconds(_ value: Double) -> String {
        let tenths = Int((value * 10).rounded())
        return "\(tenths / 10).\(tenths % 10) s"
    }

    static func line(_ topology: String, _ text: String) {
        print("[e2e] \(topology): \(text)")
    }

    /// `name:count` pairs, most requests first.
    static func spread(_ counts: [String: Int]) -> String {
        counts.sorted { $0.value != $1.value ? $0.value > $1.value : $0.key < $1.key }
            .map { "\($0.key):\($0.value)" }.joined(separator: " ")
    }
}
