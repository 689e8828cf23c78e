# shellcheck shell=bash disable=SC2034 # a library: its variables are for the scenarios
# SPDX-License-Identifier: GPL-2.0
#
# Guest-side helpers for scenarios run by tools/qemu/run-guest.sh.
# Source it from a bash scenario: run-guest.sh copies it into the guest as
# /lib/spte/lib.sh (see docs/e2e.md for the whole API):
#
#   . /lib/spte/lib.sh
#   e2e_begin a-stock
#   daemon_start trace /out/spte-trace.log spte-trace -j
#   workload vmm 120 spte-vmm --zap madvise --rounds 4
#   daemon_stop trace 30
#   assert_eq "daemon exit status" 0 "$DAEMON_RC"
#   assert_grep "summary printed" '"violations"' /out/spte-trace.log
#   e2e_end
#
# Every wait here is bounded.  Assertions append one line each to
# /out/results.txt:
#
#   PASS <scenario>: <what was checked> (<details>)
#   FAIL <scenario>: <what was checked> (<details>)
#
# and e2e_end exits 1 when any of them failed.  note_value records
# numbers for the host's tables in /out/values.txt ("<scenario> NAME VALUE").

RESULTS=${RESULTS:-/out/results.txt}
VALUES=${VALUES:-/out/values.txt}
TRACEFS=${TRACEFS:-/sys/kernel/tracing}
E2E_NAME=${E2E_NAME:-scenario}
E2E_FAILS=0
E2E_PASSES=0
E2E_T0=
declare -A _daemon_pid=()
declare -A _daemon_log=()
DAEMON_RC=

# ------------------------------------------------------------ logging ----

_uptime() {
	cut -d' ' -f1 /proc/uptime
}

# _since T0: seconds of uptime since T0 (an earlier _uptime), one decimal.
_since() {
	awk -v a="$1" -v b="$(_uptime)" 'BEGIN { printf "%.1f", b - a }'
}

# log MSG...: a time-stamped line (guest uptime) on stderr.
log() {
	echo "[$(_uptime)] $E2E_NAME: $*" >&2
}

# ------------------------------------------------------ begin and end ----

# e2e_begin NAME: start scenario NAME; stops leftover daemons on exit.
e2e_begin() {
	E2E_NAME=$1
	E2E_T0=$(_uptime)
	mkdir -p "$(dirname "$RESULTS")"
	touch "$RESULTS" "$VALUES"
	trap _e2e_exit EXIT
	log "begin"
}

# e2e_end: print this scenario's results and exit 0, or 1 on any FAIL.
e2e_end() {
	local secs

	secs=$(awk -v a="$E2E_T0" -v b="$(_uptime)" 'BEGIN { printf "%.1f", b - a }')
	note_value wall_s "$secs"
	log "end: $E2E_PASSES passed, $E2E_FAILS failed in ${secs}s"
	grep -E "^(PASS|FAIL) $E2E_NAME: " "$RESULTS" >&2 || true
	[ "$E2E_FAILS" -eq 0 ] && exit 0
	exit 1
}

_e2e_exit() {
	local rc=$? name

	for name in "${!_daemon_pid[@]}"; do
		log "stopping daemon $name left running"
		daemon_stop "$name" 10 || true
	done
	return "$rc"
}

# ---------------------------------------------------------- assertions ----

# pass DESC [DETAILS] / fail DESC [DETAILS]: record a result directly.
pass() {
	echo "PASS $E2E_NAME: $1${2:+ ($2)}" >>"$RESULTS"
	E2E_PASSES=$((E2E_PASSES + 1))
}

fail() {
	echo "FAIL $E2E_NAME: $1${2:+ ($2)}" >>"$RESULTS"
	E2E_FAILS=$((E2E_FAILS + 1))
	log "FAIL: $1${2:+ ($2)}"
}

# check DESC DETAILS CMD...: PASS when CMD succeeds, else FAIL.
# Like every assert_*, it records and returns 0 either way, so a
# scenario under `set -e` goes on and reports all its checks; it sets
# CHECK_OK to 1 or 0 for a scenario that wants to branch on the result.
CHECK_OK=
check() {
	local desc=$1 details=$2

	shift 2
	if "$@"; then
		CHECK_OK=1
		pass "$desc" "$details"
	else
		CHECK_OK=0
		fail "$desc" "$details"
	fi
	return 0
}

_is_int() {
	[[ $1 =~ ^-?[0-9]+$ ]]
}

# _cmp DESC OP A B: integer comparison A OP B (OP: eq ne lt le gt ge).
_cmp() {
	local desc=$1 op=$2 a=$3 b=$4 sym

	case $op in
	eq) sym='==' ;; ne) sym='!=' ;; lt) sym='<' ;;
	le) sym='<=' ;; gt) sym='>' ;; ge) sym='>=' ;;
	esac
	if ! _is_int "$a" || ! _is_int "$b"; then
		CHECK_OK=0
		fail "$desc" "not integers: '$a' $sym '$b'"
		return 0
	fi
	check "$desc" "$a $sym $b" test "$a" "-$op" "$b"
}

# assert_eq DESC EXPECTED ACTUAL: equal as strings (integers or not).
assert_eq() {
	check "$1" "expected '$2', got '$3'" test "$2" = "$3"
}

# assert_ne DESC UNEXPECTED ACTUAL
assert_ne() {
	check "$1" "got '$3', must not be '$2'" test "$2" != "$3"
}

# assert_ge DESC ACTUAL MIN, assert_gt DESC ACTUAL MIN,
# assert_le DESC ACTUAL MAX, assert_lt DESC ACTUAL MAX: integers.
assert_ge() { _cmp "$1" ge "$2" "$3"; }
assert_gt() { _cmp "$1" gt "$2" "$3"; }
assert_le() { _cmp "$1" le "$2" "$3"; }
assert_lt() { _cmp "$1" lt "$2" "$3"; }

# assert_true DESC CMD...: CMD exits 0.  assert_false: CMD exits non-zero.
assert_true() {
	local desc=$1

	shift
	check "$desc" "$*" "$@"
}

assert_false() {
	local desc=$1

	shift
	check "$desc" "! $*" _not "$@"
}

_not() {
	! "$@"
}

# assert_file DESC FILE: FILE exists and is not empty.
assert_file() {
	check "$1" "$2" test -s "$2"
}

# assert_grep DESC ERE FILE / assert_no_grep DESC ERE FILE
assert_grep() {
	check "$1" "/$2/ in $3" grep -Eq -- "$2" "$3"
}

assert_no_grep() {
	local n

	n=$(grep -Ec -- "$2" "$3" 2>/dev/null || true)
	check "$1" "/$2/ in $3: ${n:-0} lines" test "${n:-0}" -eq 0
}

# note_value NAME VALUE: a number for the host's tables.
note_value() {
	echo "$E2E_NAME $1 $2" >>"$VALUES"
}

# ----------------------------------------------------------- waiting ----

# _nap: a tenth of a second, for polling loops: bash's read -t on a FIFO
# nobody writes (no fractional sleep(1) needed).
_nap_fd=
_nap() {
	local _ fifo

	if [ -z "$_nap_fd" ]; then
		fifo=$(mktemp -u /tmp/.nap.XXXXXX)
		mkfifo "$fifo"
		exec {_nap_fd}<>"$fifo"
		rm -f "$fifo"
	fi
	read -r -t 0.1 -u "$_nap_fd" _ || true
}

# wait_until TIMEOUT DESC CMD...: run CMD every 0.1 s until it succeeds;
# returns 1 (and logs DESC) when TIMEOUT seconds pass first.
wait_until() {
	local timeout=$1 desc=$2 end

	shift 2
	end=$((SECONDS + timeout))
	until "$@"; do
		if [ "$SECONDS" -ge "$end" ]; then
			log "timed out after ${timeout}s waiting for $desc"
			return 1
		fi
		_nap
	done
}

# wait_line FILE ERE TIMEOUT: FILE gets a line matching ERE.
wait_line() {
	wait_until "$3" "/$2/ in $1" grep -Eq -- "$2" "$1"
}

# ready_fifo PATH: make a FIFO and keep it open (read-write, so neither
# side blocks on open).  Pass PATH to a workload (spte-vmm --ready PATH),
# then ready_wait PATH TIMEOUT: read one line from it, bounded.  The line
# is left in READY_LINE.
declare -A _fifo_fd=()
READY_LINE=
ready_fifo() {
	local fd

	rm -f "$1"
	mkfifo "$1" || return 1
	exec {fd}<>"$1"
	_fifo_fd[$1]=$fd
}

ready_wait() {
	local fd=${_fifo_fd[$1]:-}

	[ -n "$fd" ] || { log "ready_wait: $1 was not made by ready_fifo"; return 1; }
	READY_LINE=
	if ! read -r -t "$2" -u "$fd" READY_LINE; then
		log "timed out after ${2}s waiting for a line on $1"
		return 1
	fi
	log "ready: $READY_LINE"
}

# ----------------------------------------------------------- running ----

# start_hogs: one busy loop per CPU, so that a long zap sees need_resched()
# and yields mmu_lock; stop_hogs ends them.  Safe with set -e.
SPTE_HOGS=()
start_hogs() {
	local i n

	n=$(grep -c '^processor' /proc/cpuinfo)
	for i in $(seq 1 "${n:-2}"); do
		(while :; do :; done) &
		SPTE_HOGS+=($!)
	done
}

stop_hogs() {
	[ ${#SPTE_HOGS[@]} -eq 0 ] && return 0
	kill "${SPTE_HOGS[@]}" 2>/dev/null || true
	wait "${SPTE_HOGS[@]}" 2>/dev/null || true
	SPTE_HOGS=()
}

# run_bounded TIMEOUT LOG CMD...: run CMD, output appended to LOG,
# killed TIMEOUT seconds in (KILL 5 s after TERM).  Returns CMD's status,
# 124 on the timeout.
run_bounded() {
	local timeout=$1 out=$2 rc=0

	shift 2
	echo "+ $*" >>"$out"
	timeout -k 5 "$timeout" "$@" >>"$out" 2>&1 </dev/null || rc=$?
	[ "$rc" -ne 124 ] || echo "run_bounded: timed out after ${timeout}s" >>"$out"
	return "$rc"
}

# workload NAME TIMEOUT CMD...: run a workload to completion, bounded,
# with its output in /out/NAME.log; asserts it exited 0 and notes its
# wall time.  Any static binary with any arguments works.  CMD is run by
# its full path: KVM selftests open their own ELF file through argv[0].
workload() {
	local name=$1 timeout=$2 rc=0 t0 path

	shift 2
	if [[ $1 != */* ]] && path=$(command -v "$1") && [[ $path == /* ]]; then
		set -- "$path" "${@:2}"
	fi
	log "workload $name: $*"
	t0=$(_uptime)
	run_bounded "$timeout" "/out/$name.log" "$@" || rc=$?
	note_value "workload_${name}_s" "$(_since "$t0")"
	if [ "$rc" -ne 0 ]; then
		tail -n 20 "/out/$name.log" >&2
	fi
	assert_eq "workload $name exits 0" 0 "$rc"
}

# workload_retry NAME TIMEOUT CMD...: workload, run a second time if the
# first run fails, for the workloads that run several VMs at once: under
# QEMU/TCG one of their L2 guests now and then executes the wrong page or
# stops reporting, on Debian's stock kernel as often as on the patched one
# (docs/e2e.md, "Known flakes of the emulator").  The first run's traffic
# stays in the trace, so every check on spte-trace's output covers it too;
# the retry is logged, noted as retried_NAME and named in the assertion.
workload_retry() {
	local name=$1 timeout=$2 rc=0 t0

	shift 2
	log "workload $name: $*"
	t0=$(_uptime)
	run_bounded "$timeout" "/out/$name.try1.log" "$@" || rc=$?
	if [ "$rc" -eq 0 ]; then
		note_value "workload_${name}_s" "$(_since "$t0")"
		note_value "retried_$name" 0
		assert_eq "workload $name exits 0" 0 "$rc"
		return
	fi
	tail -n 5 "/out/$name.try1.log" >&2
	log "WARNING: workload $name exited $rc on its first run; running it again"
	note_value "retried_$name" 1
	workload "$name" "$timeout" "$@"
}

# daemon_start NAME LOG CMD...: start CMD in the background (its own
# process group, so SIGINT reaches it), output to LOG.
daemon_start() {
	local name=$1 out=$2

	shift 2
	[ -z "${_daemon_pid[$name]:-}" ] || { log "daemon $name already running"; return 1; }
	log "daemon $name: $*"
	set -m
	"$@" >"$out" 2>&1 </dev/null &
	_daemon_pid[$name]=$!
	set +m
	_daemon_log[$name]=$out
}

# daemon_pid NAME: print its pid.
daemon_pid() {
	echo "${_daemon_pid[$1]:-}"
}

# daemon_running NAME: still alive?
daemon_running() {
	local pid=${_daemon_pid[$1]:-}

	[ -n "$pid" ] && kill -0 "$pid" 2>/dev/null
}

# daemon_wait_log NAME ERE TIMEOUT: its log gets a line matching ERE;
# fails early if the daemon exits first.
daemon_wait_log() {
	local name=$1

	wait_until "$3" "daemon $name to log /$2/" _daemon_logged_or_dead "$name" "$2" || return 1
	grep -Eq -- "$2" "${_daemon_log[$name]}" && return 0
	log "daemon $name exited before logging /$2/"
	return 1
}

_daemon_logged_or_dead() {
	grep -Eq -- "$2" "${_daemon_log[$1]}" || ! daemon_running "$1"
}

# daemon_stop NAME [TIMEOUT=30] [SIGNAL=INT]: signal it, wait at most
# TIMEOUT seconds, then KILL.  Its exit status is left in DAEMON_RC
# (128+n when killed by signal n, 124 when it had to be killed); returns
# 0 (1 only for an unknown NAME), so check DAEMON_RC.
daemon_stop() {
	local name=$1 timeout=${2:-30} sig=${3:-INT} pid rc=0

	pid=${_daemon_pid[$name]:-}
	[ -n "$pid" ] || { log "daemon_stop: no daemon $name"; return 1; }
	kill -"$sig" "$pid" 2>/dev/null || true
	if ! wait_until "$timeout" "daemon $name to exit on SIG$sig" _pid_gone "$pid"; then
		kill -KILL -- "-$pid" "$pid" 2>/dev/null || true
		wait "$pid" 2>/dev/null || true
		rc=124
	else
		wait "$pid" 2>/dev/null || rc=$?
	fi
	unset "_daemon_pid[$name]"
	DAEMON_RC=$rc
	log "daemon $name exited $rc"
}

# A reaped-or-zombie test: kill -0 succeeds on a zombie, so look at its
# state too.
_pid_gone() {
	local state

	kill -0 "$1" 2>/dev/null || return 0
	state=$(awk '{ print $3 }' "/proc/$1/stat" 2>/dev/null || echo Z)
	[ "$state" = Z ]
}

# ---------------------------------------------------------- KVM knobs ----

# kvm_param MODULE NAME [VALUE]: print, or set, a KVM module parameter
# (e.g. kvm_param kvm eager_page_split N).
kvm_param() {
	local f=/sys/module/$1/parameters/$2

	if [ $# -ge 3 ]; then
		echo "$3" >"$f"
	else
		cat "$f"
	fi
}

# hugetlb_reserve N: make N 2 MiB hugetlb pages available (or fail).
hugetlb_reserve() {
	local got

	echo "$1" >/proc/sys/vm/nr_hugepages
	got=$(cat /proc/sys/vm/nr_hugepages)
	[ "$got" -ge "$1" ] || { log "only $got of $1 huge pages reserved"; return 1; }
}

# ------------------------------------------- the stock tracepoint count ----
#
# Ground truth from the kernel itself, independent of BPF: every
# kvmmmu:kvm_tdp_mmu_spte_changed event counted by class and level.  A
# SPTE is present when bit 11 (0x800) is set.  "0" is the non-present
# value and "R" the removed (frozen) value of the running kernel: 0 and
# 0x5a0 before 6.10 (6.1), SHADOW_NONPRESENT_VALUE (bit 63) and
# FROZEN_SPTE (bit 63 | 0x5a0) from 6.10 on (6.12).  Classes: p>0 0>p p>p
# p>R 0>R R>* and all; "other" is all minus the rest.
#
# With CONFIG_HIST_TRIGGERS (Debian's kernel) the counting happens in the
# kernel through hist triggers: no trace buffer, nothing lost, nothing
# printed.  Without it (a minimal config) the events go to the trace
# buffer (SPTE_COUNT_BUFFER_KB per CPU) and are classified when read;
# events the buffer dropped are reported as class "lost".

SPTE_EVENT=$TRACEFS/events/kvmmmu/kvm_tdp_mmu_spte_changed
SPTE_COUNT_BUFFER_KB=${SPTE_COUNT_BUFFER_KB:-32768}
# The two values, in decimal for the filters and as the stock event
# prints them (hex without 0x).
case $(uname -r) in
[0-5].* | 6.[0-9].* | 6.[0-9]) _spte_np=0 _spte_r=1440 _spte_np_hex=0 _spte_r_hex=5a0 ;;
*)
	_spte_np=9223372036854775808 _spte_r=9223372036854777248
	_spte_np_hex=8000000000000000 _spte_r_hex=80000000000005a0
	;;
esac
declare -A _spte_filters=(
	["all"]=""
	["p>0"]="old_spte & 2048 && new_spte == $_spte_np"
	["0>p"]="old_spte == $_spte_np && new_spte & 2048"
	["p>p"]="old_spte & 2048 && new_spte & 2048"
	["p>R"]="old_spte & 2048 && new_spte == $_spte_r"
	["0>R"]="old_spte == $_spte_np && new_spte == $_spte_r"
	["R>*"]="old_spte == $_spte_r"
)

# spte_count_mode: "hist" or "trace", the way this kernel counts.
spte_count_mode() {
	if [ -e "$SPTE_EVENT/hist" ]; then echo hist; else echo trace; fi
}

_spte_trigger() {
	local filter=${_spte_filters[$1]}

	echo "hist:keys=level:vals=hitcount:sort=level${filter:+ if $filter}"
}

# spte_count_start: install the counters (zeroed).
spte_count_start() {
	local class

	[ -d "$SPTE_EVENT" ] || { log "no $SPTE_EVENT"; return 1; }
	spte_count_stop
	if [ "$(spte_count_mode)" = trace ]; then
		echo 0 >"$TRACEFS/tracing_on"
		echo "$SPTE_COUNT_BUFFER_KB" >"$TRACEFS/buffer_size_kb"
		echo 1 >"$SPTE_EVENT/enable"
		echo >"$TRACEFS/trace"
		echo 1 >"$TRACEFS/tracing_on"
		return
	fi
	# Append (>>): opening the trigger file with O_TRUNC drops every
	# trigger already there.
	for class in "${!_spte_filters[@]}"; do
		_spte_trigger "$class" >>"$SPTE_EVENT/trigger" ||
			{ log "cannot install the '$class' hist trigger"; return 1; }
	done
}

# spte_count_read: print "CLASS LEVEL COUNT" lines (levels 1..5), then
# "CLASS all COUNT" per class, including "other" (and "lost" in trace
# mode).
spte_count_read() {
	if [ "$(spte_count_mode)" = trace ]; then
		_spte_count_trace | sort
		return
	fi
	awk -v np="$_spte_np" -v r="$_spte_r" '
	function has(s) { return index($0, "if " s " ") > 0 }
	/^# trigger info:/ {
		cls = "all"
		if (has("old_spte & 2048 && new_spte == " np)) cls = "p>0"
		else if (has("old_spte == " np " && new_spte & 2048")) cls = "0>p"
		else if (has("old_spte & 2048 && new_spte & 2048")) cls = "p>p"
		else if (has("old_spte & 2048 && new_spte == " r)) cls = "p>R"
		else if (has("old_spte == " np " && new_spte == " r)) cls = "0>R"
		else if (has("old_spte == " r)) cls = "R>*"
		seen[cls] = 1
		next
	}
	/^\{ level:/ {
		lvl = $3; n = $6	# { level: 1 } hitcount: 24577
		c[cls " " lvl] += n; t[cls] += n
	}
	END {
		for (k in c) print k, c[k]
		other = t["all"]
		for (k in seen) {
			print k, "all", t[k] + 0
			if (k != "all") other -= t[k]
		}
		print "other all", other
	}' "$SPTE_EVENT/hist" | sort
}

# The same classes from the trace buffer.  Fields are taken from the end
# of the line, which is fixed:
#   ...: kvm_tdp_mmu_spte_changed: as id 0 gfn 1ff level 1 old_spte 2a8ae67 new_spte 0
_spte_count_trace() {
	local lost

	lost=$(cat "$TRACEFS"/per_cpu/cpu*/stats |
		awk '/^(overrun|dropped events):/ { n += $NF } END { print n + 0 }')
	awk -v lost="$lost" -v np="$_spte_np_hex" -v r="$_spte_r_hex" '
	function present(v) {
		return length(v) >= 3 && index("89abcdef", substr(v, length(v) - 2, 1)) > 0
	}
	NF >= 6 && $(NF - 1) == "new_spte" && $0 ~ /kvm_tdp_mmu_spte_changed:/ {
		o = $(NF - 2); n = $NF; l = $(NF - 4)
		if (n == r) k = present(o) ? "p>R" : (o == np ? "0>R" : "")
		else if (o == r) k = "R>*"
		else if (present(o)) k = present(n) ? "p>p" : (n == np ? "p>0" : "")
		else if (o == np && present(n)) k = "0>p"
		else k = ""
		c["all " l]++; t["all"]++
		if (k != "") { c[k " " l]++; t[k]++ } else t["other"]++
	}
	END {
		split("all p>0 0>p p>p p>R 0>R R>* other", cls, " ")
		for (k in c) print k, c[k]
		for (i = 1; i <= 8; i++) print cls[i], "all", t[cls[i]] + 0
		print "lost all", lost
	}' "$TRACEFS/trace"
}

# spte_count CLASS [LEVEL=all] [FILE]: one number, from the live counters
# or from FILE, a saved spte_count_read (cheaper for many lookups).
spte_count() {
	local src=${3:-}

	if [ -z "$src" ]; then
		spte_count_read | spte_count "$1" "${2:-all}" /dev/stdin
		return
	fi
	awk -v c="$1" -v l="${2:-all}" \
		'$1 == c && $2 == l { n = $3 } END { print n + 0 }' "$src"
}

# spte_count_stop: remove the counters.
spte_count_stop() {
	local class

	[ -d "$SPTE_EVENT" ] || return 0
	if [ "$(spte_count_mode)" = trace ]; then
		echo 0 >"$SPTE_EVENT/enable"
		return
	fi
	for class in "${!_spte_filters[@]}"; do
		echo "!$(_spte_trigger "$class")" >>"$SPTE_EVENT/trigger" 2>/dev/null || true
	done
}

# ----------------------------------------------------------- network ----

# http_get URL FILE [TIMEOUT=10]: fetch URL into FILE (busybox wget).
http_get() {
	timeout -k 2 "${3:-10}" wget -q -O "$2" "$1"
}
