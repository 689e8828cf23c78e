#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# /init of the guest built by run-guest.sh.  Mounts the pseudo file
# systems, loads KVM, runs /scenario under a deadline and sends /out plus
# the exit status back to the host on the second serial port (ttyS1):
#
#   SPTE-GUEST-OUT-BEGIN
#   <base64 of a gzipped tar of /out>
#   SPTE-GUEST-OUT-END
#   SPTE-GUEST-STATUS <kind> <code>
#
# <kind> is "scenario" (code = the scenario's exit code, 124 when it ran
# past its deadline) or "setup" (the guest could not be prepared).
# Nothing here may leave init without reporting: the kernel would panic.
set -euo pipefail

export PATH=/add:/usr/local/bin:/usr/bin:/bin:/usr/sbin:/sbin
export HOME=/root

report_port=/dev/ttyS1
setup_error=""
scenario_start="" scenario_end=""

log() {
	echo "guest-init: $*"
}

# Record the first setup failure; later steps still run where they can.
setup_fail() {
	log "setup failed: $*"
	[ -n "$setup_error" ] || setup_error=$*
}

mount_one() {
	local type=$1 dir=$2

	mkdir -p "$dir" || return 1
	# busybox-static has no mountpoint applet; /proc/mounts tells.
	if grep -qs "^[^ ]* $dir " /proc/mounts; then
		return 0
	fi
	mount -t "$type" "$type" "$dir"
}

mount_all() {
	mount_one proc /proc || setup_fail "mount proc"
	mount_one sysfs /sys || setup_fail "mount sysfs"
	mount_one devtmpfs /dev || setup_fail "mount devtmpfs"
	# Without /dev/console at boot the kernel leaves init without
	# stdio; now that devtmpfs is there, make sure it has one.
	if [ -c /dev/console ]; then
		exec </dev/console >/dev/console 2>&1
	fi
	# devtmpfs has no /dev/fd: bash's <(...) and /dev/stdin need it.
	[ -e /dev/fd ] || ln -s /proc/self/fd /dev/fd
	[ -e /dev/stdin ] || ln -s /proc/self/fd/0 /dev/stdin
	[ -e /dev/stdout ] || ln -s /proc/self/fd/1 /dev/stdout
	[ -e /dev/stderr ] || ln -s /proc/self/fd/2 /dev/stderr
	mount_one debugfs /sys/kernel/debug || setup_fail "mount debugfs"
	mount_one tracefs /sys/kernel/tracing || setup_fail "mount tracefs"
	mount_one bpf /sys/fs/bpf || setup_fail "mount bpffs"
	mount_one tmpfs /tmp || setup_fail "mount /tmp"
	mkdir -p /out /root
	# Loopback, for a daemon's HTTP endpoint scraped inside the guest.
	ip link set lo up || setup_fail "ip link set lo up"
}

# Seconds since boot, for the timing line of the report.
uptime_s() {
	cut -d' ' -f1 /proc/uptime
}

# What a BPF tool needs: BTF, readable kernel symbols, tracefs.
check_bpf_env() {
	[ -r /sys/kernel/btf/vmlinux ] || log "warning: no /sys/kernel/btf/vmlinux"
	[ -d /sys/kernel/tracing/events ] || log "warning: no tracefs events"
	# Addresses read as 0 under kptr_restrict=2, or for non-root.
	if [ -w /proc/sys/kernel/kptr_restrict ]; then
		echo 0 >/proc/sys/kernel/kptr_restrict || true
	fi
	if ! grep -q -m1 '^[0-9a-f]*[1-9a-f][0-9a-f]* [Tt] ' /proc/kallsyms; then
		log "warning: /proc/kallsyms shows no addresses"
	fi
}

set_thp() {
	local f=/sys/kernel/mm/transparent_hugepage/enabled

	if [ -w "$f" ]; then
		echo always >"$f" || setup_fail "cannot set THP to always"
	else
		log "no $f: THP unavailable in this kernel"
	fi
}

# Print the insmod options for module $1, taken from the environment:
# kvm -> $KVM_OPTS, kvm-amd -> $KVM_AMD_OPTS, ...
module_opts() {
	local var

	var=$(echo "$1" | tr 'a-z-' 'A-Z_')_OPTS
	echo "${!var:-}"
}

# Load the modules listed in /lib/modules/load-order (one path per line,
# dependencies first).  run-guest.sh writes that file only when the
# kernel has KVM as modules; a kernel with KVM built in has none.
load_kvm() {
	local order=/lib/modules/load-order ko name opts

	if [ ! -s "$order" ]; then
		log "no KVM modules in the initramfs: expecting KVM built in"
		return 0
	fi
	while read -r ko; do
		name=$(basename "$ko" .ko)
		opts=$(module_opts "$name")
		log "insmod $name $opts"
		# Word splitting of $opts is wanted: one option per word.
		# shellcheck disable=SC2086
		insmod "$ko" $opts || { setup_fail "insmod $ko $opts"; return 1; }
	done <"$order"
}

show_kvm() {
	local p

	if [ ! -c /dev/kvm ]; then
		setup_fail "/dev/kvm missing after loading KVM"
		return
	fi
	for p in kvm/parameters/tdp_mmu kvm_amd/parameters/npt \
		kvm_intel/parameters/ept; do
		[ -r "/sys/module/$p" ] && log "$p=$(cat "/sys/module/$p")"
	done
	return 0
}

# Run the scenario with its deadline.  Coreutils timeout (copied in by
# run-guest.sh) exits 124 when the deadline hits, and kills with KILL
# 10 s after TERM if the scenario ignores TERM.
run_scenario() {
	local deadline=${SCENARIO_TIMEOUT:-600} rc=0

	scenario_start=$(uptime_s)
	log "running /scenario (deadline ${deadline}s) at uptime ${scenario_start}s"
	(cd /out && timeout -k 10 "$deadline" /scenario) || rc=$?
	scenario_end=$(uptime_s)
	# 137: timeout had to KILL a scenario that ignored TERM.
	if [ "$rc" -eq 137 ] && awk -v s="$scenario_start" -v e="$scenario_end" \
		-v d="$deadline" 'BEGIN { exit !(e - s >= d) }'; then
		rc=124
	fi
	[ "$rc" -ne 124 ] || log "scenario ran past its ${deadline}s deadline"
	log "scenario exited $rc at uptime ${scenario_end}s"
	return "$rc"
}

# Send /out and the status to the host.  Closing the port waits for the
# UART to drain, so the data is out before the next line runs.
report() {
	local kind=$1 code=$2

	stty -F "$report_port" raw -echo 2>/dev/null || true
	{
		echo "SPTE-GUEST-OUT-BEGIN"
		tar c -C / out | gzip -1 | base64
		echo "SPTE-GUEST-OUT-END"
		echo "SPTE-GUEST-TIMES scenario_start=${scenario_start:-0} scenario_end=${scenario_end:-0} report=$(uptime_s)"
		echo "SPTE-GUEST-STATUS $kind $code"
	} >"$report_port" || log "writing the report to $report_port failed"
}

main() {
	local rc=0

	mount_all
	log "kernel $(uname -r), $(nproc) cpus, /init at uptime $(uptime_s)s"
	if [ -r /etc/scenario.env ]; then
		# shellcheck disable=SC1091
		. /etc/scenario.env || setup_fail "cannot read /etc/scenario.env"
	fi
	set_thp
	check_bpf_env
	load_kvm || true
	show_kvm
	log "KVM ready at uptime $(uptime_s)s"

	if [ -n "$setup_error" ]; then
		report setup 1
	else
		run_scenario || rc=$?
		report scenario "$rc"
	fi
	poweroff -f
}

# If anything above fails unexpectedly, power off rather than let init
# exit (a kernel panic): the host then reports a guest that died without
# reporting, with the console tail.
trap 'poweroff -f' EXIT
main "$@"
