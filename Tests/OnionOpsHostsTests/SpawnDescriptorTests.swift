import Foundation
import OnionOpsHosts
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// `Spawn.start(passing:)`, which gives a browser its DevTools pipe: the
/// child finds the descriptors as 3, 4, ... in the order given.
@Suite("Spawn passes descriptors to a child")
struct SpawnDescriptorTests {
    @Test("two pipes' write ends arrive as 3 and 4, in order")
    func passedInOrder() async throws {
        var first: [Int32] = [0, 0]
        var second: [Int32] = [0, 0]
        try #require(pipe(&first) == 0)
        try #require(pipe(&second) == 0)
        let readers = [
            FileHandle(fileDescriptor: first[0], closeOnDealloc: true),
            FileHandle(fileDescriptor: second[0], closeOnDealloc: true),
        ]
        let pid = try Spawn.start(
            "/bin/sh", ["-c", "printf three >&3 && printf four >&4"], stdoutPath: "/dev/null",
            stderrPath: "/dev/null", passing: [first[1], second[1]])
        // The child has its copies; with ours closed, the reads below end
        // when the child does.
        close(first[1])
        close(second[1])
        #expect(await Spawn.exitStatus(of: pid) == 0)
        let texts = try readers.map { String(decoding: try $0.readToEnd() ?? Data(), as: UTF8.self) }
        #expect(texts == ["three", "four"])
    }
}
