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

int
gram_size(const char *s, uint64_t *out)
{
	size_t n;
	unsigned shift = 0;
	uint64_t v;

	if (s == NULL || (n = strlen(s)) == 0)
		return -1;
	switch (s[n - 1]) {
	case 'K':
	case 'k':
		shift = 10;
		break;
	case 'M':
	case 'm':
		shift = 20;
		break;
	case 'G':
	case 'g':
		shift = 30;
		break;
	case 'T':
	case 't':
		shift = 40;
		break;
	default:
		break;
	}
	if (shift != 0)
		n--;
	if (gram_u64(s, n, &v) < 0)
		return -1;
	if (shift != 0 && v > (UINT64_MAX >> shift))
		return -1;
	*out = v << shift;
	return 0;
}

bool
gram_help(const char *s)
{
	return s != NULL && (strcmp(s, "--help") == 0 || strcmp(s, "-h") == 0);
}
