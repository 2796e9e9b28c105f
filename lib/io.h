/*
 * io.h: the one write-all loop, and its reading twin.
 */
#ifndef CTL_IO_H
#define CTL_IO_H

#include <stddef.h>
#include <sys/types.h>

#include "lib/wur.h"

/* Writes LEN bytes of BUF to FD: retries on EINTR and short writes, and,
 * on a non-blocking FD that is full, waits for room (poll, 1 s at a time).
 * 0, or -1 with errno (EIO when write made no progress). */
int io_write_all(int fd, const void *buf, size_t len) CTL_WUR;

/* Reads up to LEN bytes from FD into BUF, until LEN or end of file:
 * retries on EINTR and short reads.  The number of bytes read (less than
 * LEN only at end of file), or -1 with errno. */
ssize_t io_read_full(int fd, void *buf, size_t len) CTL_WUR;

#endif
