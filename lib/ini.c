/*
 * ini.c: the strict line reader of root-owned INI-like configuration
 * files (see ini.h for the hazard checks and their MUST invariants).
 *
 * Invariants:
 * - Every byte of the input MUST be looked at once, by line; nothing past
 *   BUF + LEN is read.
 * - The item function MUST only see lines that passed every check asked
 *   for; any finding makes ini_read() return -1.
 * - Every finding MUST carry its file and line.
 */
#include <string.h>

#include "lib/ini.h"

#define INI_OK INI_NWHY /* no finding */

static const char *const default_why[INI_NWHY] = {
	[INI_LONG] = "line too long",
	[INI_NUL] = "NUL byte",
	[INI_CR] = "carriage return (use Unix line ends)",
	[INI_CONTROL] = "control character",
	[INI_BOM] = "byte-order mark",
	[INI_INDENT] = "indented line",
	[INI_SEC_CLOSE] = "section line without ']'",
	[INI_SEC_LONG] = "section name too long",
	[INI_SEC_BYTE] = "blank, '[', ';' or '#' in a section name",
	[INI_SEC_EMPTY] = "empty section name",
	[INI_SEC_TAIL] = "text after a section's ']'",
	[INI_COLON] = "':' before '=' (write KEY = VALUE)",
	[INI_NO_EQ] = "not a section, a comment or KEY = VALUE",
	[INI_NO_KEY] = "missing key before '='",
	[INI_BAD_KEY] = "bad key (keys are lowercase letters and '_')",
	[INI_VAL_HASH] = "'#' in a value (comments start a line, or "
			 "follow whitespace with ';')",
	[INI_VAL_SEMI] = "';' in a value (an inline comment "
			 "needs whitespace before ';')",
};

static bool
is_blank(char c)
{
	return c == ' ' || c == '\t';
}

static void
trim(const char **s, size_t *n)
{
	while (*n > 0 && is_blank(**s)) {
		(*s)++;
		(*n)--;
	}
	while (*n > 0 && is_blank((*s)[*n - 1]))
		(*n)--;
}

static enum ini_why
check_bytes(const char *s, size_t n)
{
	for (size_t j = 0; j < n; j++) {
		unsigned char c = (unsigned char)s[j];

		/* One test per byte; which one, only on the error path. */
		if ((c < 0x20 && c != '\t') || c == 0x7f)
			return c == '\0' ? INI_NUL :
			    c == '\r'    ? INI_CR :
					   INI_CONTROL;
		/* A C1 control in UTF-8 (U+0080 to U+009F: CSI, OSC...),
		 * which terminals obey as they obey ESC. */
		if (c == 0xc2 && j + 1 < n && (unsigned char)s[j + 1] >= 0x80 &&
		    (unsigned char)s[j + 1] <= 0x9f)
			return INI_CONTROL;
	}
	return INI_OK;
}

/* The checks on the raw bytes of a line, before its shape. */
static enum ini_why
check_raw(const struct ini_rules *r, const char *s, size_t n, int line)
{
	enum ini_why w;

	if (!(r->flags & INI_BYTES_FIRST) && n > r->max_line)
		return INI_LONG;
	if ((w = check_bytes(s, n)) != INI_OK)
		return w;
	if (n > r->max_line)
		return INI_LONG;
	if ((r->flags & INI_REFUSE_BOM) && line == 1 && n >= 3 &&
	    memcmp(s, "\xef\xbb\xbf", 3) == 0)
		return INI_BOM;
	return INI_OK;
}

/* "[NAME]", then blanks or a " ;" comment.  S starts at '['. */
static enum ini_why
strict_section(const struct ini_rules *r, const char *s, size_t n,
    struct ini_item *it)
{
	const char *close = memchr(s, ']', n);

	if (close == NULL)
		return INI_SEC_CLOSE;
	if ((size_t)(close - s - 1) > r->max_section)
		return INI_SEC_LONG;
	for (const char *c = s + 1; c < close; c++)
		if (is_blank(*c) || *c == '[' || *c == ';' || *c == '#')
			return INI_SEC_BYTE;
	if (close == s + 1)
		return INI_SEC_EMPTY;
	for (const char *c = close + 1; c < s + n; c++) {
		if (*c == ';' && is_blank(c[-1]))
			break;
		if (!is_blank(*c))
			return INI_SEC_TAIL;
	}
	it->name = s + 1;
	it->nlen = (size_t)(close - s - 1);
	return INI_OK;
}

/* A value as an inih-style reader sees it: a ';' after a blank starts a
 * comment; any other ';', and any '#', is refused.  *VLEN is the length
 * of the value up to the comment, trailing blanks dropped. */
static enum ini_why
strict_value(const char *s, size_t n, size_t *vlen)
{
	size_t end = n;

	for (size_t i = 0; i < n; i++) {
		if (s[i] == '#')
			return INI_VAL_HASH;
		if (s[i] == ';') {
			if (i == 0 || !is_blank(s[i - 1]))
				return INI_VAL_SEMI;
			end = i;
			break;
		}
	}
	while (end > 0 && is_blank(s[end - 1]))
		end--;
	*vlen = end;
	return INI_OK;
}

/* KEY = VALUE with KEY of [a-z_] and no ':' before the '='. */
static enum ini_why
strict_key(const char *s, size_t n, struct ini_item *it)
{
	const char *eq = memchr(s, '=', n), *colon = memchr(s, ':', n);
	size_t k = 0, vlen;
	enum ini_why w;
	const char *v;

	if (colon != NULL && (eq == NULL || colon < eq))
		return INI_COLON;
	if (eq == NULL)
		return INI_NO_EQ;
	while (s + k < eq && ((s[k] >= 'a' && s[k] <= 'z') || s[k] == '_'))
		k++;
	if (k == 0)
		return s[0] == '=' ? INI_NO_KEY : INI_BAD_KEY;
	for (const char *c = s + k; c < eq; c++)
		if (!is_blank(*c))
			return INI_BAD_KEY;
	v = eq + 1;
	if ((w = strict_value(v, (size_t)(s + n - v), &vlen)) != INI_OK)
		return w;
	it->key = s;
	it->klen = k;
	it->val = v;
	it->vlen = vlen;
	trim(&it->val, &it->vlen);
	return INI_OK;
}

/* KEY = VALUE split at the first '=', blanks dropped. */
static enum ini_why
plain_key(const char *s, size_t n, struct ini_item *it)
{
	const char *eq = memchr(s, '=', n);

	if (eq == NULL)
		return INI_NO_EQ;
	it->key = s;
	it->klen = (size_t)(eq - s);
	it->val = eq + 1;
	it->vlen = n - it->klen - 1;
	trim(&it->key, &it->klen);
	trim(&it->val, &it->vlen);
	return INI_OK;
}

/* Checks one line (S, N bytes, no LF); fills IT and sets *ITEM when it is
 * a section or key line that passed. */
static enum ini_why
check_line(const struct ini_rules *r, const char *s, size_t n,
    struct ini_item *it, bool *item)
{
	size_t i = 0;
	enum ini_why w;

	*item = false;
	if ((w = check_raw(r, s, n, it->line)) != INI_OK)
		return w;
	while (i < n && is_blank(s[i]))
		i++;
	if (i == n || s[i] == '#' ||
	    (s[i] == ';' && (r->flags & INI_SEMICOLON)))
		return INI_OK;
	if (i > 0 && (r->flags & INI_REFUSE_INDENT))
		return INI_INDENT;
	it->text = s;
	it->len = n;
	trim(&it->text, &it->len);
	it->section = s[i] == '[';
	if (it->section)
		w = (r->flags & INI_STRICT_SECTION) ?
		    strict_section(r, s + i, n - i, it) :
		    INI_OK;
	else if (r->flags & INI_STRICT_KEY)
		w = strict_key(s + i, n - i, it);
	else
		w = plain_key(it->text, it->len, it);
	*item = w == INI_OK;
	return w;
}

int
ini_read(const char *buf, size_t len, const char *file,
    const struct ini_rules *rules, ini_item_fn fn, void *arg, struct ctl_err *e)
{
	struct ctl_err f;
	size_t off = 0;
	int line = 0;
	bool bad = false;

	while (off < len) {
		const char *nl = memchr(buf + off, '\n', len - off);
		size_t n = nl ? (size_t)(nl - buf - off) : len - off;
		struct ini_item it = { .file = file, .line = line + 1 };
		enum ini_why w;
		bool item, found = false;

		line++;
		w = check_line(rules, buf + off, n, &it, &item);
		if (w != INI_OK) {
			err_at(&f, file, line, "%s",
			    rules->why[w] ? rules->why[w] : default_why[w]);
			found = true;
		} else if (item && fn != NULL) {
			f.msg[0] = '\0';
			found = fn(arg, &it, &f) == -1;
			if (found && f.msg[0] == '\0')
				err_at(&f, file, line, "refused");
		}
		if (found) {
			if (!bad && e != NULL)
				*e = f;
			bad = true;
			if (rules->report == NULL)
				return -1;
			rules->report(arg, &f);
		}
		off += n + (nl ? 1 : 0);
	}
	return bad ? -1 : 0;
}
