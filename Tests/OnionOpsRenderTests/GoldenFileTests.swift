import Foundation
import OnionOpsCore
import OnionOpsRender
import OnionOpsTestSupport
import Testing

/// Rendered files of every topology, byte for byte, against files checked
/// in under Golden/<topology>/<host>/. A `METADATA` file per host records
/// each folder's and file's mode, owner and daemon.
///
/// After an intended change: `ONIONOPS_UPDATE_GOLDEN=1 swift test --filter
/// GoldenFileTests`, then review the diff.
@Suite("golden files")
struct GoldenFileTests {
    static let goldenRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Golden")
    static let updating = ProcessInfo.processInfo.environment["ONIONOPS_UPDATE_GOLDEN"] == "1"

    @Test("every topology renders exactly its golden files", arguments: RenderFixtures.topologyNames)
    func golden(name: String) async throws {
        let state = try await RenderFixtures.render(name, try await RenderFixtures.topology(name))
        let folder = Self.goldenRoot.appendingPathComponent(name)
        var expected: [String: Data] = [:]
        for host in state.hosts {
            // Secret key files are checked by the placement tests, not kept
            // as golden files.
            for file in host.files where !file.isSecret {
                expected["\(host.host)\(file.path)"] = Data(file.content)
            }
            expected["\(host.host)/METADATA"] = Data(Self.metadata(host).utf8)
        }

        if Self.updating {
            try? FileManager.default.removeItem(at: folder)
            for (path, data) in expected {
                let url = folder.appendingPathComponent(path)
                try FileManager.default.createDirectory(
                    at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
                try data.write(to: url)
            }
            return
        }

        let onDisk = try Self.files(under: folder)
        #expect(Set(onDisk.keys) == Set(expected.keys), "golden files missing or extra for \(name)")
        for (path, data) in expected.sorted(by: { $0.key < $1.key }) {
            guard let golden = onDisk[path] else { continue }
            #expect(golden == data, "\(name)/\(path) differs from its golden file")
        }
    }

    @Test("rendering is deterministic")
    func deterministic() async throws {
        let topology = try await RenderFixtures.topology("softmap-ha")
        let first = try await RenderFixtures.render("softmap-ha", topology)
        let second = try await RenderFixtures.render("softmap-ha", topology)
        #expect(first == second)
    }

    static func metadata(_ host: HostDesiredState) -> String {
        var lines = ["# root \(host.root)", "# instances \(host.instances.map(\.description).joined(separator: " "))"]
        for directory in host.directories {
            lines.append("dir  \(String(directory.mode, radix: 8)) \(directory.owner) \(directory.path)")
        }
        for file in host.files {
            let instance = file.instance.map(\.description) ?? "-"
            let secret = file.isSecret ? " (secret)" : ""
            lines.append("file \(String(file.mode, radix: 8)) \(file.owner) \(instance) \(file.path)\(secret)")
        }
        return lines.joined(separator: "\n") + "\n"
    }

    static func files(under folder: URL) throws -> [String: Data] {
        var result: [String: Data] = [:]
        guard
            let enumerator = FileManager.default.enumerator(at: folder, includingPropertiesForKeys: [.isRegularFileKey])
        else { return result }
        let prefix = folder.path + "/"
        for case let url as URL in enumerator
        where (try? url.resourceValues(forKeys: [.isRegularFileKey]).isRegularFile) == true {
            result[String(url.path.dropFirst(prefix.count))] = try Data(contentsOf: url)
        }
        return result
    }
}
