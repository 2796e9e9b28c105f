/*
 * ini.h: the strict line reader of root-owned INI-like configuration
 * files (the policy, registries.conf).  It walks a buffer line by line,
 * applies the hazard checks below and hands each section line and each
 * KEY = VALUE line to the caller; what a section name or a key means is
 * the caller's grammar.
 *
 * Always checked, on every line:
 * - A line longer than the caller's max_line bytes MUST be refused.
 * - NUL, CR and every control character except TAB (LF ends the line)
 *   MUST be refused: C0, DEL, and C1 written in UTF-8.
 * Checked when the caller asks for them (INI_STRICT asks for all; they
 * are the rules under which a reader such as inih, which splits long
 * lines, continues indented lines, takes ':' for '=' and strips " ;"
 * comments, cannot read a line differently from what the caller saw):
 * - INI_REFUSE_BOM: a byte-order mark at the start of line 1 MUST be
 *   refused.
 * - INI_REFUSE_INDENT: a non-blank, non-comment line starting with a blank
 *   MUST be refused (else its leading blanks are dropped).
 * - INI_SEMICOLON: ';' starts a comment line as '#' does (else a line
 *   starting with ';' is a key line like any other).
 * - INI_STRICT_SECTION: a section line MUST be "[NAME]" with NAME of at
 *   most max_section bytes, none of them a blank, '[', ';' or '#', followed
 *   by nothing but blanks or a " ;" comment.
 * - INI_STRICT_KEY: a key line MUST be KEY = VALUE with KEY of [a-z_]; a
 *   ':' before the first '=' MUST be refused; in VALUE, '#' and a ';' not
 *   preceded by a blank MUST be refused, and a ';' after a blank starts a
 *   comment that is not part of VALUE.
 * Without INI_STRICT_KEY, a key line is split at its first '=' (a line
 * without one is refused) and both sides lose their blanks.
 *
 * Every finding is reported as FILE:LINE: reason (err_at: file, line and
 * the reason in msg).  Every byte of the input is looked at once, by line;
 * nothing past BUF + LEN is read.  Pure: no I/O, no allocation.
 */
#ifndef CTL_INI_H
#define CTL_INI_H

#include <stdbool.h>
#include <stddef.h>

#include "lib/err.h"
#include "lib/wur.h"

#define INI_REFUSE_BOM     0x01u
#define INI_REFUSE_INDENT  0x02u
#define INI_SEMICOLON      0x04u
#define INI_STRICT_SECTION 0x08u
#define INI_STRICT_KEY     0x10u
/* Control bytes are looked for before the line's length is (the order in
 * which registries.conf has always reported a line with both). */
#define INI_BYTES_FIRST 0x20u
#define INI_STRICT                                            \
	(INI_REFUSE_BOM | INI_REFUSE_INDENT | INI_SEMICOLON | \
	    INI_STRICT_SECTION | INI_STRICT_KEY)

/* The findings of the reader; each has a default wording (ini.c) that a
 * caller may replace through ini_rules.why. */
enum ini_why {
	INI_LONG,      /* line too long */
	INI_NUL,       /* NUL byte */
	INI_CR,        /* carriage return */
	INI_CONTROL,   /* another control byte */
	INI_BOM,       /* byte-order mark */
	INI_INDENT,    /* indented line */
	INI_SEC_CLOSE, /* no ']' */
	INI_SEC_LONG,  /* name longer than max_section */
	INI_SEC_BYTE,  /* blank, '[', ';' or '#' in the name */
	INI_SEC_EMPTY, /* "[]" */
	INI_SEC_TAIL,  /* text after ']' */
	INI_COLON,     /* ':' before '=' */
	INI_NO_EQ,     /* not a section, a comment or KEY = VALUE */
	INI_NO_KEY,    /* nothing before '=' */
	INI_BAD_KEY,   /* KEY not [a-z_] */
	INI_VAL_HASH,  /* '#' in a value */
	INI_VAL_SEMI,  /* ';' without a blank before it in a value */
	INI_NWHY
};

/* One section line or key line, in line order.  TEXT is the line without
 * its blanks at either end.  A section line has NAME (INI_STRICT_SECTION:
 * between '[' and ']'; else NULL, and TEXT is the caller's to read); a key
 * line has KEY and VALUE without their blanks (INI_STRICT_KEY: VALUE
 * stops at its comment).  None is NUL-terminated. */
struct ini_item {
	const char *file;
	int line; /* 1-based */
	bool section;
	const char *text, *name, *key, *val;
	size_t len, nlen, klen, vlen;
};

/* Returns 0, or -1 having set E (err_at with IT's file and line). */
typedef int (
    *ini_item_fn)(void *arg, const struct ini_item *it, struct ctl_err *e);
/* Takes one finding; the reader then goes on with the next line. */
typedef void (*ini_report_fn)(void *arg, const struct ctl_err *finding);

struct ini_rules {
	size_t max_line;    /* longer lines are refused */
	size_t max_section; /* INI_STRICT_SECTION: longest name */
	unsigned flags;     /* INI_* */
	/* Without REPORT the first finding ends the reading; with it, every
	 * line's finding (the reader's, or the item function's) is handed
	 * to it and the reading goes on. */
	ini_report_fn report;
	const char *why[INI_NWHY]; /* a wording of the caller's, or NULL */
};

/* Reads BUF (LEN bytes, named FILE in findings) under RULES, handing each
 * section and key line to FN (ARG is passed to FN and RULES->report).
 * Returns 0, or -1 with E set to the first finding. */
int ini_read(const char *buf, size_t len, const char *file,
    const struct ini_rules *rules, ini_item_fn fn, void *arg,
    struct ctl_err *e) CTL_WUR;

#endif
