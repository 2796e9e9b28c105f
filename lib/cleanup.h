/*
 * cleanup.h: scope-bound ownership for heap memory and descriptors.
 *
 * Every variable declared with one of these attributes MUST be initialised
 * where it is declared (NULL or -1), and ownership MUST only leave the
 * scope through steal_pointer() or steal_fd().
 */
#ifndef CTL_CLEANUP_H
#define CTL_CLEANUP_H

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

static inline void
cleanup_freep(void *p)
{
	void **pp = p;

	free(*pp);
}

static inline void
cleanup_closep(int *fdp)
{
	int saved = errno;

	if (*fdp >= 0)
		close(*fdp);
	errno = saved;
}

static inline void
cleanup_fclosep(FILE **fp)
{
	if (*fp != NULL)
		fclose(*fp);
}

static inline void
cleanup_strvp(char ***vp)
{
	char **v = *vp;

	if (v == NULL)
		return;
	for (size_t i = 0; v[i] != NULL; i++)
		free(v[i]);
	free(v);
}

#define cleanup_free   __attribute__((cleanup(cleanup_freep)))
#define cleanup_close  __attribute__((cleanup(cleanup_closep)))
#define cleanup_fclose __attribute__((cleanup(cleanup_fclosep)))
#define cleanup_strv   __attribute__((cleanup(cleanup_strvp)))

static inline void *
steal_pointer_(void *pp)
{
	void **p = pp;
	void *r = *p;

	*p = NULL;
	return r;
}
#define steal_pointer(pp) (0 ? (*(pp)) : steal_pointer_(pp))

static inline int
steal_fd(int *fdp)
{
	int r = *fdp;

	*fdp = -1;
	return r;
}

#endif
