/* SPDX-License-Identifier: GPL-2.0 */
/*
 * This process's I/O accounting, from /proc/self/io (all its threads,
 * syslet workers included): what the system calls count, and what the
 * read and write atoms must count the same.
 */
#ifndef _SELFTEST_PROC_IO_H
#define _SELFTEST_PROC_IO_H

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check.h"

enum { IO_RCHAR, IO_WCHAR, IO_SYSCR, IO_SYSCW, IO_N };

/*
 * Open /proc/self/io, before any change of ids: a process that drops
 * root's ids can no longer open it (it becomes non-dumpable, and the
 * file root's), but may still read it.  -1 in a kernel that keeps no
 * such accounting (CONFIG_TASK_IO_ACCOUNTING off, as in the debug and
 * 7.2 test kernels): every count then reads as 0.
 */
static inline int proc_io_open(void)
{
	int fd = open("/proc/self/io", O_RDONLY | O_CLOEXEC);

	CHECK(fd >= 0 || errno == ENOENT);
	return fd;
}

/*
 * rchar, wchar, syscr and syscw, read from @fd (proc_io_open()), into
 * @v; returns the bytes this read took, which the next reading counts
 * (in rchar, and one syscr).
 */
static inline ssize_t proc_io_counts(int fd, long v[IO_N])
{
	static const char *const keys[IO_N] = {
		"rchar: ", "wchar: ", "syscr: ", "syscw: "
	};
	char buf[512];
	ssize_t n;
	char *p;
	int k;

	if (fd < 0) {
		memset(v, 0, sizeof(long) * IO_N);
		return 0;
	}
	n = pread(fd, buf, sizeof(buf) - 1, 0);
	CHECK(n > 0);
	buf[n] = 0;
	for (k = 0; k < IO_N; k++) {
		p = strstr(buf, keys[k]);
		CHECK(p);
		v[k] = atol(p + strlen(keys[k]));
	}
	return n;
}

/* proc_io_counts() into @v, less @v0 and the reading that took @n0. */
static inline void proc_io_since(int fd, long v[IO_N], const long v0[IO_N],
				 ssize_t n0)
{
	int k;

	proc_io_counts(fd, v);
	if (fd < 0)
		return;
	for (k = 0; k < IO_N; k++)
		v[k] -= v0[k];
	v[IO_RCHAR] -= n0;
	v[IO_SYSCR]--;
}

#endif /* _SELFTEST_PROC_IO_H */
