/* SPDX-License-Identifier: GPL-2.0 */
/*
 * --record FILE and `spte-trace report FILE`: every event the monitor saw,
 * in a binary file that replays through the same protocol engine.
 *
 * Layout (host byte order, checked on read):
 *
 *   file header   magic "SPTEREC\n", version, byte-order mark, the sizes of
 *                 struct event and struct spte_config, the spte_config the
 *                 monitor ran with, the sources, clocks, kernel release and
 *                 spte-trace version; CRC-32 of all of it.
 *   blocks        32-byte header (magic, type, sequence number, record
 *                 count, payload length, CRC-32 of header and payload),
 *                 then the payload: struct event records, symbolized
 *                 stacks, or VM identities.
 *   end block     totals; its absence means the writer never closed the
 *                 file (killed, disk full, still running).
 *
 * Blocks are written whole, so a crash loses at most the events since the
 * last recorder__flush().
 */
#ifndef __SPTE_RECORD_H
#define __SPTE_RECORD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include "spte_trace.h"

#define RECORD_VERSION 2
#define RECORD_BLOCK_EVENTS 1024 /* events per block at most */

struct stack;
struct stack_table;
struct vmtab;
struct recorder;
struct replay;

struct record_info {
	struct spte_config cfg;
	__u64 realtime_ns; /* CLOCK_REALTIME at the start; 0: now */
	__u64 monotonic_ns; /* CLOCK_MONOTONIC (event clock) at the start */
	__u32 spte_source; /* enum spte_source */
	__u32 hook_source; /* enum hook_source */
	struct spte_limits limits; /* the live map sizes; replay uses them */
	char kernel[64]; /* uname -r; "": this host's */
	char version[32]; /* spte-trace version; "": this build's */
};

struct record_totals {
	__u64 events;
	__u64 stacks;
	__u64 vms;
	__u64 blocks;
};

/* ---- Writing ------------------------------------------------------------------ */

/* Create @path (replacing it).  0, or -errno with a message in @err. */
int recorder__open(struct recorder **out, const char *path,
		   const struct record_info *info, char *err, size_t errlen);
int recorder__write(struct recorder *r, const struct event *ev);
/* Each stack id is written once, however often it is passed. */
int recorder__write_stack(struct recorder *r, const struct stack *s);
int recorder__write_vm(struct recorder *r, __u64 key, __u32 pid,
		       const char *comm);
/* Write out everything buffered as complete blocks. */
int recorder__flush(struct recorder *r);
/* Flush, write the end block, fsync, close and free.  0 or -errno. */
int recorder__close(struct recorder *r);
/* Why the last call failed; the first error sticks. */
const char *recorder__error(const struct recorder *r);

/* ---- Reading ------------------------------------------------------------------ */

/* True if the first @len bytes of an input are a recording's magic. */
bool replay__is_recording(const void *head, size_t len);

/*
 * Read a recording from @f (which the replay closes, even on failure) and
 * validate its header.  0, or -errno with a message in @err.  Messages
 * name the block and offset, not the file: the caller names the input.
 */
int replay__open(struct replay **out, FILE *f, char *err, size_t errlen);
const struct record_info *replay__info(const struct replay *r);
/* Where stack and VM blocks go as they are read (each may be NULL). */
void replay__set_sinks(struct replay *r, struct stack_table *stacks,
		       struct vmtab *vms);
/*
 * The next event: 1, or 0 at a clean end, or a negative errno with the
 * block number and byte offset in replay__error():
 *   -ENODATA   the file ends without an end block (truncated or unclosed);
 *              every event before the damage was delivered
 *   -EBADMSG   a checksum, magic, sequence or length does not match
 *   -EIO       the file could not be read
 */
int replay__next(struct replay *r, struct event *ev);
const char *replay__error(const struct replay *r);
void replay__totals(const struct replay *r, struct record_totals *t);
void replay__close(struct replay *r);

#endif /* __SPTE_RECORD_H */
