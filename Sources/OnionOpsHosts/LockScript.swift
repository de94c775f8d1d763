import Foundation
import OnionOpsCore

/// The host side of a host lock over SSH (POSIX sh, flock(1) and
/// timeout(1), as on any Linux), and the words both transports use about a
/// lock record.
enum LockScript {
    /// One word for sh, whatever it contains.
    static func quote(_ text: String) -> String {
        "'" + text.replacing("'", with: #"'\''"#) + "'"
    }

    /// Takes the flock on `path` without waiting and holds it while lines
    /// (keep-alives) keep coming on standard input, answering each with
    /// `alive`, so the controller knows the holder is still there.
    ///
    /// Prints one first line: `held`; `busy` or `foreign` followed by the
    /// record found (held by another reconciler, or a lock file of an older
    /// version); or `error <why>`. After `held` it prints, when its input
    /// ends (released, or the controller died) or the lease runs out,
    /// `released` or `expired`, or `mismatch` and the record found if the
    /// file no longer holds ours. Its exit frees the lock.
    ///
    /// The folder must be the login user's and writable by nobody else, so
    /// no one else can put a link or a FIFO where the lock file goes.
    static func hold(path: String, record: String, lease: Int) -> String {
        let folder = String(path[..<(path.lastIndex(of: "/") ?? path.startIndex)])
        return """
            f=\(quote(path)); d=\(quote(folder)); r=\(quote(record))
            fail() { echo "error $*"; exit 0; }
            command -v flock >/dev/null 2>&1 || fail "flock(1) is not installed on the host (util-linux)"
            command -v timeout >/dev/null 2>&1 || fail "timeout(1) is not installed on the host (coreutils)"
            umask 022
            [ -d "$d" ] || mkdir -p -- "$d" || fail "cannot create $d"
            if [ -L "$d" ] || [ ! -d "$d" ]; then fail "$d is not a folder"; fi
            set -- $(stat -c '%u %a' -- "$d")
            [ "$1" = "$(id -u)" ] || fail "$d is not owned by the login user"
            [ $(( 0$2 & 022 )) -eq 0 ] || fail "$d is writable by others (mode $2)"
            if [ -L "$f" ] || { [ -e "$f" ] && [ ! -f "$f" ]; }; then fail "$f is not a regular file"; fi
            umask 077
            exec 9>>"$f"
            n=0
            until flock -n -x 9; do
              # Held with no record yet (or just released): wait a moment.
              if [ -s "$f" ] || [ "$n" -ge 10 ]; then echo busy; cat -- "$f"; exit 0; fi
              n=$((n + 1)); sleep 0.01
            done
            old=$(cat -- "$f")
            case $old in '' | \(quote(HostLock.header))*) ;; *) echo foreign; printf '%s\\n' "$old"; exit 0 ;; esac
            printf '%s' "$r" > "$f" || fail "cannot write $f"
            echo held
            while :; do
              timeout \(lease) sh -c 'IFS= read -r line' 9>&-
              s=$?
              [ "$s" -eq 0 ] || break
              echo alive
            done
            if [ "$(cat -- "$f")" = "$(printf '%s' "$r")" ]; then
              : > "$f"
              if [ "$s" -eq 124 ]; then echo expired; else echo released; fi
            else
              echo mismatch; cat -- "$f"
            fi

            """
    }

    /// Whether the lock is held now and the record in the file, without
    /// touching the lock (a probe with flock would make a reconciler that
    /// tries at that instant fail): held means /proc/locks lists an flock on
    /// the file's device and inode. Prints `held`, `free` or `unknown`, then
    /// the record.
    static func probe(path: String) -> String {
        """
        f=\(quote(path))
        if [ -L "$f" ] || [ ! -f "$f" ]; then echo free; exit 0; fi
        set -- $(stat -c '%D %i' -- "$f")
        n=$(( 0x$1 ))
        k=$(printf '%02x:%02x:%s' $(( (n >> 8) & 0xfff )) $(( (n & 0xff) | ((n >> 12) & 0xfff00) )) "$2")
        if [ ! -r /proc/locks ]; then echo unknown
        elif awk -v k="$k" '$2 == "FLOCK" && $6 == k { found = 1 } END { exit !found }' /proc/locks; then echo held
        else echo free
        fi
        cat -- "$f"

        """
    }

    /// Who a record names, for "locked by ...".
    static func describe(record: String) -> String {
        let text = record.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !text.isEmpty else { return "a reconciler that has not written its record yet" }
        guard let holder = HostLock.parse(text) else { return "an unreadable lock record" }
        guard holder.version == 2 else {
            return holder.holderDescription
                + " - a lock file of an older onionops, which locked without flock: remove it once that run has ended"
        }
        return holder.holderDescription
    }
}
