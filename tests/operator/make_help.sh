#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The build as a model: `make help` lists every phony target of every
# fragment, `make CFLAGS=-O0` still builds, and header dependencies are
# tracked (touching a header rebuilds what includes it); every option of
# spte-trace --help is in the man page.
NAME=make_help
. "$(dirname "$0")/../lib/common.sh"

make -s help >"$WORK/help" 2>&1
check "make help runs" [ -s "$WORK/help" ]
phony=$(make -pn 2>/dev/null | sed -n 's/^\.PHONY: //p' | tr ' ' '\n' |
	grep -v '^FORCE' | sort -u)
missing=
for t in $phony; do
	grep -q "^make $t " "$WORK/help" || missing="$missing $t"
done
check "every phony target is in make help${missing:+ (missing:$missing)}" [ -z "$missing" ]

# every option of the table is in the man page
opts=$(./spte-trace --help | grep -o -- '--[a-z][a-z-]*' | sort -u)
undocumented=
for o in $opts; do
	grep -qF -- "$(printf '%s' "$o" | sed 's/-/\\-/g')" docs/spte-trace.8 ||
		undocumented="$undocumented $o"
done
check "spte-trace --help lists options" [ -n "$opts" ]
check "every option is in the man page${undocumented:+ (missing:$undocumented)}" \
	[ -z "$undocumented" ]

b=$WORK/b
check "make CFLAGS=-O0 builds (include paths and defines are not in CFLAGS)" \
	make -s BUILD="$b" CFLAGS=-O0 "$b/src/parse.o" "$b/src/cli.o"
check "dependency files are written" test -s "$b/src/cli.d"
touch -d '1 minute ago' "$b/src/cli.o"
touch src/parse.h
check "touching a header rebuilds what includes it" \
	sh -c "make -s -n BUILD='$b' CFLAGS=-O0 '$b/src/cli.o' | grep -q 'src/cli.c'"
finish
