/*
 * opts.h: the checks of the plugin's option values (pure), shared by the
 * client side (srun, sbatch, salloc: friendlier early errors only) and the
 * node (slurmstepd: the enforcement).
 */
#ifndef CTL_SPANK_OPTS_H
#define CTL_SPANK_OPTS_H
#include <stddef.h>

#define SPANK_IMAGE_MAX  255  /* bytes in --container-image */
#define SPANK_VALUE_MAX  2048 /* bytes in any other option value */
#define SPANK_MOUNTS_MAX 32   /* entries in --container-mounts */
#define SPANK_ENVS_MAX   64   /* names in --container-env */

enum spank_opt {
	OPT_IMAGE,
	OPT_MOUNTS,
	OPT_WORKDIR,
	OPT_ENV,
	OPT_N
};

/* Checks VALUE for option OPT; NULL if acceptable, else why not (a
 * static string, no part of the value in it). */
const char *spank_opt_check(int opt, const char *value);

#endif
