/*
 * maps.h: a unit tests' helper: whether the mapping holding an address is
 * writable, read from /proc/self/maps (for data that MUST be read-only).
 */
#ifndef CTL_TEST_MAPS_H
#define CTL_TEST_MAPS_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

static inline bool
mapping_writable(const void *p)
{
	FILE *f = fopen("/proc/self/maps", "r");
	char line[512], perms[8];
	unsigned long lo, hi, a = (unsigned long)(uintptr_t)p;
	bool w = true;

	if (f == NULL)
		return true;
	while (fgets(line, sizeof(line), f) != NULL)
		if (sscanf(line, "%lx-%lx %7s", &lo, &hi, perms) == 3 &&
		    a >= lo && a < hi) {
			w = perms[1] == 'w';
			break;
		}
	fclose(f);
	return w;
}

#endif
