import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// What an Onionbalance publisher reports on its status socket
/// (`status-socket-location`): per frontend, the backends it knows and when
/// it last tried to publish each of the two descriptors.
///
/// The shape is onionbalance 0.2.x's `hs_v3/status.py`: a connection gets
/// one JSON object, then EOF. Times are its UTC strings,
/// `YYYY-MM-DD HH:MM:SS`, kept as given.
public struct OnionbalanceStatus: Sendable, Hashable {
    public struct Service: Sendable, Hashable {
        /// The frontend, with `.onion` (as Onionbalance derives it from the
        /// key).
        public var onionAddress: String
        /// nil until Onionbalance has tried to publish that descriptor.
        public var publishAttemptFirstDescriptor: String?
        public var publishAttemptSecondDescriptor: String?
        public var instances: [Instance]

        public init(
            onionAddress: String, publishAttemptFirstDescriptor: String?, publishAttemptSecondDescriptor: String?,
            instances: [Instance]
        ) {
            self.onionAddress = onionAddress
            self.publishAttemptFirstDescriptor = publishAttemptFirstDescriptor
            self.publishAttemptSecondDescriptor = publishAttemptSecondDescriptor
            self.instances = instances
        }
    }

    /// One backend.
    public struct Instance: Sendable, Hashable {
        public var onionAddress: String
        /// When its descriptor last arrived; nil if never.
        public var descriptorReceived: String?
        /// When its intro points last changed, and how many it has; nil
        /// until Onionbalance has seen them.
        public var introSetModified: String?
        public var introPointCount: Int?

        public init(onionAddress: String, descriptorReceived: String?, introSetModified: String?, introPointCount: Int?)
        {
            self.onionAddress = onionAddress
            self.descriptorReceived = descriptorReceived
            self.introSetModified = introSetModified
            self.introPointCount = introPointCount
        }
    }

    public var services: [Service]

    public init(services: [Service]) {
        self.services = services
    }

    public struct Failure: Error, Sendable, CustomStringConvertible {
        public var description: String
    }

    /// Connects, reads until EOF (at most `limit` bytes, `timeout` seconds
    /// per read), decodes.
    public static func query(socketPath: String, timeout: Double = 2, limit: Int = 4 << 20) throws(Failure)
        -> OnionbalanceStatus
    {
        try decode(try read(socketPath: socketPath, timeout: timeout, limit: limit))
    }

    /// Decodes the JSON; a backend entry has either `received` (no intro
    /// points seen yet) or `descriptorReceived`, `introSetModified` and
    /// `introPointsNum`.
    public static func decode(_ bytes: [UInt8]) throws(Failure) -> OnionbalanceStatus {
        let object: Any
        do {
            object = try JSONSerialization.jsonObject(with: Data(bytes))
        } catch {
            throw Failure(description: "status socket answered something that is not JSON: \(error)")
        }
        guard let root = object as? [String: Any], let services = root["services"] as? [[String: Any]] else {
            throw Failure(description: "status socket answer has no 'services' list")
        }
        var result: [Service] = []
        for service in services {
            guard let address = service["onionAddress"] as? String,
                let instances = service["instances"] as? [[String: Any]]
            else {
                throw Failure(description: "a service in the status answer lacks 'onionAddress' or 'instances'")
            }
            var decoded: [Instance] = []
            for instance in instances {
                guard let instanceAddress = instance["onionAddress"] as? String else {
                    throw Failure(description: "an instance of \(address) in the status answer lacks 'onionAddress'")
                }
                decoded.append(
                    Instance(
                        onionAddress: instanceAddress,
                        descriptorReceived: (instance["descriptorReceived"] ?? instance["received"]) as? String,
                        introSetModified: instance["introSetModified"] as? String,
                        introPointCount: (instance["introPointsNum"] as? NSNumber)?.intValue
                    )
                )
            }
            result.append(
                Service(
                    onionAddress: address,
                    publishAttemptFirstDescriptor: service["publishAttemptFirstDescriptor"] as? String,
                    publishAttemptSecondDescriptor: service["publishAttemptSecondDescriptor"] as? String,
                    instances: decoded
                )
            )
        }
        return OnionbalanceStatus(services: result)
    }

    private static func read(socketPath: String, timeout: Double, limit: Int) throws(Failure) -> [UInt8] {
        let fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw Failure(description: "socket: \(String(cString: strerror(errno)))") }
        defer { close(fd) }
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        let path = Array(socketPath.utf8)
        guard path.count < MemoryLayout.size(ofValue: address.sun_path) else {
            throw Failure(description: "status socket path too long: \(socketPath)")
        }
        withUnsafeMutableBytes(of: &address.sun_path) { raw in
            for (index, byte) in path.enumerated() { raw[index] = byte }
        }
        // A hung Onionbalance must not hang the observer.
        var interval = timeval(tv_sec: Int(timeout), tv_usec: Int((timeout - Double(Int(timeout))) * 1_000_000))
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &interval, socklen_t(MemoryLayout<timeval>.size))
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                connect(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size))
            }
        }
        guard connected == 0 else {
            throw Failure(description: "cannot connect to \(socketPath): \(String(cString: strerror(errno)))")
        }
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 16384)
        while true {
            let count = chunk.withUnsafeMutableBytes { raw in Glibc.read(fd, raw.baseAddress, raw.count) }
            if count == 0 { return bytes }
            if count < 0 {
                if errno == EINTR { continue }
                throw Failure(description: "reading \(socketPath): \(String(cString: strerror(errno)))")
            }
            bytes += chunk[..<count]
            guard bytes.count <= limit else { throw Failure(description: "status answer over \(limit) bytes") }
        }
    }
}
