/*
 * optscan.c: option words (see optscan.h).
 */
#include <stdio.h>
#include <string.h>

#include "helper/optscan.h"

static const struct optscan_def *
find(const struct optscan_def *defs, size_t n, unsigned want, const char *lng,
    size_t len, char shrt)
{
	for (size_t i = 0; i < n; i++) {
		const struct optscan_def *o = &defs[i];

		if (o->mask != 0 && (o->mask & want) == 0)
			continue;
		if (lng != NULL && strlen(o->lng) == len &&
		    strncmp(o->lng, lng, len) == 0)
			return o;
		if (lng == NULL && shrt != 0 && o->shrt == shrt)
			return o;
	}
	return NULL;
}

/* S[0..LEN) for a message: printable bytes, '?' for others, 64 at most. */
static void
shown(const char *s, size_t len, char out[65])
{
	size_t k = len > 64 ? 64 : len;

	for (size_t j = 0; j < k; j++)
		out[j] = s[j] > 0x20 && s[j] < 0x7f ? s[j] : '?';
	out[k] = '\0';
}

int
optscan_word(const struct optscan_def *defs, size_t n, unsigned want,
    const char *what, int argc, char *const argv[], int *i, optscan_apply apply,
    void *ctx, struct ctl_err *e)
{
	const char *a = argv[*i];
	char s[65];

	if (a[1] == '-') {
		const char *name = a + 2, *eq = strchr(name, '=');
		size_t len = eq ? (size_t)(eq - name) : strlen(name);
		const struct optscan_def *o = find(defs, n, want, name, len, 0);

		if (o == NULL) {
			shown(name, len, s);
			err_set(e, "%s: unknown option --%s", what, s);
			return -1;
		}
		if (!o->arg) {
			if (eq != NULL) {
				err_set(e, "%s: --%s takes no value", what,
				    o->lng);
				return -1;
			}
			return apply(ctx, o, NULL);
		}
		if (eq != NULL)
			return apply(ctx, o, eq + 1);
		if (*i + 1 >= argc) {
			err_set(e, "%s: --%s needs a value", what, o->lng);
			return -1;
		}
		return apply(ctx, o, argv[++*i]);
	}
	for (size_t j = 1; a[j] != '\0'; j++) {
		const struct optscan_def *o = find(defs, n, want, NULL, 0,
		    a[j]);
		const char *val;

		if (o == NULL) {
			shown(a + j, 1, s);
			err_set(e, "%s: unknown option -%s", what, s);
			return -1;
		}
		if (!o->arg) {
			if (apply(ctx, o, NULL) != 0)
				return -1;
			continue;
		}
		val = a + j + 1;
		if (*val == '=')
			val++;
		else if (*val == '\0') {
			if (*i + 1 >= argc) {
				err_set(e, "%s: -%c needs a value", what,
				    o->shrt);
				return -1;
			}
			val = argv[++*i];
		}
		return apply(ctx, o, val);
	}
	return 0;
}
