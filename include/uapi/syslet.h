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
 *   (new)                   ioctl(fd, SYSLET_IOC_EXEC_CALL, &call)
 *   (new)                   ioctl(fd, SYSLET_IOC_SERVE, &serve)
 *   (new)                   ioctl(fd, SYSLET_IOC_PROBE, &probe)
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
 * @nr: the operation (offset 8): an x86-64 system call number, or a
 *	module operation SYSLET_NR_*.  A number the module runs natively
 *	(SYSLET_IOC_PROBE) runs in the kernel; any other system call number
 *	below SYSLET_NR_BASE is made as the genuine system call by a thread
 *	of the process in a chain submitted with SYSLET_IOC_EXEC_CALL
 *	(the caller, or a SYSLET_IOC_SERVE thread), and is -ENOSYS
 *	otherwise.  For a submitter under seccomp every system call number
 *	is made as the genuine call, native or not, so that its filter
 *	sees it.  Any other value makes the atom's result -ENOSYS.
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

/**
 * struct syslet_exec_call - SYSLET_IOC_EXEC_CALL argument
 * @atom: in: the chain's first atom; with SYSLET_EXEC_RESUME, the atom
 *	whose system call the caller made.  Out, on a return of
 *	SYSLET_EXEC_NEED_CALL: the atom whose system call to make.
 * @done: out: the chain's final atom, written only on a return of 1
 * @flags: in: 0 to start a chain at @atom, or SYSLET_EXEC_RESUME to
 *	give @ret as the result of @atom's system call and go on from
 *	there; other bits are invalid
 * @nr: out, on a return of SYSLET_EXEC_NEED_CALL: the system call number
 * @args: out, on a return of SYSLET_EXEC_NEED_CALL: its six arguments
 * @ret: in, with SYSLET_EXEC_RESUME: the system call's result, as the
 *	raw system call returns it (-errno on failure)
 *
 * 88 bytes.  The same ioctl runs the chain as SYSLET_IOC_EXEC does,
 * except that an atom whose @nr has no native operation stops the run:
 * the ioctl returns SYSLET_EXEC_NEED_CALL with the call in @atom, @nr
 * and @args; the caller makes that system call itself and calls again
 * with SYSLET_EXEC_RESUME and the result.  The kernel keeps no state in
 * between: it reads @atom again, stores @ret through its ret_ptr,
 * applies its stop conditions and goes on.  A chain submitted this way
 * that goes asynchronous has its genuine calls made by SYSLET_IOC_SERVE
 * threads.
 */
struct syslet_exec_call {
	__u64 atom;
	__u64 done;
	__u64 flags;
	__u64 nr;
	__u64 args[6];
	__s64 ret;
};

/* syslet_exec_call.flags: @ret is the result of @atom's system call. */
#define SYSLET_EXEC_RESUME	0x1
/* SYSLET_IOC_EXEC_CALL's return value: make the call, then resume. */
#define SYSLET_EXEC_NEED_CALL	2

/**
 * struct syslet_serve - SYSLET_IOC_SERVE argument
 * @flags: in: 0 to serve (answer @token, then wait for the next
 *	request), SYSLET_SERVE_REGISTER to register the calling thread as a
 *	server and return at once, SYSLET_SERVE_QUIT to make every server
 *	of the context return -ESHUTDOWN (at once if it waits, after its
 *	current call otherwise); other bits are invalid
 * @token: in: the request @ret answers, 0 if none; out: the request to
 *	make (never 0)
 * @ret: in: the result of request @token's system call, as the raw
 *	system call returns it (-errno on failure)
 * @nr: out: the system call number to make
 * @args: out: its six arguments
 *
 * 80 bytes.  A server is a thread of the context's owner (same thread
 * group and address space) that loops: make the call it received, then
 * SYSLET_IOC_SERVE again with its result.  A result for a request that
 * is no longer waiting (its chain was cancelled) is discarded.
 */
struct syslet_serve {
	__u64 flags;
	__u64 token;
	__s64 ret;
	__u64 nr;
	__u64 args[6];
};

#define SYSLET_SERVE_REGISTER	0x1
#define SYSLET_SERVE_QUIT	0x2

/* System call numbers SYSLET_IOC_PROBE describes: 0 to 1023. */
#define SYSLET_PROBE_NR		1024

/**
 * struct syslet_probe - SYSLET_IOC_PROBE argument, all out
 * @native: bit nr modulo 64 of word nr / 64 is set if system call nr
 *	runs natively (in the kernel, in the submitter or a worker); the
 *	other numbers below SYSLET_NR_BASE are genuine calls
 * @module_ops: bit i is set if module operation SYSLET_NR_BASE + i
 *	exists
 * @flags: 0 (reserved for properties of the caller)
 *
 * 144 bytes.  Needs no registration; describes this module, so that a
 * program can tell which atoms run without a system call of its own.
 */
struct syslet_probe {
	__u64 native[SYSLET_PROBE_NR / 64];
	__u64 module_ops;
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
#define SYSLET_IOC_EXEC_CALL	_IOWR(SYSLET_IOC_MAGIC, 6, struct syslet_exec_call)
#define SYSLET_IOC_SERVE	_IOWR(SYSLET_IOC_MAGIC, 7, struct syslet_serve)
#define SYSLET_IOC_PROBE	_IOR(SYSLET_IOC_MAGIC, 8, struct syslet_probe)

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
