#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Boot a kernel under QEMU (TCG), run a scenario script in it with KVM
# loaded, and bring the scenario's /out directory and exit status back.
# docs/e2e.md describes the harness, the guest and the scenario library.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
SPTE_CACHE=${SPTE_CACHE:-$HOME/.cache/spte-trace}
QEMU=${QEMU:-qemu-system-x86_64}
BUSYBOX=${BUSYBOX:-/bin/busybox}

# Bump when the layout of the base initramfs changes.
base_format=1
# Modules loaded for the stock kernel; modules.dep supplies the rest.
kvm_modules=(kvm-amd)

kernel="" scenario="" out_dir="" modules_dir="" append="" show_console=0
timeout_s=600 stall_grace_s=30 mem_mb=2048 smp=2 tcg_thread=single
adds=() envs=()
work=""

usage() {
	cat <<EOF
usage: $0 --kernel stock[-LINE]|BZIMAGE --scenario SCRIPT --out DIR [options]

Boot BZIMAGE (or Debian's stock kernel) under QEMU/TCG, load KVM, run
SCRIPT as the guest's scenario and copy everything it writes under /out
into DIR.  Exits with the scenario's exit code.

  --kernel KERNEL        stock-6.1 (or stock): Debian's current 6.1 image,
                         stock-6.12: Debian's current 6.12 image (both
                         fetched by fetch-stock-kernel.sh, with their
                         modules), or PATH: a bzImage
  --scenario SCRIPT      executable run in the guest (cwd /out)
  --out DIR              host directory for console.log and /out's files
  --add HOST[:GUEST]     copy a file or directory into the guest
                         (default GUEST: /add/NAME; /add is on PATH);
                         shared libraries of ELF binaries come along
  --env NAME=VALUE       environment variable for the scenario
                         (KVM_OPTS / KVM_AMD_OPTS: KVM module options)
  --modules DIR          lib/modules/VERSION of a custom kernel that
                         has KVM as modules (default: KVM built in)
  --timeout SECS         bound on the whole run (default $timeout_s)
  --stall-grace SECS     stop QEMU this long after the guest kernel reports
                         an RCU stall, a soft lockup or a hung task
                         (default $stall_grace_s; the backtraces need it)
  --mem MB               guest memory (default $mem_mb)
  --smp N                guest CPUs (default $smp)
  --tcg-thread single|multi
                         TCG with one host thread for all guest CPUs
                         (default) or one per CPU (MTTCG): with MTTCG,
                         several nested KVM guests at once fail now and
                         then (docs/e2e.md, known flakes)
  --append ARGS          extra kernel command line
  --console              also stream the guest console to stdout
  -h, --help             this text

The guest has busybox, bash, /lib/spte/lib.sh (the scenario library),
tracefs, debugfs, bpffs and lo up.  DIR gets console.log, timing.txt
and the guest's /out.  Guide: docs/e2e.md.

Exit status: the scenario's; 124 on a timeout; 125 when the guest could
not run the scenario (boot, setup or report failure, or its kernel
stalled: DIR/stalled.txt then holds the first stall line); 2 on bad usage.
EOF
}

usage_error() {
	echo "run-guest: $*" >&2
	echo "run-guest: try '$0 --help'" >&2
	exit 2
}

die() {
	echo "run-guest: $*" >&2
	exit 125
}

cleanup() {
	[ -z "$work" ] || rm -rf "$work"
}

need_value() {
	[ "$2" -ge 2 ] || usage_error "$1 needs a value"
}

is_uint() {
	[[ $1 =~ ^[0-9]+$ ]] && [ "$1" -gt 0 ]
}

parse_args() {
	while [ $# -gt 0 ]; do
		case $1 in
		--kernel) need_value "$1" $#; kernel=$2; shift 2 ;;
		--scenario) need_value "$1" $#; scenario=$2; shift 2 ;;
		--out) need_value "$1" $#; out_dir=$2; shift 2 ;;
		--add) need_value "$1" $#; adds+=("$2"); shift 2 ;;
		--env) need_value "$1" $#; envs+=("$2"); shift 2 ;;
		--modules) need_value "$1" $#; modules_dir=$2; shift 2 ;;
		--timeout) need_value "$1" $#; timeout_s=$2; shift 2 ;;
		--stall-grace) need_value "$1" $#; stall_grace_s=$2; shift 2 ;;
		--mem) need_value "$1" $#; mem_mb=$2; shift 2 ;;
		--smp) need_value "$1" $#; smp=$2; shift 2 ;;
		--tcg-thread) need_value "$1" $#; tcg_thread=$2; shift 2 ;;
		--append) need_value "$1" $#; append="$append $2"; shift 2 ;;
		--console) show_console=1; shift ;;
		-h|--help) usage; exit 0 ;;
		*) usage_error "unknown argument: $1" ;;
		esac
	done

	[ -n "$kernel" ] || usage_error "--kernel is required"
	[ -n "$scenario" ] || usage_error "--scenario is required"
	[ -n "$out_dir" ] || usage_error "--out is required"
	[ -f "$scenario" ] || usage_error "scenario $scenario is not a file"
	is_uint "$timeout_s" || usage_error "--timeout must be a positive integer, not '$timeout_s'"
	is_uint "$stall_grace_s" || usage_error "--stall-grace must be a positive integer, not '$stall_grace_s'"
	is_uint "$mem_mb" || usage_error "--mem must be a positive integer (MB), not '$mem_mb'"
	[ "$mem_mb" -ge 256 ] || usage_error "--mem $mem_mb is too small (at least 256 MB)"
	is_uint "$smp" || usage_error "--smp must be a positive integer, not '$smp'"
	[ "$smp" -le 64 ] || usage_error "--smp $smp is more than 64"
	[[ $tcg_thread == single || $tcg_thread == multi ]] ||
		usage_error "--tcg-thread must be single or multi, not '$tcg_thread'"

	local e
	for e in ${envs[@]+"${envs[@]}"}; do
		[[ $e =~ ^[A-Za-z_][A-Za-z0-9_]*= ]] ||
			usage_error "--env wants NAME=VALUE, not '$e'"
	done
}

# Resolve --kernel into $kernel_image and, for the stock kernel, the
# modules directory.
resolve_kernel() {
	if [[ $kernel == stock || $kernel == stock-* ]]; then
		local env line=${kernel#stock}

		line=${line#-}
		env=$("$here/fetch-stock-kernel.sh" --line "${line:-6.1}") ||
			die "cannot fetch the stock kernel of line ${line:-6.1}"
		eval "$env"
		# The uncompressed kernel boots faster (PVH): no xz under TCG.
		kernel_image=${STOCK_VMLINUX:-$STOCK_VMLINUZ}
		[ -n "$modules_dir" ] || modules_dir=$STOCK_MODULES
		return
	fi
	[ -f "$kernel" ] || usage_error "kernel $kernel: no such file"
	kernel_image=$kernel
	check_builtin_kvm
}

# A custom kernel without --modules must have KVM built in.  When the
# bzImage sits in a kernel build tree, its .config tells; say so early
# rather than boot a guest that has no /dev/kvm.
check_builtin_kvm() {
	local dir config

	[ -z "$modules_dir" ] || return 0
	dir=$(cd "$(dirname "$kernel")" && pwd)
	for config in "$dir/.config" "$dir/../../../.config"; do
		[ -f "$config" ] || continue
		if grep -q '^CONFIG_KVM=m' "$config"; then
			usage_error "$kernel has KVM as modules ($config): pass --modules DIR"
		fi
		return 0
	done
}

# Print the files ELF binary $1 needs at run time (loader included).
shared_libs() {
	local out

	out=$(ldd "$1" 2>/dev/null) || return 0
	awk '$2 == "=>" && $3 ~ /^\// { print $3 } $1 ~ /^\// { print $1 }' <<<"$out"
}

is_elf() {
	[ "$(head -c 4 "$1" 2>/dev/null | od -An -c | tr -d ' ')" = '177ELF' ]
}

# Copy host file $1 to guest path $2 under staging root $3, with the
# shared libraries it needs when it is a dynamically linked ELF file.
stage_file() {
	local src=$1 dst=$2 root=$3 lib

	mkdir -p "$root$(dirname "$dst")"
	cp -L "$src" "$root$dst"
	is_elf "$src" || return 0
	while read -r lib; do
		[ -n "$lib" ] || continue
		[ -e "$root$lib" ] && continue
		mkdir -p "$root$(dirname "$lib")"
		cp -L "$lib" "$root$lib"
	done < <(shared_libs "$src")
}

# Copy directory $1 to guest path $2, bringing the libraries of every
# ELF file inside it.
stage_dir() {
	local src=$1 dst=$2 root=$3 f

	mkdir -p "$root$dst"
	cp -aL "$src/." "$root$dst/"
	while IFS= read -r -d '' f; do
		stage_file "$f" "$dst/${f#"$src"/}" "$root"
	done < <(find "$src" -type f -perm -u+x -print0)
}

# Print the module files that module $1 needs, dependencies first, as
# paths relative to $modules_dir.  modules.dep lists every transitive
# dependency; visiting them in reverse order is the order modprobe uses.
module_order() {
	awk -v want="$1" '
	function base(p) { sub(/.*\//, "", p); sub(/\.ko(\.[a-z]+)?$/, "", p); gsub(/_/, "-", p); return p }
	function visit(m,   n, i, d) {
		if (m in done) return
		done[m] = 1
		n = split(deps[m], d, " ")
		for (i = n; i >= 1; i--) visit(d[i])
		print m
	}
	{
		m = $1; sub(/:$/, "", m)
		$1 = ""
		deps[m] = $0
		name[base(m)] = m
	}
	END {
		w = want; gsub(/_/, "-", w)
		if (!(w in name)) exit 1
		visit(name[w])
	}' "$modules_dir/modules.dep"
}

# Copy module $1 (relative path) into the staging root, uncompressed:
# busybox insmod takes plain .ko files only.
stage_module() {
	local rel=$1 root=$2 dst

	dst=$root/lib/modules/$(basename "$modules_dir")/${rel%.ko*}.ko
	mkdir -p "$(dirname "$dst")"
	case $rel in
	*.ko) cp "$modules_dir/$rel" "$dst" ;;
	*.ko.xz) xz -dc "$modules_dir/$rel" >"$dst" ;;
	*.ko.zst) zstd -qdc "$modules_dir/$rel" >"$dst" ;;
	*.ko.gz) gzip -dc "$modules_dir/$rel" >"$dst" ;;
	*) die "unknown module format: $rel" ;;
	esac
	echo "${dst#"$root"}"
}

# List of module paths to load, in order.
module_list() {
	local m

	[ -n "$modules_dir" ] || return 0
	for m in "${kvm_modules[@]}"; do
		module_order "$m" || die "module $m not in $modules_dir/modules.dep"
	done | awk '!seen[$0]++'
}

# Write a gzipped newc cpio of directory $1 to file $2.
make_cpio() {
	(cd "$1" && find . -print0 | LC_ALL=C sort -z |
		cpio --null -o -H newc -R 0:0 --quiet) | gzip -1 >"$2"
}

# Everything the base image holds, one "HASH GUESTPATH" line each, so a
# change to any input gives a new cache key.
base_manifest() {
	local f m

	echo "format $base_format"
	for f in "$BUSYBOX" /bin/bash /usr/bin/timeout "$here/guest-init.sh"; do
		sha256sum "$f"
	done
	for m in "${modules[@]+"${modules[@]}"}"; do
		sha256sum "$modules_dir/$m"
	done
}

# The base initramfs: busybox, bash, coreutils timeout, /init and the KVM
# modules.  It only depends on those inputs, so it is cached by their hash.
build_base() {
	local key cache_dir img root link m list

	# Not "mapfile < <(module_list)": a failure there would go unseen.
	list=$(module_list)
	modules=()
	[ -z "$list" ] || mapfile -t modules <<<"$list"
	key=$(base_manifest | sha256sum | cut -c1-16)
	cache_dir=$SPTE_CACHE/initramfs
	img=$cache_dir/base-$key.cpio.gz
	base_image=$img
	if [ -s "$img" ]; then
		touch "$img"	# in use: keep it from the pruning below
		return 0
	fi

	[ -x "$BUSYBOX" ] || die "$BUSYBOX missing: install busybox-static (make deps)"
	file_is_static "$BUSYBOX" || die "$BUSYBOX is not static: install busybox-static"
	root=$work/base
	mkdir -p "$root/bin" "$cache_dir"
	cp "$BUSYBOX" "$root/bin/busybox"
	while read -r link; do
		if [ -z "$link" ] || [ "$link" = bin/busybox ]; then
			continue
		fi
		mkdir -p "$root/$(dirname "$link")"
		ln -sf /bin/busybox "$root/$link"
	done < <("$BUSYBOX" --list-full)
	ln -sf busybox "$root/bin/sh"
	rm -f "$root/bin/bash" "$root/usr/bin/timeout"
	stage_file /bin/bash /bin/bash "$root"
	stage_file /usr/bin/timeout /usr/bin/timeout "$root"
	stage_file "$here/guest-init.sh" /init "$root"
	chmod 755 "$root/init"

	mkdir -p "$root/lib/modules"
	: >"$root/lib/modules/load-order"
	for m in "${modules[@]+"${modules[@]}"}"; do
		stage_module "$m" "$root" >>"$root/lib/modules/load-order"
	done

	make_cpio "$root" "$img.tmp.$$"
	mv "$img.tmp.$$" "$img"
	# Images of older inputs (another guest-init.sh, kernel or busybox)
	# pile up otherwise; drop those unused for a week.
	find "$cache_dir" -maxdepth 1 -name 'base-*.cpio.gz' -mtime +7 -delete
}

file_is_static() {
	! ldd "$1" >/dev/null 2>&1
}

# Quote $1 for a POSIX shell: 'it'\''s'.
sh_quote() {
	printf "'%s'" "${1//\'/\'\\\'\'}"
}

# The per-run part: scenario, environment and --add'ed files.
build_overlay() {
	local root=$work/overlay a src dst e

	mkdir -p "$root/etc"
	stage_file "$scenario" /scenario "$root"
	chmod 755 "$root/scenario"
	# The guest-side library every scenario may source.
	stage_file "$here/scenarios/lib.sh" /lib/spte/lib.sh "$root"

	for a in ${adds[@]+"${adds[@]}"}; do
		src=${a%%:/*}
		dst=${a#"$src"}
		dst=${dst#:}
		if [ ! -e "$src" ]; then
			[[ $a != *:* ]] || usage_error "--add $a: no file $src (GUEST must be an absolute path)"
			usage_error "--add $a: $src does not exist"
		fi
		[ -n "$dst" ] || dst=/add/$(basename "$src")
		[[ $dst != */ ]] || dst=$dst$(basename "$src")
		if [ -d "$src" ]; then
			stage_dir "$src" "$dst" "$root"
		else
			stage_file "$src" "$dst" "$root"
		fi
	done

	{
		echo "export SCENARIO_TIMEOUT=$scenario_timeout"
		for e in ${envs[@]+"${envs[@]}"}; do
			echo "export ${e%%=*}=$(sh_quote "${e#*=}")"
		done
	} >"$root/etc/scenario.env"

	make_cpio "$root" "$work/overlay.cpio.gz"
}

# Module options for a kernel with KVM built in go on the command line
# as kvm.NAME=VALUE: there is no insmod to hand them to.
builtin_kvm_args() {
	local e name mod opt

	[ ${#modules[@]} -eq 0 ] || return 0
	for e in ${envs[@]+"${envs[@]}"}; do
		name=${e%%=*}
		case $name in
		KVM_OPTS) mod=kvm ;;
		KVM_AMD_OPTS) mod=kvm_amd ;;
		KVM_INTEL_OPTS) mod=kvm_intel ;;
		*) continue ;;
		esac
		for opt in ${e#*=}; do
			printf ' %s.%s' "$mod" "$opt"
		done
	done
}

# Leave time for boot and the report inside the overall bound.
compute_scenario_timeout() {
	local reserve=30

	[ "$timeout_s" -ge 60 ] || reserve=$((timeout_s / 2))
	scenario_timeout=$((timeout_s - reserve))
}

prepare_out_dir() {
	mkdir -p "$out_dir" || die "cannot create $out_dir"
	out_dir=$(cd "$out_dir" && pwd)
	# Only clear a directory a previous run made: never delete files
	# this script did not write.
	if [ -n "$(ls -A "$out_dir")" ]; then
		[ -e "$out_dir/.run-guest" ] ||
			usage_error "--out $out_dir is not empty and was not made by run-guest.sh"
		find "$out_dir" -mindepth 1 -delete
	fi
	touch "$out_dir/.run-guest"
}

console_tail() {
	echo "run-guest: ---- last lines of $out_dir/console.log ----" >&2
	tail -n 40 "$out_dir/console.log" 2>/dev/null | tr -d '\r' >&2 || true
	echo "run-guest: ---- end of console ----" >&2
}

# A guest kernel that reports an RCU stall, a soft lockup or a hung task
# does not recover in practice, and its scenario's own deadline cannot
# fire: stop QEMU $stall_grace_s seconds after the first such report (time
# for the backtraces to reach the console) instead of waiting for --timeout.
STALL_PATTERN='rcu: INFO: rcu_[a-z]* (self-)?detected stall|detected stalls on CPUs|watchdog: BUG: soft lockup|INFO: task .* blocked for more than'
stall_watchdog() {
	local qpid=$1 line

	while kill -0 "$qpid" 2>/dev/null; do
		line=$(grep -a -m 1 -E "$STALL_PATTERN" "$out_dir/console.log" 2>/dev/null) &&
			break
		sleep 2
	done
	[ -n "${line:-}" ] || return 0
	printf '%s\n' "$line" | tr -d '\r' >"$work/stalled"
	echo "run-guest: guest kernel stalled; stopping QEMU in ${stall_grace_s}s" >&2
	sleep "$stall_grace_s"
	kill "$qpid" 2>/dev/null || true
}

run_qemu() {
	local cmdline rc=0 pid watchdog t0=$SECONDS

	cmdline="console=ttyS0 quiet loglevel=4 panic=-1$(builtin_kvm_args)$append"
	cat "$base_image" "$work/overlay.cpio.gz" >"$work/initrd"
	: >"$out_dir/console.log"
	: >"$work/report"
	timeout -k 5 "$timeout_s" "$QEMU" -accel "tcg,thread=$tcg_thread" -cpu max \
		-m "$mem_mb" -smp "$smp" -nographic -no-reboot -nodefaults \
		-monitor none \
		-chardev "file,id=con,path=$out_dir/console.log" -serial chardev:con \
		-chardev "file,id=rep,path=$work/report" -serial chardev:rep \
		-kernel "$kernel_image" -initrd "$work/initrd" \
		-append "$cmdline" </dev/null >"$work/qemu.log" 2>&1 &
	pid=$!
	stall_watchdog "$pid" &
	watchdog=$!
	if [ "$show_console" = 1 ]; then
		tail --pid="$pid" -n +1 -f "$out_dir/console.log" || true
	fi
	wait "$pid" || rc=$?
	kill "$watchdog" 2>/dev/null || true
	wait "$watchdog" 2>/dev/null || true
	qemu_rc=$rc
	qemu_wall=$((SECONDS - t0))
}

# One line of timings, also kept in DIR/timing.txt: guest uptime when the
# scenario started (boot, module loading), how long it ran, how long the
# report took, and the whole QEMU run in host wall time.
report_times() {
	local line start=0 end=0 rep=0 kv

	line=$(grep -a '^SPTE-GUEST-TIMES ' "$1" | tail -n 1 || true)
	for kv in ${line#SPTE-GUEST-TIMES }; do
		case $kv in
		scenario_start=*) start=${kv#*=} ;;
		scenario_end=*) end=${kv#*=} ;;
		report=*) rep=${kv#*=} ;;
		esac
	done
	[ -n "$line" ] || return 0
	awk -v s="$start" -v e="$end" -v r="$rep" -v w="$qemu_wall" 'BEGIN {
		printf "boot_to_scenario=%.1fs scenario=%.1fs report=%.1fs qemu_wall=%ds\n",
			s, e - s, r - e, w }' | tee "$out_dir/timing.txt" | sed 's/^/run-guest: /' >&2
}

# Decode the report from the second serial port and return the exit code.
collect() {
	local rep=$work/report.txt status kind code

	tr -d '\r' <"$work/report" >"$rep"
	status=$(grep -a '^SPTE-GUEST-STATUS ' "$rep" | tail -n 1 || true)
	if [ "$qemu_rc" -eq 124 ] || [ "$qemu_rc" -eq 137 ]; then
		if [ -z "$status" ]; then
			echo "run-guest: timed out after ${timeout_s}s" >&2
			console_tail
			return 124
		fi
		# The report is complete: only the power-off hung (a kernel
		# without PCI cannot power off through ACPI).
		echo "run-guest: warning: the guest reported but did not power off" >&2
	fi
	if [ -z "$status" ] && [ -s "$work/stalled" ]; then
		echo "run-guest: the guest kernel stalled after $qemu_wall s: $(cat "$work/stalled")" >&2
		cp "$work/stalled" "$out_dir/stalled.txt"
		console_tail
		return 125
	fi
	if [ -z "$status" ]; then
		echo "run-guest: the guest died without reporting (qemu exit $qemu_rc)" >&2
		[ ! -s "$work/qemu.log" ] || sed 's/^/run-guest: qemu: /' "$work/qemu.log" >&2
		console_tail
		return 125
	fi
	report_times "$rep"
	read -r _ kind code <<<"$status"
	if [ "$kind" != scenario ]; then
		echo "run-guest: guest setup failed before the scenario ran" >&2
		console_tail
		return 125
	fi
	if ! sed -n '/^SPTE-GUEST-OUT-BEGIN$/,/^SPTE-GUEST-OUT-END$/p' "$rep" |
		sed '1d;$d' | base64 -d | tar xz -C "$out_dir" --strip-components=1; then
		echo "run-guest: the guest's /out did not arrive intact" >&2
		console_tail
		return 125
	fi
	if [ "$code" -eq 124 ]; then
		echo "run-guest: the scenario ran past its ${scenario_timeout}s deadline" >&2
		console_tail
	elif [ "$code" -ne 0 ]; then
		echo "run-guest: the scenario failed (exit $code)" >&2
		console_tail
	fi
	return "$code"
}

main() {
	local rc=0 start

	parse_args "$@"
	command -v "$QEMU" >/dev/null || die "$QEMU not found: install qemu-system-x86 (make deps)"
	resolve_kernel
	prepare_out_dir
	compute_scenario_timeout
	work=$(mktemp -d "${TMPDIR:-/tmp}/run-guest.XXXXXX")
	trap cleanup EXIT

	start=$SECONDS
	build_base
	build_overlay
	run_qemu
	collect || rc=$?
	echo "$rc" >"$out_dir/.run-guest"
	echo "run-guest: exit $rc after $((SECONDS - start))s; output in $out_dir" >&2
	return "$rc"
}

main "$@"
