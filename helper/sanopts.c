/*
 * sanopts.c: compiled-in options of the sanitizer runtime, linked into the
 * helper only by a SANITIZE=1 build (make test-install-san).
 *
 * A sanitizer runtime reads ASAN_OPTIONS and UBSAN_OPTIONS even in a
 * setuid process, so a sanitizer build is never installed outside a test
 * prefix, where it is mode 4750 with a test-only group; `make install`
 * refuses it.  These defaults keep a report harmless when nobody sets an
 * option.
 *
 * Invariants:
 * - Reports MUST go to stderr only: no log_path, no file written as root.
 * - Leak detection MUST be off: the helper execs or exits on purpose with
 *   memory held, and LeakSanitizer cannot run under ptrace restrictions.
 * - This file MUST NOT be part of a release build (the Makefile links it
 *   only when SANITIZE=1).
 */

const char *__asan_default_options(void);
const char *__ubsan_default_options(void);

const char *
__asan_default_options(void)
{
	return "detect_leaks=0:log_path=stderr:log_to_syslog=0:"
	       "abort_on_error=0:disable_coredump=1:halt_on_error=1";
}

const char *
__ubsan_default_options(void)
{
	return "log_path=stderr:print_stacktrace=1:halt_on_error=1";
}
