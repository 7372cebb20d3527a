/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The selftest programs' command line, the same for all:
 *   PROG --list     names, one a line
 *   PROG NAME       run one; exit 0 = pass, SKIP (77) = skip, else fail
 * (what scripts/guest/lib.sh's selftests expects).  A program lists its
 * tests in a table and ends with TEST_MAIN(table, setup); one that takes
 * more command lines calls run_tests() from its own main().
 */
#ifndef _SELFTEST_RUNNER_H
#define _SELFTEST_RUNNER_H

#include <stddef.h>
#include <stdio.h>
#include <string.h>

#define SKIP 77

#ifndef ARRAY_SIZE
#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
#endif

struct test {
	const char *name;
	int (*fn)(void);	/* 0 = pass, SKIP, or anything else = fail */
};

/*
 * --list, or the test named by argv[1], after @setup (if set): the exit
 * status.  Anything else is a usage error, 2.
 */
static inline int run_tests(int argc, char **argv, const struct test *tests,
			    size_t n, void (*setup)(void))
{
	size_t i;

	if (argc == 2 && !strcmp(argv[1], "--list")) {
		for (i = 0; i < n; i++)
			printf("%s\n", tests[i].name);
		return 0;
	}
	for (i = 0; argc == 2 && i < n; i++) {
		if (!strcmp(argv[1], tests[i].name)) {
			if (setup)
				setup();
			return tests[i].fn();
		}
	}
	fprintf(stderr, "usage: %s --list | NAME\n", argv[0]);
	return 2;
}

#define TEST_MAIN(tests, setup)						\
int main(int argc, char **argv)						\
{									\
	return run_tests(argc, argv, tests, ARRAY_SIZE(tests), setup);	\
}

#endif /* _SELFTEST_RUNNER_H */
