/* SPDX-License-Identifier: GPL-2.0 */
/*
 * This process's I/O accounting, from /proc/self/io (all its threads,
 * syslet workers included): what the system calls count, and what the
 * read and write atoms must count the same.
 */
#ifndef _SELFTEST_PROC_IO_H
#define _SELFTEST_PROC_IO_H

#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check.h"

enum { IO_RCHAR, IO_WCHAR, IO_SYSCR, IO_SYSCW, IO_N };

/*
 * rchar, wchar, syscr and syscw into @v; returns the bytes this read of
 * the file took, which the next reading counts (in rchar, and one syscr).
 */
static inline ssize_t proc_io_counts(long v[IO_N])
{
	static const char *const keys[IO_N] = {
		"rchar: ", "wchar: ", "syscr: ", "syscw: "
	};
	char buf[512];
	int fd = open("/proc/self/io", O_RDONLY), k;
	ssize_t n;
	char *p;

	CHECK(fd >= 0);
	n = read(fd, buf, sizeof(buf) - 1);
	CHECK(n > 0);
	buf[n] = 0;
	close(fd);
	for (k = 0; k < IO_N; k++) {
		p = strstr(buf, keys[k]);
		CHECK(p);
		v[k] = atol(p + strlen(keys[k]));
	}
	return n;
}

/* proc_io_counts() into @v, less @v0 and the reading that took @n0. */
static inline void proc_io_since(long v[IO_N], const long v0[IO_N],
				 ssize_t n0)
{
	int k;

	proc_io_counts(v);
	for (k = 0; k < IO_N; k++)
		v[k] -= v0[k];
	v[IO_RCHAR] -= n0;
	v[IO_SYSCR]--;
}

#endif /* _SELFTEST_PROC_IO_H */
