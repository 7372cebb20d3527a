/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A seccomp filter for the tests: EPERM for a few system call numbers,
 * everything else allowed (and every call of another architecture).
 */
#ifndef _SECCOMP_DENY_H
#define _SECCOMP_DENY_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>

#include "check.h"

/*
 * seccomp: EPERM for each of @nrs (at most 10), on this thread or
 * (@tsync) on every thread of the process.
 */
static inline void seccomp_deny_set(const unsigned long *nrs, int n,
				    bool tsync)
{
	struct sock_filter f[16];
	struct sock_fprog prog = { 0, f };
	int i, k = 0;

	CHECK(n <= 10);
	f[k++] = (struct sock_filter)BPF_STMT(BPF_LD | BPF_W | BPF_ABS,
			offsetof(struct seccomp_data, arch));
	f[k++] = (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K,
			AUDIT_ARCH_X86_64, 1, 0);
	f[k++] = (struct sock_filter)BPF_STMT(BPF_RET | BPF_K,
			SECCOMP_RET_ALLOW);
	f[k++] = (struct sock_filter)BPF_STMT(BPF_LD | BPF_W | BPF_ABS,
			offsetof(struct seccomp_data, nr));
	for (i = 0; i < n; i++)	/* a match jumps to the EPERM below */
		f[k++] = (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ |
				BPF_K, nrs[i], n - i, 0);
	f[k++] = (struct sock_filter)BPF_STMT(BPF_RET | BPF_K,
			SECCOMP_RET_ALLOW);
	f[k++] = (struct sock_filter)BPF_STMT(BPF_RET | BPF_K,
			SECCOMP_RET_ERRNO | EPERM);
	prog.len = k;
	CHECK(prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) == 0);
	CHECK(syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER,
		      tsync ? SECCOMP_FILTER_FLAG_TSYNC : 0, &prog) == 0);
}

/* seccomp: EPERM for @nr on this thread. */
static inline void seccomp_deny(unsigned long nr)
{
	seccomp_deny_set(&nr, 1, false);
}

#endif /* _SECCOMP_DENY_H */
