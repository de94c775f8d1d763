import Foundation
public import OnionOpsCore

#if canImport(Glibc)
    import Glibc
#endif

/// The manifest names the binaries a host runs (nginx's master runs as
/// root; tor and Onionbalance are started by root as their users) and the
/// users they run as. Someone who can push manifests must not get root on a
/// host by pointing a binary at a file they can write, or by naming root as
/// a daemon user. So before a reconcile starts or signals any daemon, every
/// binary the host's daemons use is checked on the host itself, through its
/// transport (local or SSH):
///
/// - every path component is resolved (symlinks followed, at most 40);
/// - every folder on the way, every symlink and the binary are owned by
///   root;
/// - no folder is writable by group or others, unless it is sticky (like
///   `/tmp`): nobody but root can then rename or remove what root owns in it;
/// - the binary is a regular file not writable by group or others.
///
/// Nobody but root can change such a chain afterwards, so the check holds
/// until the daemon is run. A binary that cannot pass (a deliberate choice
/// of the operator) may be listed, by exact path, in the controller's
/// allowlist (`/etc/onionops/trusted-binaries`, or the file named by
/// `ONIONOPS_TRUSTED_BINARIES`). Each daemon user is also resolved on the
/// host (`id -u`): uid 0 is refused whatever the allowlist says.
public struct BinaryTrust: Sendable {
    public static let allowlistPath = "/etc/onionops/trusted-binaries"
    public static let allowlistVariable = "ONIONOPS_TRUSTED_BINARIES"

    public let transport: any HostTransport
    public let host: OnionOpsCore.Host
    /// Binary paths the controller's operator trusts without the check.
    public let allowlist: Set<String>

    public init(transport: any HostTransport, host: OnionOpsCore.Host, allowlist: Set<String>) {
        self.transport = transport
        self.host = host
        self.allowlist = allowlist
    }

    /// Reads the controller's allowlist, then checks `instances`' binaries
    /// and users on the host: the one call a session makes before it acts.
    public static func check(
        _ instances: [DaemonInstance], on host: OnionOpsCore.Host, through transport: any HostTransport
    ) async throws(HostError) {
        let allowlist = try controllerAllowlist(host: host.name)
        try await BinaryTrust(transport: transport, host: host, allowlist: allowlist).verify(instances)
    }

    /// The binaries and users that `instances` run: tor for project and
    /// publisher tors, nginx, Onionbalance for publishers (whose tor runs
    /// as Onionbalance's user).
    public func needs(_ instances: [DaemonInstance]) -> (binaries: [String], users: [String]) {
        var binaries: [String] = []
        var users: [String] = []
        func add(_ settings: DaemonSettings) {
            if !binaries.contains(settings.binary) { binaries.append(settings.binary) }
            if !users.contains(settings.user) { users.append(settings.user) }
        }
        for instance in instances {
            switch instance {
            case .tor: add(host.tor)
            case .nginx: add(host.nginx)
            case .publisher:
                add(DaemonSettings(binary: host.tor.binary, user: host.onionbalance.user))
                add(host.onionbalance)
            }
        }
        return (binaries, users)
    }

    /// Throws naming the first binary or user that fails, and why.
    public func verify(_ instances: [DaemonInstance]) async throws(HostError) {
        let (binaries, users) = needs(instances)
        let checked = binaries.filter { !allowlist.contains($0) }
        guard !checked.isEmpty || !users.isEmpty else { return }
        let arguments = checked.flatMap { ["binary", $0] } + users.flatMap { ["user", $0] }
        let output = try await transport.run(["/bin/sh", "-c", Self.script, "onionops-trust"] + arguments, input: [])
        let problems = output.stdoutText.split(separator: "\n").map(String.init)
        guard output.succeeded else {
            throw HostError(
                host: host.name, code: .commandFailed,
                message: "cannot check the daemon binaries and users: exit \(output.exitCode) \(output.stderr)")
        }
        guard problems.isEmpty else {
            throw HostError(
                host: host.name, code: .invalidPath,
                message: "refused before any daemon action: " + problems.joined(separator: "; ")
                    + " (root would run it; see docs/MANIFESTS.md on trusted binaries)")
        }
    }

    /// One line per problem on stdout; exit 0 when the checks ran. `$@`:
    /// pairs `binary PATH` and `user NAME`. Modes come from `stat -c %f`
    /// (hex, type bits included) of each component, never followed.
    static let script = #"""
        set -u
        problem() { printf '%s\n' "$*"; }
        check_binary() {
          want=$1
          case $want in /*) ;; *) problem "binary $want: not an absolute path"; return ;; esac
          resolved='' rest=$want hops=0 last=''
          info=$(stat -c '%u %f' -- / 2>/dev/null) || { problem "binary $want: cannot stat /"; return; }
          uid=${info% *} mode=$((0x${info#* }))
          if [ "$uid" != 0 ] || [ $((mode & 18)) -ne 0 -a $((mode & 512)) -eq 0 ]; then
            problem "binary $want: / is not root-owned or is writable by others"; return
          fi
          while :; do
            while :; do case $rest in /*) rest=${rest#/} ;; *) break ;; esac; done
            [ -n "$rest" ] || break
            case $rest in */*) part=${rest%%/*} rest=${rest#*/} ;; *) part=$rest rest='' ;; esac
            case $part in
              .) continue ;;
              ..) resolved=${resolved%/*}; last=dir; continue ;;
            esac
            path=$resolved/$part
            info=$(stat -c '%u %f' -- "$path" 2>/dev/null) || { problem "binary $want: $path does not exist"; return; }
            uid=${info% *} mode=$((0x${info#* }))
            type=$((mode & 61440))
            if [ "$uid" != 0 ]; then
              problem "binary $want: $path is owned by uid $uid, not root"; return
            fi
            if [ $type -eq 40960 ]; then
              hops=$((hops + 1))
              [ $hops -le 40 ] || { problem "binary $want: too many symlinks"; return; }
              target=$(readlink -- "$path") || { problem "binary $want: cannot read the link $path"; return; }
              case $target in /*) resolved='' ;; esac
              if [ -n "$rest" ]; then rest=$target/$rest; else rest=$target; fi
              continue
            elif [ $type -eq 16384 ]; then
              if [ $((mode & 18)) -ne 0 ] && [ $((mode & 512)) -eq 0 ]; then
                problem "binary $want: the folder $path is writable by group or others"; return
              fi
              last=dir
            elif [ $type -eq 32768 ]; then
              [ -z "$rest" ] || { problem "binary $want: $path is not a folder"; return; }
              if [ $((mode & 18)) -ne 0 ]; then
                problem "binary $want: $path is writable by group or others"; return
              fi
              last=file
            else
              problem "binary $want: $path is not a regular file or folder"; return
            fi
            resolved=$path
          done
          [ "$last" = file ] || problem "binary $want: ${resolved:-/} is not a regular file"
        }
        check_user() {
          uid=$(id -u -- "$1" 2>/dev/null) || return 0
          [ "$uid" != 0 ] || problem "user $1: is uid 0 (root) on this host: a daemon must run as its own unprivileged user"
        }
        while [ $# -ge 2 ]; do
          case $1 in
            binary) check_binary "$2" ;;
            user) check_user "$2" ;;
          esac
          shift 2
        done
        exit 0
        """#

    /// The controller's allowlist: absent means empty. The file decides
    /// what root runs on every host, so it must be a regular file (not a
    /// link) owned by root or by the user running onionops, not writable
    /// by group or others, in a folder of the same kind; otherwise it is an
    /// error, never silently ignored.
    public static func controllerAllowlist(host: String, path: String? = nil) throws(HostError) -> Set<String> {
        let file = path ?? environmentPath() ?? allowlistPath
        func refuse(_ why: String) -> HostError {
            HostError(host: host, code: .invalidPath, message: "the trusted-binaries list \(file) \(why)")
        }
        var status = stat()
        guard lstat(file, &status) == 0 else {
            if errno == ENOENT { return [] }
            throw refuse("cannot be read: \(String(cString: strerror(errno)))")
        }
        let folder = file.lastIndex(of: "/").map { String(file[..<$0]) } ?? "."
        var folderStatus = stat()
        guard lstat(folder.isEmpty ? "/" : folder, &folderStatus) == 0 else {
            throw refuse("is in a folder that cannot be read")
        }
        let owners: Set<uid_t> = [0, geteuid()]
        guard status.st_mode & mode_t(S_IFMT) == mode_t(S_IFREG) else { throw refuse("is not a regular file") }
        guard owners.contains(status.st_uid), status.st_mode & 0o022 == 0 else {
            throw refuse("must be owned by root (or this user) and not writable by group or others")
        }
        let sticky = folderStatus.st_mode & mode_t(S_ISVTX) != 0
        guard folderStatus.st_mode & mode_t(S_IFMT) == mode_t(S_IFDIR), owners.contains(folderStatus.st_uid),
            folderStatus.st_mode & 0o022 == 0 || sticky
        else { throw refuse("is in a folder others can write to") }
        let descriptor = open(file, O_RDONLY | O_NOFOLLOW | O_CLOEXEC)
        guard descriptor >= 0 else { throw refuse("cannot be opened: \(String(cString: strerror(errno)))") }
        defer { close(descriptor) }
        var bytes: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 4096)
        while bytes.count < 1 << 20 {
            let count = buffer.withUnsafeMutableBytes { read(descriptor, $0.baseAddress, $0.count) }
            guard count > 0 else { break }
            bytes += buffer[..<count]
        }
        return parse(String(decoding: bytes, as: UTF8.self))
    }

    /// One absolute path per line; blank lines and `#` comments skipped.
    static func parse(_ text: String) -> Set<String> {
        Set(
            text.split(separator: "\n").map { $0.trimmingCharacters(in: .whitespaces) }
                .filter { $0.hasPrefix("/") }
        )
    }

    private static func environmentPath() -> String? {
        guard let path = ProcessInfo.processInfo.environment[allowlistVariable], !path.isEmpty else { return nil }
        return path
    }
}
