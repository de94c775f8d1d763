import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// A block of consecutive TCP ports, free on 127.0.0.1 (and on any other
/// address asked for) when chosen.
///
/// The base is random so that two runs on one machine (two developers, or
/// CI beside a session) rarely pick the same block, and every port is
/// bound once to prove it is free now; a block with a taken port is
/// skipped. Bounded: a few dozen tries, then an error.
public enum TestNetworkPorts {
    public struct Failure: Error, CustomStringConvertible {
        public var description: String
    }

    /// `count` free ports, consecutive, from a random base in 20000..<60000,
    /// free on 127.0.0.1 and on each of `addresses`.
    public static func allocate(_ count: Int, on addresses: [String] = [], attempts: Int = 40) throws -> [Int] {
        let all = ["127.0.0.1"] + addresses.filter { $0 != "127.0.0.1" }
        for _ in 0..<attempts {
            let base = Int.random(in: 20_000..<(60_000 - count))
            let block = Array(base..<(base + count))
            if block.allSatisfy({ port in all.allSatisfy { isFree(port, on: $0) } }) { return block }
        }
        throw Failure(description: "no block of \(count) free ports on \(all) after \(attempts) tries")
    }

    /// Whether a TCP listener could bind `address`:`port` right now.
    public static func isFree(_ port: Int, on address: String = "127.0.0.1") -> Bool {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { return false }
        defer { close(fd) }
        let host = address
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr(host)
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        return bound == 0
    }
}
