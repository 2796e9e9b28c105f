/*
 * logidx.h: the pure pieces of a detached container's log timestamps
 * (logs -t, --since, --until; DESIGN section 10): the sidecar index's
 * records, its share of the log's cap, the times as logs prints and
 * parses them, and the line filter that prefixes them.  No system call
 * here: everything is unit-tested without root.
 *
 * The index (<name>.idx next to <name>.log, root, 0600) is a sequence of
 * LIDX_REC_LEN-byte records {offset, time}: the log's bytes from a
 * record's offset up to the next record's were read by the keeper at
 * that time (nanoseconds since the epoch, UTC).  The log itself stays raw
 * bytes: nothing the container writes can make a time or a line.
 *
 * Invariants:
 * - Records MUST have strictly increasing offsets and non-decreasing
 *   times; the first covers the log's first byte.  A reader MUST treat a
 *   record that breaks this (a concurrent trim) as the end of the index.
 * - The index MUST take at most 1/LIDX_SHARE of the log's cap, the log
 *   the rest (lidx_split): log and index together stay within log_size.
 * - A time without a zone MUST be refused (the helper never reads the
 *   local zone); parsed times are bounded to what 64-bit nanoseconds
 *   hold.
 */
#ifndef CTL_LOGIDX_H
#define CTL_LOGIDX_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define LIDX_REC_LEN   16      /* u64 offset, i64 nanoseconds, little-endian */
#define LIDX_SHARE     8       /* the index's share of the cap: 1/8 */
#define LIDX_COALESCE  1000000 /* ns: a chunk read sooner shares the time */
#define LIDX_STAMP_LEN 30      /* "2026-12-04T18:40:01.123456789Z" */
#define LIDX_NONE      INT64_MIN /* no --since */
#define LIDX_NEVER     INT64_MAX /* no --until */

struct lidx_rec {
	uint64_t off;
	int64_t t;
};

void lidx_encode(const struct lidx_rec *, unsigned char out[LIDX_REC_LEN]);
void lidx_decode(const unsigned char in[LIDX_REC_LEN], struct lidx_rec *);

/* Of a total CAP for a log and its index: the log's part (*LOG) and how
 * many records the index may hold (*NREC, at least 8). */
void lidx_split(uint64_t cap, uint64_t *log, uint64_t *nrec);

/*
 * Does a chunk of LEN bytes BUF, appended to a log whose last byte is a
 * newline (or which is empty: AT_START), need a record?  Only when a line
 * starts in it, and (N records so far, the last at time LAST) when it is
 * read LIDX_COALESCE or more after LAST, or the index is empty.
 */
bool lidx_wants(bool at_start, const char *buf, size_t len, uint64_t n,
    int64_t last, int64_t now);

/* Reads record I of an index (0 or -1). */
typedef int (*lidx_get_fn)(void *ctx, uint64_t i, struct lidx_rec *);

/*
 * Of N records (read through GET), the last whose offset is at most OFF
 * (0 if none is).  N must be at least 1.  A read failure ends the search
 * at what is known.
 */
uint64_t lidx_find(uint64_t n, uint64_t off, lidx_get_fn get, void *ctx);

/* NS as "YYYY-MM-DDTHH:MM:SS.nnnnnnnnnZ" (UTC, nine digits, as Docker's
 * logs -t); OUT has room for LIDX_STAMP_LEN + 1. */
void lidx_format(int64_t ns, char out[LIDX_STAMP_LEN + 1]);

/*
 * Docker's --since / --until TIME: a duration before NOW ("10m", "1h30m",
 * "1.5h", "-5s"; units ns us ms s m h), an RFC 3339 time with its zone
 * ("2026-12-04T18:40:01Z", "...T18:40:01.5+01:00", "...T18Z",
 * "...T18:40Z"), a date with its zone ("2026-12-04Z"), or Unix seconds
 * ("1764873601", "1764873601.5").  A time or date without a zone is
 * local time, as Docker reads it: LOCAL turns its seconds, counted as if
 * it were UTC, into the epoch's (NULL: taken as UTC, for a check of the
 * syntax alone); 0, or -1 when it cannot.  NOW and *OUT in nanoseconds.
 * 0, or -1.
 */
typedef int (*lidx_local_fn)(int64_t naive, int64_t *secs);
int
lidx_parse_time(const char *s, int64_t now, lidx_local_fn local, int64_t *out);

/*
 * The lines logs prints: each line's time is that of the chunk holding
 * its first byte; lines before SINCE are skipped, the first line after
 * UNTIL ends the output; with STAMPS each printed line starts with its
 * time and a space.  Bytes are passed through as they are.
 */
struct lidx_lines {
	bool stamps;
	int64_t since, until;
	bool mid;   /* inside a line */
	bool show;  /* that line is printed */
	bool ended; /* a line after UNTIL was met */
};

typedef void (*lidx_out_fn)(void *ctx, const char *buf, size_t len);

void
lidx_lines_init(struct lidx_lines *, bool stamps, int64_t since, int64_t until);
/* Feeds LEN bytes read at time T; what is printed goes to OUT.  Returns
 * false once ended (the rest is dropped). */
bool lidx_lines_feed(struct lidx_lines *, const char *buf, size_t len,
    int64_t t, lidx_out_fn out, void *ctx);

#endif
