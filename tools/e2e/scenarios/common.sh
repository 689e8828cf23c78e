# SPDX-License-Identifier: GPL-2.0
#
# Shared by the e2e scenarios (guest side): start spte-trace with its
# metrics textfile, read counters back out of that exposition, and check
# the properties every scenario shares.  Sourced after /lib/spte/lib.sh.

METRICS=/out/metrics.prom
TRACE_LOG=/out/spte-trace.log
VMM_MEM=${VMM_MEM:-64}
VMM_ROUNDS=${VMM_ROUNDS:-6}
ALL_ZAPS=madvise,mprotect,memslot-delete,memslot-move,dirty-log

# trace_start [spte-trace options...]: attach and wait for the banner.
trace_start() {
	daemon_start trace "$TRACE_LOG" spte-trace --no-privdrop \
		--textfile "$METRICS" --folded /out/sites.folded \
		--svg /out/sites.svg "$@"
	if daemon_wait_log trace '^blind spots:' 120; then
		pass "spte-trace attached"
	else
		fail "spte-trace attached" "$(tail -3 "$TRACE_LOG" | tr '\n' ' ')"
	fi
}

# trace_stop: SIGINT, the summary, exit status 0.
trace_stop() {
	daemon_stop trace 120 INT
	assert_eq "spte-trace exits 0 on SIGINT" 0 "$DAEMON_RC"
	assert_grep "spte-trace printed its summary" '^==== summary' "$TRACE_LOG"
	assert_file "metrics textfile written" "$METRICS"
}

# metric NAME [TEXT]: the sum of NAME's samples whose labels contain TEXT
# (a fixed string, e.g. 'level="2M"': busybox awk's regexes are limited).
metric() {
	awk -v name="$1" -v text="${2:-}" '
		{ n = length(name); c = substr($1, n + 1, 1) }
		substr($1, 1, n) == name && (c == "" || c == "{") &&
		(text == "" || index($1, text)) { sum += $NF }
		END { printf "%d\n", sum }' "$METRICS"
}

# hist_count NAME: observations of a histogram, all label sets.
hist_count() {
	metric "${1}_count"
}

# Values for the host's table.
note_trace_values() {
	note_value events "$(metric spte_trace_spte_events_total)"
	note_value violations "$(metric spte_trace_violations_total)"
	note_value benign "$(( $(metric spte_trace_outcomes_total 'outcome="stale_same"') + $(metric spte_trace_outcomes_total 'outcome="stale_narrower"') ))"
}

# same_counts DESC FILE_A FILE_B: the transition, outcome and violation
# counters of two expositions (live and replayed) are equal.
same_counts() {
	local desc=$1 a=$2 b=$3 fam

	for fam in spte_trace_transitions_total spte_trace_outcomes_total \
		   spte_trace_violations_total spte_trace_zap_to_reinstall_seconds_count; do
		assert_eq "$desc: $fam" "$(METRICS=$a metric "$fam")" \
			"$(METRICS=$b metric "$fam")"
	done
}

# tracing_ready SYSTEM/EVENT: a tracer (trace-cmd record) has enabled the
# event and turned tracing on in the top-level tracefs instance.
tracing_ready() {
	[ "$(cat "$TRACEFS/events/$1/enable" 2>/dev/null)" = 1 ] &&
		[ "$(cat "$TRACEFS/tracing_on" 2>/dev/null)" = 1 ]
}

# record_start READY_EVENT TRACE-CMD-ARGS...: trace-cmd record into
# /out/trace.dat, in the background, until record_stop; waits until it has
# enabled READY_EVENT (SYSTEM/EVENT).
record_start() {
	local ready=$1

	shift
	daemon_start tcmd /out/trace-cmd.log trace-cmd record "$@" -o /out/trace.dat
	# trace-cmd's own messages are block-buffered in a file: ready is
	# when it has turned the event and tracing on (the ring buffer holds
	# what comes before its readers start)
	if wait_until 120 "trace-cmd to enable $ready" tracing_ready "$ready"; then
		pass "trace-cmd record started"
	else
		fail "trace-cmd record started" "$(tail -3 /out/trace-cmd.log | tr '\n' ' ')"
	fi
}

# record_stop: trace-cmd writes trace.dat; perf.data becomes perf script
# text (PID/TID, losses shown) in /out/perf-script.txt.
record_stop() {
	daemon_stop tcmd 120 INT
	assert_eq "trace-cmd record exits 0" 0 "$DAEMON_RC"
	timeout -k 5 300 perf script -F +pid --show-lost-events -i /out/perf.data \
		>/out/perf-script.txt 2>/out/perf-script.err
	assert_eq "perf script exits 0" 0 "$?"
	assert_grep "perf script -F +pid gives PID/TID" ' [0-9]+/[0-9]+ +\[[0-9]+\]' /out/perf-script.txt
}
