// SPDX-License-Identifier: GPL-2.0
/*
 * syslet: the operation table.  nr is an x86-64 system call number, or a
 * SYSLET_NR_* module operation; anything else completes with -ENOSYS.
 */
#include <linux/kernel.h>
#include <linux/poll.h>

#include "syslet.h"

const struct syslet_op syslet_ops[] = {
	[SYSLET_NR_read]	= { .name = "read",	.fn = syslet_op_read,
				    .poll = EPOLLIN },
	[SYSLET_NR_write]	= { .name = "write",	.fn = syslet_op_write },
	[SYSLET_NR_close]	= { .name = "close",	.fn = syslet_op_close },
	[SYSLET_NR_lseek]	= { .name = "lseek",	.fn = syslet_op_lseek },
	[SYSLET_NR_pread64]	= { .name = "pread64",	.fn = syslet_op_pread64 },
	[SYSLET_NR_pwrite64]	= { .name = "pwrite64",	.fn = syslet_op_pwrite64 },
	[SYSLET_NR_readv]	= { .name = "readv",	.fn = syslet_op_readv,
				    .poll = EPOLLIN },
	[SYSLET_NR_writev]	= { .name = "writev",	.fn = syslet_op_writev },
	[SYSLET_NR_nanosleep]	= { .name = "nanosleep", .fn = syslet_op_nanosleep,
				    .may_block = true },
#ifdef CONFIG_NET	/* not in a kernel without sockets (UML's KUnit) */
	[SYSLET_NR_sendto]	= { .name = "sendto",	.fn = syslet_op_sendto },
	[SYSLET_NR_recvfrom]	= { .name = "recvfrom",	.fn = syslet_op_recvfrom,
				    .poll = EPOLLIN, .sock = true },
	[SYSLET_NR_sendmsg]	= { .name = "sendmsg",	.fn = syslet_op_sendmsg },
	[SYSLET_NR_recvmsg]	= { .name = "recvmsg",	.fn = syslet_op_recvmsg,
				    .poll = EPOLLIN, .sock = true },
#endif
	[SYSLET_NR_fsync]	= { .name = "fsync",	.fn = syslet_op_fsync,
				    .may_block = true },
	[SYSLET_NR_fdatasync]	= { .name = "fdatasync", .fn = syslet_op_fdatasync,
				    .may_block = true },
	[SYSLET_NR_openat]	= { .name = "openat",	.fn = syslet_op_openat },
	[SYSLET_NR_preadv]	= { .name = "preadv",	.fn = syslet_op_preadv },
	[SYSLET_NR_pwritev]	= { .name = "pwritev",	.fn = syslet_op_pwritev },
	/* stat.c */
	[SYSLET_NR_stat]	= { .name = "stat",	.fn = syslet_op_stat,
				    .may_block = true },
	[SYSLET_NR_fstat]	= { .name = "fstat",	.fn = syslet_op_fstat,
				    .may_block = true },
	[SYSLET_NR_lstat]	= { .name = "lstat",	.fn = syslet_op_lstat,
				    .may_block = true },
	[SYSLET_NR_statfs]	= { .name = "statfs",	.fn = syslet_op_statfs,
				    .may_block = true },
	[SYSLET_NR_fstatfs]	= { .name = "fstatfs",	.fn = syslet_op_fstatfs,
				    .may_block = true },
	[SYSLET_NR_newfstatat]	= { .name = "newfstatat", .fn = syslet_op_newfstatat,
				    .may_block = true },
	/* namei.c */
	[SYSLET_NR_access]	= { .name = "access",	.fn = syslet_op_access,
				    .may_block = true },
	[SYSLET_NR_mkdir]	= { .name = "mkdir",	.fn = syslet_op_mkdir,
				    .may_block = true },
	[SYSLET_NR_mkdirat]	= { .name = "mkdirat",	.fn = syslet_op_mkdirat,
				    .may_block = true },
	[SYSLET_NR_mknod]	= { .name = "mknod",	.fn = syslet_op_mknod,
				    .may_block = true },
	[SYSLET_NR_mknodat]	= { .name = "mknodat",	.fn = syslet_op_mknodat,
				    .may_block = true },
	[SYSLET_NR_faccessat]	= { .name = "faccessat", .fn = syslet_op_faccessat,
				    .may_block = true },
	[SYSLET_NR_faccessat2]	= { .name = "faccessat2", .fn = syslet_op_faccessat2,
				    .may_block = true },
	[SYSLET_NR_truncate]	= { .name = "truncate",	.fn = syslet_op_truncate,
				    .may_block = true },
	/* file.c */
	[SYSLET_NR_dup]		= { .name = "dup",	.fn = syslet_op_dup },
	[SYSLET_NR_getdents64]	= { .name = "getdents64", .fn = syslet_op_getdents64,
				    .may_block = true },
	[SYSLET_NR_fadvise64]	= { .name = "fadvise64", .fn = syslet_op_fadvise64 },
	[SYSLET_NR_sync_file_range] = { .name = "sync_file_range",
				    .fn = syslet_op_sync_file_range,
				    .may_block = true },
	[SYSLET_NR_fallocate]	= { .name = "fallocate", .fn = syslet_op_fallocate,
				    .may_block = true },
	[SYSLET_NR_syncfs]	= { .name = "syncfs",	.fn = syslet_op_syncfs,
				    .may_block = true },
	[SYSLET_NR_readahead]	= { .name = "readahead", .fn = syslet_op_readahead,
				    .may_block = true },
	[SYSLET_NR_copy_file_range] = { .name = "copy_file_range",
				    .fn = syslet_op_copy_file_range,
				    .may_block = true },
	/* random.c */
	[SYSLET_NR_getrandom]	= { .name = "getrandom", .fn = syslet_op_getrandom },
};

const struct syslet_op syslet_module_ops[] = {
	[SYSLET_NR_NOP - SYSLET_NR_BASE]	= { .name = "nop",
						    .fn = syslet_op_nop },
	[SYSLET_NR_UMEM_ADD - SYSLET_NR_BASE]	= { .name = "umem_add",
						    .fn = syslet_op_umem_add },
};

const unsigned long syslet_nr_ops = ARRAY_SIZE(syslet_ops);
const unsigned long syslet_nr_module_ops = ARRAY_SIZE(syslet_module_ops);
