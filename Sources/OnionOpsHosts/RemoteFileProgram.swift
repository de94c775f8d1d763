import OnionOpsCore

/// The program that does an SSH host's file batches: the same rules as
/// `POSIXFiles` on the local side, in Perl, because a POSIX shell cannot
/// hold a folder by descriptor and `perl-base` is Essential on Debian (it
/// is on every host, with Fcntl, POSIX and IO::Handle).
///
/// Rules, as locally: below the host's root each folder is entered one
/// component at a time (`lstat`, `chdir`, then the same device and inode
/// from `stat(".")`), so a symlink, or a folder swapped in on the way, is
/// never followed; everything then acts on the current folder (`.`) or on
/// an entry in it. Temp files are created with `O_EXCL | O_NOFOLLOW` and
/// given their mode and owner through the descriptor; reads open with
/// `O_NOFOLLOW | O_NONBLOCK` and read only regular files, and in a folder
/// that someone other than root can write (a daemon user's), only files
/// that user owns. A symlink where a managed path should be is reported
/// and replaced, never followed.
///
/// Input, one operation per line, fields separated by tabs, paths, user
/// names and contents in hex so no byte needs quoting:
///
///     S i path        stat          ->  S i type size mode owner sha256|-
///     G i path        read          ->  G i content
///     P i path        live pid      ->  P i pid   (only if the first line
///                                      is a pid and that process exists)
///     D path mode user               make a folder (mode in octal)
///     W path mode user content       atomic write
///     R path                         remove a file, link or empty folder
///     E path                         remove a folder if empty
///     L path token                   fail unless the lock file at path
///                                    holds `token <token>` and someone
///                                    holds its flock (`LockFence`); comes
///                                    first in a batch that changes things
///
/// Any failure prints one line on stderr and exits 1 (the batch stops
/// where it failed, like `set -e`).
///
/// It runs for nearly every step of an apply, so it loads what every batch
/// needs and no more: IO::Handle (fsync) only once a batch writes, and no
/// `warnings` (together 5 of its 10 ms of start-up here).
enum RemoteFileProgram {
    static let text = #"""
        use strict;
        use Fcntl qw(:DEFAULT :mode :flock);
        $^F = 1 << 20;  # descriptors stay open across exec: sha256sum reads /proc/self/fd/N
        umask(022);
        my $root = pack('H*', $ARGV[0]);
        sub fail { print STDERR "$_[0]\n"; exit 1; }
        my %ids;
        sub ids {
          my ($name) = @_;
          $ids{$name} //= do { my @p = getpwnam($name); fail("no user '$name' on this host") unless @p; [$p[2], $p[3]] };
          return @{$ids{$name}};
        }
        my %names;
        sub name_of { my ($uid) = @_; $names{$uid} //= (getpwuid($uid) // $uid); return $names{$uid}; }
        # Enters the folder holding $path; returns its last component, or
        # undef when a folder on the way is missing or not a real folder
        # (then the path does not exist for root) and $create is false.
        sub enter {
          my ($path, $create) = @_;
          chdir($root) or fail("cannot enter $root: $!");
          my @parts = grep { length } split m{/}, $path;
          my $leaf = pop @parts;
          my $walked = '';
          for my $c (@parts) {
            $walked .= "/$c";
            fail("$path climbs out with ..") if $c eq '..';
            my @l = lstat($c);
            if (!@l) {
              return undef unless $create;
              mkdir($c, 0755) or $!{EEXIST} or fail("cannot create folder $walked: $!");
              @l = lstat($c) or fail("cannot create folder $walked: $!");
            }
            if (!S_ISDIR($l[2])) {
              return undef unless $create;
              fail("$walked is a symlink or a file where a folder should be: not followed [unsafe-path]");
            }
            chdir($c) or fail("cannot enter $walked: $!");
            my @s = stat('.');
            fail("$walked changed while it was entered: not followed [unsafe-path]")
              unless @s && $s[0] == $l[0] && $s[1] == $l[1];
          }
          return $leaf;
        }
        sub trusted_here { my @d = stat('.'); return ($d[4] == $> && !($d[2] & 022), $d[4]); }
        # A regular file in the current folder that root may read, opened.
        sub open_regular {
          my ($leaf) = @_;
          sysopen(my $fh, $leaf, O_RDONLY | O_NOFOLLOW | O_NONBLOCK) or return undef;
          my @f = stat($fh);
          return undef unless @f && S_ISREG($f[2]);
          my ($trusted, $owner) = trusted_here();
          return undef unless $trusted || $f[4] == $owner;
          return $fh;
        }
        my @pending;  # [index, type, size, mode, owner, handle]
        sub flush_stats {
          my %hash;
          my @open = grep { defined $_->[5] } @pending;
          if (@open) {
            my %by_fd = map { (fileno($_->[5]) => $_->[0]) } @open;
            open(my $sums, '-|', 'sha256sum', map { '/proc/self/fd/' . fileno($_->[5]) } @open)
              or fail("cannot run sha256sum: $!");
            while (my $line = <$sums>) {
              $hash{$by_fd{$2}} = $1 if $line =~ m{^\\?([0-9a-f]{64})  /proc/self/fd/(\d+)$};
            }
            close($sums);
          }
          for my $p (@pending) {
            printf "S\t%d\t%s\t%d\t%o\t%s\t%s\n", $p->[0], $p->[1], $p->[2], $p->[3], $p->[4], $hash{$p->[0]} // '-';
            close($p->[5]) if defined $p->[5];
          }
          @pending = ();
        }
        while (my $line = <STDIN>) {
          chomp $line;
          my ($op, @f) = split /\t/, $line, -1;
          flush_stats() if @pending && ($op ne 'S' || @pending >= 400);
          if ($op eq 'S') {
            my ($i, $path) = ($f[0], pack('H*', $f[1]));
            my $leaf = enter($path, 0);
            next unless defined $leaf;
            my @l = lstat($leaf) or next;
            my $type = S_ISLNK($l[2]) ? 'link' : S_ISDIR($l[2]) ? 'dir' : S_ISREG($l[2]) ? 'file' : 'other';
            my $fh = $type eq 'file' ? open_regular($leaf) : undef;
            push @pending, [$i, $type, $l[7], $l[2] & 07777, name_of($l[4]), $fh];
          } elsif ($op eq 'G') {
            my ($i, $path) = ($f[0], pack('H*', $f[1]));
            my $leaf = enter($path, 0);
            next unless defined $leaf;
            my $fh = open_regular($leaf) or next;
            binmode $fh;
            local $/;
            my $content = <$fh> // '';
            close($fh);
            print "G\t$i\t", unpack('H*', $content), "\n";
          } elsif ($op eq 'P') {
            my ($i, $path) = ($f[0], pack('H*', $f[1]));
            my $leaf = enter($path, 0);
            next unless defined $leaf;
            my $fh = open_regular($leaf) or next;
            my $line = <$fh> // '';
            close($fh);
            chomp $line;
            next unless $line =~ /\A([1-9][0-9]{0,9})\z/ && $1 <= 2147483647;
            my $pid = $1;
            print "P\t$i\t$pid\n" if kill(0, $pid);
          } elsif ($op eq 'D') {
            my ($path, $mode, $user) = (pack('H*', $f[0]), oct($f[1]), pack('H*', $f[2]));
            my ($uid, $gid) = ids($user);
            my $leaf = enter($path, 1);
            my @l = lstat($leaf);
            if (@l && S_ISLNK($l[2])) { unlink($leaf) or $!{ENOENT} or fail("cannot remove the symlink at $path: $!"); @l = (); }
            if (!@l) { mkdir($leaf, 0700) or $!{EEXIST} or fail("cannot create folder $path: $!"); @l = lstat($leaf); }
            fail("$path is not a folder: not followed [unsafe-path]") unless @l && S_ISDIR($l[2]);
            chdir($leaf) or fail("cannot enter $path: $!");
            my @s = stat('.');
            fail("$path changed while it was entered: not followed [unsafe-path]")
              unless @s && $s[0] == $l[0] && $s[1] == $l[1];
            chmod($mode, '.') or fail("cannot chmod $path: $!");
            chown($uid, $gid, '.') or fail("cannot chown $path: $!");
          } elsif ($op eq 'W') {
            my ($path, $mode, $user, $content) = (pack('H*', $f[0]), oct($f[1]), pack('H*', $f[2]), pack('H*', $f[3]));
            my ($uid, $gid) = ids($user);
            my $leaf = enter($path, 1);
            my ($fh, $temp);
            for (1 .. 8) {
              $temp = sprintf('.%s.onionops-%08x%08x', $leaf, int(rand(2**32)), int(rand(2**32)));
              last if sysopen($fh, $temp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW, 0600);
              undef $fh;
              fail("cannot create a temp file for $path: $!") unless $!{EEXIST};
            }
            fail("cannot create a temp file for $path") unless $fh;
            binmode $fh;
            require IO::Handle;
            my $ok = (print {$fh} $content) && $fh->flush && $fh->sync
              && chmod($mode, $fh) && chown($uid, $gid, $fh);
            my $error = "$!";
            close($fh);
            if (!$ok) { unlink($temp); fail("cannot write $path: $error"); }
            if (!rename($temp, $leaf)) { $error = "$!"; unlink($temp); fail("cannot rename into $path: $error"); }
            if (sysopen(my $folder, '.', O_RDONLY | O_DIRECTORY)) { $folder->sync; }
          } elsif ($op eq 'R') {
            my $path = pack('H*', $f[0]);
            my $leaf = enter($path, 0);
            next unless defined $leaf;
            my @l = lstat($leaf) or next;
            my $ok = S_ISDIR($l[2]) ? rmdir($leaf) : unlink($leaf);
            fail("cannot remove $path: $!") unless $ok || $!{ENOENT};
          } elsif ($op eq 'E') {
            my $path = pack('H*', $f[0]);
            my $leaf = enter($path, 0);
            next unless defined $leaf;
            rmdir($leaf) or $!{ENOENT} or $!{ENOTEMPTY} or $!{EEXIST} or $!{ENOTDIR}
              or fail("cannot remove $path: $!");
          } elsif ($op eq 'L') {
            my ($path, $token) = (pack('H*', $f[0]), pack('H*', $f[1]));
            my $leaf = enter($path, 0);
            my $fh = defined $leaf ? open_regular($leaf) : undef;
            my $record = '';
            if ($fh) { local $/; $record = <$fh> // ''; }
            fail("the host lock at $path no longer holds this run's record [lock-lost]")
              unless $fh && $record =~ /^token \Q$token\E$/m;
            # Tried, not looked up in /proc/locks (see LockFence); a try
            # that wins lets go at once.
            if (flock($fh, LOCK_SH | LOCK_NB)) {
              flock($fh, LOCK_UN);
              fail("the host lock at $path is held by nobody: the session that held it for this run has ended [lock-lost]");
            }
            close($fh);
          } elsif ($op ne '') {
            fail("unknown operation $op");
          }
        }
        flush_stats() if @pending;
        """#

    /// Lowercase hex of `bytes` (`Hex`).
    static func hex(_ bytes: [UInt8]) -> String { Hex.encode(bytes) }

    static func hex(_ text: String) -> String { hex(Array(text.utf8)) }

    /// The bytes of lowercase or uppercase hex, or nil.
    static func unhex(_ text: Substring) -> [UInt8]? { Hex.decode(text) }
}
