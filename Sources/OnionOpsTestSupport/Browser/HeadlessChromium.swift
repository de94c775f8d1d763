import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// Debian's Chromium, headless, for a test that browses onions the way a
/// user would: every connection through a Tor SOCKS port, no name resolved
/// on this machine, nothing sent of its own accord, a fresh profile, and
/// DevTools on a pipe (`DevToolsSession`), not a port.
public final class HeadlessChromium: Sendable {
    /// The browser itself, not /usr/bin/chromium: that launcher script
    /// sources /etc/chromium.d (Google API keys, bundled extensions), which
    /// a test browser must not pick up.
    public static let executable = "/usr/lib/chromium/chromium"

    public static var isAvailable: Bool { FileManager.default.isExecutableFile(atPath: executable) }

    public let process: BackgroundProcess
    /// The browser's own record of every request (`--log-net-log`),
    /// complete once the browser has exited.
    public let netLogPath: String
    private let fromBrowser: Int32
    private let toBrowser: Int32

    /// Starts the browser with a fresh profile in `profile` (a new folder:
    /// cookies and cache go there) and its logs under `folder`.
    /// `certificatePins`: base64 SHA-256 hashes of the SubjectPublicKeyInfo
    /// of the only self-signed certificates it may accept.
    public init(folder: String, profile: String, socksPort: Int, certificatePins: [String]) throws {
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        try FileManager.default.createDirectory(atPath: profile, withIntermediateDirectories: false)
        netLogPath = folder + "/net-log.json"
        // Two pipes: the browser reads commands on its 3 and writes on its 4.
        var commands: [Int32] = [0, 0]
        var answers: [Int32] = [0, 0]
        guard pipe(&commands) == 0 else { throw Self.failure("pipe") }
        guard pipe(&answers) == 0 else {
            Glibc.close(commands[0])
            Glibc.close(commands[1])
            throw Self.failure("pipe")
        }
        // Spawn marks them close-on-exec too before any child starts; the
        // browser gets its two ends as 3 and 4 by dup2.
        for descriptor in commands + answers { _ = fcntl(descriptor, F_SETFD, FD_CLOEXEC) }
        do {
            process = try BackgroundProcess(
                Self.executable,
                Self.arguments(
                    profile: profile, netLog: netLogPath, socksPort: socksPort,
                    certificatePins: certificatePins),
                log: folder + "/chromium.log",
                passing: [commands[0], answers[1]]
            )
        } catch {
            for descriptor in commands + answers { Glibc.close(descriptor) }
            throw error
        }
        // The child has its own copies; ours would keep the pipe open
        // after the browser exits.
        Glibc.close(commands[0])
        Glibc.close(answers[1])
        toBrowser = commands[1]
        fromBrowser = answers[0]
    }

    /// The flags, each for a reason:
    /// - `--proxy-server=socks5://`: Chromium sends host names to a SOCKS5
    ///   proxy unresolved, so tor resolves `.onion`; the host resolver rule
    ///   makes any other lookup fail on this machine instead of asking DNS
    ///   (the SOCKS port's own address is an IP literal, never looked up).
    /// - `--ignore-certificate-errors-spki-list`: the onion's certificate
    ///   is self-signed; accept exactly its key, not every bad certificate
    ///   (`--ignore-certificate-errors` would). It needs `--user-data-dir`.
    /// - background networking, component and extension updates, sync,
    ///   first-run, crash reporting, field trials, domain reliability,
    ///   network time, safe browsing and pings off: the browser should
    ///   request nothing the test did not ask for. Two requests of its own
    ///   survive every flag (see BrowserOverTorTests.browserOwn).
    /// - `--no-sandbox`: Chromium refuses to run as root with its sandbox
    ///   (the end-to-end tests run as root).
    /// - `--disable-dev-shm-usage`: /dev/shm may be small in containers.
    static func arguments(profile: String, netLog: String, socksPort: Int, certificatePins: [String]) -> [String] {
        var arguments = [
            "--headless", "--remote-debugging-pipe", "--user-data-dir=\(profile)",
            "--proxy-server=socks5://127.0.0.1:\(socksPort)",
            "--host-resolver-rules=MAP * ~NOTFOUND , EXCLUDE 127.0.0.1",
            "--ignore-certificate-errors-spki-list=\(certificatePins.joined(separator: ","))",
            "--log-net-log=\(netLog)", "--net-log-capture-mode=Default",
            "--no-first-run", "--no-default-browser-check", "--disable-background-networking",
            "--disable-component-update", "--disable-extensions", "--disable-sync", "--disable-default-apps",
            "--disable-breakpad", "--disable-crash-reporter", "--disable-domain-reliability",
            "--disable-client-side-phishing-detection", "--disable-field-trial-config", "--disable-pings",
            "--safebrowsing-disable-auto-update", "--metrics-recording-only", "--no-pings",
            "--disable-component-extensions-with-background-pages",
            "--disable-features=NetworkTimeServiceQuerying,OptimizationHints,MediaRouter,Translate,AutofillServerCommunication,"
                + "CertificateTransparencyComponentUpdater,InterestFeedContentSuggestions",
            "--disable-dev-shm-usage", "--disable-gpu", "--window-size=1024,768", "--mute-audio",
        ]
        if getuid() == 0 { arguments.append("--no-sandbox") }
        arguments.append("about:blank")
        return arguments
    }

    /// Runs `body` with a DevTools session on the browser's pipe; once
    /// only (the session owns the pipe's descriptors).
    public func session<Result: Sendable>(_ body: (DevToolsSession) async throws -> Result) async throws -> Result {
        try await DevToolsSession.with(fromBrowser: fromBrowser, toBrowser: toBrowser, body)
    }

    /// Waits up to `seconds` for the browser to exit (after
    /// `Browser.close`), then SIGTERM, then SIGKILL, by its pid.
    public func stop(within seconds: Double = 5) async {
        let deadline = Date().addingTimeInterval(seconds)
        while process.isRunning, Date() < deadline {
            try? await Task.sleep(for: .milliseconds(100))
        }
        process.stop(grace: 3)
    }

    private static func failure(_ call: String) -> SandboxTree.Failure {
        SandboxTree.Failure(description: "\(call): \(String(cString: strerror(errno)))")
    }
}
