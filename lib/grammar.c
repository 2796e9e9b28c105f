/*
 * grammar.c: the shared value grammars (see grammar.h).
 */
#include <string.h>

#include "lib/grammar.h"

bool
gram_hex64n(const char *s, size_t n)
{
	if (s == NULL || n != GRAM_HEX64_LEN)
		return false;
	for (size_t i = 0; i < n; i++)
		if (!((s[i] >= '0' && s[i] <= '9') ||
			(s[i] >= 'a' && s[i] <= 'f')))
			return false;
	return true;
}

bool
gram_hex64(const char *s)
{
	return s != NULL && gram_hex64n(s, strnlen(s, GRAM_HEX64_LEN + 1));
}

bool
gram_linkn(const char *s, size_t n)
{
	if (s == NULL || n != GRAM_LINK_LEN)
		return false;
	for (size_t i = 0; i < n; i++)
		if (!((s[i] >= '0' && s[i] <= '9') ||
			(s[i] >= 'A' && s[i] <= 'Z')))
			return false;
	return true;
}

bool
gram_link(const char *s)
{
	return s != NULL && gram_linkn(s, strnlen(s, GRAM_LINK_LEN + 1));
}

int
gram_u64(const char *s, size_t n, uint64_t *out)
{
	uint64_t v = 0;

	if (s == NULL || n == 0 || n > 20)
		return -1;
	for (size_t i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		if (v > (UINT64_MAX - (uint64_t)(s[i] - '0')) / 10)
			return -1;
		v = v * 10 + (uint64_t)(s[i] - '0');
	}
	*out = v;
	return 0;
}

/* The shift of a size's unit letter, or -1. */
static int
unit_shift(char c)
{
	static const char units[] = "kmgtp";

	for (int i = 0; units[i] != '\0'; i++)
		if (c == units[i] || c == units[i] - 'a' + 'A')
			return 10 * (i + 1);
	return -1;
}

int
gram_size(const char *s, uint64_t *out)
{
	size_t n, in = 0, fn = 0;
	const char *dot;
	int shift = 0;
	uint64_t v, frac = 0, scale = 1;
	unsigned __int128 total;

	if (s == NULL || (n = strlen(s)) == 0)
		return -1;
	/* [UNIT[i]][b]: "512M", "1GiB", "1gb", "100b"; a lone "i" is not a
	 * unit. */
	if (s[n - 1] == 'b' || s[n - 1] == 'B')
		n--;
	if (n >= 2 && (s[n - 1] == 'i' || s[n - 1] == 'I') &&
	    unit_shift(s[n - 2]) > 0)
		n--;
	if (n >= 1 && (shift = unit_shift(s[n - 1])) > 0)
		n--;
	else
		shift = 0;
	if (n == 0)
		return -1;
	dot = memchr(s, '.', n);
	in = dot != NULL ? (size_t)(dot - s) : n;
	if (gram_u64(s, in, &v) < 0)
		return -1;
	if (dot != NULL) {
		/* A fraction needs a unit (no part of a byte), and at most
		 * 9 digits. */
		fn = n - in - 1;
		if (shift == 0 || fn == 0 || fn > 9 ||
		    gram_u64(dot + 1, fn, &frac) < 0)
			return -1;
		for (size_t i = 0; i < fn; i++)
			scale *= 10;
	}
	total = ((unsigned __int128)v << shift) +
	    (((unsigned __int128)frac << shift) / scale);
	if (total > UINT64_MAX)
		return -1;
	*out = (uint64_t)total;
	return 0;
}

bool
gram_help(const char *s)
{
	return s != NULL && (strcmp(s, "--help") == 0 || strcmp(s, "-h") == 0);
}
