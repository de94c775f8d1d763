import Foundation
import Synchronization

/// Reaches a root-only unix socket on a host logged into as an unprivileged
/// user with `become: sudo`. `ssh -O forward` connects as the login user,
/// who cannot open tor's control socket or Onionbalance's status socket; so
/// a relay runs as root through sudo, in a session of its own on the shared
/// connection: it listens on a socket only the login user may use (in
/// root's 0711 `/run/onionops-relay`, the socket 0600 owned by the sudo
/// user) and passes each connection to the target. Its input is a pipe of
/// this process: when the forward is released, or this process dies, the
/// relay reads end of file, removes its socket and exits.
enum SocketRelay {
    /// The relays running, by the local socket their forward ends in.
    private static let running = Mutex<[String: HeldProcess]>([:])

    static func register(_ relay: HeldProcess, local: String) {
        running.withLock { $0[local] = relay }
    }

    static func release(local: String) async {
        guard let relay = running.withLock({ $0.removeValue(forKey: local) }) else { return }
        relay.closeInput()
        if await relay.wait(until: .now + .seconds(5)) == nil { await relay.kill() }
    }

    /// The relay's perl (perl-base is Essential): ARGV[0] the target socket,
    /// hex-encoded. Prints `listening PATH` once ready, or `error ...`.
    static let program = #"""
        use strict; use IO::Socket::UNIX; use IO::Select;
        my $target = pack("H*", $ARGV[0]);
        my ($uid, $gid) = ($ENV{SUDO_UID}, $ENV{SUDO_GID});
        $| = 1;
        sub fail { print "error $_[0]\n"; exit 1 }
        defined $uid && $uid =~ /^\d+$/ && $gid =~ /^\d+$/ or fail("not run through sudo");
        my $base = "/run/onionops-relay";
        mkdir $base, 0711;
        my @st = lstat $base;
        (-d _ && !-l _ && $st[4] == 0 && !($st[2] & 022)) or fail("$base is not a root-owned folder");
        my $path = sprintf("%s/%d-%08x.sock", $base, $$, int(rand(4294967295)));
        my $old = umask 0177;
        my $listen = IO::Socket::UNIX->new(Type => SOCK_STREAM, Local => $path, Listen => 16)
            or fail("cannot listen on $path: $!");
        umask $old;
        chown $uid, $gid, $path or fail("cannot chown $path: $!");
        $SIG{CHLD} = 'IGNORE';
        print "listening $path\n";
        my $select = IO::Select->new(\*STDIN, $listen);
        while (1) {
            for my $ready ($select->can_read) {
                if ($ready == $listen) {
                    my $client = $listen->accept or next;
                    my $pid = fork;
                    if (defined $pid && $pid == 0) {
                        # The session ends with the main loop, not with
                        # the last connection a caller left open.
                        close $listen;
                        open STDIN, "<", "/dev/null"; open STDOUT, ">", "/dev/null"; open STDERR, ">", "/dev/null";
                        relay($client);
                        exit 0;
                    }
                    close $client;
                } else {
                    my $byte;
                    if (!sysread(STDIN, $byte, 1)) { unlink $path; exit 0 }
                }
            }
        }
        sub relay {
            my $client = shift;
            my $server = IO::Socket::UNIX->new(Type => SOCK_STREAM, Peer => $target) or return;
            my $both = IO::Select->new($client, $server);
            while (my @ready = $both->can_read) {
                for my $from (@ready) {
                    my $buffer;
                    my $read = sysread($from, $buffer, 65536);
                    return unless $read;
                    my $to = $from == $client ? $server : $client;
                    my $at = 0;
                    while ($at < $read) {
                        my $wrote = syswrite($to, $buffer, $read - $at, $at);
                        return unless $wrote;
                        $at += $wrote;
                    }
                }
            }
        }
        """#
}
