import Foundation
import OnionOpsCore

#if canImport(Glibc)
    import Glibc
#endif

/// The machine and process OnionOps runs as, for the record of a host lock
/// it takes. A hostname alone names nothing (every container of an image
/// can share one), so the record also carries the machine id, the boot id,
/// the pid and the process's start time, and a random token per lock.
enum LocalMachine {
    static let name: String = {
        var buffer = [CChar](repeating: 0, count: 256)
        guard gethostname(&buffer, buffer.count - 1) == 0 else { return "localhost" }
        let text = String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
        return text.isEmpty ? "localhost" : text
    }()

    /// systemd's machine id (dbus's copy on older systems), or "unknown".
    static let machineID: String =
        firstLine(of: "/etc/machine-id") ?? firstLine(of: "/var/lib/dbus/machine-id")
        ?? "unknown"

    static let bootID: String = firstLine(of: "/proc/sys/kernel/random/boot_id") ?? "unknown"

    /// This process's start time in clock ticks after boot: field 22 of
    /// `/proc/self/stat`, counted after the command name's closing
    /// parenthesis (the name may hold spaces and parentheses).
    static let processStart: UInt64 = {
        guard let stat = try? String(contentsOfFile: "/proc/self/stat", encoding: .utf8),
            let close = stat.lastIndex(of: ")")
        else { return 0 }
        let fields = stat[stat.index(after: close)...].split(separator: " ")
        // Fields after the name start at 3 (state); 22 is the 20th of them.
        return fields.count > 19 ? UInt64(fields[19]) ?? 0 : 0
    }()

    /// A new record for a lock this process is about to take.
    static func lock(owner: String) -> HostLock {
        var generator = SystemRandomNumberGenerator()
        let token = (0..<2).map { _ in String(generator.next() as UInt64, radix: 16) }.joined(separator: "-")
        let parsed = HostLock(
            owner: owner.isEmpty ? "onionops" : owner, pid: getpid(), startedAt: Int(Date().timeIntervalSince1970),
            machine: name, machineID: machineID, bootID: bootID, processStart: processStart, token: token)
        // As it will read back from the file (words cleaned), so that a
        // record read later compares equal.
        return HostLock.parse(parsed.fileContent) ?? parsed
    }

    private static func firstLine(of path: String) -> String? {
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else { return nil }
        let line = text.split(separator: "\n").first.map { $0.trimmingCharacters(in: .whitespaces) } ?? ""
        return line.isEmpty ? nil : line
    }
}
