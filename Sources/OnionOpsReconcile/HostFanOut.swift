public import OnionOpsCore

/// Work on many hosts, `parallel` at a time, results in the hosts' order:
/// what the no-op check, `status` and `history` do per host.
public enum HostFanOut {
    public static func map<Result: Sendable>(
        _ hosts: [Host], parallel: Int, _ body: @escaping @Sendable (Host) async -> Result
    ) async -> [Result] {
        var results: [Int: Result] = [:]
        await withTaskGroup(of: (Int, Result).self) { group in
            var next = 0
            func addNext() {
                guard next < hosts.count else { return }
                let index = next
                let host = hosts[index]
                next += 1
                group.addTask { (index, await body(host)) }
            }
            for _ in 0..<max(1, parallel) { addNext() }
            for await (index, result) in group {
                results[index] = result
                addNext()
            }
        }
        return hosts.indices.compactMap { results[$0] }
    }
}
