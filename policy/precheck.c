/*
 * precheck.c: the raw-text pre-check that runs before inih sees a policy.
 *
 * inih r55 (Debian 12) reads lines of at most INI_MAX_LINE (200) bytes and
 * silently splits longer ones, truncates section names to MAX_SECTION (50),
 * accepts ':' as '=', strips " ;" inline comments, ignores text after a
 * section's ']', skips a byte-order mark and treats an indented line as the
 * continuation of the previous value.  This file rejects every text on
 * which any of that could change the meaning of a policy.
 *
 * Invariants:
 * - A line longer than PCHECK_MAX_LINE bytes MUST be rejected.
 * - NUL, CR and every control character except TAB and LF MUST be rejected.
 * - A non-blank, non-comment line starting with whitespace MUST be
 *   rejected (inih would make it a continuation).
 * - A key line MUST be KEY = VALUE with KEY of [a-z_]; a ':' before the
 *   first '=' MUST be rejected.
 * - In a value, '#' and a ';' not preceded by whitespace MUST be rejected;
 *   a ';' after whitespace starts a comment, exactly as inih strips it.
 * - A section line MUST be "[NAME]" with NAME shorter than
 *   PCHECK_MAX_SECTION bytes, followed by nothing but blanks or a comment.
 * - Every error MUST be reported with its line; any error rejects the file.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "policy/policy_int.h"

#define PCHECK_MAX_LINE    190
#define PCHECK_MAX_SECTION 48
#define BAD_KEY            "bad key (keys are lowercase letters and '_')"

static bool
is_blank(char c)
{
	return c == ' ' || c == '\t';
}

static int
ev_add(struct pcheck *pc, bool section, int line, const char *name, size_t n)
{
	struct pcheck_ev *v;

	if (pc->n == pc->cap) {
		size_t cap = pc->cap ? pc->cap * 2 : 256;

		v = reallocarray(pc->v, cap, sizeof(*v));
		if (v == NULL)
			return -1;
		pc->v = v;
		pc->cap = cap;
	}
	v = &pc->v[pc->n++];
	v->section = section;
	v->line = line;
	v->name = section ? name : NULL;
	v->nlen = section && n < PCHECK_MAX_SECTION ? (unsigned char)n : 0;
	return 0;
}

/* Checks a value as inih will see it: a ';' after a blank starts a
 * comment; any other ';', and any '#', is refused.  *vlen is the length
 * of the value up to the comment, trailing blanks dropped. */
static const char *
check_value(const char *s, size_t n, size_t *vlen)
{
	size_t end = n;

	for (size_t i = 0; i < n; i++) {
		if (s[i] == '#')
			return "'#' in a value (comments start a line, or "
			       "follow whitespace with ';')";
		if (s[i] == ';') {
			if (i == 0 || !is_blank(s[i - 1]))
				return "';' in a value (an inline comment "
				       "needs whitespace before ';')";
			end = i;
			break;
		}
	}
	while (end > 0 && is_blank(s[end - 1]))
		end--;
	*vlen = end;
	return NULL;
}

static const char *
check_section(const char *s, size_t n, struct pcheck *pc, int line, bool *oom)
{
	const char *close = memchr(s, ']', n);
	if (close == NULL)
		return "section line without ']'";
	if ((size_t)(close - s - 1) >= PCHECK_MAX_SECTION)
		return "section name too long (inih truncates it)";
	for (const char *c = s + 1; c < close; c++)
		if (is_blank(*c) || *c == '[' || *c == ';' || *c == '#')
			return "blank, '[', ';' or '#' in a section name";
	if (close == s + 1)
		return "empty section name";
	for (const char *c = close + 1; c < s + n; c++) {
		if (*c == ';' && is_blank(c[-1]))
			break;
		if (!is_blank(*c))
			return "text after a section's ']'";
	}
	if (ev_add(pc, true, line, s + 1, (size_t)(close - s - 1)) < 0)
		*oom = true;
	return NULL;
}

static const char *
check_key(const char *s, size_t n, struct pcheck *pc, int line, bool *oom)
{
	const char *eq = memchr(s, '=', n), *colon = memchr(s, ':', n);
	size_t k = 0, vlen;
	const char *v, *why;

	if (colon != NULL && (eq == NULL || colon < eq))
		return "':' before '=' (write KEY = VALUE)";
	if (eq == NULL)
		return "not a section, a comment or KEY = VALUE";
	while (s + k < eq && ((s[k] >= 'a' && s[k] <= 'z') || s[k] == '_'))
		k++;
	if (k == 0)
		return s[0] == '=' ? "missing key before '='" : BAD_KEY;
	for (const char *c = s + k; c < eq; c++)
		if (!is_blank(*c))
			return BAD_KEY;
	v = eq + 1;
	why = check_value(v, (size_t)(s + n - v), &vlen);
	if (why != NULL)
		return why;
	if (ev_add(pc, false, line, NULL, 0) < 0)
		*oom = true;
	return NULL;
}

static const char *
check_line(const char *s, size_t n, struct pcheck *pc, int line, bool *oom)
{
	size_t i = 0;

	if (n > PCHECK_MAX_LINE)
		return "line longer than 190 bytes (inih would split it)";
	for (size_t j = 0; j < n; j++) {
		unsigned char c = (unsigned char)s[j];

		/* One test per byte; which one, only on the error path. */
		if ((c < 0x20 && c != '\t') || c == 0x7f)
			return c == '\0' ? "NUL byte" :
			    c == '\r' ? "carriage return (use Unix line ends)" :
					"control character";
	}
	if (line == 1 && n >= 3 && memcmp(s, "\xef\xbb\xbf", 3) == 0)
		return "byte-order mark";
	while (i < n && is_blank(s[i]))
		i++;
	if (i == n || s[i] == ';' || s[i] == '#')
		return NULL;
	if (i > 0)
		return "indented line (inih would continue the previous value)";
	if (s[0] == '[')
		return check_section(s, n, pc, line, oom);
	return check_key(s, n, pc, line, oom);
}

int
pcheck_run(const char *buf, size_t len, const char *name, struct pcheck *out,
    struct policy_errors *errs)
{
	struct pcheck pc = { NULL, 0, 0 };
	size_t off = 0;
	int line = 0, bad = 0;
	bool oom = false;

	while (off < len) {
		const char *nl = memchr(buf + off, '\n', len - off);
		size_t n = nl ? (size_t)(nl - buf - off) : len - off;
		const char *why;

		line++;
		why = check_line(buf + off, n, &pc, line, &oom);
		if (why != NULL) {
			perr_add(errs, name, line, "%s", why);
			bad = 1;
		}
		off += n + (nl ? 1 : 0);
	}
	if (oom) {
		perr_add(errs, name, 0, "out of memory");
		bad = 1;
	}
	if (bad) {
		free(pc.v);
		return -1;
	}
	*out = pc;
	return 0;
}

void
pcheck_free(struct pcheck *pc)
{
	free(pc->v);
	pc->v = NULL;
	pc->n = pc->cap = 0;
}
