/*
 * textesc.c: text for an administrator's terminal (textesc.h).
 */
#include <stdio.h>
#include <string.h>

#include "lib/textesc.h"

size_t
text_escape_mem(const void *buf, size_t n, char *out, size_t len)
{
	const unsigned char *p = buf;
	size_t o = 0;

	if (len == 0)
		return 0;
	for (size_t i = 0; i < n; i++) {
		if (p[i] >= 0x20 && p[i] < 0x7f && p[i] != '\\') {
			if (o + 1 >= len)
				break;
			out[o++] = (char)p[i];
			continue;
		}
		if (o + 5 >= len)
			break;
		snprintf(out + o, 5, "\\x%02x", p[i]);
		o += 4;
	}
	out[o] = '\0';
	return o;
}

void
text_escape(const char *s, char *out, size_t len)
{
	(void)text_escape_mem(s, strlen(s), out, len);
}
