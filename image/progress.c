/*
 * progress.c: progress bars and status lines of ctr-image import.
 *
 * Invariants:
 * - The bar MUST only be drawn when stdout is a terminal and --quiet is
 *   not given; warnings MUST always reach stderr.
 * - Lines and warnings MUST be escaped (text_escape): they may name
 *   what an image holds.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "image/progress.h"
#include "image/util.h"
#include "lib/textesc.h"

static double
now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

void
progress_init(struct progress *p, bool quiet)
{
	memset(p, 0, sizeof(*p));
	p->quiet = quiet;
	p->tty = !quiet && isatty(STDOUT_FILENO);
}

void
progress_start(struct progress *p, const char *label, uint64_t total)
{
	snprintf(p->label, sizeof(p->label), "%s", label);
	p->total = total;
	p->done = 0;
	p->t0 = p->tlast = now();
	p->drawn = false;
}

static void
draw(struct progress *p, double t)
{
	char a[32], b[32], r[32], bar[31];
	double el = t - p->t0;
	size_t fill = 0;

	if (p->total > 0)
		fill = (size_t)((double)p->done / (double)p->total * 30);
	if (fill > 30)
		fill = 30;
	memset(bar, '#', fill);
	memset(bar + fill, '.', 30 - fill);
	bar[30] = '\0';
	img_fmt_size(p->done, a, sizeof(a));
	img_fmt_size(p->total, b, sizeof(b));
	img_fmt_size(el > 0 ? (uint64_t)((double)p->done / el) : 0, r,
	    sizeof(r));
	printf("\r%-28s [%s] %9s / %-9s %9s/s", p->label, bar, a, b, r);
	fflush(stdout);
	p->drawn = true;
}

void
progress_update(struct progress *p, uint64_t done)
{
	double t;

	p->done = done;
	if (!p->tty)
		return;
	t = now();
	if (t - p->tlast < 0.1)
		return;
	p->tlast = t;
	draw(p, t);
}

/* One status line on stdout, flushed. */
static void
put_line(FILE *f, const char *prefix, const char *fmt, va_list ap)
{
	char line[2048], shown[8192];

	vsnprintf(line, sizeof(line), fmt, ap);
	text_escape(line, shown, sizeof(shown));
	fprintf(f, "%s%s\n", prefix, shown);
	fflush(f);
}

void
progress_end(struct progress *p, const char *fmt, ...)
{
	va_list ap;

	if (p->quiet)
		return;
	if (p->tty) {
		draw(p, now());
		printf("\r\033[K");
	}
	va_start(ap, fmt);
	put_line(stdout, "", fmt, ap);
	va_end(ap);
}

void
progress_say(const struct progress *p, const char *fmt, ...)
{
	va_list ap;

	if (p->quiet)
		return;
	va_start(ap, fmt);
	put_line(stdout, "", fmt, ap);
	va_end(ap);
}

void
progress_warn(struct progress *p, const char *fmt, ...)
{
	va_list ap;

	if (p->drawn && p->tty) {
		printf("\r\033[K");
		fflush(stdout);
	}
	fflush(stdout);
	va_start(ap, fmt);
	put_line(stderr, "ctr-image: warning: ", fmt, ap);
	va_end(ap);
}
