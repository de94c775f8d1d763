#!/bin/sh
# Builds the systemd test hosts' images once (about 3 min on 2 cores), into
# OUT (default .build/systemd-host):
#   OUT/bare  Debian 12 with systemd, sshd, sudo and a `deploy` user, but no
#             tor, nginx or Onionbalance: what `onionops hosts prepare` starts
#             from;
#   OUT/full  bare plus tor, nginx (with the modules the renderer loads),
#             Onionbalance and age;
#   OUT/repo  a flat apt repository of those packages and their dependencies,
#             and of what the controller's Debian package needs
#             (make deb-test installs it from there).
#             Containers see it as their only apt source (bind-mounted at
#             /srv/onionops-test-repo), so apt inside never reaches a network.
# A stamp holding this script's hash skips a build that is up to date.
# Needs root, debootstrap, dpkg-scanpackages, and apt access to the mirror the
# machine's apt uses.
set -eu
OUT=${1:-.build/systemd-host}
here=$(cd "$(dirname "$0")" && pwd)
stamp=$(sha256sum "$here/build-images.sh" | cut -c1-16)
if [ -f "$OUT/stamp" ] && [ "$(cat "$OUT/stamp")" = "$stamp" ]; then
    echo "==> systemd host images in $OUT are up to date"
    exit 0
fi
rm -rf "$OUT"
mkdir -p "$OUT"
OUT=$(cd "$OUT" && pwd)

# The mirror apt uses (deb822 first, then one-line sources.list).
MIRROR=$(awk '/^URIs:/{print $2; exit}' /etc/apt/sources.list.d/*.sources 2>/dev/null || true)
[ -n "$MIRROR" ] || MIRROR=$(awk '$1=="deb"{print $2; exit}' /etc/apt/sources.list)

DAEMONS="tor nginx libnginx-mod-http-subs-filter libnginx-mod-http-headers-more-filter libnginx-mod-http-lua onionbalance age"
# In the repository only, not installed in any image: what the onionops
# package (make deb) Depends on beyond bare (libgit2 and libyaml, by
# dpkg-shlibdeps; libc6, libgcc-s1, libstdc++6, zlib1g and openssh-client
# are in bare), man-db for its pages, and git for the repository
# packaging/deb/install-test.sh commits to.
CONTROLLER="libgit2-1.5 libyaml-0-2 man-db git"

echo "==> debootstrap bookworm into $OUT/bare (about 2 min)"
# python3-cffi-backend: debootstrap does not resolve virtual packages, and
# onionbalance's python3-cryptography needs one of them; installing it here
# keeps the later apt-get in the chroot simple.
debootstrap --variant=minbase \
    --include=systemd,systemd-sysv,libpam-systemd,dbus,openssh-server,sudo,iproute2,procps,python3,python3-cffi-backend \
    bookworm "$OUT/bare" "$MIRROR" >"$OUT/debootstrap.log" 2>&1 ||
    { tail -30 "$OUT/debootstrap.log" >&2; exit 1; }

bare=$OUT/bare
rm -f "$bare/etc/hostname" # nspawn's --hostname= names each container
printf '127.0.0.1 localhost\n' >"$bare/etc/hosts"
: >"$bare/etc/machine-id" # each boot gets its own
rm -f "$bare/var/lib/dbus/machine-id"
cat >"$bare/etc/ssh/sshd_config.d/10-test.conf" <<'CONF'
PermitRootLogin prohibit-password
PasswordAuthentication no
KbdInteractiveAuthentication no
UseDNS no
CONF
install -d -m 700 "$bare/root/.ssh"
# The unprivileged deploy user a controller logs in as; its sudo rule is
# bind-mounted by each test, so the rule tested is the one the README shows.
chroot "$bare" useradd --create-home --shell /bin/bash deploy
install -d -m 700 -o "$(chroot "$bare" id -u deploy)" -g "$(chroot "$bare" id -g deploy)" "$bare/home/deploy/.ssh"
chroot "$bare" systemctl disable e2scrub_reap.service apt-daily.timer apt-daily-upgrade.timer \
    dpkg-db-backup.timer e2scrub_all.timer fstrim.timer getty@tty1.service >/dev/null 2>&1 || true
chroot "$bare" systemctl mask systemd-pstore.service systemd-ask-password-console.path \
    systemd-ask-password-wall.path >/dev/null 2>&1 || true

echo "==> downloading $DAEMONS $CONTROLLER and their dependencies"
chroot "$bare" apt-get update -qq
chroot "$bare" apt-get install -y -qq --download-only $DAEMONS $CONTROLLER >/dev/null
mkdir -p "$OUT/repo"
mv "$bare"/var/cache/apt/archives/*.deb "$OUT/repo/"
(cd "$OUT/repo" && dpkg-scanpackages --multiversion . /dev/null 2>/dev/null >Packages)
# From here on a container's only apt source is that repository.
rm -f "$bare"/etc/apt/sources.list "$bare"/etc/apt/sources.list.d/*
echo 'deb [trusted=yes] file:/srv/onionops-test-repo ./' >"$bare/etc/apt/sources.list.d/onionops-test.list"
mkdir -p "$bare/srv/onionops-test-repo"
chroot "$bare" apt-get clean
rm -rf "$bare"/var/lib/apt/lists/*

echo "==> full image: bare plus the daemons"
cp -a "$bare" "$OUT/full"
full=$OUT/full
mount --bind -o ro "$OUT/repo" "$full/srv/onionops-test-repo"
trap 'umount "$full/srv/onionops-test-repo" 2>/dev/null || true' EXIT
# No daemon may start inside the chroot while installing.
printf '#!/bin/sh\nexit 101\n' >"$full/usr/sbin/policy-rc.d"
chmod 755 "$full/usr/sbin/policy-rc.d"
chroot "$full" apt-get update -qq
DEBIAN_FRONTEND=noninteractive chroot "$full" apt-get install -y -qq --no-install-recommends $DAEMONS >"$OUT/install.log" 2>&1 ||
    { tail -30 "$OUT/install.log" >&2; exit 1; }
rm -f "$full/usr/sbin/policy-rc.d"
umount "$full/srv/onionops-test-repo"
trap - EXIT
# Debian's own units would take the ports and sockets OnionOps manages.
chroot "$full" systemctl disable tor.service nginx.service onionbalance.service >/dev/null 2>&1 || true
chroot "$full" apt-get clean
rm -rf "$full"/var/lib/apt/lists/*

echo "$stamp" >"$OUT/stamp"
du -sh "$OUT/bare" "$OUT/full" "$OUT/repo"
