#ifndef CTL_JOBIDS_H
#define CTL_JOBIDS_H
#include <stdbool.h>
#include <stddef.h>

/* Pure: the first ".../job_J/step_S..." of the cgroup PATH: J (digits)
 * into JOB, S ([A-Za-z0-9]) into STEP; 0, or -1 (both emptied). */
int job_ids(const char *path, char *job, size_t jlen, char *step, size_t slen);

#endif
