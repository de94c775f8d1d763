import Foundation
public import OnionOpsCore

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
public struct OnionbalanceStatus: Sendable, Hashable, Encodable {
    public struct Service: Sendable, Hashable, Encodable {
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
    public struct Instance: Sendable, Hashable, Encodable {
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
    /// per wait), decodes; the socket work runs on the `BlockingPool`.
    public static func query(socketPath: String, timeout: Double = 2, limit: Int = 4 << 20) async throws(Failure)
        -> OnionbalanceStatus
    {
        let bytes = try await BlockingPool.shared.run { () throws(Failure) -> [UInt8] in
            try read(socketPath: socketPath, timeout: .milliseconds(Int(timeout * 1000)), limit: limit)
        }
        return try decode(bytes)
    }

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

    /// The whole answer, each wait bounded by `timeout`: a hung Onionbalance
    /// must not hang the observer.
    private static func read(socketPath: String, timeout: Duration, limit: Int) throws(Failure) -> [UInt8] {
        var bytes: [UInt8] = []
        do throws(UnixSocketClient.Failure) {
            let client = try UnixSocketClient(path: socketPath, timeout: timeout)
            while bytes.count <= limit {
                let chunk = try client.read()
                if chunk.isEmpty { return bytes }
                bytes += chunk
            }
        } catch {
            throw Failure(description: error.description)
        }
        throw Failure(description: "status answer over \(limit) bytes")
    }
}

extension OnionbalanceStatus {
    /// A publisher's status socket on its host, reached like tor's control
    /// socket (directly on a local host, forwarded over SSH, through the
    /// root relay with sudo); nil when it does not answer.
    public static func read(balancer: String, transport: any HostTransport) async -> OnionbalanceStatus? {
        guard let socket = try? await transport.forwardSocket(HostLayout.publisherStatusSocket(balancer: balancer))
        else { return nil }
        let status = try? await query(socketPath: socket)
        await transport.releaseSocket(socket)
        return status
    }
}
