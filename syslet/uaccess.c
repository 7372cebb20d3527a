// SPDX-License-Identifier: GPL-2.0
/*
 * syslet: the interpreter's user-memory env (atoms, arguments, results)
 * and the op dispatch shared by the caller and the workers.  A worker is a
 * thread of the submitting process, so "user memory" is the same address
 * space in both.
 */
#include <linux/indirect_call_wrapper.h>
#include <linux/nospec.h>
#include <linux/sched/signal.h>
#include <linux/uaccess.h>

#include <msgport/compat.h>

#include "syslet.h"

/*
 * Six words zeroed as six stores: a memset() or a loop becomes "rep stos",
 * which qemu's TCG runs as one translation block per word.
 */
static __always_inline void syslet_zero6(unsigned long *w)
{
	BUILD_BUG_ON(ARRAY_SIZE(((struct syslet_uatom *)0)->arg_ptr) != 6);
	w[0] = 0;
	w[1] = 0;
	w[2] = 0;
	w[3] = 0;
	w[4] = 0;
	w[5] = 0;
}

/*
 * A word of an atom, inside a user access section; a fault reads 0 and
 * sets *@err, for one test after all the words: where unsafe_get_user()
 * would test an error register per word (compat_get_user_or()), that is
 * one test instead of one per word; elsewhere a fault jumps out of the
 * load, without a test either way.
 */
static __always_inline unsigned long
syslet_get_atom_word(const void __user *uptr, int *err)
{
	const unsigned long __user *p = uptr;
	unsigned long v;

#ifdef COMPAT_GET_USER_OR
	compat_get_user_or(v, p, *err);
	return v;
#else
	unsafe_get_user(v, p, fault);
	return v;
fault:
	*err = -EFAULT;
	return 0;
#endif
}

/*
 * Read an atom: the fields the interpreter uses, word by word (no
 * byte-wise copy of all 88 bytes), and its last word, so that an atom
 * whose memory is not all readable still faults as a whole (88 bytes span
 * at most two pages: the first and the last word touch both).  The
 * arg_ptr slots after the first NULL are not read (the interpreter stops
 * there) and are zeroed.  With @args, each argument is read through its
 * arg_ptr as it is found, the rest of @args zeroed; the section is open
 * for the atom's address, so each pointer is checked here first, without
 * a speculation window (as copy_from_user() does).  Inside a user access
 * section.  0, -EFAULT (the atom) or SYSLET_ARGS_FAULT (an argument).
 */
static __always_inline int
syslet_unsafe_get_atom(struct syslet_uatom __user *ua, struct syslet_uatom *a,
		       unsigned long *args)
{
	unsigned long __user *p;
	int err = 0, i;

	/*
	 * The slots after the first NULL are zeroed first, without a loop
	 * after it: each test of one would end a translation block under
	 * qemu's TCG.
	 */
	syslet_zero6((unsigned long *)a->arg_ptr);
	if (args)
		syslet_zero6(args);
	a->flags = syslet_get_atom_word(&ua->flags, &err);
	a->nr = syslet_get_atom_word(&ua->nr, &err);
	a->ret_ptr = (long __user *)syslet_get_atom_word(&ua->ret_ptr, &err);
	a->next = (struct syslet_uatom __user *)
		  syslet_get_atom_word(&ua->next, &err);
	a->private = (void __user *)syslet_get_atom_word(&ua->private, &err);
	for (i = 0; i < ARRAY_SIZE(a->arg_ptr); i++) {
		/* A slot that faults reads as NULL: err says so below. */
		p = (unsigned long __user *)
		    syslet_get_atom_word(&ua->arg_ptr[i], &err);
		a->arg_ptr[i] = p;
		if (!p)
			break;
		if (!args)
			continue;
		if (!compat_user_ptr_nospec(&p, sizeof(*p)))
			goto args_fault;
		unsafe_get_user(args[i], p, args_fault);
	}
	if (unlikely(err))
		goto efault;
	return 0;
args_fault:
	/* A fault of the atom itself comes first. */
	if (err)
		goto efault;
	/* The slots after it are still zero. */
	a->arg_ptr[i] = NULL;
	args[i] = 0;
	return SYSLET_ARGS_FAULT;
efault:
	return -EFAULT;
}

int syslet_user_get_atom(void *priv, u64 uaddr, struct syslet_uatom *a)
{
	struct syslet_uatom __user *ua = u64_to_user_ptr(uaddr);
	int ret;

	if (!user_access_begin(ua, sizeof(*ua)))
		return -EFAULT;
	ret = syslet_unsafe_get_atom(ua, a, NULL);
	user_access_end();
	return ret;
}

/*
 * Store an atom's result, read the next atom and its arguments, in one
 * user access section: each section costs a STAC/CLAC pair, which
 * serialise the CPU (and end a translation block under qemu's TCG), and
 * a chain of short atoms is mostly these accesses.
 */
int syslet_user_put_get(void *priv, u64 ret_uaddr, long ret, u64 uaddr,
			struct syslet_uatom *a, unsigned long *args)
{
	long __user *rp = u64_to_user_ptr(ret_uaddr);
	struct syslet_uatom __user *ua = u64_to_user_ptr(uaddr);
	int err;

	if (ret_uaddr && !access_ok(rp, sizeof(*rp)))
		return SYSLET_PUT_FAULT;
	if (!user_access_begin(ua, sizeof(*ua))) {
		if (ret_uaddr && put_user(ret, rp))
			return SYSLET_PUT_FAULT;
		return -EFAULT;
	}
	if (ret_uaddr)
		unsafe_put_user(ret, rp, put_fault);
	/* The copy with arguments tests for them once, not per slot. */
	err = args ? syslet_unsafe_get_atom(ua, a, args) :
		     syslet_unsafe_get_atom(ua, a, NULL);
	user_access_end();
	return err;
put_fault:
	user_access_end();
	return SYSLET_PUT_FAULT;
}

int syslet_user_get_arg(void *priv, u64 uaddr, unsigned long *val)
{
	return get_user(*val, (unsigned long __user *)u64_to_user_ptr(uaddr));
}

int syslet_user_put_ret(void *priv, u64 uaddr, long ret)
{
	return put_user(ret, (long __user *)u64_to_user_ptr(uaddr));
}

/* Restart codes never reach user space: a system call atom sees -EINTR. */
static long syslet_fix_ret(long ret)
{
	switch (ret) {
	case -ERESTARTSYS:
	case -ERESTARTNOINTR:
	case -ERESTARTNOHAND:
	case -ERESTART_RESTARTBLOCK:
		return -EINTR;
	}
	return ret;
}

/*
 * op->fn(), with the data transfers that looping chains make as direct
 * calls: with retpolines an indirect call costs more than a few compares,
 * which is why the system call table is dispatched by a switch
 * (x64_sys_call()).
 */
static __always_inline long syslet_op_fn(const struct syslet_op *op,
					 const unsigned long *args, bool nowait)
{
#ifdef CONFIG_NET
	return INDIRECT_CALL_4(op->fn, syslet_op_recvfrom, syslet_op_sendto,
			       syslet_op_read, syslet_op_write, args, nowait);
#else
	return INDIRECT_CALL_2(op->fn, syslet_op_read, syslet_op_write, args,
			       nowait);
#endif
}

long syslet_user_call(void *priv, unsigned long nr,
		      const unsigned long *args, bool nowait, bool *wouldblock)
{
	const struct syslet_op *op = syslet_op_get(nr);
	long ret;

	if (!op)
		goto genuine;
	/*
	 * A submitter under seccomp: its system calls are all made
	 * genuinely, so that its filter sees each (module operations are
	 * not system calls: they run).  A chain submitted with plain
	 * SYSLET_IOC_EXEC has no genuine calls: its atom gets -EPERM and
	 * the chain stops.
	 */
	if (!priv) {
		/*
		 * SYSLET_IOC_EXEC refuses a confined caller, but a TSYNC
		 * filter can come from another thread while the run goes on
		 * (an atom blocked, a loop): from then on its system calls
		 * are denied, as a worker's would be.
		 */
		if (nr < SYSLET_NR_BASE && syslet_task_confined(current)) {
			*wouldblock = true;
			return SYSLET_CALL_DENIED;
		}
	} else if (priv == SYSLET_CALLER_GENUINE) {
		if (nr < SYSLET_NR_BASE && syslet_task_confined(current))
			goto genuine;
	} else {
		struct syslet_chain *c = priv;
		bool resumed = c->unparked;

		/*
		 * An atom resumed after a park began before: whatever came
		 * since (a filter) applies from the next atom on, as it
		 * would to an atom that blocked in its worker.
		 */
		ret = resumed ? 0 : syslet_chain_confined(c, nr);
		c->unparked = false;
		if (ret < 0)
			return ret;
		if (ret)
			goto genuine;
		/* A worker: socket and pipe I/O parks rather than blocks. */
		if (op->poll && syslet_chain_may_park(c, args[0], op->sock)) {
			struct syslet_worker *w = syslet_current_worker();

			nowait = true;
			c->pevents = op->poll;
			/*
			 * The atom it parked at last, come round again (a
			 * receive loop): most likely it waits again.  Park
			 * first, which finds it readable if it is, rather
			 * than make a read bound to fail (io_uring's
			 * IORING_RECVSEND_POLL_FIRST, here for loops).
			 */
			if (!resumed && w && c->park_atom == w->run.cur) {
				*wouldblock = true;
				return 0;
			}
		}
	}
	if (nowait && op->may_block) {
		*wouldblock = true;
		return 0;
	}
	ret = syslet_op_fn(op, args, nowait);
	/*
	 * One test for the common results: the codes looked at below
	 * (SYSLET_EGENUINE, SYSLET_EWOULDBLOCK, the -ERESTART* ones) all lie
	 * between -MAX_ERRNO and -ERESTARTSYS.
	 */
	BUILD_BUG_ON(-SYSLET_EWOULDBLOCK < ERESTARTSYS ||
		     -SYSLET_EGENUINE > MAX_ERRNO ||
		     ERESTART_RESTARTBLOCK < ERESTARTSYS);
	if (likely((unsigned long)(ret + MAX_ERRNO) > MAX_ERRNO - ERESTARTSYS))
		return ret;
	/* Module ops return any long; only system calls use the codes. */
	if (nr >= SYSLET_NR_BASE)
		return ret;
	if (ret == SYSLET_EWOULDBLOCK) {
		*wouldblock = true;
		return 0;
	}
	/* A case the op cannot run with the call's checks: the real call. */
	if (ret != SYSLET_EGENUINE)
		return syslet_fix_ret(ret);
genuine:
	/*
	 * A genuine call: by the caller itself (SYSLET_IOC_EXEC_CALL) or,
	 * in a worker, by a server thread.  Only numbers below the
	 * module's: the others are not system calls.
	 */
	if (!priv || nr >= SYSLET_NR_BASE)
		return -ENOSYS;
	if (priv == SYSLET_CALLER_GENUINE) {
		*wouldblock = true;
		return SYSLET_CALL_GENUINE;
	}
	return syslet_genuine_call(priv, nr, args);
}

/* The env of the synchronous phase: the caller is the submitter. */
bool syslet_caller_interrupted(void *priv)
{
	return signal_pending(current);
}

const struct syslet_env syslet_caller_env = {
	.get_atom = syslet_user_get_atom,
	.get_arg = syslet_user_get_arg,
	.put_ret = syslet_user_put_ret,
	.put_get = syslet_user_put_get,
	.call = syslet_user_call,
	.interrupted = syslet_caller_interrupted,
};

