/*
 * ctl.h: the lifecycle commands ps, logs, stop, kill, rm and wait
 * (DESIGN section 10): requests to the keepers of detached containers.
 */
#ifndef CTL_CTL_H
#define CTL_CTL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdnoreturn.h>

/* After step 0 (CALLER_ENV: its inert copy of the caller's environment,
 * for exec -e KEY): parses ARGV (argv[1] one of ctla_is_command's verbs),
 * identifies the caller from the kernel and runs the command; exits. */
noreturn void ctl_main(int argc, char **argv, char **caller_env);
/* P0 of a Slurm step's task (run --step-tasks): the exec request PAYLOAD
 * (ctlp_exec_encode) on SOCK, a connection to the step container's keeper
 * that K handed over, with the caller's stdio (-t: a pty of the
 * container's own); relays and returns the status. */
int ctl_exec_handed(int sock, const char *payload, size_t len, bool tty,
    bool interactive);

#endif
