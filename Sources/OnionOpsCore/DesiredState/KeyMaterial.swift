/// Opened key material the renderer places on hosts: tor's three files per
/// onion identity. It never comes from manifests (keys are sealed in the
/// repo), only from the keys layer, and only for a render that will apply.
public struct KeyMaterial: Sendable {
    /// `hs_ed25519_secret_key`, `hs_ed25519_public_key` and `hostname`.
    public struct TorKeyFiles: Sendable, Hashable {
        public var secretKey: [UInt8]
        public var publicKey: [UInt8]
        public var hostname: [UInt8]

        public init(secretKey: [UInt8], publicKey: [UInt8], hostname: [UInt8]) {
            self.secretKey = secretKey
            self.publicKey = publicKey
            self.hostname = hostname
        }
    }

    /// A site's TLS certificate (PEM, chain first) and private key (PEM).
    public struct TLSFiles: Sendable, Hashable {
        public var certificate: [UInt8]
        public var key: [UInt8]

        public init(certificate: [UInt8], key: [UInt8]) {
            self.certificate = certificate
            self.key = key
        }
    }

    public var sites: [OnionAddress: TorKeyFiles]
    public var backends: [BackendID: TorKeyFiles]
    public var tls: [OnionAddress: TLSFiles]
    /// The umbrella certificates of `tls.scope: project` projects, by
    /// project name.
    public var projectTLS: [String: TLSFiles]

    public init(
        sites: [OnionAddress: TorKeyFiles] = [:],
        backends: [BackendID: TorKeyFiles] = [:],
        tls: [OnionAddress: TLSFiles] = [:],
        projectTLS: [String: TLSFiles] = [:]
    ) {
        self.sites = sites
        self.backends = backends
        self.tls = tls
        self.projectTLS = projectTLS
    }
}
