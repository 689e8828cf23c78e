#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# make deb: the Debian package of this tree, built with debhelper from a
# clean copy of the committed files plus deploy/debian/ as debian/, then
# checked by lintian.  The version is 0~gitDATE.HASH of HEAD.
#
#   deploy/debian/build-deb.sh OUTDIR
set -euo pipefail
cd "$(dirname "$0")/../.."
out=$(realpath -m "${1:-build/deb}")
hash=$(git rev-parse --short HEAD)
date=$(git log -1 --format=%cd --date=format:%Y%m%d)
version="0~git$date.$hash"
src=$out/spte-trace-$version

rm -rf "$out"
mkdir -p "$out"
# The work tree's copy of every tracked file: uncommitted edits are built
# too, and then the version says so.
mkdir -p "$src"
git ls-files -z | xargs -0 cp --parents -t "$src"
if ! git diff --quiet HEAD; then
	version="$version+dirty"
fi
cp -r deploy/debian "$src/debian"
rm -f "$src/debian/build-deb.sh"
cat >"$src/debian/changelog" <<CHANGELOG
spte-trace ($version) unstable; urgency=medium

  * Built from git $hash.

 -- spte-trace maintainers <maintainers@users.noreply.r-seed-f3deaa2a.example>  $(git log -1 --format=%aD)
CHANGELOG
# The version the binary prints is the package's.
echo "$version" >"$src/.version"
# The package builds in its own tree, not in the caller's BUILD.
unset BUILD MAKEFLAGS MAKELEVEL MFLAGS
(cd "$src" && DEB_BUILD_OPTIONS=nocheck dpkg-buildpackage -b -us -uc \
	>"$out/build.log" 2>&1) || { tail -30 "$out/build.log"; exit 1; }
deb=$(ls "$out"/spte-trace_*.deb)
echo "deb: $deb"
lintian --fail-on warning,error "$deb"
echo "deb: lintian clean"
