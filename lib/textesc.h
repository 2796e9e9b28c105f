/*
 * textesc.h: text for an administrator's terminal, from bytes that may
 * come from an image or a registry.
 *
 * Invariants:
 * - Every byte outside 0x20..0x7e, and the backslash, MUST come out as
 *   \xNN (so control bytes, DEL, ESC and any byte of UTF-8, valid or
 *   not, never reach a terminal); the output MUST always be terminated
 *   within its length, cut at a whole escape.
 */
#ifndef CTL_TEXTESC_H
#define CTL_TEXTESC_H

#include <stddef.h>

/* N bytes of BUF, escaped, into OUT (LEN bytes, terminated); returns the
 * length written. */
size_t text_escape_mem(const void *buf, size_t n, char *out, size_t len);
/* The string S, escaped, into OUT (LEN bytes, terminated). */
void text_escape(const char *s, char *out, size_t len);

#endif
