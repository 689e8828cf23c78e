#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# make install / make uninstall into a scratch DESTDIR, then the Debian
# package: lintian clean (make deb checks it), installs with dpkg, runs,
# and purges leaving nothing behind.
NAME=package
. "$(dirname "$0")/../lib/common.sh"

need_bin ./spte-trace
dest=$WORK/root
make -s install DESTDIR="$dest" PREFIX=/usr/local >"$WORK/install.log" 2>&1
check "make install succeeds" [ $? -eq 0 ]
want="usr/local/lib/systemd/system/spte-trace.service
usr/local/sbin/spte-trace
usr/local/share/doc/spte-trace/grafana-spte-trace.json
usr/local/share/doc/spte-trace/spte-trace-alerts.yml
usr/local/share/man/man8/spte-trace.8"
check "make install installs the daemon, man page, unit and deploy files" \
	[ "$(cd "$dest" && find . -type f | sed 's|^\./||' | sort)" = "$want" ]
check "the installed unit runs the installed binary" \
	grep -q '^ExecStart=/usr/local/sbin/spte-trace ' \
	"$dest/usr/local/lib/systemd/system/spte-trace.service"
make -s uninstall DESTDIR="$dest" PREFIX=/usr/local >/dev/null 2>&1
check "make uninstall leaves no file" [ -z "$(find "$dest" -type f)" ]

if ! command -v dpkg-buildpackage >/dev/null || ! command -v lintian >/dev/null; then
	skip "debhelper or lintian is not installed (make deps)"
fi
make -s deb BUILD="$WORK/b" >"$WORK/deb.log" 2>&1
rc=$?
check "make deb builds a lintian-clean package" [ $rc -eq 0 ]
[ $rc -eq 0 ] || { tail -20 "$WORK/deb.log"; finish; }
deb=$(ls "$WORK"/b/deb/spte-trace_*.deb)
if dpkg-query -W spte-trace >/dev/null 2>&1; then
	skip "a spte-trace package is installed on this machine already"
fi
check "dpkg -i installs it" dpkg -i "$deb"
check "the packaged binary runs" /usr/sbin/spte-trace --version
check "its man page is installed" test -f /usr/share/man/man8/spte-trace.8.gz
check "its unit is installed, not enabled" \
	sh -c 'test -f /lib/systemd/system/spte-trace.service &&
	       ! test -e /etc/systemd/system/multi-user.target.wants/spte-trace.service'
check "dpkg --purge removes it" dpkg --purge spte-trace
check "nothing of it is left" sh -c '! test -e /usr/sbin/spte-trace &&
	! test -e /lib/systemd/system/spte-trace.service &&
	! test -e /usr/share/doc/spte-trace'
finish
