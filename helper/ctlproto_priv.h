/*
 * ctlproto_priv.h: what the pure pieces of detached containers share
 * among themselves (ctlrecord.c, ctlargs.c), not part of ctlproto.h.
 */
#ifndef CTL_CTLPROTO_PRIV_H
#define CTL_CTLPROTO_PRIV_H

/* S as a decimal number in [MIN, MAX] into *OUT: 0, or -1 when S is
 * empty, has anything after the digits, or is out of range. */
int ctlp_num(const char *s, long long min, long long max, long long *out);

#endif
