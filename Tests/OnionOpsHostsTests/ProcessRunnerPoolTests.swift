import Foundation
import OnionOpsHosts
import OnionOpsTestSupport
import Testing

/// The process runner waits for its children without holding a thread of
/// Swift's cooperative pool (one thread per core): 20 commands started at
/// once from 20 tasks on two threads all run at the same time.
@Suite("process runner")
struct ProcessRunnerPoolTests {
    /// Each child appends a byte to a shared file, then waits until all
    /// `count` children have, and gives up at a deadline 60 s after the
    /// test started (the same for all). With a blocking waitpid, each of
    /// the pool's few threads holds one child, the other tasks never start
    /// theirs, the children that did start give up at the deadline, and
    /// every later one finds it past: the test fails on their exit status,
    /// not on a timing.
    @Test("20 commands started at once all run at once (the wait blocks no pool thread)")
    func concurrentChildrenMeet() async throws {
        let folder = try TemporaryFolder(prefix: "oo-pool")
        defer { folder.remove() }
        let count = 20
        let counter = folder.path + "/arrived"
        let deadline = String(Int(Date().timeIntervalSince1970) + 60)
        let script = """
            printf x >> "$1"
            while [ "$(wc -c < "$1")" -lt \(count) ]; do
              [ "$(date +%s)" -ge "$2" ] && { echo "only $(wc -c < "$1") of \(count) arrived"; exit 1; }
              sleep 0.05
            done
            echo met
            """
        // Two threads of the test's own, like the pool on this machine's
        // two cores, but out of reach of the other tests of the run.
        let executor = FixedThreadExecutor(threads: 2)
        defer { executor.shutdown() }
        let statuses = try await withTaskExecutorPreference(executor) {
            try await withThrowingTaskGroup(of: Spawn.Captured.self) { group in
                for _ in 0..<count {
                    group.addTask {
                        try await Spawn.capture(
                            "/bin/sh", ["-c", script, "barrier", counter, deadline], environment: .minimal)
                    }
                }
                var all: [Spawn.Captured] = []
                for try await captured in group { all.append(captured) }
                return all
            }
        }
        #expect(statuses.count == count)
        for captured in statuses {
            #expect(captured.status == 0, "\(String(decoding: captured.stdout, as: UTF8.self))")
            #expect(String(decoding: captured.stdout, as: UTF8.self) == "met\n")
        }
    }

    @Test("input, output, errors and the exit status come back; the environment is only what was given")
    func captureRoundTrip() async throws {
        let captured = try await Spawn.capture(
            "/bin/sh", ["-c", "cat; echo oops >&2; env | sort; exit 3"], input: Array("hello\n".utf8),
            environment: ChildEnvironment(variables: ["ONLY": "this"]))
        #expect(captured.status == 3)
        let out = String(decoding: captured.stdout, as: UTF8.self)
        #expect(out.hasPrefix("hello\n"))
        #expect(out.contains("ONLY=this"))
        #expect(!out.contains("HOME="))
        #expect(String(decoding: captured.stderr, as: UTF8.self) == "oops\n")
    }

    @Test("a child inherits no descriptor beyond its standard three")
    func noInheritedDescriptors() async throws {
        let folder = try TemporaryFolder(prefix: "oo-fds")
        defer { folder.remove() }
        // A descriptor of ours without close-on-exec.
        let fd = open(folder.path + "/held", O_CREAT | O_RDWR, 0o600)
        defer { close(fd) }
        let captured = try await Spawn.capture("/bin/ls", ["/proc/self/fd"], environment: .minimal)
        let listed = String(decoding: captured.stdout, as: UTF8.self).split(separator: "\n").compactMap { Int($0) }
        // 0, 1, 2 and the descriptor ls opened to read the folder.
        #expect(fd > 3)
        #expect(listed.filter { $0 > 2 }.count <= 1, "\(listed)")
    }
}
