// SPDX-License-Identifier: GPL-2.0
#include <stdint.h>
#include <string.h>

#include "hist.h"
#include "util.h"

#define BAR_WIDTH 40

__u64 hist_slot_low(unsigned int s)
{
	return s ? 1ULL << (s - 1) : 0;
}

__u64 hist_slot_high(unsigned int s)
{
	if (s >= HIST_SLOTS - 1)
		return UINT64_MAX;
	return s ? (1ULL << s) - 1 : 0;
}

__u64 hist_count(const struct hist *h)
{
	__u64 n = 0;
	unsigned int s;

	for (s = 0; s < HIST_SLOTS; s++)
		n += h->slots[s];
	return n;
}

__u64 hist_percentile(const struct hist *h, double p)
{
	__u64 total = hist_count(h), seen = 0;
	double want = total * p / 100.0;
	unsigned int s;

	if (!total)
		return 0;
	for (s = 0; s < HIST_SLOTS; s++) {
		seen += h->slots[s];
		if (seen && seen >= want)
			return hist_slot_high(s);
	}
	return hist_slot_high(HIST_SLOTS - 1);
}

void hist_merge(struct hist *a, const struct hist *b)
{
	unsigned int s;

	for (s = 0; s < HIST_SLOTS; s++)
		a->slots[s] += b->slots[s];
	a->sum_ns += b->sum_ns;
}

char *format_ns(__u64 ns, char *buf, size_t len)
{
	static const struct {
		__u64 div;
		const char *unit;
	} units[] = {
		{ 1000000000ULL, "s" },
		{ 1000000, "ms" },
		{ 1000, "us" },
	};
	unsigned int i;

	if (ns == UINT64_MAX) {
		snprintf(buf, len, "inf");
		return buf;
	}
	for (i = 0; i < ARRAY_SIZE(units); i++) {
		if (ns >= units[i].div) {
			snprintf(buf, len, "%.1f%s", (double)ns / units[i].div,
				 units[i].unit);
			return buf;
		}
	}
	snprintf(buf, len, "%lluns", ns);
	return buf;
}

static void print_bar(FILE *f, __u64 val, __u64 max)
{
	int n = max ? (int)(val * BAR_WIDTH / max) : 0;
	char bar[BAR_WIDTH + 1];

	if (val && !n)
		n = 1;
	memset(bar, '*', n);
	memset(bar + n, ' ', BAR_WIDTH - n);
	bar[BAR_WIDTH] = '\0';
	fprintf(f, "|%s|", bar);
}

void hist_print(FILE *f, const struct hist *h, const char *title)
{
	unsigned int s, first = HIST_SLOTS, last = 0;
	char lo[16], hi[16], p50[16], p99[16], avg[16];
	__u64 max = 0, total = hist_count(h);

	for (s = 0; s < HIST_SLOTS; s++) {
		if (!h->slots[s])
			continue;
		if (first == HIST_SLOTS)
			first = s;
		last = s;
		if (h->slots[s] > max)
			max = h->slots[s];
	}
	if (!total)
		return;

	fprintf(f, "%s: %llu samples, avg %s, p50 <= %s, p99 <= %s\n", title,
		total, format_ns(h->sum_ns / total, avg, sizeof(avg)),
		format_ns(hist_percentile(h, 50), p50, sizeof(p50)),
		format_ns(hist_percentile(h, 99), p99, sizeof(p99)));
	fprintf(f, "%22s %10s  distribution\n", "range", "count");
	for (s = first; s <= last; s++) {
		format_ns(hist_slot_low(s), lo, sizeof(lo));
		format_ns(hist_slot_high(s), hi, sizeof(hi));
		fprintf(f, "%9s .. %-9s %10llu  ", lo, hi, h->slots[s]);
		print_bar(f, h->slots[s], max);
		fputc('\n', f);
	}
}
