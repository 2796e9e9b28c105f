/*
 * config.c: reading image configs (and manifests) with json-c.
 *
 * Invariants:
 * - Entrypoint, Cmd and Env MUST be arrays of strings (or null/absent for
 *   Entrypoint and Cmd); no string MUST hold NUL; no list MUST exceed
 *   DESC_MAX_STRINGS; anything else refuses the config.
 * - An absent or null Entrypoint/Cmd MUST stay unset and [] MUST stay an
 *   empty list.
 * - diff_ids MUST all be "sha256:<64 lowercase hex>".
 */
#include <json-c/json.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>

#include "image/config.h"
#include "lib/grammar.h"

struct json_object *
config_json(const char *buf, size_t len, const char *what, struct ctl_err *e)
{
	struct json_tokener *tok = json_tokener_new_ex(64);
	struct json_object *o;

	if (tok == NULL) {
		err_set(e, "out of memory");
		return NULL;
	}
	if (len > 64u << 20) {
		json_tokener_free(tok);
		err_set(e, "%s: larger than 64 MiB", what);
		return NULL;
	}
	o = json_tokener_parse_ex(tok, buf, (int)len);
	if (o == NULL || json_tokener_get_error(tok) != json_tokener_success ||
	    (size_t)json_tokener_get_parse_end(tok) != len) {
		/* Trailing whitespace is fine. */
		size_t end = o ? json_tokener_get_parse_end(tok) : 0;
		bool ws = o != NULL;

		for (size_t i = end; ws && i < len; i++)
			if (buf[i] != ' ' && buf[i] != '\n' && buf[i] != '\r' &&
			    buf[i] != '\t')
				ws = false;
		if (!ws) {
			err_set(e, "%s: not valid JSON (%s)", what,
			    json_tokener_error_desc(
				json_tokener_get_error(tok)));
			json_object_put(o);
			json_tokener_free(tok);
			return NULL;
		}
	}
	json_tokener_free(tok);
	if (!json_object_is_type(o, json_type_object)) {
		json_object_put(o);
		err_set(e, "%s: not a JSON object", what);
		return NULL;
	}
	return o;
}

static void
strv_free(char **v)
{
	for (size_t i = 0; v != NULL && v[i] != NULL; i++)
		free(v[i]);
	free(v);
}

static char *
jstr(struct json_object *o)
{
	const char *s = json_object_get_string(o);
	size_t n = (size_t)json_object_get_string_len(o);

	if (s == NULL || strlen(s) != n)
		return NULL;
	return strdup(s);
}

/* An array of strings into a NULL-terminated vector; -1 if malformed. */
static int
strv_from(struct json_object *arr, char ***out, const char *what,
    struct ctl_err *e)
{
	size_t n, i;
	char **v;

	if (!json_object_is_type(arr, json_type_array))
		return err_set(e, "config: %s is not an array of strings",
		    what);
	n = json_object_array_length(arr);
	if (n > DESC_MAX_STRINGS)
		return err_set(e, "config: %s has more than %d entries", what,
		    DESC_MAX_STRINGS);
	if ((v = calloc(n + 1, sizeof(*v))) == NULL)
		return err_set(e, "out of memory");
	for (i = 0; i < n; i++) {
		struct json_object *s = json_object_array_get_idx(arr, i);

		if (!json_object_is_type(s, json_type_string) ||
		    (v[i] = jstr(s)) == NULL) {
			strv_free(v);
			return err_set(e,
			    "config: %s[%zu] is not a string without NUL", what,
			    i);
		}
	}
	*out = v;
	return 0;
}

static int
opt_list(struct json_object *c, const char *key, char ***out, struct ctl_err *e)
{
	struct json_object *v;

	*out = NULL;
	if (!json_object_object_get_ex(c, key, &v) || v == NULL)
		return 0;
	return strv_from(v, out, key, e);
}

static int
opt_str(struct json_object *c, const char *key, char **out, struct ctl_err *e)
{
	struct json_object *v;

	free(*out);
	*out = NULL;
	if (json_object_object_get_ex(c, key, &v) && v != NULL) {
		if (!json_object_is_type(v, json_type_string) ||
		    (*out = jstr(v)) == NULL)
			return err_set(e, "config: %s is not a string", key);
		return 0;
	}
	if ((*out = strdup("")) == NULL)
		return err_set(e, "out of memory");
	return 0;
}

/* Keys of an object ("ExposedPorts") or "k=v" of a string map. */
static int
obj_list(struct json_object *c, const char *key, bool kv, char ***out,
    struct ctl_err *e)
{
	struct json_object *o;
	size_t n = 0;
	char **v;

	*out = calloc(1, sizeof(char *));
	if (*out == NULL)
		return err_set(e, "out of memory");
	if (!json_object_object_get_ex(c, key, &o) || o == NULL)
		return 0;
	if (!json_object_is_type(o, json_type_object))
		return err_set(e, "config: %s is not an object", key);
	if (json_object_object_length(o) > DESC_MAX_STRINGS)
		return err_set(e, "config: too many %s", key);
	free(*out);
	if ((v = *out = calloc((size_t)json_object_object_length(o) + 1,
		 sizeof(char *))) == NULL)
		return err_set(e, "out of memory");
	json_object_object_foreach(o, k, val)
	{
		const char *s = "";

		if (kv) {
			if (!json_object_is_type(val, json_type_string) ||
			    strlen(json_object_get_string(val)) !=
				(size_t)json_object_get_string_len(val))
				return err_set(e,
				    "config: %s value is not a string", key);
			s = json_object_get_string(val);
		}
		if (kv) {
			size_t len = strlen(k) + strlen(s) + 2;

			if ((v[n] = malloc(len)) == NULL)
				return err_set(e, "out of memory");
			snprintf(v[n], len, "%s=%s", k, s);
		} else if ((v[n] = strdup(k)) == NULL) {
			return err_set(e, "out of memory");
		}
		n++;
	}
	return 0;
}

static int
diff_ids_from(struct json_object *cfg, char ***out, size_t *n,
    struct ctl_err *e)
{
	struct json_object *rootfs, *ids;
	char **v = NULL;

	*out = NULL;
	*n = 0;
	if (!json_object_object_get_ex(cfg, "rootfs", &rootfs) ||
	    !json_object_object_get_ex(rootfs, "diff_ids", &ids))
		return err_set(e, "config: no rootfs.diff_ids");
	if (strv_from(ids, &v, "rootfs.diff_ids", e) == -1)
		return -1;
	for (size_t i = 0; v[i] != NULL; i++) {
		if (strncmp(v[i], "sha256:", 7) != 0 || !gram_hex64(v[i] + 7)) {
			strv_free(v);
			return err_set(e,
			    "config: diff_id %zu is not sha256:<hex>", i);
		}
		memmove(v[i], v[i] + 7, 65);
		(*n)++;
	}
	*out = v;
	return 0;
}

int
config_fill(struct json_object *cfg, struct image_desc *d, char ***diff_ids,
    size_t *ndiff, unsigned *badenv, struct ctl_err *e)
{
	struct json_object *c = NULL;
	char **env = NULL;
	size_t o = 0;

	*badenv = 0;
	if (diff_ids != NULL && diff_ids_from(cfg, diff_ids, ndiff, e) == -1)
		return -1;
	if (opt_str(cfg, "created", &d->created, e) == -1)
		return -1;
	if (!json_object_object_get_ex(cfg, "config", &c) || c == NULL)
		c = json_object_new_object(); /* leaked into cfg below */
	else
		json_object_get(c);
	int r = -1;
	if (!json_object_is_type(c, json_type_object)) {
		err_set(e, "config: \"config\" is not an object");
		goto out;
	}
	if (opt_list(c, "Entrypoint", &d->entrypoint, e) == -1 ||
	    opt_list(c, "Cmd", &d->cmd, e) == -1 ||
	    opt_list(c, "Env", &env, e) == -1 ||
	    opt_str(c, "WorkingDir", &d->workdir, e) == -1 ||
	    opt_str(c, "User", &d->user, e) == -1 ||
	    obj_list(c, "ExposedPorts", false, &d->ports, e) == -1 ||
	    obj_list(c, "Labels", true, &d->labels, e) == -1)
		goto out;
	if (env == NULL && (env = calloc(1, sizeof(char *))) == NULL) {
		err_set(e, "out of memory");
		goto out;
	}
	for (size_t i = 0; env[i] != NULL; i++) {
		char *eq = strchr(env[i], '=');

		if (eq == NULL || eq == env[i]) {
			(*badenv)++;
			free(env[i]);
		} else {
			env[o++] = env[i];
		}
	}
	env[o] = NULL;
	d->env = env;
	env = NULL;
	r = 0;
out:
	strv_free(env);
	json_object_put(c);
	return r;
}

static const char *
host_arch(void)
{
#if defined(__x86_64__)
	return "amd64";
#elif defined(__aarch64__)
	return "arm64";
#else
	return "unknown";
#endif
}

char *
config_synth(struct json_object *user, const char *diff_id, const char *created,
    struct ctl_err *e)
{
	struct json_object *top = json_object_new_object(), *rootfs, *ids, *c;
	char buf[80];
	char *out = NULL;

	if (top == NULL)
		goto oom;
	c = NULL;
	if (user != NULL &&
	    (!json_object_object_get_ex(user, "config", &c) || c == NULL))
		c = user;
	if (c != NULL && !json_object_is_type(c, json_type_object)) {
		json_object_put(top);
		err_set(e, "--config: \"config\" is not an object");
		return NULL;
	}
	c = c ? json_object_get(c) : json_object_new_object();
	rootfs = json_object_new_object();
	ids = json_object_new_array();
	snprintf(buf, sizeof(buf), "sha256:%s", diff_id);
	if (c == NULL || rootfs == NULL || ids == NULL ||
	    json_object_array_add(ids, json_object_new_string(buf)) != 0 ||
	    json_object_object_add(rootfs, "type",
		json_object_new_string("layers")) != 0 ||
	    json_object_object_add(rootfs, "diff_ids", ids) != 0 ||
	    json_object_object_add(top, "created",
		json_object_new_string(created)) != 0 ||
	    json_object_object_add(top, "architecture",
		json_object_new_string(host_arch())) != 0 ||
	    json_object_object_add(top, "os",
		json_object_new_string("linux")) != 0 ||
	    json_object_object_add(top, "config", c) != 0 ||
	    json_object_object_add(top, "rootfs", rootfs) != 0)
		goto oom;
	out = strdup(json_object_to_json_string_ext(top,
	    JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE));
	json_object_put(top);
	if (out == NULL)
		err_set(e, "out of memory");
	return out;
oom:
	json_object_put(top);
	err_set(e, "out of memory");
	return NULL;
}
