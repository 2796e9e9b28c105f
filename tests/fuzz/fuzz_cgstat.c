/*
 * fuzz_cgstat.c: the readers of what K reads about a running container,
 * cgroup_proc_ticks (a /proc/PID/stat line, whose command name the
 * container chooses) and cgroup_stat_value (cpu.stat, memory.events), on
 * arbitrary text.  The input is one string; its first line is also the
 * key asked of cgroup_stat_value.
 *
 * Invariants checked:
 * - The ticks of a stat line depend only on what follows its last ')':
 *   any command name in its place gives the same answer.
 * - Known ticks are the sum of fields 14 to 17 as sscanf reads them.
 * - A known stat value is the number of a line "KEY N" of the text.
 */
#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "helper/cgroup.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
check_ticks(const char *s)
{
	const char *close = strrchr(s, ')');
	uint64_t t = cgroup_proc_ticks(s);
	unsigned long long f[4];
	char *other;
	int used = 0;

	if (close == NULL) {
		if (t != CGROUP_UNKNOWN)
			abort();
		return;
	}
	/* Another command name: the same ticks. */
	other = malloc(strlen(close) + 16);
	if (other == NULL)
		return;
	sprintf(other, "1 (a) b)%s", close + 1);
	if (cgroup_proc_ticks(other) != t)
		abort();
	free(other);
	/* sscanf also splits at tabs and the like, the reader at ' '. */
	if (t == CGROUP_UNKNOWN || strpbrk(close + 1, "\t\v\f\r") != NULL)
		return;
	if (sscanf(close + 1,
		" %*s %*s %*s %*s %*s %*s %*s %*s %*s %*s %*s %llu %llu %llu %llu%n",
		&f[0], &f[1], &f[2], &f[3], &used) != 4 ||
	    f[0] + f[1] + f[2] + f[3] != t)
		abort();
}

static void
check_value(const char *s)
{
	const char *nl = strchr(s, '\n');
	char key[64];
	size_t kl = nl != NULL ? (size_t)(nl - s) : strlen(s);
	uint64_t v;

	if (kl == 0 || kl >= sizeof(key))
		return;
	memcpy(key, s, kl);
	key[kl] = '\0';
	v = cgroup_stat_value(s, key);
	if (v == CGROUP_UNKNOWN)
		return;
	/* Some line is "KEY N" with N that number. */
	for (const char *l = s; l != NULL;
	     l = strchr(l, '\n'), l = l ? l + 1 : l)
		if (strncmp(l, key, kl) == 0 && l[kl] == ' ' &&
		    strtoull(l + kl + 1, NULL, 10) == v)
			return;
	abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s = malloc(size + 1);

	if (s == NULL)
		return 0;
	memcpy(s, data, size);
	s[size] = '\0';
	check_ticks(s);
	check_value(s);
	free(s);
	return 0;
}
