/*
 * err.c: the one error shape (err.h).
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "lib/err.h"

int
err_vat(struct ctl_err *e, const char *file, int line, const char *fmt,
    va_list ap)
{
	if (e == NULL)
		return -1;
	snprintf(e->file, sizeof(e->file), "%s", file ? file : "");
	e->line = line;
	e->err = 0;
	e->denied = false;
	vsnprintf(e->msg, sizeof(e->msg), fmt, ap);
	return -1;
}

int
err_at(struct ctl_err *e, const char *file, int line, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	err_vat(e, file, line, fmt, ap);
	va_end(ap);
	return -1;
}

int
err_set(struct ctl_err *e, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	err_vat(e, NULL, 0, fmt, ap);
	va_end(ap);
	return -1;
}

int
err_deny(struct ctl_err *e, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	err_vat(e, NULL, 0, fmt, ap);
	va_end(ap);
	if (e != NULL)
		e->denied = true;
	return -1;
}

int
err_errno(struct ctl_err *e, const char *fmt, ...)
{
	int saved = errno;
	va_list ap;
	size_t n;

	va_start(ap, fmt);
	err_vat(e, NULL, 0, fmt, ap);
	va_end(ap);
	if (e != NULL) {
		e->err = saved;
		n = strlen(e->msg);
		snprintf(e->msg + n, sizeof(e->msg) - n, ": %s",
		    strerror(saved));
	}
	errno = saved;
	return -1;
}
