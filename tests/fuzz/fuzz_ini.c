/*
 * fuzz_ini.c: lib/ini's strict line reader on arbitrary bytes, with every
 * check asked for (INI_STRICT) and with none.
 *
 * Invariants checked:
 * - Every item lies inside the input, on a line after the previous
 *   item's, and carries no byte below 0x20 but TAB, nor 0x7f.
 * - A strict key is [a-z_]+; a strict section name is 1 to max_section
 *   bytes, none a blank, '[', ';' or '#'.
 * - A refusal names the file and a line of the input.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "lib/ini.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

struct span {
	const char *buf;
	size_t len;
	int last;
	bool strict;
};

static void
check_bytes(const struct span *sp, const char *s, size_t n)
{
	if (n > 0 && (s < sp->buf || s + n > sp->buf + sp->len))
		abort();
	for (size_t i = 0; i < n; i++)
		if (((unsigned char)s[i] < 0x20 && s[i] != '\t') ||
		    s[i] == 0x7f)
			abort();
}

static bool
none_of(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (memchr(" \t[;#", s[i], 5) != NULL)
			return false;
	return true;
}

static bool
key_ok(const struct ini_item *it)
{
	for (size_t i = 0; i < it->klen; i++)
		if ((it->key[i] < 'a' || it->key[i] > 'z') && it->key[i] != '_')
			return false;
	return true;
}

static int
check_item(void *arg, const struct ini_item *it, struct ctl_err *e)
{
	struct span *sp = arg;

	(void)e;
	if (it->line <= sp->last || it->len > 64)
		abort();
	sp->last = it->line;
	check_bytes(sp, it->text, it->len);
	check_bytes(sp, it->name, it->nlen);
	check_bytes(sp, it->key, it->klen);
	check_bytes(sp, it->val, it->vlen);
	if (sp->strict && it->section &&
	    (it->nlen == 0 || it->nlen > 16 || !none_of(it->name, it->nlen)))
		abort();
	if (sp->strict && !it->section && (it->klen == 0 || !key_ok(it)))
		abort();
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const struct ini_rules strict = { .max_line = 64,
		.max_section = 16,
		.flags = INI_STRICT };
	static const struct ini_rules plain = { .max_line = 64 };
	struct span sp = { (const char *)data, size, 0, true };
	struct ctl_err e;

	if (ini_read(sp.buf, size, "f", &strict, check_item, &sp, &e) == -1 &&
	    (strcmp(e.file, "f") != 0 || e.line < 1 || (size_t)e.line > size))
		abort();
	sp.last = 0;
	sp.strict = false;
	if (ini_read(sp.buf, size, "f", &plain, check_item, &sp, &e) == -1 &&
	    (strcmp(e.file, "f") != 0 || e.line < 1 || (size_t)e.line > size))
		abort();
	return 0;
}
