import Foundation
import OnionOpsCore
import OnionOpsKeys
import OnionOpsSecrets
import OnionOpsTestSupport

/// Keys and certificates made in-process, against the tools operators use
/// today: a tor process per key (as EOTK and Onionspray do) and an openssl
/// process per certificate, measured in the same run.
enum KeyBench {
    static let count = 1000
    /// Baselines spawn one process per item; they run on a sample and are
    /// reported per item and scaled to `count`, saying so.
    static let torSample = 50
    static let opensslSample = 100

    static func rows() async throws -> [[String]] {
        let clock = ContinuousClock()
        let folder = try TemporaryFolder(prefix: "oo-kb")
        defer { folder.remove() }

        // Generation, in-process.
        var start = clock.now
        var keys: [OnionKey] = []
        for _ in 0..<count { keys.append(OnionKey.generate()) }
        _ = keys.map(\.address)
        let generate = seconds(clock.now - start)

        // Sealing, in-process (the age format with swift-crypto).
        let identity = folder.path + "/id.txt"
        let keygen = try Command.run("/usr/bin/age-keygen", ["-o", identity])
        guard keygen.succeeded, let recipient = keygen.output.split(separator: " ").last else {
            throw SandboxTree.Failure(description: "age-keygen: \(keygen.output)")
        }
        try FileManager.default.createDirectory(atPath: folder.path + "/keys", withIntermediateDirectories: true)
        try "\(recipient.trimmingCharacters(in: .whitespacesAndNewlines))\n".write(
            toFile: folder.path + "/keys/recipients.txt",
            atomically: true,
            encoding: .utf8
        )
        // Written as `keys tls` writes: one file-system sync after the
        // batch (an fsync per file costs ~2 ms here, more than sealing).
        var store = SealedKeyStore(folder: folder.path + "/keys")
        store.syncEachFile = false
        start = clock.now
        for key in keys { _ = try await store.seal(key) }
        let seal = seconds(clock.now - start)
        start = clock.now
        try store.sync()
        let sync = seconds(clock.now - start)

        // Certificates, in-process.
        let factory = TLSCertificateFactory(lifetimeDays: 365)
        start = clock.now
        for key in keys { _ = try factory.makeCertificate(for: key.address, subdomains: ["www"], now: Date()) }
        let certificates = seconds(clock.now - start)

        // Baseline: tor per key.
        let torScript = """
            set -e
            for i in $(seq \(torSample)); do
              d=\(folder.path)/tor/$i; mkdir -p $d/hs; chmod 700 $d/hs
              /usr/sbin/tor --quiet --SocksPort 0 --DisableNetwork 1 --DataDirectory $d --HiddenServiceDir $d/hs \\
                --HiddenServicePort '80 127.0.0.1:1' --GeoIPFile /dev/null --GeoIPv6File /dev/null & pid=$!
              n=0; until [ -s $d/hs/hostname ] || [ $n -ge 500 ]; do sleep 0.005; n=$((n+1)); done
              kill -9 $pid; wait $pid 2>/dev/null || true
              [ -s $d/hs/hostname ]
            done
            """
        start = clock.now
        let tor = try Command.run("/bin/bash", ["-c", torScript])
        let torSeconds = seconds(clock.now - start)
        guard tor.succeeded else { throw SandboxTree.Failure(description: "tor baseline: \(tor.output)") }

        // Baseline: openssl per certificate.
        let opensslScript = """
            set -e
            for i in $(seq \(opensslSample)); do
              openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 365 \\
                -keyout \(folder.path)/k.pem -out \(folder.path)/c.pem -subj /CN=x.onion \\
                -addext "subjectAltName=DNS:x.onion,DNS:*.x.onion" 2>/dev/null
            done
            """
        start = clock.now
        let openssl = try Command.run("/bin/bash", ["-c", opensslScript])
        let opensslSeconds = seconds(clock.now - start)
        guard openssl.succeeded else { throw SandboxTree.Failure(description: "openssl baseline: \(openssl.output)") }

        let torPerKey = torSeconds / Double(torSample)
        let opensslPerCertificate = opensslSeconds / Double(opensslSample)
        return [
            [
                "1,000 onion keys", String(format: "%.3f s", generate),
                String(
                    format: "tor per key: %.1f ms x 1,000 = %.1f s (%d sampled)", torPerKey * 1000, torPerKey * 1000,
                    torSample),
                String(format: "%.0fx faster", torPerKey * Double(count) / generate),
            ],
            [
                "1,000 keys sealed and written (age format, in-process)",
                String(format: "%.3f s + %.3f s sync", seal, sync),
                "`age` per key (before issue 14): 8.7 s for `keys tls` of 1,000 sites",
                String(format: "%.2f ms per key", seal * 1000 / Double(count)),
            ],
            [
                "1,000 TLS certificates", String(format: "%.3f s", certificates),
                String(
                    format: "openssl per cert: %.1f ms x 1,000 = %.1f s (%d sampled)",
                    opensslPerCertificate * 1000,
                    opensslPerCertificate * 1000,
                    opensslSample
                ),
                String(format: "%.0fx faster", opensslPerCertificate * Double(count) / certificates),
            ],
        ]
    }

    static func seconds(_ duration: Duration) -> Double {
        Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18
    }
}
