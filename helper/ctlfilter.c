/*
 * ctlfilter.c: which containers ps lists (ctla_ps_wanted, ctlproto.h):
 * docker ps's --filter keys over a record's name, image and state, and
 * what -a, -n and -l let through.
 *
 * Invariants:
 * - Filters of one key match when any of them does, filters of
 *   different keys when each key does; without -a, -n, -l or a status
 *   or exited filter, only a running container is listed.
 * - An image filter matches as a policy pattern over the record's
 *   canonical image (lib/imgref), never as a string.
 * - Nothing here makes a system call.
 */
#include <stdbool.h>
#include <string.h>

#include "helper/ctlproto.h"
#include "lib/imgref.h"

/* name=VALUE: a substring of NAME; a leading '^' anchors it at the
 * start, a trailing '$' at the end. */
static bool
name_matches(const char *name, const char *v)
{
	size_t n = strlen(name), l = strlen(v);
	bool start = l > 0 && v[0] == '^', end = l > 0 && v[l - 1] == '$';

	if (start) {
		v++;
		l--;
	}
	if (end && l > 0)
		l--;
	else
		end = false;
	if (l > n)
		return false;
	if (start && end)
		return l == n && strncmp(name, v, l) == 0;
	if (start)
		return strncmp(name, v, l) == 0;
	if (end)
		return strncmp(name + n - l, v, l) == 0;
	for (size_t i = 0; i + l <= n; i++)
		if (strncmp(name + i, v, l) == 0)
			return true;
	return false;
}

static bool
filter_matches(const struct ctla_filter *f, const char *name, const char *image,
    bool running, int status)
{
	struct imgref pat, img;

	switch (f->key) {
	case CTLA_F_NAME:
		return name_matches(name, f->value);
	case CTLA_F_STATUS:
		return strcmp(f->value, running ? "running" : "exited") == 0;
	case CTLA_F_EXITED:
		return !running && status == f->code;
	case CTLA_F_ANCESTOR:
		return imgref_parse(f->value, IMGREF_PATTERN, &pat, NULL) ==
		    0 &&
		    imgref_parse(image, IMGREF_NAME, &img, NULL) == 0 &&
		    imgref_match(&pat, &img);
	}
	return false;
}

bool
ctla_ps_wanted(const struct ctla_request *r, const char *name,
    const char *image, bool running, int status)
{
	bool every = r->all || r->last > 0;

	for (size_t i = 0; i < r->nfilters; i++) {
		bool any = false, seen = false;

		if (r->filters[i].key == CTLA_F_STATUS ||
		    r->filters[i].key == CTLA_F_EXITED)
			every = true;
		/* Each key once, at its first filter: any of its filters. */
		for (size_t j = 0; j < i && !seen; j++)
			seen = r->filters[j].key == r->filters[i].key;
		if (seen)
			continue;
		for (size_t j = i; j < r->nfilters && !any; j++)
			any = r->filters[j].key == r->filters[i].key &&
			    filter_matches(&r->filters[j], name, image, running,
				status);
		if (!any)
			return false;
	}
	return running || every;
}
