/*
 * login.h: ctr-launch-shell, the login shell (DESIGN section 12).
 *
 * The helper runs as the login shell when started under the name
 * "ctr-launch-shell" (login_is_shell).  That name is the caller's to forge:
 * everything it leads to is a `run` of the caller's own policy
 * (login_image, login_shell, -i, -t on a terminal) or, with
 * transfer = host, one of three transfer programs as the caller on the
 * host, both only when the policy says login = yes.
 */
#ifndef CTL_LOGIN_H
#define CTL_LOGIN_H

#include <stdbool.h>

#include "helper/args.h"
#include "helper/plan.h"

/* Step 1 for the shell: the two shapes, else exit 125 with the reason. */
void login_parse(int argc, char *const argv[]);
/* Was login_parse() called (the shell's name)? */
bool login_active(void);
/*
 * Step 3, after plan_policy: login = yes or deny; route a transfer by the
 * policy's transfer (deny: refuse; host: run it there, never returns);
 * else fill REQ as `run -i [-t] -w HOME --entrypoint ... login_image`.
 */
void login_plan(struct launch_plan *p, struct args_request *req,
    const struct plan_caller *c);
/* After plan_run: the home is the working directory when it exists
 * inside (else /), and the front watches the connection. */
void login_finish(struct launch_plan *p);

/* transfer.c: a host transfer as the caller, through the ctr-launch PAM
 * service and the audit trail; exits with the program's status. */
_Noreturn void
transfer_host(struct launch_plan *p, char **argv, const struct plan_caller *c);

/* transfer.c, in the container's payload process (P1's child, as the
 * caller, after every drop, before the login shell is exec'd): with
 * transfer = container, the transfer program (P->login_prog) is looked
 * up in the container; missing, ctr-launch says so on stderr and the
 * process exits 127 (126: there but not executable).  No-op without
 * login_prog. */
void transfer_in_image(const struct launch_plan *p);

#endif
