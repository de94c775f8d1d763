/// A held host lock: who took it, from which machine and process, and when,
/// as written in the lock file's record.
///
/// The lock itself is not the record: it is an `flock` on the lock file,
/// held for the whole session by an open descriptor (the local transport)
/// or by a shell on the host kept alive through an SSH session (the SSH
/// transport). The kernel frees it when its holder dies, so a dead holder
/// never blocks a host and there is nothing to take over. The record only
/// names the holder, for messages, `status`, and to check at unlock that the
/// lock is still the one this process took (`token`).
public struct HostLock: Sendable, Hashable {
    public var owner: String
    /// The controller process holding the lock (in its own pid namespace).
    public var pid: Int32
    /// When the lock was taken, in seconds since 1970.
    public var startedAt: Int
    /// The controller's hostname (not an identity: containers share them).
    public var machine: String
    /// `/etc/machine-id` of the controller.
    public var machineID: String
    /// `/proc/sys/kernel/random/boot_id` of the controller.
    public var bootID: String
    /// The controller process's start time, in clock ticks after boot
    /// (`/proc/<pid>/stat` field 22): with the boot id and pid, one process.
    public var processStart: UInt64
    /// Random, new for each lock taken: two records are the same lock only
    /// if their tokens match, whatever the rest says.
    public var token: String
    /// 2 for this record format; 1 for the one-line record of older versions,
    /// which locked by creating the file and never held an flock.
    public var version: Int
    /// What the transport needs to release the lock (an open descriptor, a
    /// live SSH session); nil in a record read back from a file.
    public var handle: (any HostLockHandle)?

    public init(
        owner: String, pid: Int32, startedAt: Int, machine: String, machineID: String = "", bootID: String = "",
        processStart: UInt64 = 0, token: String = "", version: Int = 2, handle: (any HostLockHandle)? = nil
    ) {
        self.owner = owner
        self.pid = pid
        self.startedAt = startedAt
        self.machine = machine
        self.machineID = machineID
        self.bootID = bootID
        self.processStart = processStart
        self.token = token
        self.version = version
        self.handle = handle
    }

    /// The record, one `key value` per line after a header line.
    public var fileContent: String {
        guard version == 2 else { return "\(owner) \(pid) \(startedAt) \(machine)\n" }
        return """
            \(Self.header)
            owner \(Self.word(owner))
            machine \(Self.word(machine))
            machine-id \(Self.word(machineID))
            boot-id \(Self.word(bootID))
            pid \(pid)
            process-start \(processStart)
            since \(startedAt)
            token \(Self.word(token))

            """
    }

    public var holderDescription: String {
        guard version == 2 else { return "\(owner) (pid \(pid) on \(machine), since \(startedAt))" }
        return "\(owner) (pid \(pid) on \(machine), machine-id \(machineID.prefix(12)), boot \(bootID.prefix(8)), "
            + "since \(startedAt))"
    }

    /// The first line of a current record.
    public static let header = "onionops-lock 2"

    /// A record of either format, or nil for anything else.
    public static func parse(_ text: String) -> HostLock? {
        let lines = text.split(separator: "\n", omittingEmptySubsequences: true)
        guard let first = lines.first else { return nil }
        guard first == Self.header else {
            // The one-line record older versions wrote.
            let parts = text.split(whereSeparator: { $0 == " " || $0 == "\n" || $0 == "\t" })
            guard parts.count == 4, let pid = Int32(parts[1]), let started = Int(parts[2]) else { return nil }
            return HostLock(
                owner: String(parts[0]), pid: pid, startedAt: started, machine: String(parts[3]), version: 1)
        }
        var fields: [String: String] = [:]
        for line in lines.dropFirst() {
            let pair = line.split(separator: " ", maxSplits: 1)
            guard pair.count == 2 else { return nil }
            fields[String(pair[0])] = String(pair[1])
        }
        guard let owner = fields["owner"], let machine = fields["machine"], let machineID = fields["machine-id"],
            let bootID = fields["boot-id"], let pid = fields["pid"].flatMap({ Int32($0) }),
            let start = fields["process-start"].flatMap({ UInt64($0) }),
            let since = fields["since"].flatMap({ Int($0) }), let token = fields["token"]
        else { return nil }
        return HostLock(
            owner: owner, pid: pid, startedAt: since, machine: machine, machineID: machineID, bootID: bootID,
            processStart: start, token: token)
    }

    /// One word of a record: no whitespace or control characters, never
    /// empty, so the record always parses back.
    static func word(_ text: String) -> String {
        let cleaned = text.unicodeScalars.map { scalar in
            scalar.properties.isWhitespace || scalar.value < 32 || scalar.value == 127 ? "_" : String(scalar)
        }
        return cleaned.isEmpty ? "-" : cleaned.joined()
    }

    /// The same lock: every field of the record, the handle aside.
    public static func == (left: HostLock, right: HostLock) -> Bool {
        left.fileContent == right.fileContent
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(fileContent)
    }

    /// Host-absolute path of the lock file.
    public static let path = HostLayout.stateDirectory + "/lock"
}

/// What a transport keeps to release a lock it took. Opaque to everyone
/// else; checked between apply steps so a session that lost its lock stops.
public protocol HostLockHandle: AnyObject, Sendable {
    /// Why the lock is no longer held (the SSH session holding it ended, the
    /// lock file was replaced), or nil while it is.
    func lossReason() -> String?
}
