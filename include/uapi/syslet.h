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
 *   (new)                   ioctl(fd, SYSLET_IOC_WAIT_TIMEOUT, &wait)
 *   (new)                   ioctl(fd, SYSLET_IOC_EVENTFD, efd)
 *   (new)                   ioctl(fd, SYSLET_IOC_CANCEL, &cancel)
 *   (new)                   poll(fd): POLLIN while completions wait
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

/**
 * struct syslet_uatom - the syslet atom: one system call
 * @flags: SYSLET_* flags (offset 0).  Unknown bits, or SYSLET_ASYNC
 *	together with SYSLET_SYNC, make the atom fail with -EINVAL and end
 *	the chain.
 * @nr: the operation (offset 8): an x86-64 system call number from the
 *	table of supported operations, or a module operation SYSLET_NR_*.
 *	Any other value makes the atom's result -ENOSYS.
 * @ret_ptr: where the atom's return value, a long, is stored after it
 *	runs (offset 16).  May be NULL: the value is then only used for the
 *	stop conditions.  An earlier atom's @ret_ptr may be one of a later
 *	atom's @arg_ptr: this is how one call's result feeds another's
 *	argument.
 * @next: the atom to run after this one when no stop condition holds
 *	(offset 24).  NULL ends the chain.  May point backwards (loops are
 *	allowed).
 * @arg_ptr: pointers to the arguments, in system call order (offset 32).
 *	They are read when the atom runs (not when the chain is submitted),
 *	up to the first NULL pointer; the arguments after it are 0.
 * @private: free for user space, for instance a pointer to the request
 *	the atom belongs to (offset 80); the kernel does not interpret it.
 *
 * 88 bytes, 8-byte fields, no padding (the module checks the size at
 * build time).  The kernel reads an atom whole each time it is about to
 * run it, and never writes to it.  SYSLET_SKIP_TO_NEXT_ON_STOP continues
 * at the atom that follows in memory (this address + sizeof(atom)).
 */
struct syslet_uatom {
	unsigned long flags;
	unsigned long nr;
	long __user *ret_ptr;
	struct syslet_uatom __user *next;
	unsigned long __user *arg_ptr[6];
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

/**
 * struct async_head_user - SYSLET_IOC_REGISTER argument: the completion ring
 * @completion_ring: the ring, an array of @ring_size_bytes / 8 atom
 *	pointers, 8-byte aligned, zero-filled, in writable memory of the
 *	calling process
 * @ring_size_bytes: the size of the ring in bytes: non-zero, a multiple
 *	of 8, at most 1 MiB (131072 slots)
 * @max_nr_threads: how many of this context's chains may be handed to
 *	worker threads at the same time, 1 to INT_MAX; -1UL lets the module
 *	choose (64).  0 is invalid.  Read at registration only.
 *
 * 24 bytes, read once (the kernel keeps no pointer to it).  The kernel
 * stores the final atom of an asynchronous chain into the next slot of
 * the ring, only while that slot is NULL; user space reads a non-NULL
 * slot and stores NULL back.
 */
struct async_head_user {
	struct syslet_uatom __user **completion_ring;
	unsigned long ring_size_bytes;
	unsigned long max_nr_threads;
};

/**
 * struct syslet_exec - SYSLET_IOC_EXEC argument
 * @atom: in: the chain's first atom
 * @done: out: its final atom, written only when the ioctl returns 1 (the
 *	chain finished in the caller's context)
 *
 * 16 bytes.
 */
struct syslet_exec {
	__u64 atom;
	__u64 done;
};

/**
 * struct syslet_upcall - SYSLET_IOC_UPCALL argument
 * @upcid: the upcall identifier (upcall.h, same address space) to
 *	dispatch whenever a completion is posted to the ring; 0 stops it
 * @priority: its dispatch priority, >= 1
 *
 * 8 bytes, read once.  Lasts until SYSLET_IOC_UNREGISTER.
 */
struct syslet_upcall {
	__s32 upcid;
	__s32 priority;
};

/**
 * struct syslet_wait - SYSLET_IOC_WAIT_TIMEOUT argument
 * @min: completions to wait for in the ring, 0 to the ring's size
 * @timeout_ns: give up after this many nanoseconds (relative,
 *	CLOCK_MONOTONIC); negative: no timeout
 * @sigmask: user address of a sigset_t to block during the wait (as
 *	ppoll(2) does), or 0 to keep the thread's mask
 * @sigsetsize: sizeof(sigset_t) (8) when @sigmask is set
 * @flags: 0
 *
 * 32 bytes, read once.
 */
struct syslet_wait {
	__u64 min;
	__s64 timeout_ns;
	__u64 sigmask;
	__u32 sigsetsize;
	__u32 flags;
};

/**
 * struct syslet_cancel - SYSLET_IOC_CANCEL argument
 * @atom: the first atom of the chain to cancel, as given to
 *	SYSLET_IOC_EXEC
 * @flags: 0
 *
 * 16 bytes, read once.
 */
struct syslet_cancel {
	__u64 atom;
	__u64 flags;
};

#define SYSLET_IOC_MAGIC	0xb9	/* unassigned in ioctl-number.rst */
#define SYSLET_IOC_REGISTER	_IOW(SYSLET_IOC_MAGIC, 1, struct async_head_user)
#define SYSLET_IOC_EXEC		_IOWR(SYSLET_IOC_MAGIC, 2, struct syslet_exec)
#define SYSLET_IOC_WAIT		_IO(SYSLET_IOC_MAGIC, 3)
#define SYSLET_IOC_UNREGISTER	_IO(SYSLET_IOC_MAGIC, 4)
#define SYSLET_IOC_UPCALL	_IOW(SYSLET_IOC_MAGIC, 5, struct syslet_upcall)
#define SYSLET_IOC_WAIT_TIMEOUT	_IOW(SYSLET_IOC_MAGIC, 0x20, struct syslet_wait)
#define SYSLET_IOC_EVENTFD	_IO(SYSLET_IOC_MAGIC, 0x21)
#define SYSLET_IOC_CANCEL	_IOW(SYSLET_IOC_MAGIC, 0x22, struct syslet_cancel)

/* Module operations, usable as an atom's nr beside the x86-64 __NR_*. */
#define SYSLET_NR_BASE		0x10000
#define SYSLET_NR_NOP		(SYSLET_NR_BASE + 0)	/* returns 0 */
#define SYSLET_NR_UMEM_ADD	(SYSLET_NR_BASE + 1)	/* *(long *)a0 += a1 */
/*
 * Bound the rest of the chain to a0 nanoseconds from now: once they have
 * passed, the chain ends with -ETIME as its final atom's result.
 */
#define SYSLET_NR_TIMEOUT	(SYSLET_NR_BASE + 2)

#endif /* _UAPI_SYSLET_H */
