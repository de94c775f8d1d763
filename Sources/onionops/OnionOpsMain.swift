import OnionOpsCommands

#if canImport(Glibc)
    import Glibc
#endif

@main
struct OnionOpsMain {
    static func main() async {
        // Every file and folder OnionOps makes gets its mode explicitly,
        // but `mkdir -p`'s parents and a local host's folders take the
        // process umask: under 077 (a hardened root shell, a unit's
        // UMask=) tor's user could not reach its own staged torrc.
        umask(0o022)
        await OnionOpsCommand.main()
    }
}
