import Foundation
import OnionOpsCore
import OnionOpsTestSupport
import Testing

/// `onionops reconcile` as a person at a terminal sees it (under `script`,
/// a real pseudo-terminal), with NO_COLOR, and piped.
@Suite("reconcile's progress on a terminal", .enabled(if: Command.isRoot, "daemons run as their users"), .serialized)
struct LiveProgressCLITests {
    static let escape = "\u{1B}"
    /// Moving up over the live rows and erasing them: the redraw.
    static let redraw = "\u{1B}[2F\u{1B}[J"

    @Test(
        "live rows redrawn in place, in colour; NO_COLOR keeps the rows and drops the colour; a pipe gets the step log")
    func terminal() throws {
        let demo = try DemoCopy(prefix: "oo-lp")
        defer { demo.remove() }
        let manifests = demo.manifests
        let reconcile = [
            OnionOpsBinary.url.path, "reconcile", manifests, "--identity", RepositoryPaths.demoIdentity.path,
        ]

        /// Through `script`: stdout and stderr are the pseudo-terminal.
        func atTerminal(_ variables: [String]) throws -> String {
            let run = try Command.capture(
                "/usr/bin/env",
                ["-u", "NO_COLOR", "TERM=xterm"] + variables + [
                    "/usr/bin/script", "-qec", reconcile.joined(separator: " "), "/dev/null",
                ])
            #expect(run.exitCode == 0, "\(run.stdout)\(run.stderr)")
            return run.stdout
        }

        let coloured = try atTerminal([])
        #expect(coloured.contains(Self.redraw), "no live rows redrawn: \(coloured.debugDescription)")
        #expect(coloured.contains("\(Self.escape)[0;36m"), "no colour: \(coloured.debugDescription)")
        #expect(coloured.contains("edge-1: applied") && coloured.contains("edge-2: applied"))

        // A change to news' nginx, under NO_COLOR.
        try String(contentsOfFile: manifests + "/projects.yaml", encoding: .utf8)
            .replacingOccurrences(of: "value: onionops-demo}", with: "value: onionops-live}")
            .write(toFile: manifests + "/projects.yaml", atomically: true, encoding: .utf8)
        let plain = try atTerminal(["NO_COLOR=1"])
        #expect(plain.contains(Self.redraw), "no live rows redrawn: \(plain.debugDescription)")
        #expect(
            !plain.contains("\(Self.escape)[0;3") && !plain.contains("\(Self.escape)[1;3"), "\(plain.debugDescription)")
        #expect(plain.contains("edge-1: applied"), "\(plain)")

        // Piped: the line-per-step log on stderr, no escape at all.
        try String(contentsOfFile: manifests + "/projects.yaml", encoding: .utf8)
            .replacingOccurrences(of: "value: onionops-live}", with: "value: onionops-demo}")
            .write(toFile: manifests + "/projects.yaml", atomically: true, encoding: .utf8)
        let piped = try OnionOpsBinary.run(Array(reconcile.dropFirst()))
        #expect(piped.exitCode == 0, "\(piped.stdout)\(piped.stderr)")
        #expect(piped.stderr.contains("edge-1: ok "), "\(piped.stderr)")
        #expect(!(piped.stdout + piped.stderr).contains(Self.escape))
    }
}
