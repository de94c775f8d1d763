#!/bin/bash
# Prints debian/copyright (machine-readable format 1.0) for the onionops
# package: OnionOps itself, then each Swift package linked into the binary
# (found from the link's object list: each object's module, then the
# checkout that holds the module), with its license.
#   copyright.sh REPO_ROOT BINARY
set -euo pipefail
ROOT=$1
BIN=$2
cd "$ROOT"
objects=$(dirname "$BIN")/onionops.product/Objects.LinkFileList
[ -f "$objects" ] || { echo "copyright.sh: no $objects" >&2; exit 1; }

# Module -> the package (checkout folder) that declares it.
packages=$(
    sed -n 's#.*/\([^/]*\)\.build/[^/]*$#\1#p' "$objects" | sort -u | while read -r module; do
        [ -d "Sources/$module" ] && continue
        dir=$(ls -d .build/checkouts/*/Sources/"$module" 2>/dev/null | head -1 || true)
        if [ -z "$dir" ]; then
            dir=$(grep -l "name: \"$module\"" .build/checkouts/*/Package.swift 2>/dev/null | head -1 || true)
        fi
        [ -n "$dir" ] || { echo "copyright.sh: no checkout declares module $module" >&2; exit 1; }
        echo "$dir" | cut -d/ -f3
    done | sort -u
)

swift_version=$(swift --version 2>/dev/null | sed -n 's/^Swift version \([^ ]*\).*/\1/p' | head -1)

cat <<EOF
Format: https://www.debian.org/doc/packaging-manuals/copyright-format/1.0/
Upstream-Name: OnionOps
Comment: The OnionOps repository has no LICENSE file at its root: until it
 states a license, see the repository.
 .
 usr/bin/onionops statically links the standard library, Foundation and
 Dispatch of Swift ${swift_version:-} (Apache-2.0 with the Runtime Library
 Exception, Copyright Apple Inc. and the Swift project authors) and the Swift
 packages below (their sources are under .build/checkouts/ of a build);
 their NOTICE files, where they have one, are part of their license.

Files: *
Copyright: OnionOps developers
License: see the repository
 No license is stated yet: the repository has no LICENSE file. See the
 OnionOps repository for the terms under which it is distributed.
EOF

licenses=""
for package in $packages; do
    dir=.build/checkouts/$package
    file=$(ls "$dir" | grep -iE '^(LICEN[CS]E|COPYING)(\.txt|\.md)?$' | head -1 || true)
    [ -n "$file" ] || { echo "copyright.sh: $package has no LICENSE file" >&2; exit 1; }
    if grep -q 'Apache License' "$dir/$file" && grep -q 'Version 2.0' "$dir/$file"; then
        license=Apache-2.0
    elif grep -q 'Permission is hereby granted, free of charge' "$dir/$file"; then
        license=Expat
    else
        echo "copyright.sh: $package: $file is neither Apache-2.0 nor Expat; add it here" >&2
        exit 1
    fi
    case " $licenses " in *" $license "*) ;; *) licenses="$licenses $license" ;; esac
    # The copyright lines of the LICENSE, else of the NOTICE, else the
    # package's authors.
    holders=$(grep -hE '^[[:space:]]*Copyright (\(c\)|©|[0-9])' "$dir/$file" 2>/dev/null | grep -v 'Copyright \[yyyy\]' | head -3 |
        sed -E 's/^[[:space:]]*Copyright[[:space:]]*(\(c\)|©)?[[:space:]]*//' || true)
    if [ -z "$holders" ] && [ -f "$dir/NOTICE.txt" ]; then
        holders=$(grep -hE '^[[:space:]]*Copyright [0-9]' "$dir/NOTICE.txt" | head -3 | sed -E 's/^[[:space:]]*Copyright[[:space:]]*//' || true)
    fi
    [ -n "$holders" ] || holders="the $package authors"
    printf '\nFiles: .build/checkouts/%s/*\n' "$package"
    printf 'Copyright: %s\n' "$(printf '%s\n' "$holders" | sed '2,$s/^/ /')"
    printf 'License: %s\n' "$license"
    printf 'Comment: Swift package %s, linked into usr/bin/onionops.\n' "$package"
done

for license in $licenses; do
    case $license in
    Apache-2.0)
        cat <<'EOF'

License: Apache-2.0
 Licensed under the Apache License, Version 2.0 (the "License"); you may not
 use this file except in compliance with the License. You may obtain a copy
 of the License at
 .
     https://www.apache.org/licenses/LICENSE-2.0
 .
 Unless required by applicable law or agreed to in writing, software
 distributed under the License is distributed on an "AS IS" BASIS, WITHOUT
 WARRANTIES OR CONDITIONS OF ANY KIND, either express or implied. See the
 License for the specific language governing permissions and limitations
 under the License.
 .
 On Debian systems, the full text of the Apache License, Version 2.0 can be
 found in the file /usr/share/common-licenses/Apache-2.0.
EOF
        ;;
    Expat)
        cat <<'EOF'

License: Expat
 Permission is hereby granted, free of charge, to any person obtaining a copy
 of this software and associated documentation files (the "Software"), to
 deal in the Software without restriction, including without limitation the
 rights to use, copy, modify, merge, publish, distribute, sublicense, and/or
 sell copies of the Software, and to permit persons to whom the Software is
 furnished to do so, subject to the following conditions:
 .
 The above copyright notice and this permission notice shall be included in
 all copies or substantial portions of the Software.
 .
 THE SOFTWARE IS PROVIDED "AS IS", WITHOUT WARRANTY OF ANY KIND, EXPRESS OR
 IMPLIED, INCLUDING BUT NOT LIMITED TO THE WARRANTIES OF MERCHANTABILITY,
 FITNESS FOR A PARTICULAR PURPOSE AND NONINFRINGEMENT. IN NO EVENT SHALL THE
 AUTHORS OR COPYRIGHT HOLDERS BE LIABLE FOR ANY CLAIM, DAMAGES OR OTHER
 LIABILITY, WHETHER IN AN ACTION OF CONTRACT, TORT OR OTHERWISE, ARISING
 FROM, OUT OF OR IN CONNECTION WITH THE SOFTWARE OR THE USE OR OTHER DEALINGS
 IN THE SOFTWARE.
EOF
        ;;
    esac
done
