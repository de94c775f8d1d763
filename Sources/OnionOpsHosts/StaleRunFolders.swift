public import Foundation
import Synchronization

#if canImport(Glibc)
    import Glibc
#endif

/// Removes the `onionops-run-*` folders that versions before in-memory
/// capture (`Spawn.capture`) made in the temp folder for each command:
/// `in` held the SSH batch script (base64 key files), `out` what it
/// printed (reads of key files). A SIGKILL left them behind for good.
///
/// Only folders that are really this user's are touched: opened without
/// following a link, owned by the effective uid, holding only regular
/// files, and quiet for `quietPeriod` (an older onionops still running
/// beside this one keeps its own). Everything goes through the opened
/// folder's descriptor, never by path again.
public enum StaleRunFolders {
    public static let prefix = "onionops-run-"
    /// Far longer than any one command of an older version took.
    public static let quietPeriod: TimeInterval = 600

    private static let once: Void = {
        _ = sweep(in: defaultParents)
        done.store(true, ordering: .releasing)
    }()
    private static let done = Atomic(false)

    /// Sweeps the default temp folders, at most once per process.
    static func sweepOnce() {
        _ = once
    }

    /// Whether this process has swept already.
    static var swept: Bool { done.load(ordering: .acquiring) }

    /// `$TMPDIR` (where older versions wrote) and /tmp (its default).
    public static var defaultParents: [String] {
        var parents = [NSTemporaryDirectory(), "/tmp"].map { $0.hasSuffix("/") ? String($0.dropLast()) : $0 }
        if parents[0] == parents[1] { parents.removeLast() }
        return parents
    }

    /// Sweeps `parents`; the paths it removed.
    @discardableResult
    public static func sweep(in parents: [String], now: Date = Date()) -> [String] {
        var removed: [String] = []
        for parent in parents {
            let parentFD = open(parent, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
            guard parentFD >= 0 else { continue }
            defer { close(parentFD) }
            for name in entries(of: parentFD) where name.hasPrefix(prefix) {
                if removeIfStale(name, in: parentFD, now: now) { removed.append(parent + "/" + name) }
            }
        }
        return removed
    }

    private static func removeIfStale(_ name: String, in parentFD: Int32, now: Date) -> Bool {
        // O_NOFOLLOW: a link named like ours (to anywhere) is not opened.
        let folderFD = openat(parentFD, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)
        guard folderFD >= 0 else { return false }
        defer { close(folderFD) }
        var folder = stat()
        guard fstat(folderFD, &folder) == 0, folder.st_uid == geteuid() else { return false }
        var newest = folder.st_mtim.tv_sec
        let files = entries(of: folderFD)
        for file in files {
            var status = stat()
            guard fstatat(folderFD, file, &status, AT_SYMLINK_NOFOLLOW) == 0,
                status.st_mode & S_IFMT == S_IFREG
            else { return false }
            newest = max(newest, status.st_mtim.tv_sec)
        }
        guard now.timeIntervalSince1970 - Double(newest) >= quietPeriod else { return false }
        for file in files where unlinkat(folderFD, file, 0) != 0 {
            return false
        }
        // The parent is the sticky temp folder: only this user (or root)
        // can have renamed the folder since it was opened.
        return unlinkat(parentFD, name, AT_REMOVEDIR) == 0
    }

    /// The names in an open folder, without "." and "..".
    private static func entries(of folderFD: Int32) -> [String] {
        let copy = dup(folderFD)
        guard copy >= 0, let directory = fdopendir(copy) else {
            if copy >= 0 { close(copy) }
            return []
        }
        defer { closedir(directory) }
        rewinddir(directory)
        var names: [String] = []
        while let entry = readdir(directory) {
            let name = withUnsafePointer(to: &entry.pointee.d_name) { pointer in
                pointer.withMemoryRebound(to: CChar.self, capacity: 256) { String(cString: $0) }
            }
            if name != "." && name != ".." { names.append(name) }
        }
        return names
    }
}
