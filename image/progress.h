/*
 * progress.h: what ctr-image tells the administrator while importing.
 *
 * On a terminal (stdout) a bar per layer (bytes, rate), redrawn at most
 * ten times a second; otherwise one plain line per finished layer;
 * nothing but warnings and errors with --quiet.
 *
 * Invariants:
 * - Warnings (what was sanitised) MUST go to stderr even with --quiet.
 */
#ifndef CTL_IMG_PROGRESS_H
#define CTL_IMG_PROGRESS_H

#include <stdbool.h>
#include <stdint.h>

struct progress {
	bool tty, quiet, drawn;
	char label[64];
	uint64_t total, done;
	double t0, tlast;
};

void progress_init(struct progress *p, bool quiet);
void progress_start(struct progress *p, const char *label, uint64_t total);
void progress_update(struct progress *p, uint64_t done);
/* Ends the bar and prints one line (unless quiet). */
void progress_end(struct progress *p, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/* A line on stdout unless quiet. */
void progress_say(const struct progress *p, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/* "ctr-image: warning: ..." on stderr, always. */
void progress_warn(struct progress *p, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

#endif
