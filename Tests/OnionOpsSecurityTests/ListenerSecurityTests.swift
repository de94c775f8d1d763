import Foundation
import OnionOpsCore
import OnionOpsTestSupport
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// Class 4 of the hardening review: anyone who can reach `watch`'s HTTP
/// listener. `/trigger` needs the token, and no source of wake-ups (poll,
/// trigger, webhook) gets around the backoff or the rate limit.
@Suite("listener: watch's HTTP side", .enabled(if: SecurityWorld.isEnabled, SecurityWorld.disabledReason), .serialized)
struct ListenerSecurityTests {
    /// Lines in the daemon's log that start a reconcile of the folder.
    static func attempts(_ log: String) -> Int {
        log.components(separatedBy: "reconciling folder-").count - 1
    }

    @Test("POST /trigger without the token gets 401, starts nothing and is no refused revision; onionops trigger works")
    func triggerNeedsToken() throws {
        let harness = try RepositorySecurityHarness(prefix: "oo-lsec")
        defer { harness.tearDown() }
        let watch = try harness.watch([harness.manifests, "--interval", "3600", "--drift-interval", "3600"])
        defer { watch.stop() }
        #expect(harness.wait(90) { harness.get("/healthz").contains("applied") }, "\(watch.log)")
        let before = Self.attempts(watch.log)

        // A second process with no token, a wrong one, one that only
        // extends the real one, and the secret sent as another scheme.
        var statuses = [
            harness.post("/trigger"),
            harness.post("/trigger", ["-H", "Authorization: Bearer wrong"]),
            harness.post("/trigger", ["-H", "Authorization: Bearer \(harness.secret)x"]),
            harness.post("/trigger", ["-H", "Authorization: Basic \(harness.secret)"]),
            // Basic with the token as the password opens the status page,
            // never a POST (a browser would replay it for another site).
            harness.post("/trigger", ["-u", "x:\(harness.secret)"]),
        ]
        // And a real unprivileged local user.
        let nobody = try Command.run(
            as: "nobody", "/usr/bin/curl",
            ["-s", "-o", "/dev/null", "-w", "%{http_code}", "--max-time", "5", "-X", "POST", harness.url + "/trigger"])
        statuses.append(Int(nobody.output) ?? 0)
        SecurityWorld.report("F19 unauthenticated /trigger statuses: \(statuses)")
        #expect(statuses == [401, 401, 401, 401, 401, 401])
        usleep(2_000_000)
        #expect(Self.attempts(watch.log) == before, "an unauthenticated trigger started a reconcile: \(watch.log)")
        #expect(!watch.log.contains("on trigger"))
        let metrics = harness.get("/metrics")
        #expect(metrics.contains("onionops_http_unauthorized_total{path=\"/trigger\"} 6"), "\(metrics)")
        #expect(!metrics.contains("onionops_revisions_refused_total"), "a bad token is not a refused revision")

        // The real client, with the token from a file.
        let trigger = try OnionOpsBinary.run([
            "trigger", "--url", harness.url, "--token-file", harness.folder.path + "/secret",
        ])
        #expect(trigger.exitCode == 0, "\(trigger.stderr)")
        #expect(trigger.stdout.contains("reconcile queued"))
        #expect(harness.wait(30) { watch.log.contains("on trigger") }, "\(watch.log)")
        // A wrong token file: refused, said so, exit 1.
        let wrong = try Command.capture(
            "/usr/bin/env",
            ["ONIONOPS_TRIGGER_TOKEN_FILE=/dev/null", OnionOpsBinary.url.path, "trigger", "--url", harness.url])
        #expect(wrong.exitCode == 1)
    }

    @Test("a burst of 50 authenticated triggers against a failing revision: the backoff holds")
    func triggerBurstHoldsBackoff() throws {
        let harness = try RepositorySecurityHarness(prefix: "oo-lsec")
        defer { harness.tearDown() }
        // edge-2's nginx refuses every config check: each apply of this
        // revision fails its gate there and is rolled back.
        let wrapper = harness.folder.path + "/nginx-refusing-t"
        try
            "#!/bin/sh\nfor a in \"$@\"; do [ \"$a\" = -t ] && { echo 'nginx: [emerg] refused by the test' >&2; exit 1; }; done\nexec /usr/sbin/nginx \"$@\"\n"
            .write(toFile: wrapper, atomically: true, encoding: .utf8)
        chmod(wrapper, 0o755)
        try harness.addToSpec(of: "edge-2", "  nginx: {binary: \(wrapper)}\n")
        let watch = try harness.watch([harness.manifests, "--interval", "3600", "--drift-interval", "3600"])
        defer { watch.stop() }
        #expect(harness.wait(90) { watch.log.contains("edge-2: rolled-back") }, "\(watch.log)")
        let before = Self.attempts(watch.log)
        #expect(before == 1)

        // 50 triggers over about 3 s, each from its own curl.
        let burst = try Command.run(
            "/bin/sh",
            [
                "-c",
                """
                i=0; ok=0
                while [ $i -lt 50 ]; do
                  code=$(curl -s -o /dev/null -w '%{http_code}' --max-time 5 -X POST \
                    -H "Authorization: Bearer $2" "$1/trigger")
                  [ "$code" = 202 ] && ok=$((ok + 1))
                  i=$((i + 1)); sleep 0.06
                done
                echo "$ok"
                """, "sh", harness.url, harness.secret,
            ])
        #expect(burst.output.trimmingCharacters(in: .whitespacesAndNewlines) == "50", "\(burst.output)")
        usleep(3_000_000)
        let after = Self.attempts(watch.log)
        let rolledBack = harness.get("/metrics").split(separator: "\n").first {
            $0.hasPrefix("onionops_reconciles_total{host=\"edge-2\",result=\"rolled-back\"}")
        }
        SecurityWorld.report("F19 50 triggers: apply attempts \(before) -> \(after); \(rolledBack ?? "")")
        // The backoff (10 s) outlasts the burst: at most one retry if this
        // machine is slow enough for it to run out.
        #expect(after - before <= 1, "\(watch.log)")
        #expect(watch.log.contains("failed on its last try; next try in"), "\(watch.log)")
    }
}
