public import OnionOpsCore

/// A validated topology -> the files and folders every host should have.
///
/// Pure and deterministic: the same topology and backend identities give
/// byte-identical output in the same order. With `keys`, each onion's
/// key files are placed where they belong and nowhere else: a hardmap
/// site's key in every tor instance of its project, a softmap frontend's
/// key only on its publishers, a backend's key only in its own instance.
public struct Renderer: Sendable {
    public var identities: any BackendIdentities
    public var keys: KeyMaterial?

    public init(identities: any BackendIdentities, keys: KeyMaterial? = nil) {
        self.identities = identities
        self.keys = keys
    }

    /// tor's three key files in a HiddenServiceDir, owned by tor's user.
    private func keyFiles(
        _ files: KeyMaterial.TorKeyFiles, in directory: String, owner: String, instance: DaemonInstance
    )
        -> [ManagedFile]
    {
        [
            ("hs_ed25519_secret_key", files.secretKey, true),
            ("hs_ed25519_public_key", files.publicKey, false),
            ("hostname", files.hostname, false),
        ].map { name, content, secret in
            ManagedFile(
                path: directory + "/" + name,
                content: content,
                mode: 0o600,
                owner: owner,
                instance: instance,
                isSecret: secret
            )
        }
    }

    public func render(_ topology: Topology) throws(RenderError) -> DesiredState {
        var hosts: [HostDesiredState] = []
        for host in topology.hosts {
            hosts.append(try render(topology, host: host))
        }
        return DesiredState(hosts: hosts)
    }

    public func render(_ topology: Topology, host: Host) throws(RenderError) -> HostDesiredState {
        let layout = HostLayout(root: host.connection.root)
        let tor = TorConfigRenderer(layout: layout, host: host)
        var directories: Set<ManagedDirectory> = []
        var files: [ManagedFile] = []

        for project in topology.projects where project.placement.hosts.contains(host.name) {
            let addresses = try sites(of: project)
            let torUser = host.tor.user
            directories.formUnion([
                ManagedDirectory(path: HostLayout.projectConfigDirectory(project.name)),
                ManagedDirectory(path: HostLayout.tlsDirectory(project: project.name), mode: 0o750),
                ManagedDirectory(path: HostLayout.projectStateDirectory(project.name)),
                ManagedDirectory(path: HostLayout.projectRunDirectory(project.name)),
                ManagedDirectory(path: HostLayout.nginxSocketDirectory(project: project.name)),
                // Root's, so its entries cannot be swapped for links; the
                // workers write proxy buffers and the cache in the
                // folders inside it.
                ManagedDirectory(path: HostLayout.nginxStateDirectory(project: project.name)),
                ManagedDirectory(path: HostLayout.nginxLogDirectory(project: project.name), mode: 0o750),
            ])
            var nginxFolders = HostLayout.nginxTempDirectories(project: project.name).map(\.path)
            if project.nginx.cache.enabled {
                nginxFolders.append(HostLayout.nginxCacheDirectory(project: project.name))
            }
            directories.formUnion(nginxFolders.map { ManagedDirectory(path: $0, mode: 0o700, owner: host.nginx.user) })
            for index in 1...max(project.placement.torInstances, 1) {
                let instance = DaemonInstance.tor(project: project.name, index: index, mode: project.mode)
                directories.formUnion([
                    ManagedDirectory(
                        path: HostLayout.torDataDirectory(project: project.name, instance: index),
                        mode: 0o700,
                        owner: torUser
                    ),
                    ManagedDirectory(
                        path: HostLayout.torRunDirectory(project: project.name, instance: index),
                        mode: 0o700,
                        owner: torUser
                    ),
                ])
                files.append(
                    ManagedFile(
                        path: HostLayout.torrc(project: project.name, instance: index),
                        text: tor.instance(project, index: index, sites: addresses),
                        instance: instance
                    )
                )
                switch project.mode {
                case .hardmap:
                    for site in addresses {
                        let serviceDirectory = HostLayout.siteServiceDirectory(
                            project: project.name,
                            instance: index,
                            site: site
                        )
                        directories.insert(ManagedDirectory(path: serviceDirectory, mode: 0o700, owner: torUser))
                        if let siteKey = keys?.sites[site] {
                            files += keyFiles(siteKey, in: serviceDirectory, owner: torUser, instance: instance)
                        }
                    }
                case .softmap:
                    let serviceDirectory = HostLayout.backendServiceDirectory(project: project.name, instance: index)
                    directories.insert(ManagedDirectory(path: serviceDirectory, mode: 0o700, owner: torUser))
                    let backend = BackendID(project: project.name, host: host.name, instance: index)
                    if let backendKey = keys?.backends[backend] {
                        files += keyFiles(backendKey, in: serviceDirectory, owner: torUser, instance: instance)
                    }
                    files.append(
                        ManagedFile(
                            path: serviceDirectory + "/ob_config",
                            text: tor.onionbalanceInstanceConfig(project, index: index, frontends: addresses),
                            mode: 0o600,
                            owner: torUser,
                            instance: instance
                        )
                    )
                }
            }
            // nginx's TLS material: the master reads it as root before
            // dropping privileges, so root-only files are enough.
            if project.nginx.tls.scope == .project, let tls = keys?.projectTLS[project.name] {
                files.append(
                    ManagedFile(
                        path: HostLayout.tlsProjectCertificate(project: project.name),
                        content: tls.certificate,
                        instance: .nginx(project: project.name)
                    )
                )
                files.append(
                    ManagedFile(
                        path: HostLayout.tlsProjectKey(project: project.name),
                        content: tls.key,
                        mode: 0o600,
                        instance: .nginx(project: project.name),
                        isSecret: true
                    )
                )
            }
            for site in addresses where project.nginx.tls.scope == .perOnion {
                guard let tls = keys?.tls[site] else { continue }
                files.append(
                    ManagedFile(
                        path: HostLayout.tlsCertificate(project: project.name, site: site),
                        content: tls.certificate,
                        instance: .nginx(project: project.name)
                    )
                )
                files.append(
                    ManagedFile(
                        path: HostLayout.tlsKey(project: project.name, site: site),
                        content: tls.key,
                        mode: 0o600,
                        instance: .nginx(project: project.name),
                        isSecret: true
                    )
                )
            }
            let nginx = NginxConfigRenderer(
                layout: layout,
                host: host,
                project: project,
                sites: zip(addresses, project.sites).map { SiteNames(address: $0, site: $1) }
            )
            files.append(
                ManagedFile(
                    path: HostLayout.nginxConfig(project: project.name),
                    text: nginx.render(),
                    instance: .nginx(project: project.name)
                )
            )
        }

        for balancer in topology.balancers where balancer.hosts.contains(host.name) {
            guard let project = topology.project(named: balancer.project) else { continue }
            let obUser = host.onionbalance.user
            let instance = DaemonInstance.publisher(balancer: balancer.name, project: project.name)
            directories.formUnion([
                // Root's: Onionbalance only reads here. Its keys' folder
                // lets it open a key by name but not list them.
                ManagedDirectory(path: HostLayout.publisherConfigDirectory(balancer.name)),
                ManagedDirectory(path: HostLayout.publisherConfigDirectory(balancer.name) + "/keys", mode: 0o711),
                ManagedDirectory(
                    path: HostLayout.publisherDataDirectory(balancer: balancer.name), mode: 0o700, owner: obUser),
                // Root's: the pid and exit records root writes live here.
                ManagedDirectory(path: HostLayout.publisherRunDirectory(balancer.name)),
                ManagedDirectory(
                    path: HostLayout.publisherTorRunDirectory(balancer: balancer.name), mode: 0o700, owner: obUser),
                ManagedDirectory(
                    path: HostLayout.publisherStatusDirectory(balancer: balancer.name), mode: 0o700, owner: obUser),
            ])
            files.append(
                ManagedFile(
                    path: HostLayout.publisherTorrc(balancer: balancer.name),
                    text: tor.publisher(balancer),
                    instance: instance
                )
            )
            // Onionbalance reads tor's secret key format; each frontend's key
            // lives only here, on its publishers.
            for frontend in try sites(of: project) {
                guard let frontendKey = keys?.sites[frontend] else { continue }
                files.append(
                    ManagedFile(
                        path: HostLayout.publisherKey(balancer: balancer.name, site: frontend),
                        content: frontendKey.secretKey,
                        mode: 0o600,
                        owner: obUser,
                        instance: instance,
                        isSecret: true
                    )
                )
            }
            let ob = OnionbalanceConfigRenderer(layout: layout, host: host)
            files.append(
                ManagedFile(
                    path: HostLayout.publisherConfig(balancer: balancer.name),
                    text: ob.config(balancer, frontends: try sites(of: project), backends: backends(of: project)),
                    mode: 0o640,
                    owner: obUser,
                    instance: instance
                )
            )
        }

        // Hosts that may run systemd get its units, in OnionOps' own tree
        // (the supervisor links them); `auto` resolves only at apply time,
        // so it gets them too. Direct supervision needs none.
        if host.supervision != .direct {
            directories.insert(ManagedDirectory(path: HostLayout.systemdUnitDirectory))
            files += SystemdUnitRenderer.units(for: host, instances: topology.instances(on: host.name))
        }

        if let logrotate = LogrotateRenderer(layout: layout, host: host).render(topology) {
            files.append(ManagedFile(path: HostLayout.logrotateConfig, text: logrotate))
        }

        // Parents of every managed folder up to OnionOps' own top folders
        // (`/etc/onionops`, ...) are managed too, owned by root; system
        // folders above them (`/etc`, `/run`) are never touched.
        var all = directories
        var paths = Set(directories.map(\.path))
        for directory in directories {
            var parent = directory.path
            while let slash = parent.lastIndex(of: "/"), slash != parent.startIndex,
                HostLayout.topDirectories.contains(where: { parent.hasPrefix($0 + "/") })
            {
                parent = String(parent[..<slash])
                if paths.insert(parent).inserted { all.insert(ManagedDirectory(path: parent)) }
            }
        }
        return HostDesiredState(
            host: host.name,
            root: host.connection.root,
            instances: topology.instances(on: host.name),
            directories: Array(all),
            files: files
        )
    }

    private func sites(of project: Project) throws(RenderError) -> [OnionAddress] {
        var result: [OnionAddress] = []
        for site in project.sites {
            guard case .success(let address) = OnionAddress.parse(site.onion) else {
                throw .invalidOnion(site.onion, in: project.name)
            }
            result.append(address)
        }
        return result
    }

    /// Every backend of a softmap project across its hosts, in placement
    /// order.
    public func backends(of project: Project) -> [(BackendID, OnionAddress)] {
        project.placement.hosts.flatMap { host in
            (1...max(project.placement.torInstances, 1)).map { index in
                let id = BackendID(project: project.name, host: host, instance: index)
                return (id, identities.address(of: id))
            }
        }
    }
}
