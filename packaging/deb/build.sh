#!/bin/bash
# Builds the Debian package of the controller:
#   packaging/deb/build.sh [REPO_ROOT]   (default: this script's repository)
# writes REPO_ROOT/.build/deb/onionops_<version>_amd64.deb, the version read
# from Sources/OnionOpsEngine/OnionOpsVersion.swift.
#
# What it does, in order:
#   1. swift build -c release --product onionops --static-swift-stdlib in
#      .build/deb-build (the Swift runtime, Foundation and Dispatch linked
#      in: the target needs no Swift toolchain), checked with ldd;
#   2. man pages, one per subcommand, by swift-argument-parser's
#      generate-manual plugin (its build is a debug build of every product);
#   3. bash, zsh and fish completions from the binary itself;
#   4. a staging tree: the stripped binary, the pages, the completions, the
#      systemd units and the conffile of this folder, /var/lib/onionops-controller,
#      copyright and changelog.Debian.gz;
#   5. DEBIAN/: control (Depends from dpkg-shlibdeps), conffiles, md5sums,
#      the maintainer scripts of this folder;
#   6. dpkg-deb --root-owner-group --build, then lintian (any error fails).
# Needs: swift, dpkg-dev (dpkg-shlibdeps), binutils (strip), lintian,
# systemd (systemd-analyze). Environment: DEB_MAINTAINER overrides the
# Maintainer field; SKIP_LINTIAN=1 skips lintian; DEB_BINARY_ONLY=1 builds
# the release binary only.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "${1:-$here/../..}" && pwd)
cd "$ROOT"

SWIFT=${SWIFT:-swift}
MAINTAINER=${DEB_MAINTAINER:-OnionOps developers <onionops-developers@example.org>}
OUT=$ROOT/.build/deb
STAGE=$OUT/stage
ARCH=amd64

say() { printf '==> %s\n' "$*"; }
die() { printf 'error: %s\n' "$*" >&2; exit 1; }

[ "$(dpkg --print-architecture)" = "$ARCH" ] || die "this builds $ARCH packages only"

# The version the binary reports, from its one definition.
VERSION=$(sed -n 's/.*static let current *= *"\([^"]*\)".*/\1/p' Sources/OnionOpsEngine/OnionOpsVersion.swift)
[ -n "$VERSION" ] || die "no version in Sources/OnionOpsEngine/OnionOpsVersion.swift"
printf '%s' "$VERSION" | grep -Eq '^[0-9][A-Za-z0-9.+~]*$' || die "version '$VERSION' is not a Debian upstream version"
DEB=$OUT/onionops_${VERSION}_${ARCH}.deb

# Dates in the package (man pages, changelog) are the commit's, so two
# builds of one commit make the same files.
if commit=$(git -C "$ROOT" rev-parse --short=12 HEAD 2>/dev/null); then
    SOURCE_DATE_EPOCH=${SOURCE_DATE_EPOCH:-$(git -C "$ROOT" log -1 --format=%ct)}
    dirty=$(git -C "$ROOT" status --porcelain --untracked-files=no -- Sources Package.swift | head -1)
    [ -z "$dirty" ] || commit="$commit (with uncommitted changes)"
else
    commit="(not a git checkout)"
    SOURCE_DATE_EPOCH=${SOURCE_DATE_EPOCH:-$(date +%s)}
fi
export SOURCE_DATE_EPOCH

say "onionops $VERSION from $commit"

# 1. The release binary, in a build folder of its own (.build/deb-build):
# it never waits for the lock of .build, so CI can build it at the lowest
# priority beside the test suites (DEB_BINARY_ONLY=1 stops after this step).
build=(build -c release --product onionops --static-swift-stdlib --scratch-path "$ROOT/.build/deb-build")
say "swift ${build[*]}"
"$SWIFT" "${build[@]}"
BIN=$("$SWIFT" "${build[@]}" --show-bin-path)/onionops
[ -x "$BIN" ] || die "$BIN was not built"
[ "$("$BIN" --version)" = "$VERSION" ] || die "$BIN --version is '$("$BIN" --version)', not $VERSION"
if [ "${DEB_BINARY_ONLY:-}" = 1 ]; then
    say "built $BIN"
    exit 0
fi

# No Swift runtime library may stay dynamic.
swift_libs=$(ldd "$BIN" | grep -E 'libswift|libFoundation|lib_Foundation|libdispatch|libBlocksRuntime|libXCTest' || true)
[ -z "$swift_libs" ] || die "the binary still loads Swift runtime libraries:"$'\n'"$swift_libs"
ldd "$BIN" | grep -q 'not found' && die "ldd: a library is missing: $(ldd "$BIN" | grep 'not found')"

rm -rf "$STAGE"
mkdir -p "$STAGE"
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
# Everything staged is root's with the modes set below; umask 022 for what
# is made without an explicit mode.
umask 022

install -D -m 0755 "$BIN" "$STAGE/usr/bin/onionops"
# What dh_strip does for an executable: symbols and the .comment/.note
# sections go; the swift5_* metadata sections stay (the runtime reads them).
strip --remove-section=.comment --remove-section=.note "$STAGE/usr/bin/onionops"

# 2. Man pages. The plugin builds every product in the configuration given
# and writes onionops.1, onionops.reconcile.1, ... into its work folder;
# Debian names subcommand pages like git's (onionops-reconcile.1).
say "man pages (swift package generate-manual --multi-page)"
plugin_out=$ROOT/.build/plugins/GenerateManual/outputs
rm -rf "$plugin_out"
man_date=$(date -u -d "@$SOURCE_DATE_EPOCH" +%Y-%m-%d)
"$SWIFT" package generate-manual --multi-page --configuration debug --date "$man_date"
pages=$(find "$plugin_out" -name 'onionops*.1' -path '*/onionops/*' | sort)
[ -n "$pages" ] || pages=$(find "$plugin_out" -name 'onionops*.1' | sort)
[ -n "$pages" ] || die "generate-manual wrote no onionops*.1 under $plugin_out"
mandir=$STAGE/usr/share/man/man1
install -d -m 0755 "$mandir"
for page in $pages; do
    name=$(basename "$page" .1)
    dashed=${name//./-}
    spaced=${name//./ }
    # The title, the NAME entry (what whatis and apropos read: one word)
    # and the cross references follow the file name, as git's pages do;
    # the synopsis and exit status keep the command as typed
    # ("onionops keys new"). The help subcommand's page goes (it says
    # nothing the others do not), and so do references to it. An empty
    # line, which mdoc warns about, is the paragraph break it stands for.
    awk -v dashed="$dashed" -v spaced="$spaced" '
        /^\.Sh / { in_name = ($0 == ".Sh NAME") }
        /^\.Dt / { gsub(/\./, "-", $2); print; next }
        in_name && /^\.Nm / { print ".Nm " dashed; next }
        /^\.Nm$/ && spaced != dashed { print ".Nm \"" spaced "\""; next }
        /^\.Ex -std$/ && spaced != dashed { print ".Ex -std \"" spaced "\""; next }
        # The one-line description unquoted (whatis shows it as is), unless
        # a word could be read as an mdoc macro (An, No, Ar, ...).
        /^\.Nd ".*"$/ {
            text = substr($0, 6, length($0) - 6)
            if (text !~ /(^| )[A-Z][a-z]( |$)/ && text !~ /["\\]/) { print ".Nd " text; next }
        }
        /^\.Xr onionops\.help / { next }
        /^\.Xr onionops\./ { gsub(/\./, "-", $2); print; next }
        /^$/ { print ".Pp"; next }
        { print }
    ' "$page" >"$mandir/$dashed.1"
done
rm -f "$mandir/onionops-help.1"
for page in "$mandir"/*.1; do
    warnings=$(LC_ALL=C.UTF-8 MANROFFSEQ='' MANWIDTH=80 man --warnings -E UTF-8 -l -Tutf8 -Z "$page" 2>&1 >/dev/null || true)
    [ -z "$warnings" ] || die "$(basename "$page"): $warnings"
done
for page in "$mandir"/*.1; do
    # -n: no name or time stamp in the gzip header (reproducible).
    gzip -9n "$page"
    chmod 0644 "$page.gz"
done
[ -f "$mandir/onionops-reconcile.1.gz" ] || die "no onionops-reconcile page among: $(ls "$mandir")"
say "$(ls "$mandir" | wc -l) man pages"

# 3. Completions, from the binary's own parser.
install -d -m 0755 "$STAGE/usr/share/bash-completion/completions" \
    "$STAGE/usr/share/zsh/vendor-completions" "$STAGE/usr/share/fish/vendor_completions.d"
# bash-completion sources the file: no #! line (lintian:
# bash-completion-with-hashbang).
"$BIN" --generate-completion-script bash | sed '1{/^#!/d}' >"$STAGE/usr/share/bash-completion/completions/onionops"
"$BIN" --generate-completion-script zsh >"$STAGE/usr/share/zsh/vendor-completions/_onionops"
"$BIN" --generate-completion-script fish >"$STAGE/usr/share/fish/vendor_completions.d/onionops.fish"
chmod 0644 "$STAGE/usr/share/bash-completion/completions/onionops" \
    "$STAGE/usr/share/zsh/vendor-completions/_onionops" "$STAGE/usr/share/fish/vendor_completions.d/onionops.fish"

# 4. Units, configuration, state.
install -D -m 0644 -t "$STAGE/lib/systemd/system" \
    "$here/onionops-watch.service" "$here/onionops-drift.service" "$here/onionops-drift.timer"
install -d -m 0755 "$STAGE/etc/onionops"
install -m 0644 "$here/onionops.env" "$STAGE/etc/onionops/onionops.env"
install -d -m 0700 "$STAGE/var/lib/onionops-controller"

say "systemd-analyze verify"
# On this machine the units' /usr/bin/onionops is the staged one (a copy of
# the units with that path), and their man: links are not looked up (the
# pages are not installed here; install-test.sh verifies the installed units
# with both). verify exits 0 on an unknown key: any message fails.
verify=$scratch/units
mkdir -p "$verify"
for unit in onionops-watch.service onionops-drift.service onionops-drift.timer; do
    sed "s#/usr/bin/onionops#$STAGE/usr/bin/onionops#g" "$STAGE/lib/systemd/system/$unit" >"$verify/$unit"
done
messages=$(cd "$verify" && SYSTEMD_LOG_LEVEL=notice systemd-analyze verify --man=no \
    ./onionops-watch.service ./onionops-drift.service ./onionops-drift.timer 2>&1) || die "systemd-analyze verify: $messages"
[ -z "$messages" ] || die "systemd-analyze verify: $messages"

# Two vendored C libraries lintian finds in the binary (embedded-library),
# which the packaging cannot unbundle: the overrides say why.
install -D -m 0644 "$here/lintian-overrides" "$STAGE/usr/share/lintian/overrides/onionops"

# Documentation: copyright (machine-readable) and the Debian changelog.
docdir=$STAGE/usr/share/doc/onionops
install -d -m 0755 "$docdir"
"$here/copyright.sh" "$ROOT" "$BIN" >"$docdir/copyright"
chmod 0644 "$docdir/copyright"
{
    printf 'onionops (%s) bookworm; urgency=medium\n\n' "$VERSION"
    printf '  * onionops %s, built by packaging/deb/build.sh from commit\n' "$VERSION"
    printf '    %s.\n\n' "$commit"
    printf ' -- %s  %s\n' "$MAINTAINER" "$(LC_ALL=C date -u -R -d "@$SOURCE_DATE_EPOCH")"
} >"$docdir/changelog.Debian"
gzip -9n "$docdir/changelog.Debian"
chmod 0644 "$docdir/changelog.Debian.gz"

# 5. DEBIAN/.
install -d -m 0755 "$STAGE/DEBIAN"
install -m 0755 "$here/postinst" "$here/prerm" "$here/postrm" "$STAGE/DEBIAN/"
printf '/etc/onionops/onionops.env\n' >"$STAGE/DEBIAN/conffiles"

# Depends from the libraries the binary really loads: dpkg-shlibdeps wants
# a debian/control beside it, so it runs in a scratch source tree.
say "dpkg-shlibdeps"
mkdir -p "$scratch/debian"
printf 'Source: onionops\n\nPackage: onionops\nArchitecture: %s\n' "$ARCH" >"$scratch/debian/control"
shlibs=$(cd "$scratch" && dpkg-shlibdeps -O -e"$STAGE/usr/bin/onionops" 2>"$scratch/shlibdeps.err") ||
    { cat "$scratch/shlibdeps.err" >&2; die "dpkg-shlibdeps failed"; }
grep -v 'warning: binaries to analyze should already be installed' "$scratch/shlibdeps.err" >&2 || true
shlibs=${shlibs#shlibs:Depends=}
[ -n "$shlibs" ] || die "dpkg-shlibdeps found no dependency"
# What the binary runs: ssh for SSH hosts, ssh-keygen to check the host key
# of a git remote over ssh:// (libgit2 speaks SSH itself) and commit
# signatures: openssh-client. perl (perl-base) and sh are essential; git
# itself is never run. age-keygen only for `onionops init` (Recommends);
# Graphviz's dot only for the status page's drawing (Suggests).
DEPENDS="$shlibs, openssh-client"

# Installed-Size as dpkg-gencontrol counts it: KiB per file, rounded up, and
# one per directory or link.
installed_size=$(cd "$STAGE" && find . -path ./DEBIAN -prune -o \( -type f -printf '%s\n' \) -o \( ! -type f ! -name . -printf '1024\n' \) |
    awk '{ total += int(($1 + 1023) / 1024) } END { print total }')

cat >"$STAGE/DEBIAN/control" <<EOF
Package: onionops
Version: $VERSION
Architecture: $ARCH
Maintainer: $MAINTAINER
Installed-Size: $installed_size
Depends: $DEPENDS
Recommends: age
Suggests: graphviz
Section: admin
Priority: optional
Description: GitOps reconciler for Tor onion service hosts
 OnionOps reads a git repository (or a folder) of YAML manifests describing
 hosts, Onionspray-style projects (hardmap and softmap) and Onionbalance
 publishers, validates them, and renders and applies tor, nginx and
 Onionbalance configuration on every host over SSH, with per-host rollback.
 Onion keys live sealed in the repository (age, X25519) and are opened by
 the controller's age identity.
 .
 This package holds the controller: the onionops command, its manual pages
 and shell completions, and systemd units for "onionops watch" (follows a
 branch, reconciles on push or webhook, serves metrics and health) and a
 periodic drift check. The units are installed neither enabled nor started:
 configure /etc/onionops/onionops.env and put the age identity in
 /etc/onionops/age-identity.txt first.
EOF

# md5sums of everything but the conffile (dpkg keeps its hash itself).
(cd "$STAGE" && find . -path ./DEBIAN -prune -o -path ./etc -prune -o -type f -printf '%P\0' | LC_ALL=C sort -z |
    xargs -0 md5sum) >"$STAGE/DEBIAN/md5sums"
chmod 0644 "$STAGE/DEBIAN/control" "$STAGE/DEBIAN/conffiles" "$STAGE/DEBIAN/md5sums"

# 6. The package.
say "dpkg-deb --root-owner-group --build"
rm -f "$DEB"
dpkg-deb --root-owner-group --build "$STAGE" "$DEB"
dpkg-deb --info "$DEB" | sed -n '/Package:/,$p'

if [ "${SKIP_LINTIAN:-0}" != 1 ]; then
    say "lintian"
    command -v lintian >/dev/null || die "lintian is not installed (make deps installs it)"
    # Errors fail the build; warnings and infos are listed.
    lintian --display-info --fail-on error "$DEB" || die "lintian found errors"
fi

say "built $DEB ($(du -h "$DEB" | cut -f1))"
