import Foundation
import OnionOpsTestSupport
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// A writer killed with SIGKILL at random moments, many times: the file is
/// always exactly the old or the new content, never torn.
@Suite("atomic writes under SIGKILL")
struct AtomicWriteTests {
    static let rounds = 100

    @Test("the file is always whole")
    func killedWriter() throws {
        let folder = try TemporaryFolder(prefix: "oo-kill")
        defer { folder.remove() }
        let fixture = OnionOpsBinary.url.deletingLastPathComponent().appendingPathComponent("onionops-fixture").path
        let target = folder.path + "/etc/onionops/victim"
        let whole: Set<Int> = [200_000, 50_000]
        var kills = 0
        for round in 0..<Self.rounds {
            let writer = try BackgroundProcess(
                fixture,
                ["write-loop", folder.path, "/etc/onionops/victim"],
                log: folder.path + "/writer.log"
            )
            // Let it get going, then kill it somewhere in a write.
            if round == 0 {
                #expect(writer.wait(upTo: 10) { FileManager.default.fileExists(atPath: target) }, "\(writer.log)")
            }
            usleep(UInt32.random(in: 1_000...30_000))
            writer.kill()
            kills += 1
            let content = try Data(contentsOf: URL(fileURLWithPath: target))
            let byte = content.first
            #expect(whole.contains(content.count), "torn file: \(content.count) bytes after kill \(kills)")
            #expect(content.allSatisfy { $0 == byte }, "mixed content after kill \(kills)")
        }
        #expect(kills == Self.rounds)
    }
}
