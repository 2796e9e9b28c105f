/*
 * parse_int.h: the state of one policy load, shared by parse.c (sections,
 * the inih handler, the index) and keys.c (the keys and their values).
 * Not for other files.
 */
#ifndef CTL_POLICY_PARSE_INT_H
#define CTL_POLICY_PARSE_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "policy/policy_int.h"

enum pwhere {
	W_SECT = 1,   /* [default], [group:], [user:] */
	W_GLOBAL = 2, /* [global] */
};

enum ptype {
	T_LIST,
	T_CPUS,
	T_SIZE,
	T_COUNT,
	T_SECCOMP,
	T_DENY,
	T_PLACEMENT,
	T_LOGIN, /* policy/login.c */
	T_ACCESS,
	T_DURATION,
};

struct pkeydef {
	const char *name;
	enum pkey key;
	enum ptype type;
	int where;
	bool unlimited; /* "unlimited" allowed */
	uint64_t min, max;
};

struct pctx {
	struct policy *p;
	const struct pcheck *pc;
	size_t evi;
	struct psec *cur;
	bool cur_bad; /* the current section header was an error */
	const char *file;
	struct policy_errors *errs;
	int nerr;
	char secname[64]; /* the last header the pre-check saw */
	bool desync;
	const struct policy_ident *keep; /* NULL: keep every section */
};

#define ERR(c, line, ...)                                          \
	do {                                                       \
		perr_add((c)->errs, (c)->file, line, __VA_ARGS__); \
		(c)->nerr++;                                       \
	} while (0)

/* keys.c */
/* The key called NAME, or NULL. */
const struct pkeydef *pkey_find(const char *name);
/* Parses VALUE (not empty) of key KD at LINE into the current section;
 * any error is added to C's. */
void pkey_parse(struct pctx *c, const struct pkeydef *kd, const char *value,
    int line);

#endif
