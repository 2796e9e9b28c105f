/*
 * login.c: the policy keys of login sessions through ctr-launch-shell:
 * login, login_image, login_shell and transfer (ctr-launch.policy(5)).
 *
 * Pure: parses values and merges them for one caller; no system calls.
 *
 * Invariants:
 * - login MUST default to no, and MUST come from [user:] if set, else be
 *   no when any matching group says no, else [default]: installing the
 *   shell widens nothing.
 * - login_image, login_shell and transfer MUST come from [user:] if set,
 *   else from the matching groups when every group that sets the key
 *   agrees, else [default], else the built-in default; groups that
 *   disagree MUST be an error for that caller (never a silent pick).
 * - login_image MUST be a valid image name (stored canonical); it is
 *   launched only when images also grants it (checked by the helper).
 * - login_shell MUST be 1 to POLICY_SHELL_WORDS words separated by single
 *   spaces, the first an absolute, normal path, no quoting: the words are
 *   used as they are, never through a shell.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/imgref.h"
#include "policy/policy_int.h"

static const char builtin[] = "built-in";

static int
shell_ok(const char *v, struct ctl_err *e)
{
	const char *w = v;
	size_t words = 0;

	for (const char *c = v; *c; c++)
		if ((unsigned char)*c < 0x21 && *c != ' ')
			return err_set(e, "control character");
	for (;;) {
		const char *sp = strchr(w, ' ');
		size_t n = sp ? (size_t)(sp - w) : strlen(w);

		if (n == 0)
			return err_set(e, "words separated by single spaces");
		if (++words > POLICY_SHELL_WORDS)
			return err_set(e, "at most %d words",
			    POLICY_SHELL_WORDS);
		if (sp == NULL)
			break;
		w = sp + 1;
	}
	if (v[0] != '/')
		return err_set(e, "the program must be an absolute path");
	{
		char prog[4096];
		size_t n = strcspn(v, " ");

		if (n >= sizeof(prog))
			return err_set(e, "path too long");
		memcpy(prog, v, n);
		prog[n] = '\0';
		if (!policy_path_normal(prog) || strcmp(prog, "/") == 0)
			return err_set(e, "the program must be a normal path");
	}
	return 0;
}

int
plogin_value(enum pkey k, const char *value, struct pscalar *sc,
    struct ctl_err *e)
{
	char canon[IMGREF_MAX_LEN + 1];

	switch (k) {
	case PK_LOGIN:
		if (strcmp(value, "yes") != 0 && strcmp(value, "no") != 0)
			return err_set(e, "yes or no");
		sc->v = strcmp(value, "yes") == 0;
		break;
	case PK_TRANSFER:
		if (strcmp(value, "container") == 0)
			sc->v = POLICY_TRANSFER_CONTAINER;
		else if (strcmp(value, "host") == 0)
			sc->v = POLICY_TRANSFER_HOST;
		else if (strcmp(value, "deny") == 0)
			sc->v = POLICY_TRANSFER_DENY;
		else
			return err_set(e, "container, host or deny");
		break;
	case PK_LOGIN_IMAGE:
		if (imgref_canon(value, IMGREF_NAME, canon, sizeof(canon),
			NULL) < 0)
			return err_set(e, "an image name, no pattern");
		if ((sc->s = strdup(canon)) == NULL)
			return err_set(e, "out of memory");
		break;
	case PK_LOGIN_SHELL:
		if (shell_ok(value, e) < 0)
			return -1;
		if ((sc->s = strdup(value)) == NULL)
			return err_set(e, "out of memory");
		break;
	default:
		return err_set(e, "not a login key");
	}
	sc->set = true;
	return 0;
}

static bool
same(enum pkey k, const struct pscalar *a, const struct pscalar *b)
{
	if (k == PK_LOGIN_IMAGE || k == PK_LOGIN_SHELL)
		return strcmp(a->s, b->s) == 0;
	return a->v == b->v;
}

/* [user:], else the groups when they agree, else [default].  Returns the
 * section that decides, or NULL (built-in); -1 on disagreeing groups. */
static int
pick(const struct psec *const *v, size_t n, const struct psec *user,
    enum pkey k, const struct psec **out, struct ctl_err *e)
{
	const struct psec *g = NULL, *def = NULL;

	*out = NULL;
	if (user != NULL && user->sc[k].set)
		return (*out = user), 0;
	for (size_t i = 0; i < n; i++) {
		const struct psec *s = v[i];

		if (!s->sc[k].set)
			continue;
		if (s->kind == POLICY_SEC_DEFAULT)
			def = s;
		if (s->kind != POLICY_SEC_GROUP)
			continue;
		if (g != NULL && !same(k, &g->sc[k], &s->sc[k])) {
			perr_set(e, "", s->sc[k].line,
			    "%s disagrees between %s (line %d) and %s (line "
			    "%d); set it in [user:] or make the groups agree",
			    pkey_name(k), g->label, g->sc[k].line, s->label,
			    s->sc[k].line);
			return -1;
		}
		if (g == NULL)
			g = s;
	}
	*out = g != NULL ? g : def;
	return 0;
}

static void
merge_login(const struct psec *const *v, size_t n, const struct psec *user,
    struct policy_eff *eff)
{
	const struct psec *g = NULL, *def = NULL;

	eff->login = false;
	eff->login_from = builtin;
	if (user != NULL && user->sc[PK_LOGIN].set) {
		eff->login = user->sc[PK_LOGIN].v != 0;
		eff->login_from = user->label;
		return;
	}
	for (size_t i = 0; i < n; i++) {
		const struct psec *s = v[i];

		if (!s->sc[PK_LOGIN].set)
			continue;
		if (s->kind == POLICY_SEC_DEFAULT)
			def = s;
		/* The most restrictive group: one "no" wins. */
		if (s->kind == POLICY_SEC_GROUP &&
		    (g == NULL || s->sc[PK_LOGIN].v == 0) &&
		    (g == NULL || g->sc[PK_LOGIN].v != 0))
			g = s;
	}
	if (g == NULL)
		g = def;
	if (g != NULL) {
		eff->login = g->sc[PK_LOGIN].v != 0;
		eff->login_from = g->label;
	}
}

int
plogin_eval(const struct psec *const *v, size_t n, const struct psec *user,
    struct policy_eff *eff, struct ctl_err *e)
{
	const struct psec *s;

	merge_login(v, n, user, eff);
	eff->login_image = NULL;
	eff->login_image_from = builtin;
	if (pick(v, n, user, PK_LOGIN_IMAGE, &s, e) < 0)
		return -1;
	if (s != NULL) {
		eff->login_image = s->sc[PK_LOGIN_IMAGE].s;
		eff->login_image_from = s->label;
		eff->login_image_line = s->sc[PK_LOGIN_IMAGE].line;
	}
	eff->login_shell = POLICY_LOGIN_SHELL;
	eff->login_shell_from = builtin;
	if (pick(v, n, user, PK_LOGIN_SHELL, &s, e) < 0)
		return -1;
	if (s != NULL) {
		eff->login_shell = s->sc[PK_LOGIN_SHELL].s;
		eff->login_shell_from = s->label;
	}
	eff->transfer = POLICY_TRANSFER_CONTAINER;
	eff->transfer_from = builtin;
	if (pick(v, n, user, PK_TRANSFER, &s, e) < 0)
		return -1;
	if (s != NULL) {
		eff->transfer = (enum policy_transfer)s->sc[PK_TRANSFER].v;
		eff->transfer_from = s->label;
	}
	return 0;
}
