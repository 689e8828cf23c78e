// SPDX-License-Identifier: GPL-2.0
/*
 * --svg: the folded stacks of src/flame.c drawn as an interactive flame
 * graph (zoom on click, search), self-contained: its CSS and script are in
 * the file.  docs/libraries.md says why this is not flamegraph.pl.
 */
#include <errno.h>
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "flame.h"
#include "util.h"

/* ---- SVG ------------------------------------------------------------------------- */

#define SVG_WIDTH 1200
#define SVG_PAD 10
#define SVG_TOP 44
#define SVG_BOTTOM 30
#define FRAME_H 16
#define CHAR_W 7.2 /* 12px monospace */
#define MIN_PX 0.1 /* narrower frames are left out */

enum frame_kind {
	KIND_ALL,
	KIND_ZAP,
	KIND_INSTALL,
	KIND_VIOLATION,
	KIND_OTHER
};

struct node {
	const char *name; /* into a sample's path */
	size_t len;
	__u64 value;
	struct node *kids;
	size_t n, cap;
};

struct svg {
	FILE *out;
	double scale; /* px per sample */
	unsigned int width;
	unsigned int height;
	__u64 total;
	unsigned long id;
};

static struct node *child(struct node *parent, const char *name, size_t len)
{
	struct node *p;
	size_t i, cap;

	for (i = 0; i < parent->n; i++)
		if (parent->kids[i].len == len &&
		    !memcmp(parent->kids[i].name, name, len))
			return &parent->kids[i];
	if (parent->n == parent->cap) {
		cap = parent->cap ? parent->cap * 2 : 4;
		p = realloc(parent->kids, cap * sizeof(*p));
		if (!p)
			return NULL;
		parent->kids = p;
		parent->cap = cap;
	}
	p = &parent->kids[parent->n++];
	memset(p, 0, sizeof(*p));
	p->name = name;
	p->len = len;
	return p;
}

static int tree_add(struct node *root, const char *path, __u64 count)
{
	struct node *cur = root;
	const char *end;

	root->value += count;
	while (*path) {
		end = strchr(path, ';');
		if (!end)
			end = path + strlen(path);
		cur = child(cur, path, end - path);
		if (!cur)
			return -ENOMEM;
		cur->value += count;
		path = *end ? end + 1 : end;
	}
	return 0;
}

static void tree_free(struct node *n)
{
	size_t i;

	for (i = 0; i < n->n; i++)
		tree_free(&n->kids[i]);
	free(n->kids);
}

static int cmp_node(const void *a, const void *b)
{
	const struct node *x = a, *y = b;
	size_t n = x->len < y->len ? x->len : y->len;
	int c = memcmp(x->name, y->name, n);

	return c ? c : (x->len > y->len) - (x->len < y->len);
}

static unsigned int tree_depth(const struct node *n, double scale)
{
	unsigned int d = 0, k;
	size_t i;

	for (i = 0; i < n->n; i++) {
		if (n->kids[i].value * scale < MIN_PX)
			continue;
		k = tree_depth(&n->kids[i], scale) + 1;
		if (k > d)
			d = k;
	}
	return d;
}

static void put_xml(FILE *out, const char *s, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++) {
		switch (s[i]) {
		case '&':
			fputs("&amp;", out);
			break;
		case '<':
			fputs("&lt;", out);
			break;
		case '>':
			fputs("&gt;", out);
			break;
		case '"':
			fputs("&quot;", out);
			break;
		case '\'':
			fputs("&#39;", out);
			break;
		default:
			fputc(s[i], out);
		}
	}
}

static enum frame_kind kind_of(const struct node *n)
{
	static const struct {
		const char *prefix;
		enum frame_kind kind;
	} kinds[] = {
		{ "[zap]", KIND_ZAP },
		{ "[install]", KIND_INSTALL },
		{ "[violation", KIND_VIOLATION },
	};
	size_t i, l;

	for (i = 0; i < ARRAY_SIZE(kinds); i++) {
		l = strlen(kinds[i].prefix);
		if (n->len >= l && !memcmp(n->name, kinds[i].prefix, l))
			return kinds[i].kind;
	}
	return KIND_OTHER;
}

static unsigned int name_hash(const char *s, size_t len)
{
	unsigned int h = 2166136261U;
	size_t i;

	for (i = 0; i < len; i++)
		h = (h ^ (unsigned char)s[i]) * 16777619U;
	return h;
}

/* HSL (h in degrees, s and l in [0, 1]) to "rgb(r,g,b)". */
static void hsl_rgb(double h, double s, double l, char *buf, size_t len)
{
	double c = (1 - (2 * l - 1 < 0 ? 1 - 2 * l : 2 * l - 1)) * s;
	double hp = h / 60, m = l - c / 2, x, r = 0, g = 0, b = 0;
	double hm = hp - 2 * (int)(hp / 2);

	x = c * (1 - (hm - 1 < 0 ? 1 - hm : hm - 1));
	if (hp < 1)
		r = c, g = x;
	else if (hp < 2)
		r = x, g = c;
	else if (hp < 3)
		g = c, b = x;
	else if (hp < 4)
		g = x, b = c;
	else if (hp < 5)
		r = x, b = c;
	else
		r = c, b = x;
	snprintf(buf, len, "rgb(%d,%d,%d)", (int)((r + m) * 255 + 0.5),
		 (int)((g + m) * 255 + 0.5), (int)((b + m) * 255 + 0.5));
}

/* One hue family per kind, so kinds stay apart at a glance. */
static void frame_color(enum frame_kind kind, const struct node *n, char *buf,
			size_t len)
{
	static const double hue[] = {
		[KIND_ALL] = 0,	      [KIND_ZAP] = 212,	 [KIND_INSTALL] = 128,
		[KIND_VIOLATION] = 2, [KIND_OTHER] = 40,
	};
	unsigned int h = name_hash(n->name, n->len);

	if (kind == KIND_ALL) {
		snprintf(buf, len, "rgb(200,200,200)");
		return;
	}
	hsl_rgb(hue[kind] + (int)(h % 17) - 8, 0.55 + (h >> 8) % 20 / 100.0,
		0.55 + (h >> 16) % 15 / 100.0, buf, len);
}

static void emit_label(FILE *out, const struct node *n, double w)
{
	int chars = (int)((w - 6) / CHAR_W);

	if (chars < 3)
		return;
	if ((size_t)chars >= n->len) {
		put_xml(out, n->name, n->len);
		return;
	}
	put_xml(out, n->name, chars - 2);
	fputs("..", out);
}

static void emit_node(struct svg *s, struct node *n, unsigned int depth,
		      __u64 x, enum frame_kind kind)
{
	double px = SVG_PAD + x * s->scale, w = n->value * s->scale;
	unsigned int y = s->height - SVG_BOTTOM - (depth + 1) * FRAME_H;
	char color[32];
	size_t i;

	if (w < MIN_PX)
		return;
	if (depth == 1)
		kind = kind_of(n);
	frame_color(kind, n, color, sizeof(color));
	fprintf(s->out,
		"<g class=\"f\" id=\"f%lu\" data-x=\"%llu\" data-w=\"%llu\" data-d=\"%u\" data-n=\"",
		s->id++, x, n->value, depth);
	put_xml(s->out, n->name, n->len);
	fputs("\"><title>", s->out);
	put_xml(s->out, n->name, n->len);
	fprintf(s->out, " (%llu samples, %.2f%%)</title>", n->value,
		100.0 * n->value / s->total);
	fprintf(s->out,
		"<rect x=\"%.1f\" y=\"%u\" width=\"%.1f\" height=\"%d\" fill=\"%s\" rx=\"2\"/>",
		px, y, w, FRAME_H - 1, color);
	fprintf(s->out, "<text x=\"%.1f\" y=\"%u\">", px + 3, y + FRAME_H - 4);
	emit_label(s->out, n, w);
	fputs("</text></g>\n", s->out);

	if (n->n)
		qsort(n->kids, n->n, sizeof(*n->kids), cmp_node);
	for (i = 0; i < n->n; i++) {
		emit_node(s, &n->kids[i], depth + 1, x, kind);
		x += n->kids[i].value;
	}
}

/* Written for this file: zoom, search, details; no external resources. */
static const char svg_script[] =
	"var frames = [], total = 0, W = 0, PAD = 10, CW = 7.2, zoomed = null;\n"
	"function init(evt) {\n"
	"	var root = document.getElementById('frames');\n"
	"	total = +root.getAttribute('data-total');\n"
	"	W = +document.documentElement.getAttribute('width');\n"
	"	frames = Array.prototype.slice.call(document.querySelectorAll('g.f'));\n"
	"	frames.forEach(function (g) {\n"
	"		g.addEventListener('click', function () { zoom(g); });\n"
	"		g.addEventListener('mouseover', function () {\n"
	"			details(g.querySelector('title').textContent);\n"
	"		});\n"
	"		g.addEventListener('mouseout', function () { details(' '); });\n"
	"	});\n"
	"	document.getElementById('reset').addEventListener('click', function () { zoom(null); });\n"
	"	document.getElementById('search').addEventListener('click', function () {\n"
	"		var re = prompt('Search frames (regular expression):', '');\n"
	"		if (re !== null) search(re);\n"
	"	});\n"
	"	document.getElementById('clear').addEventListener('click', function () { search(''); });\n"
	"	from_hash();\n"
	"}\n"
	"function details(s) { document.getElementById('details').textContent = s; }\n"
	"/* #zoom=f12 and #search=regex make a view linkable (and testable). */\n"
	"function from_hash() {\n"
	"	var h = decodeURIComponent(location.hash.substring(1)), m;\n"
	"	if ((m = /^zoom=(f[0-9]+)$/.exec(h)) && document.getElementById(m[1]))\n"
	"		zoom(document.getElementById(m[1]));\n"
	"	else if ((m = /^search=(.*)$/.exec(h)))\n"
	"		search(m[1]);\n"
	"}\n"
	"function label(g, w) {\n"
	"	var name = g.getAttribute('data-n'), chars = Math.floor((w - 6) / CW);\n"
	"	if (chars < 3) return '';\n"
	"	return name.length <= chars ? name : name.substring(0, chars - 2) + '..';\n"
	"}\n"
	"function place(g, x, w) {\n"
	"	var r = g.querySelector('rect'), t = g.querySelector('text');\n"
	"	g.style.display = w < 0.1 ? 'none' : '';\n"
	"	r.setAttribute('x', x.toFixed(1));\n"
	"	r.setAttribute('width', w.toFixed(1));\n"
	"	t.setAttribute('x', (x + 3).toFixed(1));\n"
	"	t.textContent = label(g, w);\n"
	"}\n"
	"/* Show @z's subtree across the full width, its ancestors as bars. */\n"
	"function zoom(z) {\n"
	"	var x0 = z ? +z.getAttribute('data-x') : 0;\n"
	"	var w0 = z ? +z.getAttribute('data-w') : total;\n"
	"	var d0 = z ? +z.getAttribute('data-d') : 0;\n"
	"	var scale = (W - 2 * PAD) / w0;\n"
	"	zoomed = z;\n"
	"	frames.forEach(function (g) {\n"
	"		var x = +g.getAttribute('data-x'), w = +g.getAttribute('data-w');\n"
	"		var d = +g.getAttribute('data-d');\n"
	"		if (d >= d0 && x >= x0 && x + w <= x0 + w0)\n"
	"			place(g, PAD + (x - x0) * scale, w * scale);\n"
	"		else if (d < d0 && x <= x0 && x + w >= x0 + w0)\n"
	"			place(g, PAD, W - 2 * PAD);\n"
	"		else\n"
	"			g.style.display = 'none';\n"
	"		g.querySelector('rect').style.opacity = d < d0 ? '0.5' : '';\n"
	"	});\n"
	"	document.getElementById('reset').style.opacity = z ? '1' : '0';\n"
	"}\n"
	"function search(re) {\n"
	"	var rx = null, spans = [], sum = 0, end = -1;\n"
	"	try { rx = re ? new RegExp(re) : null; } catch (e) { details('bad regular expression: ' + e.message); return; }\n"
	"	frames.forEach(function (g) {\n"
	"		var r = g.querySelector('rect'), hit = rx && rx.test(g.getAttribute('data-n'));\n"
	"		if (!r.hasAttribute('data-fill')) r.setAttribute('data-fill', r.getAttribute('fill'));\n"
	"		r.setAttribute('fill', hit ? 'rgb(230,0,230)' : r.getAttribute('data-fill'));\n"
	"		if (hit) spans.push([+g.getAttribute('data-x'), +g.getAttribute('data-w')]);\n"
	"	});\n"
	"	/* nested matches count once: add up the union of their ranges */\n"
	"	spans.sort(function (a, b) { return a[0] - b[0]; });\n"
	"	spans.forEach(function (s) {\n"
	"		var a = Math.max(s[0], end), b = s[0] + s[1];\n"
	"		if (b > a) { sum += b - a; end = b; }\n"
	"	});\n"
	"	document.getElementById('matched').textContent =\n"
	"		rx ? 'Matched: ' + (100 * sum / total).toFixed(1) + '%' : ' ';\n"
	"	document.getElementById('clear').style.opacity = rx ? '1' : '0';\n"
	"}\n";

static void svg_header(struct svg *s, const struct flame_svg_opts *o)
{
	FILE *out = s->out;
	const char *title = o && o->title ? o->title : "spte-trace";

	fprintf(out,
		"<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"no\"?>\n"
		"<svg version=\"1.1\" width=\"%u\" height=\"%u\" viewBox=\"0 0 %u %u\" "
		"xmlns=\"http://www.w3.org/2000/svg\" onload=\"init(evt)\">\n",
		s->width, s->height, s->width, s->height);
	fputs("<style>\n"
	      "text { font-family: monospace; font-size: 12px; fill: rgb(0,0,0); }\n"
	      "g.f text { pointer-events: none; }\n"
	      "g.f:hover rect { stroke: rgb(40,40,40); stroke-width: 0.5; cursor: pointer; }\n"
	      ".btn { cursor: pointer; fill: rgb(40,40,160); }\n"
	      "#title { font-size: 17px; }\n"
	      "</style>\n<script type=\"text/ecmascript\"><![CDATA[\n",
	      out);
	fputs(svg_script, out);
	fputs("]]></script>\n", out);
	fprintf(out,
		"<rect x=\"0\" y=\"0\" width=\"%u\" height=\"%u\" fill=\"rgb(250,250,250)\"/>\n",
		s->width, s->height);
	fprintf(out,
		"<text id=\"title\" x=\"%u\" y=\"22\" text-anchor=\"middle\">",
		s->width / 2);
	put_xml(out, title, strlen(title));
	fputs("</text>\n", out);
	if (o && o->subtitle) {
		fprintf(out, "<text x=\"%u\" y=\"38\" text-anchor=\"middle\">",
			s->width / 2);
		put_xml(out, o->subtitle, strlen(o->subtitle));
		fputs("</text>\n", out);
	}
	fprintf(out,
		"<text id=\"reset\" class=\"btn\" x=\"%d\" y=\"22\" opacity=\"0\">Reset zoom</text>\n",
		SVG_PAD);
	fprintf(out,
		"<text id=\"search\" class=\"btn\" x=\"%u\" y=\"22\" text-anchor=\"end\">Search</text>\n",
		s->width - SVG_PAD);
	fprintf(out,
		"<text id=\"clear\" class=\"btn\" x=\"%u\" y=\"38\" text-anchor=\"end\" opacity=\"0\">Clear</text>\n",
		s->width - SVG_PAD);
	fprintf(out, "<text id=\"details\" x=\"%d\" y=\"%u\"> </text>\n",
		SVG_PAD, s->height - 10);
	fprintf(out,
		"<text id=\"matched\" x=\"%u\" y=\"%u\" text-anchor=\"end\"> </text>\n",
		s->width - SVG_PAD, s->height - 10);
}

int flame__write_svg(struct flame *f, FILE *out, const struct flame_svg_opts *o)
{
	struct node root = { .name = "all", .len = 3 };
	struct svg s = { .out = out };
	size_t i;
	int ret = 0;

	const char *path;
	__u64 count;

	for (i = 0; !ret && (path = flame__path(f, i, &count)); i++)
		ret = tree_add(&root, path, count);
	if (ret)
		goto out;
	s.width = o && o->width ? o->width : SVG_WIDTH;
	s.total = root.value;
	s.scale = root.value ? (s.width - 2.0 * SVG_PAD) / root.value : 0;
	s.height = SVG_TOP + SVG_BOTTOM +
		   (tree_depth(&root, s.scale) + 1) * FRAME_H;
	svg_header(&s, o);
	fprintf(out, "<g id=\"frames\" data-total=\"%llu\">\n", s.total);
	if (s.total)
		emit_node(&s, &root, 0, 0, KIND_ALL);
	else
		fprintf(out,
			"<text x=\"%u\" y=\"%u\" text-anchor=\"middle\">no samples</text>\n",
			s.width / 2, s.height - SVG_BOTTOM - 4);
	fputs("</g>\n</svg>\n", out);
	ret = fflush(out) || ferror(out) ? -EIO : 0;
out:
	tree_free(&root);
	return ret;
}
