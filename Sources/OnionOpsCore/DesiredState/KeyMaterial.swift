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

    public var sites: [OnionAddress: TorKeyFiles]
    public var backends: [BackendID: TorKeyFiles]

    public init(sites: [OnionAddress: TorKeyFiles] = [:], backends: [BackendID: TorKeyFiles] = [:]) {
        self.sites = sites
        self.backends = backends
    }
}
