/*
 * ctl.h: the lifecycle commands ps, logs, stop, kill, rm and wait
 * (DESIGN section 10): requests to the keepers of detached containers.
 */
#ifndef CTL_CTL_H
#define CTL_CTL_H

#include <stdnoreturn.h>

/* After step 0 (CALLER_ENV: its inert copy of the caller's environment,
 * for exec -e KEY): parses ARGV (argv[1] one of ctla_is_command's verbs),
 * identifies the caller from the kernel and runs the command; exits. */
noreturn void ctl_main(int argc, char **argv, char **caller_env);

#endif
