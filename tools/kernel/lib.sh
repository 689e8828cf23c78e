# SPDX-License-Identifier: GPL-2.0
#
# Shared helpers for tools/kernel/*.sh and tools/kselftests/build.sh.
# Source it (bash only); it defines functions and variables and runs nothing.
#
# Two kernel lines are supported, each with its own series and base:
# kernel-patch/<line>/ (BASE, 0000-cover-letter.patch, 0001-... ), chosen by
# KERNEL_LINE (6.1 by default; `kernel_lines` lists them).
#
# Cache layout under $SPTE_CACHE/kernel (see build.sh --help):
#   lock                        flock(1) file serialising every user of src/
#   src/<DEB_PACKAGE>_<DEB_VERSION>/
#                               pristine git repository of the tarball, tag "base"
#   build/<config key>/obj      `make O=` directory of the kernel build
#   build/<config key>/kconfig  scratch `make O=` directory for writing .config
#   build/<config key>/w1       `make O=` directory of w1-check.sh
#   artifacts/<name>/           bzImage, vmlinux, config, ... (one per series)
#   logs/                       one log per build / check

# Fail early if a caller forgot `set -euo pipefail`.
case $- in *e*) ;; *) echo "lib.sh: source me from a script running 'set -euo pipefail'" >&2; exit 2 ;; esac

KLIB_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO_ROOT=$(cd "$KLIB_DIR/../.." && pwd)
CONFIG_FRAGMENT=$KLIB_DIR/config.fragment

# The kernel lines there is a series for, one per line of output.
kernel_lines() {
	local b
	for b in "$REPO_ROOT"/kernel-patch/*/BASE; do
		[ -f "$b" ] || continue
		b=${b%/BASE}
		echo "${b##*/}"
	done | LC_ALL=C sort -V
}

# Chooses the kernel line $1 (default: $KERNEL_LINE, else 6.1): sets
# KERNEL_LINE, PATCH_DIR and BASE_FILE.  load_base calls it when no line
# was chosen yet; a script that takes --line calls it first.
set_line() {
	local line=${1:-${KERNEL_LINE:-6.1}}
	[[ $line =~ ^[0-9]+\.[0-9]+$ && -f $REPO_ROOT/kernel-patch/$line/BASE ]] ||
		die "no kernel line '$line': no kernel-patch/$line/BASE (lines: $(kernel_lines | paste -sd' '))"
	KERNEL_LINE=$line
	PATCH_DIR=$REPO_ROOT/kernel-patch/$line
	BASE_FILE=$PATCH_DIR/BASE
}

# Parses a -j N / --jobs N / -jN option at the head of "$@" into JOBS and
# sets OPT_ARGS to the number of arguments it took; returns 1 when "$1" is
# not such an option.  For the scripts' own option loops.
parse_jobs() {
	OPT_ARGS=1
	case $1 in
	-j | --jobs)
		[ $# -ge 2 ] && [[ $2 =~ ^[1-9][0-9]*$ ]] || {
			echo "$KLOG_PREFIX: $1 needs a positive number" >&2
			exit 2
		}
		JOBS=$2
		OPT_ARGS=2
		;;
	-j[1-9]*)
		[[ ${1#-j} =~ ^[0-9]+$ ]] || {
			echo "$KLOG_PREFIX: bad option $1" >&2
			exit 2
		}
		JOBS=${1#-j}
		;;
	*) return 1 ;;
	esac
}

# Bounds on every long wait, in seconds; override from the environment.
: "${SPTE_LOCK_TIMEOUT:=7200}"    # waiting for another build to finish
: "${SPTE_BUILD_TIMEOUT:=7200}"   # one kernel make (about 12 min on 2 cores)
: "${SPTE_APT_TIMEOUT:=1200}"     # apt-get install linux-source-6.1
: "${SPTE_EXTRACT_TIMEOUT:=1200}" # tar + git commit of the pristine tree

: "${SPTE_CACHE:=$HOME/.cache/spte-trace}"
case $SPTE_CACHE in /*) ;; *) SPTE_CACHE=$PWD/$SPTE_CACHE ;; esac
KCACHE=$SPTE_CACHE/kernel

KLOG_PREFIX=${KLOG_PREFIX:-kernel}
QUIET=${QUIET:-0}

die() {
	echo "$KLOG_PREFIX: error: $*" >&2
	exit 1
}

info() {
	[ "$QUIET" = 1 ] || echo "$KLOG_PREFIX: $*" >&2
}

# Runs "$@" under timeout(1) with a limit of $1 seconds.  timeout puts the
# command in its own process group, where a Ctrl-C or a kill of this script
# would not reach it; forward those to the whole group.
run_bounded() {
	local limit=$1 pid rc=0
	shift
	timeout "$limit" "$@" &
	pid=$!
	# shellcheck disable=SC2064 # expand $pid now
	trap "kill -TERM -- -$pid $pid 2>/dev/null; exit 130" INT TERM HUP
	wait "$pid" || rc=$?
	trap - INT TERM HUP
	[ "$rc" -ne 124 ] || echo "$KLOG_PREFIX: timed out after ${limit}s: $*" >&2
	return "$rc"
}

# sha256 of stdin, shortened to $1 hex digits.
short_hash() {
	sha256sum | cut -c "1-$1"
}

# ---------------------------------------------------------------- BASE ----

# Reads kernel-patch/$KERNEL_LINE/BASE into BASE_<KEY> variables
# (KEY=value lines; the file is parsed, not sourced).
load_base() {
	[ -n "${BASE_FILE:-}" ] || set_line
	[ -r "$BASE_FILE" ] || die "$BASE_FILE is missing: it must name the kernel the series is based on"
	local line key value n=0
	while IFS= read -r line || [ -n "$line" ]; do
		n=$((n + 1))
		case $line in '' | '#'*) continue ;; esac
		key=${line%%=*}
		value=${line#*=}
		[[ $line == *=* && $key =~ ^[A-Z_]+$ ]] ||
			die "$BASE_FILE:$n: expected KEY=value, got: $line"
		printf -v "BASE_$key" '%s' "$value"
	done <"$BASE_FILE"
	local k v
	for k in DEB_PACKAGE DEB_VERSION TARBALL TARBALL_TOPDIR KERNEL_VERSION; do
		v=BASE_$k
		[ -n "${!v:-}" ] || die "$BASE_FILE does not set $k"
	done
	[ "${BASE_KERNEL_VERSION%.*}" = "$KERNEL_LINE" ] ||
		die "$BASE_FILE: KERNEL_VERSION=$BASE_KERNEL_VERSION is not of line $KERNEL_LINE"
	TREE=$KCACHE/src/${BASE_DEB_PACKAGE}_$BASE_DEB_VERSION
}

# Installs the exact version of the source package that BASE names when it
# is missing or another version is installed: Debian's security archive
# keeps earlier revisions of linux-source-6.x, and `make deps` installs the
# newest, so a revision bump must not break a series written for its
# predecessor.  Only the tarball under /usr/src changes; nothing boots it.
ensure_source_package() {
	local status version want
	want="$BASE_DEB_PACKAGE=$BASE_DEB_VERSION"
	status=$(dpkg-query -W -f='${Status}' "$BASE_DEB_PACKAGE" 2>/dev/null || true)
	version=
	[ "$status" = "install ok installed" ] &&
		version=$(dpkg-query -W -f='${Version}' "$BASE_DEB_PACKAGE")
	if [ "$version" != "$BASE_DEB_VERSION" ]; then
		[ "$(id -u)" -eq 0 ] ||
			die "$BASE_FILE needs $want but ${version:+$version is installed}${version:-it is not installed};" \
				"run 'make kernel' as root to install it"
		info "installing $want (installed: ${version:-none}; apt-get, at most ${SPTE_APT_TIMEOUT}s)"
		DEBIAN_FRONTEND=noninteractive timeout "$SPTE_APT_TIMEOUT" \
			apt-get install -y -qq --allow-downgrades "$want" >&2 ||
			die "apt-get install $want failed: the archive may no longer carry" \
				"that revision (apt-cache policy $BASE_DEB_PACKAGE); rebase the series and update $BASE_FILE"
		version=$(dpkg-query -W -f='${Version}' "$BASE_DEB_PACKAGE")
	fi
	[ "$version" = "$BASE_DEB_VERSION" ] ||
		die "installed $BASE_DEB_PACKAGE is $version but $BASE_FILE says $BASE_DEB_VERSION"
	[ -r "$BASE_TARBALL" ] || die "$BASE_TARBALL is missing although $BASE_DEB_PACKAGE is installed"
}

# Prints VERSION.PATCHLEVEL.SUBLEVEL from a kernel Makefile given on stdin.
makefile_version() {
	awk -F' *= *' '$1 == "VERSION" { v = $2 } $1 == "PATCHLEVEL" { p = $2 }
		$1 == "SUBLEVEL" { s = $2 } END { if (v != "") print v "." p "." s }'
}

# ---------------------------------------------------------------- lock ----

# Serialises everything that changes the pristine tree or a build directory.
# Holds the lock on fd 9 until the calling script exits.
take_lock() {
	mkdir -p "$KCACHE"
	exec 9>>"$KCACHE/lock"
	if ! flock -n 9; then
		info "waiting for another build to release $KCACHE/lock (at most ${SPTE_LOCK_TIMEOUT}s)"
		flock -w "$SPTE_LOCK_TIMEOUT" 9 ||
			die "timed out after ${SPTE_LOCK_TIMEOUT}s waiting for $KCACHE/lock"
	fi
}

# -------------------------------------------------------- pristine tree ----

tgit() {
	git -C "$TREE" -c advice.detachedHead=false "$@"
}

# Makes sure $TREE is a git repository of the extracted tarball whose commit
# is tagged "base" and whose Makefile has BASE's kernel version.  Extracts
# into a temporary directory and renames it at the end, so an interrupted
# run leaves nothing half-made behind.  Caller holds the lock.
ensure_tree() {
	ensure_source_package
	if [ ! -e "$TREE/.git" ] || ! tgit rev-parse -q --verify 'refs/tags/base^{commit}' >/dev/null; then
		local tmp
		tmp=$KCACHE/src/.new-${TREE##*/}
		rm -rf "$tmp"
		mkdir -p "$tmp"
		info "extracting $BASE_TARBALL into $TREE (once; about a minute)"
		run_bounded "$SPTE_EXTRACT_TIMEOUT" tar -xf "$BASE_TARBALL" -C "$tmp" ||
			die "extracting $BASE_TARBALL failed"
		[ -f "$tmp/$BASE_TARBALL_TOPDIR/Makefile" ] ||
			die "$BASE_TARBALL has no $BASE_TARBALL_TOPDIR/Makefile (TARBALL_TOPDIR in BASE wrong?)"
		local g=(git -C "$tmp/$BASE_TARBALL_TOPDIR")
		"${g[@]}" init -q
		"${g[@]}" config user.name "spte-trace kernel cache"
		"${g[@]}" config user.email "spte-trace@localhost"
		"${g[@]}" config gc.auto 0
		"${g[@]}" config core.autocrlf false
		# -f: the tarball ships a few files its own .gitignore matches.
		timeout "$SPTE_EXTRACT_TIMEOUT" "${g[@]}" add -A -f . ||
			die "git add of the extracted tree failed"
		timeout "$SPTE_EXTRACT_TIMEOUT" "${g[@]}" commit -q --no-verify \
			-m "$BASE_DEB_PACKAGE $BASE_DEB_VERSION (pristine $BASE_TARBALL)" ||
			die "git commit of the extracted tree failed"
		"${g[@]}" tag -a base -m "$BASE_DEB_PACKAGE $BASE_DEB_VERSION"
		rm -rf "$TREE"
		mv "$tmp/$BASE_TARBALL_TOPDIR" "$TREE"
		rmdir "$tmp"
	fi
	local v
	v=$(tgit show base:Makefile | makefile_version)
	[ "$v" = "$BASE_KERNEL_VERSION" ] ||
		die "the tarball's Makefile says $v but $BASE_FILE says KERNEL_VERSION=$BASE_KERNEL_VERSION"
}

# ---------------------------------------------------------------- series ----

# Fills SERIES with the patches of kernel-patch/$KERNEL_LINE/, in the
# order `git am` uses.
# The cover letter (0000-*.patch, from format-patch --cover-letter) is not
# a patch: it is neither applied nor part of any cache key.
load_series() {
	SERIES=()
	local f
	while IFS= read -r f; do
		SERIES+=("$f")
	done < <(find "$PATCH_DIR" -maxdepth 1 -type f -name '*.patch' ! -name '0000-*' -print |
		LC_ALL=C sort)
}

# Resets the tree to the pristine base: only files that differ are rewritten,
# so untouched files keep their mtimes and make O=... stays incremental.
checkout_base() {
	if [ -d "$TREE/.git/rebase-apply" ]; then
		tgit am --abort >/dev/null 2>&1 || rm -rf "$TREE/.git/rebase-apply"
	fi
	timeout 600 git -C "$TREE" -c advice.detachedHead=false checkout -q -f base ||
		die "git checkout -f base failed in $TREE"
	timeout 600 git -C "$TREE" clean -fdxq || die "git clean failed in $TREE"
}

# checkout_base, then `git am` every patch of SERIES in order.
apply_series() {
	checkout_base
	local p
	for p in ${SERIES[@]+"${SERIES[@]}"}; do
		if ! timeout 600 git -C "$TREE" am -q "$p" >&2; then
			tgit am --abort >/dev/null 2>&1 || true
			checkout_base
			die "git am failed for ${p#"$REPO_ROOT"/} on $BASE_DEB_PACKAGE $BASE_DEB_VERSION (tree reset to base)"
		fi
	done
	info "tree at base + ${#SERIES[@]} patch(es): $(tgit rev-parse --short HEAD)"
}

# ---------------------------------------------------------------- config ----

# Parses config.fragment into CFG_ON, CFG_OFF and CFG_IF_DEFINED (names
# without the CONFIG_ prefix).
load_fragment() {
	CFG_ON=() CFG_OFF=() CFG_IF_DEFINED=()
	[ -r "$CONFIG_FRAGMENT" ] || die "$CONFIG_FRAGMENT is missing"
	local line name n=0
	while IFS= read -r line || [ -n "$line" ]; do
		n=$((n + 1))
		case $line in
		'# CONFIG_'*' is not set')
			name=${line#'# CONFIG_'}
			name=${name%' is not set'}
			CFG_OFF+=("$name")
			;;
		'' | '#'*) continue ;;
		CONFIG_*=y)
			name=${line#CONFIG_}
			name=${name%=y}
			CFG_ON+=("$name")
			;;
		'if-defined CONFIG_'*=y)
			name=${line#'if-defined CONFIG_'}
			name=${name%=y}
			CFG_IF_DEFINED+=("$name")
			;;
		*) die "$CONFIG_FRAGMENT:$n: cannot parse: $line" ;;
		esac
		[[ $name =~ ^[A-Z0-9_]+$ ]] || die "$CONFIG_FRAGMENT:$n: bad option name: $name"
	done <"$CONFIG_FRAGMENT"
}

# True when some Kconfig file of the tree as it is now defines option $1.
kconfig_defines() {
	tgit grep -qE "^[[:space:]]*(menu)?config[[:space:]]+$1[[:space:]]*\$" -- '*Kconfig*'
}

# Sets CONFIG_KEY and BUILD_ROOT: the build directories are keyed by what
# decides the configuration (BASE and the fragment), not by the series.
# Comments do not count, so documenting an option costs no rebuild.
config_key() {
	CONFIG_KEY=$(grep -hE '^([A-Z_]+=|CONFIG_|# CONFIG_.* is not set$|if-defined )' \
		"$BASE_FILE" "$CONFIG_FRAGMENT" | short_hash 12)
	BUILD_ROOT=$KCACHE/build/$BASE_KERNEL_VERSION-$CONFIG_KEY
}

# Writes the configuration for the tree as it is now into $1/.config:
# tinyconfig + the fragment + olddefconfig, generated in a scratch O=
# directory and copied only when it differs (so kbuild sees no change when
# there is none).  Fails listing every requested option that is not as asked.
write_config() {
	local obj=$1 scratch=$BUILD_ROOT/kconfig log=$2
	load_fragment
	mkdir -p "$obj" "$scratch"
	local want_on=("${CFG_ON[@]}") name
	for name in ${CFG_IF_DEFINED[@]+"${CFG_IF_DEFINED[@]}"}; do
		if kconfig_defines "$name"; then
			info "CONFIG_$name: defined by this tree's Kconfig, enabling it"
			want_on+=("$name")
		else
			info "CONFIG_$name: not defined by this tree's Kconfig, skipped"
		fi
	done
	local args=()
	for name in "${want_on[@]}"; do args+=(-e "$name"); done
	for name in ${CFG_OFF[@]+"${CFG_OFF[@]}"}; do args+=(-d "$name"); done

	run_bounded 600 make -C "$TREE" O="$scratch" tinyconfig >>"$log" 2>&1 ||
		die "make tinyconfig failed; see $log"
	"$TREE/scripts/config" --file "$scratch/.config" "${args[@]}" ||
		die "scripts/config failed"
	run_bounded 600 make -C "$TREE" O="$scratch" olddefconfig >>"$log" 2>&1 ||
		die "make olddefconfig failed; see $log"

	local bad=()
	for name in "${want_on[@]}"; do
		grep -qx "CONFIG_$name=y" "$scratch/.config" ||
			bad+=("CONFIG_$name=y wanted, got: $(config_value "$scratch/.config" "$name")")
	done
	for name in ${CFG_OFF[@]+"${CFG_OFF[@]}"}; do
		grep -qE "^CONFIG_$name=" "$scratch/.config" &&
			bad+=("CONFIG_$name off wanted, got: $(config_value "$scratch/.config" "$name")")
	done
	if [ ${#bad[@]} -gt 0 ]; then
		echo "$KLOG_PREFIX: error: olddefconfig did not keep these options of ${CONFIG_FRAGMENT#"$REPO_ROOT"/}" \
			"(their Kconfig dependencies are not met; add them to the fragment):" >&2
		printf '  %s\n' "${bad[@]}" >&2
		exit 1
	fi
	if ! cmp -s "$scratch/.config" "$obj/.config"; then
		cp "$scratch/.config" "$obj/.config"
		info "configuration written to $obj/.config"
	fi
}

# Prints how option $2 appears in config file $1 ("unset" when absent).
config_value() {
	local v
	v=$(grep -E "^(# )?CONFIG_$2[= ]" "$1" || true)
	case $v in
	'') echo "absent" ;;
	'# '*) echo "not set" ;;
	*) echo "${v#*=}" ;;
	esac
}
