import Foundation
public import OnionOpsCore

extension SSHTransport {
    /// `set -C` makes the redirection an exclusive create, so two
    /// reconcilers cannot both win. A lock left by a process of this
    /// machine that has exited is taken over (removed only if it still
    /// holds what was read, so a racing reconciler's fresh lock survives);
    /// one from another machine is left for a person (or that machine).
    public func lock(owner: String) async throws(HostError) -> HostLock {
        let path = try resolve(HostLock.path)
        let folder = String(path[..<(path.lastIndex(of: "/") ?? path.startIndex)])
        let mine = LocalMachine.lock(owner: owner)
        let p = ShellScript.quote(path)
        for _ in 0..<2 {
            let text = """
                mkdir -p \(ShellScript.quote(folder))
                if ( set -C; printf '%s' \(ShellScript.quote(mine.fileContent)) > \(p) ) 2>/dev/null; then
                  echo taken
                else
                  cat \(p)
                fi

                """
            let reply = try script(text).stdoutText
            if reply == "taken\n" { return mine }
            guard let held = HostLock.parse(reply) else {
                throw HostError(host: host, code: .locked, message: "locked by an unreadable lock file at \(path)")
            }
            guard LocalMachine.isStale(held) else {
                throw HostError(host: host, code: .locked, message: "locked by \(held.holderDescription) at \(path)")
            }
            let expected = ShellScript.quote(String(held.fileContent.dropLast()))
            _ = try script("if [ \"$(cat \(p) 2>/dev/null)\" = \(expected) ]; then rm -f \(p); fi\n")
        }
        throw HostError(host: host, code: .locked, message: "could not take \(path)")
    }

    public func unlock(_ lock: HostLock) async throws(HostError) {
        let path = try resolve(HostLock.path)
        let text = """
            if [ "$(cat \(ShellScript.quote(path)) 2>/dev/null)" = \(ShellScript.quote(String(lock.fileContent.dropLast()))) ]; then
              rm -f \(ShellScript.quote(path)); echo released
            fi

            """
        guard try script(text).stdoutText == "released\n" else {
            throw HostError(
                host: host, code: .locked, message: "\(path) is not held by \(lock.owner) (pid \(lock.pid))")
        }
    }
}
