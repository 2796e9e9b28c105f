/*
 * precheck.c: the raw-text pre-check that runs before inih sees a policy.
 *
 * inih r55 (Debian 12) reads lines of at most INI_MAX_LINE (200) bytes and
 * silently splits longer ones, truncates section names to MAX_SECTION (50),
 * accepts ':' as '=', strips " ;" inline comments, ignores text after a
 * section's ']', skips a byte-order mark and treats an indented line as the
 * continuation of the previous value.  This file rejects every text on
 * which any of that could change the meaning of a policy.
 *
 * The checks themselves are lib/ini.c's, every one of them asked for
 * (INI_STRICT); what is the policy's here is the limits below inih's
 * (PCHECK_MAX_LINE, PCHECK_MAX_SECTION), the wording that names the inih
 * quirk a refusal guards against, and the list of section and key lines
 * that parse.c matches inih's callbacks against.
 *
 * Invariants:
 * - A line longer than PCHECK_MAX_LINE bytes MUST be rejected.
 * - NUL, CR and every control character except TAB and LF MUST be rejected.
 * - A non-blank, non-comment line starting with whitespace MUST be
 *   rejected (inih would make it a continuation).
 * - A key line MUST be KEY = VALUE with KEY of [a-z_]; a ':' before the
 *   first '=' MUST be rejected.
 * - In a value, '#' and a ';' not preceded by whitespace MUST be rejected;
 *   a ';' after whitespace starts a comment, exactly as inih strips it.
 * - A section line MUST be "[NAME]" with NAME shorter than
 *   PCHECK_MAX_SECTION bytes, followed by nothing but blanks or a comment.
 * - Every error MUST be reported with its line; any error rejects the file.
 */
#include <stdlib.h>

#include "lib/ini.h"
#include "policy/policy_int.h"

#define PCHECK_MAX_LINE    190
#define PCHECK_MAX_SECTION 48

struct pcheck_run {
	struct pcheck pc;
	struct policy_errors *errs;
	bool oom;
};

static void
report(void *arg, const struct ctl_err *f)
{
	struct pcheck_run *run = arg;

	perr_add(run->errs, f->file, f->line, "%s", f->msg);
}

static const struct ini_rules pcheck_rules = {
	.max_line = PCHECK_MAX_LINE,
	.max_section = PCHECK_MAX_SECTION - 1,
	.flags = INI_STRICT,
	.report = report,
	.why = {
		[INI_LONG] = "line longer than 190 bytes (inih would split it)",
		[INI_INDENT] =
		    "indented line (inih would continue the previous value)",
		[INI_SEC_LONG] = "section name too long (inih truncates it)",
	},
};

/* Records one section or key line for parse.c; never fails the line (a
 * lost event is reported once, as "out of memory"). */
static int
ev_add(void *arg, const struct ini_item *it, struct ctl_err *e)
{
	struct pcheck_run *run = arg;
	struct pcheck *pc = &run->pc;
	struct pcheck_ev *v;

	(void)e;
	if (pc->n == pc->cap) {
		size_t cap = pc->cap ? pc->cap * 2 : 256;

		v = reallocarray(pc->v, cap, sizeof(*v));
		if (v == NULL) {
			run->oom = true;
			return 0;
		}
		pc->v = v;
		pc->cap = cap;
	}
	v = &pc->v[pc->n++];
	v->section = it->section;
	v->line = it->line;
	v->name = it->section ? it->name : NULL;
	v->nlen = it->section ? (unsigned char)it->nlen : 0;
	return 0;
}

int
pcheck_run(const char *buf, size_t len, const char *name, struct pcheck *out,
    struct policy_errors *errs)
{
	struct pcheck_run run = { { NULL, 0, 0 }, errs, false };
	int bad;

	bad = ini_read(buf, len, name, &pcheck_rules, ev_add, &run, NULL);
	if (run.oom) {
		perr_add(errs, name, 0, "out of memory");
		bad = -1;
	}
	if (bad != 0) {
		free(run.pc.v);
		return -1;
	}
	*out = run.pc;
	return 0;
}

void
pcheck_free(struct pcheck *pc)
{
	free(pc->v);
	pc->v = NULL;
	pc->n = pc->cap = 0;
}
