/*
 * wur.h: CTL_WUR marks a function whose result is a status the caller
 * MUST look at (-Werror=unused-result makes ignoring one a build error).
 * Every status-returning function of lib/, policy/ and image/ carries it.
 */
#ifndef CTL_WUR_H
#define CTL_WUR_H

#define CTL_WUR __attribute__((warn_unused_result))

#endif
