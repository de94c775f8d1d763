import Foundation

/// A stand-in for `/usr/sbin/onionbalance` that runs the same Onionbalance
/// the testnet way (shared/TEST-NETWORK.md, steps 3-5), for a test host's
/// `spec.onionbalance.binary`:
///
/// - it waits until its tor has bootstrapped (bounded), because Onionbalance
///   started earlier exits ("Could not open cached consensus");
/// - it lowers `INITIAL_CALLBACK_DELAY` from 45 s to 5 s before calling
///   `onionbalance.manager.main`, under the system python3 (which has stem);
/// - it adds `--is-testnet` (timers for a 20 s voting interval) and
///   `-v info`, so the log shows "We got N intros from M instances".
///
/// The direct supervisor runs it exactly as it runs Onionbalance (as its
/// user, detached, with `-c` and `-s`), so nothing in OnionOps changes for
/// the test network: the existing per-host binary setting selects it.
public enum OnionbalanceTestnetLauncher {
    /// Onionbalance's first fetch and publish check come this many seconds
    /// after it starts.
    public static let initialDelaySeconds = 5

    /// Writes the launcher to `path` (mode 0755: Onionbalance's user runs
    /// it) and returns the path.
    @discardableResult
    public static func write(to path: String, bootstrapTimeoutSeconds: Int = 120) throws -> String {
        try Data(script(bootstrapTimeoutSeconds: bootstrapTimeoutSeconds).utf8).write(to: URL(fileURLWithPath: path))
        try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: path)
        return path
    }

    /// The launcher's text (a test installs it in a systemd container).
    public static func script(bootstrapTimeoutSeconds: Int = 120) -> String {
        """
        #!/usr/bin/python3
        # Onionbalance on a private Tor test network (written by OnionOps' TestNetwork).
        import sys
        import time

        from stem.control import Controller

        arguments = sys.argv[1:]
        control = arguments[arguments.index("-s") + 1] if "-s" in arguments else "/var/run/tor/control"

        # Onionbalance exits at once without a consensus: wait for tor's 100%.
        deadline = time.monotonic() + \(bootstrapTimeoutSeconds)
        while time.monotonic() < deadline:
            try:
                with Controller.from_socket_file(control) as controller:
                    controller.authenticate()
                    if "PROGRESS=100" in controller.get_info("status/bootstrap-phase"):
                        break
            except Exception:
                pass
            time.sleep(0.5)
        else:
            print("onionbalance-testnet: tor at %s did not bootstrap" % control, file=sys.stderr, flush=True)

        from onionbalance.hs_v3 import params
        params.INITIAL_CALLBACK_DELAY = \(initialDelaySeconds)

        import onionbalance.manager
        sys.argv = ["onionbalance"] + arguments + ["--is-testnet", "-v", "info"]
        sys.exit(onionbalance.manager.main())

        """
    }
}
