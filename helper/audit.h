/*
 * audit.h: the grant and end lines of the audit trail (step 4 of DESIGN
 * section 5); denials are written by deny() in log.c.
 */
#ifndef CTL_AUDIT_H
#define CTL_AUDIT_H

#include <stddef.h>

#include "plan.h"

/* "event=grant name=... image=... digest=... limits... binds=..." */
int audit_format_grant(char *buf, size_t len, const struct launch_plan *);
/* "event=end name=... status=N [signal=S] runtime=...s" for the exit
 * STATUS ctr-launch reports (128+S when the container died of signal S). */
int audit_format_end(char *buf, size_t len, const struct launch_plan *,
    int status, double seconds);
/* Appends VALUE to BUF as a double-quoted, escaped key=value value. */
void audit_quote(char *buf, size_t len, const char *value);

/* K: the grant, once P1 reported its setup done (starts the run time). */
void audit_grant(const struct launch_plan *);
/* K: the end of the container, with the exit status reported. */
void audit_end(const struct launch_plan *, int status);

#endif
