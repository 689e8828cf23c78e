#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# The --svg flame graph as a browser shows it: render the fixture in
# headless Chromium and check the screenshot's pixels for the colour of
# each kind of stack, then check that the embedded script zooms and
# searches (views chosen with #zoom= and #search= in the URL).

NAME=svg_chromium
. "$(dirname "$0")/../lib/common.sh"

need_bin "$BUILD/tests/flame_dump"
"$BUILD/tests/flame_dump" "$WORK/f.folded" "$WORK/f.svg" ||
	fail "flame_dump"

check "folded lines are 'frame;...;frame count'" \
	sh -c "! grep -Ev '^[^;]+(;[^;]+)* [0-9]+\$' '$WORK/f.folded'"
check "folded output has zap, install and violation roots" \
	sh -c "grep -q '^\[zap\];' '$WORK/f.folded' &&
	       grep -q '^\[install\];' '$WORK/f.folded' &&
	       grep -q '^\[violation:stale_pfn\];' '$WORK/f.folded'"
check "the SVG is well-formed XML" python3 -c "
import sys, xml.etree.ElementTree as ET
ET.parse(sys.argv[1])" "$WORK/f.svg"

CHROMIUM=
for c in chromium chromium-browser google-chrome; do
	if command -v "$c" >/dev/null 2>&1; then
		CHROMIUM=$c
		break
	fi
done
[ -n "$CHROMIUM" ] || skip "no chromium (make deps installs Debian's)"

height=$(sed -n 's/.*<svg [^>]*height="\([0-9]*\)".*/\1/p' "$WORK/f.svg")
# shot NAME [FRAGMENT]: screenshot of the SVG into $WORK/NAME.png
shot() {
	timeout 120 "$CHROMIUM" --headless --no-sandbox --disable-gpu \
		--hide-scrollbars --user-data-dir="$WORK/profile" \
		--window-size=1200,"$height" --screenshot="$WORK/$1.png" \
		"file://$WORK/f.svg$2" >"$WORK/$1.log" 2>&1 &&
		[ -s "$WORK/$1.png" ] &&
		python3 "$(dirname "$0")/png_colors.py" "$WORK/$1.png" \
			>"$WORK/$1.colors"
}
# px NAME FAMILY: pixels of a colour family in screenshot NAME
px() {
	awk -v f="$2" '$1 == f { print $2 }' "$WORK/$1.colors"
}

if shot full; then
	pass "chromium rendered the SVG"
else
	fail "chromium rendered the SVG"
	sed 's/^/    /' "$WORK/full.log" | tail -5
	finish
fi
check "zap frames (blue) are drawn" [ "$(px full zap)" -gt 20000 ]
check "install frames (green) are drawn" [ "$(px full install)" -gt 20000 ]
check "violation frames (red) are drawn" [ "$(px full violation)" -gt 20000 ]
check "nothing is highlighted before a search" [ "$(px full match)" -eq 0 ]

id=$(grep -o 'id="f[0-9]*"[^>]*data-n="\[violation:stale_pfn\]"' \
	"$WORK/f.svg" | grep -o 'f[0-9]*' | head -1)
if shot zoom "#zoom=$id"; then
	pass "chromium rendered the zoomed view"
	check "zooming into a violation hides the install frames" \
		[ "$(px zoom install)" -eq 0 ]
	check "zooming into a violation hides the zap frames" \
		[ "$(px zoom zap)" -lt "$(($(px full zap) / 50))" ]
	check "the zoomed violation stack fills the width" \
		[ "$(px zoom violation)" -gt "$(($(px full violation) * 3))" ]
else
	fail "chromium rendered the zoomed view"
fi

if shot search "#search=kvm_tdp_mmu"; then
	pass "chromium rendered the search view"
	check "search highlights the matching frames" \
		[ "$(px search match)" -gt 5000 ]
else
	fail "chromium rendered the search view"
fi
finish
