/*
 * io.h: the one write-all loop.
 */
#ifndef CTL_IO_H
#define CTL_IO_H

#include <stddef.h>

#include "lib/wur.h"

/* Writes LEN bytes of BUF to FD: retries on EINTR and short writes, and,
 * on a non-blocking FD that is full, waits for room (poll, 1 s at a time).
 * 0, or -1 with errno (EIO when write made no progress). */
int io_write_all(int fd, const void *buf, size_t len) CTL_WUR;

#endif
