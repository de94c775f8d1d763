import OnionOpsCore

/// torrc files for project tor instances and publisher tors.
struct TorConfigRenderer {
    let layout: HostLayout
    let host: Host

    /// One tor instance of a project. In a hardmap it publishes and serves
    /// every site; in a softmap it is one backend with its own address.
    func instance(_ project: Project, index: Int, sites: [OnionAddress]) -> String {
        let instance = DaemonInstance.tor(project: project.name, index: index, mode: project.mode)
        var torrc = TorrcWriter(header: FileHeader.lines("Project \(project.name), \(instance)", host: host.name))
        torrc.blank()
        common(
            &torrc,
            dataDirectory: HostLayout.torDataDirectory(project: project.name, instance: index),
            controlSocket: HostLayout.torControlSocket(project: project.name, instance: index),
            pidFile: HostLayout.torPidFile(project: project.name, instance: index)
        )
        if project.tor.singleOnion {
            torrc.blank()
            torrc.comment("Single onion service: one-hop circuits; needs SocksPort 0, changes need a restart.")
            torrc.option("HiddenServiceNonAnonymousMode", true)
            torrc.option("HiddenServiceSingleHopMode", true)
        }
        switch project.mode {
        case .hardmap:
            for site in sites {
                torrc.blank()
                torrc.comment("Site \(site)")
                service(
                    &torrc,
                    project,
                    directory: HostLayout.siteServiceDirectory(project: project.name, instance: index, site: site)
                )
            }
        case .softmap:
            torrc.blank()
            torrc.comment("Onionbalance backend for: \(sites.map(\.description).joined(separator: " "))")
            service(
                &torrc, project, directory: HostLayout.backendServiceDirectory(project: project.name, instance: index))
            torrc.option("HiddenServiceOnionbalanceInstance", true)
        }
        return torrc.text
    }

    /// The ob_config of a softmap backend: the frontends it serves. Never
    /// empty: tor crashes on an ob_config with no MasterOnionAddress line.
    func onionbalanceInstanceConfig(_ project: Project, index: Int, frontends: [OnionAddress]) -> String {
        var lines = FileHeader.lines("Project \(project.name), tor-\(project.name)-\(index) frontends", host: host.name)
        lines += frontends.map { "MasterOnionAddress \($0)" }
        return lines.joined(separator: "\n") + "\n"
    }

    /// The tor an Onionbalance publisher talks to: a client with a control
    /// socket and no onion of its own. It runs as Onionbalance's user so
    /// Onionbalance can use its control socket and cookie.
    func publisher(_ balancer: Balancer) -> String {
        var torrc = TorrcWriter(
            header: FileHeader.lines("Balancer \(balancer.name), publisher tor", host: host.name)
        )
        torrc.blank()
        common(
            &torrc,
            dataDirectory: HostLayout.publisherDataDirectory(balancer: balancer.name),
            controlSocket: HostLayout.publisherControlSocket(balancer: balancer.name),
            pidFile: HostLayout.publisherTorPidFile(balancer: balancer.name)
        )
        return torrc.text
    }

    /// No `User` line: the supervisor starts tor as its user, and tor
    /// refuses `User` when it already runs as that user (as the
    /// `--verify-config` gate does).
    private func common(
        _ torrc: inout TorrcWriter,
        dataDirectory: String,
        controlSocket: String,
        pidFile: String
    ) {
        torrc.option("DataDirectory", layout.resolve(dataDirectory))
        torrc.option("PidFile", layout.resolve(pidFile))
        torrc.option("Log", "notice file \(layout.resolve(dataDirectory))/notices.log")
        torrc.option("SocksPort", 0)
        // The reconciler's only way in: LOADCONF and health checks, never a
        // bare HUP (a bad config makes a HUPed tor exit).
        torrc.option("ControlSocket", layout.resolve(controlSocket))
        torrc.option("CookieAuthentication", true)
        if !host.testingTorOptions.isEmpty {
            torrc.blank()
            torrc.comment("Test host only (spec.testing.torOptions).")
            for line in host.testingTorOptions {
                if let (name, value) = TestingTorOptions.split(line) { torrc.option(name, value) }
            }
        }
    }

    private func service(_ torrc: inout TorrcWriter, _ project: Project, directory: String) {
        let options = project.tor
        torrc.option("HiddenServiceDir", layout.resolve(directory))
        for port in [80, 443] {
            torrc.option(
                "HiddenServicePort",
                "\(port) unix:\(layout.resolve(HostLayout.nginxSocket(project: project.name, port: port)))"
            )
        }
        torrc.option("HiddenServiceNumIntroductionPoints", options.introductionPoints)
        if options.maxStreams > 0 {
            torrc.option("HiddenServiceMaxStreams", options.maxStreams)
            torrc.option("HiddenServiceMaxStreamsCloseCircuit", options.maxStreamsCloseCircuit)
        }
        if options.exportCircuitID == .haproxy {
            torrc.option("HiddenServiceExportCircuitID", "haproxy")
        }
        if options.proofOfWork.enabled {
            torrc.option("HiddenServicePoWDefensesEnabled", true)
            if let rate = options.proofOfWork.queueRate { torrc.option("HiddenServicePoWQueueRate", rate) }
            if let burst = options.proofOfWork.queueBurst { torrc.option("HiddenServicePoWQueueBurst", burst) }
        }
        if options.introDoSDefense.enabled {
            torrc.option("HiddenServiceEnableIntroDoSDefense", true)
            if let rate = options.introDoSDefense.ratePerSecond {
                torrc.option("HiddenServiceEnableIntroDoSRatePerSec", rate)
            }
            if let burst = options.introDoSDefense.burstPerSecond {
                torrc.option("HiddenServiceEnableIntroDoSBurstPerSec", burst)
            }
        }
    }
}
