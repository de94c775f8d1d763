import ArgumentParser
import Foundation
import OnionOpsCore
import OnionOpsHosts
import OnionOpsImport
import OnionOpsKeys
import OnionOpsSecrets

/// `onionops import SRC... --out DIR`.
struct ImportCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "import",
        abstract: "Turn an EOTK or Onionspray deployment into a manifest folder, keys and all.",
        discussion: """
            SRC is any number of project files (*.conf, *.tconf templates) or EOTK/Onionspray \
            folders, which are searched for them, for secrets.d/ or secrets/ (onion keys), \
            projects.d/<p>.d/ssl.d/ or projects/<p>/ssl/ (certificates), eotk-site.conf (read in \
            front of every project file, as EOTK does) and eotk-workers.conf (one Host per line; \
            localhost is this machine). Files are read exactly as EOTK reads them: continuation \
            backslashes, whole-line comments only, `set` applying to the whole file.

            Every onion key is checked against its address and sealed to the recipients as \
            keys/<onion>.onion.age, so every site keeps its address; %NEW_V3_ONION% in a template \
            makes a new key, sealed the same way. Certificates are sealed as .tls.age (a CA-issued \
            chain makes tls.source: operator); onions without one get a self-signed certificate. \
            Softmap projects get a new backend secret: Onionbalance hides the change of backend \
            addresses. No plaintext key is written anywhere.

            The report lists every setting and map line by file:line as mapped (to which key), \
            defaulted (EOTK's default written out where OnionOps' differs), unsupported (with the \
            reason) or ignored (EOTK's internals). Nothing is written if a line is an error; DIR \
            must not exist or be empty; the folder appears only once complete.

            Exit codes: 0 imported; 1 errors (nothing written), the output does not validate, or \
            --strict and something is unsupported (the folder is written, for a look).
            """
    )

    @Argument(help: ArgumentHelp("Project files or EOTK/Onionspray folders.", valueName: "src"))
    var sources: [String]

    @Option(name: .long, help: ArgumentHelp("The manifest folder to write (new or empty).", valueName: "dir"))
    var out: String

    @Option(
        name: .long,
        help: ArgumentHelp("age recipients (age1...) to seal keys to; becomes keys/recipients.txt.", valueName: "file"))
    var recipients: String

    @Option(name: .long, help: ArgumentHelp("The workers file, if not beside the project files.", valueName: "file"))
    var workers: String?

    @Option(name: .long, help: ArgumentHelp("Without a workers file: the one Host's name.", valueName: "name"))
    var host: String = "edge-1"

    @Option(
        name: .long,
        help: ArgumentHelp(
            "Write sandbox hosts (local folders under DIR, direct supervision) instead of SSH hosts, to try the result on this machine.",
            valueName: "dir"))
    var sandbox: String?

    @Flag(name: .long, help: "Exit 1 if any setting or line is unsupported.")
    var strict = false

    @Option(name: .long, help: "Report format: text or json.")
    var output: OutputFormat = .text

    init() {}

    func validate() throws {
        guard ConfigText.isValidName(host) else {
            throw ValidationError("--host '\(host)' is not a host name (lowercase letters, digits, hyphens)")
        }
        if let sandbox, !sandbox.hasPrefix("/") { throw ValidationError("--sandbox must be an absolute path") }
    }

    func run() async throws {
        let sources = self.sources
        let scanned: InstallationScanner.Sources
        do {
            scanned = try await BlockingPool.shared.run { () throws(InstallationScanner.Failure) in
                try InstallationScanner.sources(sources)
            }
        } catch {
            Console.err(error.diagnostic.description)
            throw ExitCode(1)
        }
        let read = EOTKReader.read(
            scanned.projectFiles, siteConf: scanned.siteConf, environment: ProcessInfo.processInfo.environment)
        let configurations = read.configurations
        let roots = scanned.roots
        let newKeys = read.newKeys
        let workersFile = workers
        let (material, materialProblems) = await BlockingPool.shared.run {
            InstallationScanner.material(for: configurations, roots: roots, newKeys: newKeys, workersFile: workersFile)
        }
        var plan = ImportBuilder.build(
            configurations, material: material, options: ImportOptions(hostName: host, sandboxRoot: sandbox))
        plan.report.diagnostics = read.diagnostics + materialProblems + plan.report.diagnostics
        plan.report.output = out
        guard !plan.report.diagnostics.hasErrors else {
            printReport(plan.report)
            Console.err("import: nothing written: fix the errors above and run it again")
            throw ExitCode(1)
        }
        do {
            plan.report.sealed = try await write(plan)
        } catch let error as ImportWriteError {
            Console.err("error: \(error.message) [import-output]")
            throw ExitCode(1)
        }
        plan.report.nextSteps.append(
            "onionops validate \(out) && onionops keys check \(out) --identity <your age identity>")
        plan.report.nextSteps.append("git init, commit and push \(out); then onionops reconcile --dry-run")
        let intake = await ManifestIntake.load(out)
        if intake.isValid {
            // Onions that came without a certificate get a self-signed one.
            plan.report.sealed += try await KeysTLSCommand.makeMissing(
                in: ManifestSet(path: out, topology: intake.topology))
        }
        printReport(plan.report)
        if !intake.isValid {
            DiagnosticReport.printText(intake, source: out)
            Console.err("import: \(out) was written but does not validate: fix the lines above")
            throw ExitCode(1)
        }
        if strict && plan.report.hasUnsupported {
            Console.err("import: --strict: some settings are unsupported (see the report)")
            throw ExitCode(1)
        }
    }

    private func printReport(_ report: ImportReport) {
        switch output {
        case .json:
            Console.out(JSONOutput.render(report))
        case .text:
            for diagnostic in report.diagnostics.sortedByLocation() { Console.err(diagnostic.description) }
            for entry in report.entries {
                let place = entry.location.map { "\($0)" } ?? "\(entry.file) (\(entry.project ?? "default"))"
                var line = "\(place): \(entry.status): \(entry.statement)"
                if !entry.keys.isEmpty { line += " -> " + entry.keys.joined(separator: ", ") }
                if let reason = entry.reason { line += " (\(reason))" }
                Console.out(line)
            }
            for summary in report.summaries {
                Console.out(
                    "\(summary.file): \(summary.mapped) mapped, \(summary.defaulted) defaulted, \(summary.unsupported) unsupported, \(summary.ignored) ignored"
                )
            }
            for line in report.sealed { Console.err(line) }
            if !report.nextSteps.isEmpty {
                Console.out("next:")
                for step in report.nextSteps { Console.out("  - \(step)") }
            }
        }
    }

    struct ImportWriteError: Error { var message: String }

    /// Everything goes into a staging folder beside DIR, moved into place
    /// once complete: a failure leaves no half-imported folder.
    private func write(_ plan: ImportPlan) async throws -> [String] {
        let out = self.out
        let recipientsFile = self.recipients
        let recipients = try await BlockingPool.shared.run { () throws(ImportWriteError) -> String in
            let manager = FileManager.default
            if let existing = try? manager.contentsOfDirectory(atPath: out), !existing.isEmpty {
                throw ImportWriteError(message: "\(out) is not empty; import writes a new folder")
            }
            guard let data = manager.contents(atPath: recipientsFile), let text = String(data: data, encoding: .utf8)
            else { throw ImportWriteError(message: "\(recipientsFile): cannot be read") }
            for line in text.split(separator: "\n") {
                let trimmed = line.trimmingCharacters(in: .whitespaces)
                if trimmed.isEmpty || trimmed.hasPrefix("#") { continue }
                if let problem = SealedKeyStore.recipientProblem(trimmed) {
                    throw ImportWriteError(message: "\(recipientsFile): \(problem)")
                }
            }
            guard !SealedKeyStore.parseRecipients(text).isEmpty else {
                throw ImportWriteError(message: "\(recipientsFile) names no age recipient")
            }
            return text
        }
        let staged = StagedFolder(target: out)
        do {
            try await staged.write(
                plan.files.map { ($0.path, $0.text, false) }, recipients: recipients, keysFolder: "keys")
        } catch {
            throw ImportWriteError(message: error.message)
        }
        var sealed: [String] = []
        do {
            let store = SealedKeyStore(folder: staged.staging + "/keys")
            for key in plan.onionKeys {
                _ = try await store.seal(key)
                sealed.append("sealed \(out)/keys/" + SealedKeyStore.fileName(for: key.address))
            }
            for pair in plan.tlsPairs {
                let owner: TLSOwner =
                    switch pair.owner {
                    case .site(let address): .site(address)
                    case .project(let name): .project(name)
                    }
                _ = try await store.sealTLS(certificatePEM: pair.certificatePEM, keyPEM: pair.keyPEM, for: owner)
                sealed.append("sealed \(out)/keys/\(owner.fileName) from \(pair.source)")
            }
            for project in plan.softmapProjects {
                _ = try await store.sealBackendSecret(BackendKeyDerivation.generateProjectSecret(), project: project)
                sealed.append(
                    "sealed \(out)/keys/" + SealedKeyStore.backendSecretFileName(project: project)
                        + " (new backend secret)")
            }
        } catch {
            await staged.discard()
            throw ImportWriteError(message: "sealing: \(error)")
        }
        do {
            try await staged.publish()
        } catch {
            throw ImportWriteError(message: error.message)
        }
        return sealed
    }
}
