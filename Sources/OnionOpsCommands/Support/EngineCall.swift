import ArgumentParser
import OnionOpsEngine
import OnionOpsSecrets

/// Runs an engine call and prints its error the way every command does:
/// invalid manifests as the diagnostic report (text or JSON), anything else
/// as `error:` and `hint:` lines; then exit 1.
enum EngineCall {
    static func run<T>(
        _ source: String, output: OutputFormat = .text, _ body: () async throws(EngineError) -> T
    ) async throws -> T {
        do {
            return try await body()
        } catch {
            report(error, source: source, output: output)
            throw ExitCode(1)
        }
    }

    static func report(_ error: EngineError, source: String, output: OutputFormat) {
        if error.code == .invalidManifests, let intake = error.intake {
            switch output {
            case .text: DiagnosticReport.printText(intake, source: source)
            case .json: Console.out(JSONOutput.render(DiagnosticReport(source: source, result: intake)))
            }
            return
        }
        Console.err("error: \(error.message)")
        if let hint = error.hint { Console.err("hint: \(hint)") }
    }
}

extension Engine {
    /// For commands that read no keys (`status`, `history`, `rollback`).
    static var keyless: Engine {
        Engine(identity: AgeIdentityLocation.resolve(flag: nil, environment: [:]))
    }
}
