import Foundation
import OnionOpsCore
import OnionOpsHosts
import OnionOpsTestSupport
import Testing

/// Observing and updating a host costs the same few ssh exchanges with 10
/// managed files as with 1,000: every batch is one `ssh` run.
@Suite("SSH round trips")
struct SSHRoundTripTests {
    @Test("10 and 1,000 files take the same number of ssh runs", arguments: [10, 1000])
    func bounded(files count: Int) async throws {
        let sshd = try SSHTestHost(address: "127.0.0.2")
        defer { sshd.stop() }
        // ssh behind a wrapper that counts its runs.
        let counter = sshd.folder.path + "/ssh-runs"
        let wrapper = try sshd.folder.write(
            "ssh-counting",
            "#!/bin/sh\necho run >> \(counter)\nexec /usr/bin/ssh \"$@\"\n"
        )
        chmod(wrapper, 0o755)
        let host = SSHTransport(
            host: "counted",
            connection: sshd.connection,
            controlDirectory: sshd.controlDirectory,
            sshPath: wrapper
        )
        let files = (0..<count).map {
            ManagedFile(path: "/etc/onionops/many/f\($0).conf", text: "file \($0)\n", mode: 0o644)
        }
        // Update, observe, update one, observe again.
        try await host.apply([.makeDirectory(ManagedDirectory(path: "/etc/onionops/many"))] + files.map { .write($0) })
        let observed = try await host.stat(files.map(\.path))
        try await host.apply([.write(ManagedFile(path: files[0].path, text: "changed\n"))])
        let contents = try await host.read(files.map(\.path))

        #expect(observed.count == count)
        #expect(observed.values.allSatisfy { $0.mode == 0o644 && $0.sha256 != nil })
        #expect(contents.count == count)
        #expect(contents[files[0].path] == Array("changed\n".utf8))
        let runs = try String(contentsOfFile: counter, encoding: .utf8).split(separator: "\n").count
        #expect(runs == 4, "\(runs) ssh runs for \(count) files")
    }
}
