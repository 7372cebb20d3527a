/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
/*
 * syslet: chains of system-call atoms run by kernel worker threads, with
 * completions posted to a ring in user memory.  The 2007 syslet ABI (atom
 * and ring layout, flag values), on a misc device /dev/syslet:
 *
 *   2007 system call        here
 *   async_register(ahu)     ioctl(fd, SYSLET_IOC_REGISTER, &ahu)
 *   async_exec(atom)        ioctl(fd, SYSLET_IOC_EXEC, &exec)
 *   async_wait(min)         ioctl(fd, SYSLET_IOC_WAIT, min)
 *   async_unregister(ahu)   ioctl(fd, SYSLET_IOC_UNREGISTER)
 *   umem_add(ptr, inc)      atom nr SYSLET_NR_UMEM_ADD
 *   (new)                   ioctl(fd, SYSLET_IOC_UPCALL, &upcall)
 *
 * 64-bit tasks only.  See Documentation/syslet.rst.
 */
#ifndef _UAPI_SYSLET_H
#define _UAPI_SYSLET_H

#include <linux/ioctl.h>
#include <linux/types.h>

#ifndef __KERNEL__
#ifndef __user
#define __user
#endif
#endif

/*
 * The syslet atom: one system call, its arguments by pointer (read up to
 * the first NULL when the atom runs), where to store its return value,
 * and what runs next.  88 bytes; SYSLET_SKIP_TO_NEXT_ON_STOP continues at
 * the atom that follows in memory (this address + sizeof(atom)).
 */
struct syslet_uatom {
	unsigned long flags;
	unsigned long nr;
	long __user *ret_ptr;
	struct syslet_uatom __user *next;
	unsigned long __user *arg_ptr[6];
	/* User space can put anything in here; the kernel will not touch it. */
	void __user *private;
};

/* Queue at once: do not try to run this atom in the caller's context. */
#define SYSLET_ASYNC			0x00000001
/* Never leave the caller's context, even if the atom blocks. */
#define SYSLET_SYNC			0x00000002
/* Do not post this atom to the ring when the chain ends at it. */
#define SYSLET_NO_COMPLETE		0x00000004
/* Stop conditions on the atom's return value. */
#define SYSLET_STOP_ON_NONZERO		0x00000008
#define SYSLET_STOP_ON_ZERO		0x00000010
#define SYSLET_STOP_ON_NEGATIVE		0x00000020
#define SYSLET_STOP_ON_NON_POSITIVE	0x00000040

#define SYSLET_STOP_MASK				\
	(SYSLET_STOP_ON_NONZERO | SYSLET_STOP_ON_ZERO |	\
	 SYSLET_STOP_ON_NEGATIVE | SYSLET_STOP_ON_NON_POSITIVE)

/* On stop, go on with the atom linearly after this one instead. */
#define SYSLET_SKIP_TO_NEXT_ON_STOP	0x00000080

#define SYSLET_FLAGS_ALL					\
	(SYSLET_ASYNC | SYSLET_SYNC | SYSLET_NO_COMPLETE |	\
	 SYSLET_STOP_MASK | SYSLET_SKIP_TO_NEXT_ON_STOP)

/*
 * The completion ring: an array of atom pointers.  The kernel stores the
 * final atom of an asynchronous chain into the next slot, only while that
 * slot is NULL; user space reads a non-NULL slot and stores NULL back.
 */
struct async_head_user {
	struct syslet_uatom __user **completion_ring;
	unsigned long ring_size_bytes;
	/* Concurrent workers for this context; -1UL: the module decides. */
	unsigned long max_nr_threads;
};

/* SYSLET_IOC_EXEC argument. */
struct syslet_exec {
	__u64 atom;	/* in: the chain's first atom */
	__u64 done;	/* out: its final atom, if it finished synchronously */
};

/*
 * SYSLET_IOC_UPCALL argument: dispatch upcall @upcid (upcall.h, same
 * address space) at @priority whenever a completion is posted to the
 * ring; @upcid 0 stops it.  Lasts until SYSLET_IOC_UNREGISTER.
 */
struct syslet_upcall {
	__s32 upcid;
	__s32 priority;
};

#define SYSLET_IOC_MAGIC	0xb9	/* unassigned in ioctl-number.rst */
#define SYSLET_IOC_REGISTER	_IOW(SYSLET_IOC_MAGIC, 1, struct async_head_user)
#define SYSLET_IOC_EXEC		_IOWR(SYSLET_IOC_MAGIC, 2, struct syslet_exec)
#define SYSLET_IOC_WAIT		_IO(SYSLET_IOC_MAGIC, 3)
#define SYSLET_IOC_UNREGISTER	_IO(SYSLET_IOC_MAGIC, 4)
#define SYSLET_IOC_UPCALL	_IOW(SYSLET_IOC_MAGIC, 5, struct syslet_upcall)

/* Module operations, usable as an atom's nr beside the x86-64 __NR_*. */
#define SYSLET_NR_BASE		0x10000
#define SYSLET_NR_NOP		(SYSLET_NR_BASE + 0)	/* returns 0 */
#define SYSLET_NR_UMEM_ADD	(SYSLET_NR_BASE + 1)	/* *(long *)a0 += a1 */

#endif /* _UAPI_SYSLET_H */
