import Crypto
import Foundation
import OnionOpsCore
import OnionOpsManifest
import OnionOpsRender
import OnionOpsTestSupport

/// `onionops-bench`: each scenario runs in a child process of its own so
/// its peak RSS is its own; the parent prints one table.
@main
struct BenchMain {
    struct Scenario {
        var name: String
        var topology: SyntheticTopology
    }

    static let scenarios = [
        Scenario(
            name: "1,000 sites, 10 hosts x 2 tor",
            topology: SyntheticTopology(
                hosts: 10, projects: 10, sitesPerProject: 100, hostsPerProject: 10, torInstances: 2)
        ),
        Scenario(
            name: "10,000 sites, 100 hosts",
            topology: SyntheticTopology(
                hosts: 100, projects: 100, sitesPerProject: 100, hostsPerProject: 2, torInstances: 2)
        ),
    ]

    static func main() async throws {
        let arguments = CommandLine.arguments
        if arguments.count == 2, arguments[1] == "--push-latency" {
            let binary = URL(fileURLWithPath: arguments[0]).deletingLastPathComponent().appendingPathComponent(
                "onionops")
            print(
                Table(header: ["GitOps", "p50", "p95", "range"], rows: try PushLatencyBench.rows(binary: binary.path))
                    .text)
            return
        }
        if arguments.count == 2, arguments[1] == "--no-op" {
            let binary = URL(fileURLWithPath: arguments[0]).deletingLastPathComponent().appendingPathComponent(
                "onionops")
            print(Table(header: NoOpBench.header, rows: try NoOpBench.rows(binary: binary.path)).text)
            return
        }
        if arguments.count == 2, arguments[1] == "--fan-out" || arguments[1] == "--fan-out-100" {
            let binary = URL(fileURLWithPath: arguments[0]).deletingLastPathComponent().appendingPathComponent(
                "onionops")
            let hosts = arguments[1] == "--fan-out" ? FanOutBench.standardHostCount : 100
            print(
                Table(
                    header: FanOutBench.header(hosts: hosts),
                    rows: try await FanOutBench.rows(binary: binary.path, hosts: hosts)
                ).text)
            return
        }
        if arguments.count == 2, arguments[1] == "--keys" {
            let binary = URL(fileURLWithPath: arguments[0]).deletingLastPathComponent().appendingPathComponent(
                "onionops")
            print(
                Table(
                    header: ["keys and certificates", "in-process", "baseline, same run", "ratio"],
                    rows: try await KeyBench.rows()
                ).text)
            print("")
            print(Table(header: KeysCLIBench.header, rows: try await KeysCLIBench.rows(binary: binary.path)).text)
            return
        }
        if arguments.count == 2, arguments[1] == "--proxy" {
            print(Table(header: ProxyThroughputBench.header, rows: try ProxyThroughputBench.rows()).text)
            return
        }
        if arguments.count == 3, arguments[1] == "--scenario", let index = Int(arguments[2]) {
            try run(scenarios[index])
            return
        }
        print("onionops-bench: validate + render + plan, release build; each scenario in its own process")
        // Every figure here is wall time on a small machine: say how busy
        // it was when the run began, so a run beside a build reads as one.
        let load = (try? String(contentsOfFile: "/proc/loadavg", encoding: .utf8))?.split(separator: " ").first ?? "?"
        print(
            "machine: \(ProcessInfo.processInfo.processorCount) cores, \(ProcessInfo.processInfo.physicalMemory >> 30) GiB, load average \(load) at start"
        )
        print("")
        let header = [
            "scenario", "yaml+decode", "validate", "render", "plan", "total (dry run, pure)", "output", "peak RSS",
            "sha256 floor", "render/floor",
        ]
        var rows: [[String]] = []
        for index in scenarios.indices {
            let result = try Command.run(arguments[0], ["--scenario", String(index)])
            guard result.succeeded, let line = result.output.split(separator: "\n").last else {
                print("scenario \(index) failed:\n\(result.output)")
                throw ExitCode.failure
            }
            rows.append(line.split(separator: "\t").map(String.init))
        }
        let table = Table(header: header, rows: rows)
        print(table.text)
        print("")
        let keys = Table(
            header: ["keys and certificates", "in-process", "baseline, same run", "ratio"],
            rows: try await KeyBench.rows())
        print(keys.text)
        print("")
        let binary = URL(fileURLWithPath: arguments[0]).deletingLastPathComponent().appendingPathComponent("onionops")
            .path
        let keysCLI = Table(header: KeysCLIBench.header, rows: try await KeysCLIBench.rows(binary: binary))
        print(keysCLI.text)
        print("")
        let latency = Table(
            header: ["GitOps", "p50", "p95", "range"], rows: try PushLatencyBench.rows(binary: binary))
        print(latency.text)
        print("")
        let noOp = Table(header: NoOpBench.header, rows: try NoOpBench.rows(binary: binary))
        print(noOp.text)
        print("")
        let fanOut = Table(
            header: FanOutBench.header(hosts: FanOutBench.standardHostCount),
            rows: try await FanOutBench.rows(binary: binary))
        print(fanOut.text)
        print("")
        let fanOut100 = Table(
            header: FanOutBench.header(hosts: 100), rows: try await FanOutBench.rows(binary: binary, hosts: 100))
        print(fanOut100.text)
        print("")
        let proxy = Table(header: ProxyThroughputBench.header, rows: try ProxyThroughputBench.rows())
        print(proxy.text)
        if let path = ProcessInfo.processInfo.environment["ONIONOPS_BENCH_RESULTS"] {
            let commit = (try? Command.run("/usr/bin/git", ["rev-parse", "--short", "HEAD"]).output) ?? "?"
            let machine =
                "\(ProcessInfo.processInfo.processorCount) cores, \(ProcessInfo.processInfo.physicalMemory >> 30) GiB, load average \(load) at start"
            let report = """
                # Benchmarks

                `make bench` (release build), commit \(commit.trimmingCharacters(in: .whitespacesAndNewlines)), \(machine), \(Date()).

                ## Validate + render + plan

                Each scenario in its own process (peak RSS is its own). "plan" is every
                host's plan and apply program against a host that has nothing yet (the
                largest plan; a dry run adds observing the hosts, which is I/O). The floor
                is SHA-256 over every rendered byte, measured in the same run.

                \(table.markdown)
                ## Keys and certificates

                \(keys.markdown)
                The release `onionops` on a synthetic 1,000-site manifest folder (10 projects of
                100 sites on 10 hosts), whole process, median of \(KeysCLIBench.rounds) runs; each
                `keys tls` run starts without certificates. EOTK's figures were measured on this
                machine (issue 14).

                \(keysCLI.markdown)
                ## Push to applied

                `git push` to a bare repository whose post-receive hook runs `onionops trigger`;
                `onionops watch --repo` reconciles the demo topology (two local sandbox hosts,
                real tor offline and nginx) until both hosts record the pushed commit.

                \(latency.markdown)
                ## No-op reconcile

                A converged local sandbox host (real tor offline, nginx): the release
                `onionops reconcile` of unchanged manifests, whole process, median of
                \(NoOpBench.rounds) runs, against `sha256sum` over the same managed files in
                one process (the floor), measured in the same run.

                \(noOp.markdown)
                ## Fan-out against Ansible

                The release `onionops` binary and `ansible-playbook` (ansible-core from PyPI, forks 20,
                pipelining on) put the same files onto the same 20 sandbox hosts, each a real sshd on
                loopback; onionops with `--parallel 20`. Ansible applies what `onionops render
                --with-keys` writes for each host, as Jinja2 templates (binary key files as copies) and
                folders with the same owners and modes; afterwards every file and folder is compared
                with what onionops wrote. Both tools take turns on the same hosts (daemons stopped and
                roots wiped in between), and every timed run opens its SSH connections afresh. Each
                sshd gives its login user an empty ~/.bashrc, as a server's would be (the build
                machine's root sources pyenv there, about 0.25 s per SSH command, which would weigh
                on Ansible's many round trips most).
                onionops's apply also runs its gates (nginx -t, tor --verify-config, checks that nginx
                answers and tor holds every address) and starts a tor and an nginx on every host;
                Ansible only writes files.

                \(fanOut.markdown)
                The same with 100 hosts (sshd on 127.0.0.2 ... 127.0.0.101), onionops with
                `--parallel 20` and Ansible with forks 20. Ansible is stopped after
                \(FanOutBench.ansibleDeadlineSeconds / 60) minutes if it has not finished, and the row says how far it got.

                \(fanOut100.markdown)
                ## Proxy throughput

                The rendered nginx of one hardmap project with 10, 100 and 1,000 sites (one
                upstream name each, plus `www`) in front of a local upstream nginx that serves one
                ~125 KB HTML page (1,500 lines, two in three naming sites of the project, one in
                ten of those a near miss such as `notsite1.example.org` that must stay). wrk cannot
                speak to a unix socket: a bench-only copy of the config gives the first site's
                server one extra `listen 127.0.0.1:PORT`, and both runs use it. "plain" is the
                same config with every `subs_filter` line taken out, a `proxy_pass` of the same
                bodies, in the same process.

                Two paths. "As deployed" is the rendered defaults: TLS from the client, as on the
                onion's port 443 socket (wrk keeps its connections), and HTTPS to the upstream with
                verification on (the upstream's certificate from a CA of the bench's own, the
                project's `caFile`); the variable `proxy_pass` that re-resolves upstream names
                keeps no upstream connections, so every request also makes a TLS handshake to the
                upstream, plain or rewriting. "Isolated" is plain HTTP on both sides, where
                rewriting's own cost stands out: the worst case.

                The rewritten body is checked (no site's upstream name left, near misses kept)
                before it is measured; plain and rewriting take turns \(ProxyThroughputBench.rounds) times
                and the better run of each is kept. `wrk \(ProxyThroughputBench.wrkArguments.joined(separator: " "))`
                on this machine (wrk and both nginx share its cores). nginx CPU/request is utime+stime
                of the proxy's master and workers over the requests wrk completed; nginx RSS is VmRSS
                of the master and its workers after the run. The ratios are rewriting over plain, in
                CPU per request and in requests/s (the target is at most 2x at 100 sites).

                \(proxy.markdown)
                """
            try report.write(toFile: path, atomically: true, encoding: .utf8)
        }
    }

    /// One scenario; prints one tab-separated line.
    static func run(_ scenario: Scenario) throws {
        let text = scenario.topology.manifestText()
        let clock = ContinuousClock()

        let start = clock.now
        let loader = ManifestLoader(validator: Validator(rules: []))
        let loaded = loader.load([ManifestFile(path: "bench.yaml", text: text)])
        let decoded = clock.now
        let diagnostics = Validator().validate(loaded.topology)
        let validated = clock.now
        guard loaded.isValid, diagnostics.isEmpty else {
            print("invalid synthetic topology: \(loaded.diagnostics.prefix(3)) \(diagnostics.prefix(3))")
            throw ExitCode.failure
        }
        let state = try Renderer(identities: TestBackendIdentities()).render(loaded.topology)
        let rendered = clock.now
        // The pure part of a dry run: each host's plan (and its apply
        // program) against a host that has nothing yet, the largest plan.
        var steps = 0
        for host in state.hosts {
            steps += ApplyProgram(Planner().plan(host, on: HostSnapshot(host: host.host))).entries.count
        }
        let planned = clock.now

        // Baseline: SHA-256 over every rendered byte, the least any tool
        // that looks at the output must spend.
        var bytes = 0
        var hasher = SHA256()
        for host in state.hosts {
            for file in host.files {
                hasher.update(data: file.content)
                bytes += file.content.count
            }
        }
        _ = hasher.finalize()
        let hashed = clock.now
        _ = steps

        var usage = rusage()
        getrusage(RUSAGE_SELF.rawValue, &usage)
        let render = seconds(rendered - validated)
        let floor = seconds(hashed - planned)
        let columns = [
            scenario.name,
            format(decoded - start),
            format(validated - decoded),
            format(rendered - validated),
            format(planned - rendered),
            format(planned - start),
            "\(bytes / (1 << 20)) MiB",
            "\(usage.ru_maxrss / 1024) MiB",
            format(hashed - planned),
            String(format: "%.1fx", render / max(floor, 1e-9)),
        ]
        print(columns.joined(separator: "\t"))
    }

    static func seconds(_ duration: Duration) -> Double {
        Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18
    }

    static func format(_ duration: Duration) -> String {
        String(format: "%.3f s", seconds(duration))
    }

    struct ExitCode: Error {
        static let failure = ExitCode()
    }
}

/// Fixed-width and markdown renderings of the results.
struct Table {
    var header: [String]
    var rows: [[String]]

    var text: String {
        let all = [header] + rows
        let widths = header.indices.map { column in
            all.map { $0.indices.contains(column) ? $0[column].count : 0 }.max() ?? 0
        }
        return all.map { row in
            row.enumerated().map { $1.padding(toLength: widths[$0], withPad: " ", startingAt: 0) }.joined(
                separator: "  ")
        }.joined(separator: "\n")
    }

    var markdown: String {
        ([header] + rows).enumerated().map { index, row in
            let line = "| " + row.joined(separator: " | ") + " |"
            return index == 0 ? line + "\n|" + String(repeating: "---|", count: row.count) : line
        }.joined(separator: "\n") + "\n"
    }
}
