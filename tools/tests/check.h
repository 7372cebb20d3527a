/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The selftests' checks: report the failed condition with its function
 * and line, and exit(1), which fails the test.
 */
#ifndef _SELFTEST_CHECK_H
#define _SELFTEST_CHECK_H

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

#define CHECK(cond) do {						\
	if (!(cond)) {							\
		fprintf(stderr, "%s:%d: check failed: %s (errno %d)\n",	\
			__func__, __LINE__, #cond, errno);		\
		exit(1);						\
	}								\
} while (0)

#define CHECK_EQ(a, b) do {						\
	long _a = (long)(a), _b = (long)(b);				\
	if (_a != _b) {							\
		fprintf(stderr, "%s:%d: %s == %ld, expected %s == %ld\n", \
			__func__, __LINE__, #a, _a, #b, _b);		\
		exit(1);						\
	}								\
} while (0)

#endif /* _SELFTEST_CHECK_H */
