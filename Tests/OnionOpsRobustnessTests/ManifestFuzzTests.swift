import Foundation
import OnionOpsCore
import OnionOpsManifest
import OnionOpsRender
import OnionOpsTestSupport
import Testing

/// Hostile manifests: mutants of every Examples/ topology through intake,
/// validation, rendering and planning (10,000 and more, each timed), and a
/// sample of them through the real `onionops reconcile` onto sandbox hosts
/// that run the unmutated example: a mutant is refused whole, or applied
/// whole, or rolled back whole; never half.
@Suite(
    "hostile manifests",
    .enabled(if: RobustnessWorld.isEnabled, "set ONIONOPS_ROBUSTNESS=1 and run as root"),
    .serialized)
struct ManifestFuzzTests {
    struct Example: Sendable {
        var name: String
        var folder: String
        var files: [ManifestFile]
    }

    static func examples() async throws -> [Example] {
        var examples: [Example] = []
        for folder in try RepositoryPaths.exampleFolders() {
            let files = try await FolderManifestSource(path: folder.path).manifestFiles(maxBytes: 1 << 24)
            examples.append(Example(name: folder.lastPathComponent, folder: folder.path, files: files))
        }
        return examples
    }

    static func text(_ file: ManifestFile) -> String {
        if case .bytes(let bytes) = file.content { return String(decoding: bytes, as: UTF8.self) }
        return ""
    }

    /// One example with one of its files mutated.
    static func mutant(of example: Example, using mutator: inout ManifestMutator) -> (
        files: [ManifestFile], label: String
    ) {
        var files = example.files
        let index = Int.random(in: 0..<files.count, using: &mutator.random)
        let (text, operations) = mutator.mutate(Self.text(files[index]))
        files[index] = ManifestFile(path: files[index].path, text: text)
        return (files, "\(example.name)/\(files[index].path): \(operations.joined(separator: "; "))")
    }

    @Test("10,000+ mutants: no crash, none over 2 s, each refused with a located error or rendered and planned")
    func intake() async throws {
        let cases = RobustnessWorld.count("ONIONOPS_FUZZ_CASES", 10_400)
        let examples = try await Self.examples()
        try #require(examples.count >= 8)
        var mutator = ManifestMutator(seed: RobustnessWorld.seed("fuzz"))
        let clock = ContinuousClock()
        var refused = 0
        var accepted = 0
        var unlocated: [String] = []
        var slowest: (seconds: Double, label: String) = (0, "")
        var total = 0.0
        for index in 0..<cases {
            let example = examples[index % examples.count]
            let (files, label) = Self.mutant(of: example, using: &mutator)
            let start = clock.now
            let loaded = ManifestLoader().load(files)
            if loaded.isValid {
                let state = try Renderer(identities: TestBackendIdentities()).render(loaded.topology)
                for host in state.hosts {
                    _ = ApplyProgram(Planner().plan(host, on: HostSnapshot(host: host.host)))
                }
                accepted += 1
            } else {
                refused += 1
                // Every error names a file of the set, with a line.
                let names = Set(files.map(\.path))
                for error in loaded.diagnostics where error.severity == .error {
                    guard let location = error.location, names.contains(location.file), location.line >= 1 else {
                        unlocated.append("\(label): \(error)")
                        continue
                    }
                }
            }
            let elapsed = clock.now - start
            let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
            total += seconds
            if seconds > slowest.seconds { slowest = (seconds, label) }
            #expect(seconds < 10, "case \(index) took \(seconds) s: \(label)")
            if (index + 1) % 2_000 == 0 {
                RobustnessWorld.report("fuzz: \(index + 1)/\(cases) mutants")
            }
        }
        RobustnessWorld.report(
            "fuzz: \(cases) mutants of \(examples.count) examples: \(refused) refused, \(accepted) rendered and planned; "
                + "mean \(String(format: "%.1f", total / Double(cases) * 1000)) ms, slowest "
                + "\(String(format: "%.3f", slowest.seconds)) s (\(slowest.label.prefix(120)))")
        #expect(unlocated.isEmpty, "\(unlocated.count) errors without file:line, e.g. \(unlocated.prefix(5))")
        #expect(refused > cases / 10 && accepted > cases / 20, "the mutator is too tame or too wild")
    }

    @Test("mutants through the real reconcile: refused whole, applied whole, or rolled back whole")
    func noPartialApply() async throws {
        let refusedPerExample = RobustnessWorld.count("ONIONOPS_FUZZ_REFUSED_APPLIES", 15)
        let acceptedPerExample = RobustnessWorld.count("ONIONOPS_FUZZ_ACCEPTED_APPLIES", 3)
        let examples = try await Self.examples()
        var mutator = ManifestMutator(seed: RobustnessWorld.seed("fuzz-apply"))
        var outcomes: [String: Int] = [:]
        var slowestRefusal = 0.0
        for original in examples {
            let sandbox = try await FuzzSandbox(example: original)
            defer { sandbox.stopAll() }
            let example = sandbox.example
            let first = try sandbox.reconcile(sandbox.folder, revision: "original")
            try #require(first.exitCode == 0, "\(example.name): \(first.stdout)\(first.stderr)")
            var before = try await sandbox.fingerprint()
            var refused = 0
            var accepted = 0
            var attempts = 0
            while refused < refusedPerExample || accepted < acceptedPerExample, attempts < 2_000 {
                attempts += 1
                let (files, label) = Self.mutant(of: example, using: &mutator)
                // Host files are left alone here: a mutated root could
                // point the apply at this machine's own /etc.
                let changed = zip(files, example.files).filter { $0 != $1 }.map(\.0.path)
                guard !changed.contains(where: { $0.hasSuffix("/hosts.yaml") }) else { continue }
                let loaded = ManifestLoader().load(files)
                if loaded.isValid {
                    guard accepted < acceptedPerExample, loaded.topology.hosts == sandbox.hosts else { continue }
                    accepted += 1
                    let revision = "mutant-\(accepted)"
                    let folder = try sandbox.write(files)
                    let run = try sandbox.reconcile(folder, revision: revision)
                    let problems = try await sandbox.wholeness(allowed: ["original", revision])
                    outcomes["accepted, exit \(run.exitCode)", default: 0] += 1
                    #expect(
                        problems.isEmpty, "\(label): exit \(run.exitCode), then \(problems)\n\(run.stdout)\(run.stderr)"
                    )
                    let back = try sandbox.reconcile(sandbox.folder, revision: "original")
                    try #require(back.exitCode == 0, "\(example.name): back to the original: \(back.stdout)")
                    // Daemons the mutant restarted have new pids.
                    before = try await sandbox.fingerprint()
                } else {
                    guard refused < refusedPerExample else { continue }
                    refused += 1
                    let folder = try sandbox.write(files)
                    let run = try sandbox.reconcile(folder, revision: "refused")
                    slowestRefusal = max(slowestRefusal, run.seconds)
                    outcomes["refused, exit \(run.exitCode)", default: 0] += 1
                    #expect(run.exitCode == 1, "\(label): exit \(run.exitCode)")
                    #expect(run.seconds < 10, "\(label): \(run.seconds) s")
                    let after = try await sandbox.fingerprint()
                    #expect(after == before, "\(label): the hosts changed although it was refused")
                }
            }
            #expect(refused == refusedPerExample, "\(example.name): only \(refused) refused mutants found")
        }
        RobustnessWorld.report(
            "fuzz-apply: "
                + outcomes.sorted { $0.key < $1.key }.map { "\($0.key): \($0.value)" }.joined(separator: ", ")
                + "; slowest refusal \(String(format: "%.3f", slowestRefusal)) s")
    }
}
