import ArgumentParser
import Foundation

/// `make demo`: the embedded default topology (manifests/) reconciled by
/// the real `onionops` onto two sandbox hosts whose tors join a private Tor
/// network started here, then reached through that network's client as a
/// Tor Browser user would. Everything keeps running afterwards;
/// `make demo-stop` stops it by pid. Test support code on purpose: the
/// network is the one the e2e tests use.
@main
struct OnionOpsDemo: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "onionops-demo",
        abstract: "Reconcile manifests/ in a private Tor network and reach every onion through it."
    )

    @Option(help: "The demo's folder (sandbox hosts, upstream, state).")
    var root: String = "/tmp/onionops-demo"

    @Option(help: "The onionops binary the demo runs.")
    var binary: String = ".build/debug/onionops"

    @Option(help: "The age identity that opens manifests/keys.")
    var identity: String = "demo/age-identity.txt"

    @Option(help: "The manifests to reconcile.")
    var manifests: String = "manifests"

    @Option(help: "Requests to the softmap frontend whose backend is named.")
    var requests: Int = 6

    func run() async throws {
        guard getuid() == 0 else {
            print("the demo runs tor, nginx and Onionbalance as their own users: run it as root")
            throw ExitCode(1)
        }
        let demo = TorDemo(
            root: root, binary: binary, identity: identity, manifests: manifests, requests: max(1, min(requests, 20)))
        do {
            try await demo.run()
        } catch {
            print("demo failed: \(error)")
            print("(what started keeps running for a look: make demo-stop stops it)")
            throw ExitCode(1)
        }
    }
}
