// SPDX-License-Identifier: GPL-2.0
/*
 * syslet: the chain interpreter.
 *
 * An atom's arguments are read through arg_ptr[] up to the first NULL
 * when the atom runs, so an earlier atom's ret_ptr can feed a later
 * atom's argument.  After the atom runs its return value is stored
 * through ret_ptr (if set); then, if a SYSLET_STOP_ON_* condition holds,
 * the chain stops there, unless SYSLET_SKIP_TO_NEXT_ON_STOP makes it go on
 * at the atom linearly after this one in memory.  Otherwise it follows
 * next; NULL ends it.  The atom where it ends is the final atom.
 *
 * Memory access and the operations go through run->env: real user memory
 * and the op table in the module, in-kernel fakes in KUnit.  The user
 * env's functions are called directly (INDIRECT_CALL_*): with retpolines
 * an indirect call per access was a good part of an atom's cost.
 */
#include <linux/errno.h>
#include <linux/indirect_call_wrapper.h>
#include <linux/ktime.h>
#include <linux/sched.h>
#include <linux/string.h>
#include <linux/task_work.h>

#include "syslet.h"
#include "syslet_trace.h"

/*
 * The four conditions with & and | rather than && and ||: no branch per
 * condition, each of which ends a translation block under qemu's TCG.
 */
static bool syslet_stop(unsigned long flags, long ret)
{
	return (!!(flags & SYSLET_STOP_ON_NONZERO) & (ret != 0)) |
	       (!!(flags & SYSLET_STOP_ON_ZERO) & (ret == 0)) |
	       (!!(flags & SYSLET_STOP_ON_NEGATIVE) & (ret < 0)) |
	       (!!(flags & SYSLET_STOP_ON_NON_POSITIVE) & (ret <= 0));
}

/* With & rather than &&, as syslet_stop(); an atom's are tested once. */
static bool syslet_flags_valid(unsigned long flags)
{
	return !(flags & ~(unsigned long)SYSLET_FLAGS_ALL) &
	       ((flags & (SYSLET_ASYNC | SYSLET_SYNC)) !=
		(SYSLET_ASYNC | SYSLET_SYNC));
}

/**
 * syslet_count_index() - the slot of an operation in a context's counters
 * @nr: the atom's nr
 *
 * Return: @nr for system call numbers below SYSLET_COUNT_NR, a slot
 * after them for module operations, SYSLET_COUNT_OTHER otherwise.
 */
unsigned int syslet_count_index(unsigned long nr)
{
	unsigned long m = nr - SYSLET_NR_BASE;
	unsigned int other;

	/* As conditional moves: per atom. */
	other = m < SYSLET_COUNT_MODULE ? SYSLET_COUNT_NR + m :
					  SYSLET_COUNT_OTHER;
	return nr < SYSLET_COUNT_NR ? nr : other;
}

/* Add a tally slot to the context's counters. */
static void syslet_tally_flush(struct syslet_run *r, unsigned int slot)
{
	if (r->tally[slot].n)
		atomic_long_add(r->tally[slot].n,
				&r->counts[r->tally[slot].idx]);
	r->tally[slot].n = 0;
}

/*
 * Count an atom of @nr: in its tally slot (direct-mapped, so a read/write
 * loop keeps two), added to the counters when the slot is wanted for
 * another operation, holds SYSLET_TALLY_MAX, or the run returns.
 */
static void syslet_tally(struct syslet_run *r, unsigned long nr)
{
	unsigned int idx = syslet_count_index(nr), slot = idx % SYSLET_TALLY;
	/* One test: 0 if the slot is @idx's and has room (n <= MAX). */
	unsigned int miss = (r->tally[slot].idx ^ idx) |
			    (r->tally[slot].n / SYSLET_TALLY_MAX);

	if (unlikely(miss)) {
		syslet_tally_flush(r, slot);
		r->tally[slot].idx = idx;
	}
	r->tally[slot].n++;
}

/*
 * SYSLET_NR_TIMEOUT(ns): the rest of the chain may run for @ns more
 * nanoseconds.  An interpreter operation: it sets the run's deadline,
 * which the env arms (a worker's timer interrupts a blocking atom).
 */
static long syslet_set_timeout(struct syslet_run *r, unsigned long ns)
{
	if ((long)ns < 0)
		return -EINVAL;
	r->deadline = ktime_add_safe(ktime_get(), ns_to_ktime(ns));
	if (r->env->deadline)
		r->env->deadline(r->priv, r->deadline);
	return 0;
}

/*
 * Run one atom, whose flags are @valid or not; returns its result, or
 * sets *@wouldblock.
 */
static long syslet_run_atom(struct syslet_run *r,
			    const struct syslet_uatom *atom, bool valid,
			    bool *wouldblock)
{
	const struct syslet_env *env = r->env;
	unsigned long *args = r->args;
	u8 got = r->args_got;
	int i;

	r->args_got = SYSLET_ARGS_NONE;
	if (!valid)
		return -EINVAL;
	if (got == SYSLET_ARGS_FAULTED)
		return -EFAULT;
	if (got == SYSLET_ARGS_NONE) {
		memset(r->args, 0, sizeof(r->args));
		for (i = 0; i < ARRAY_SIZE(atom->arg_ptr) && atom->arg_ptr[i];
		     i++)
			if (INDIRECT_CALL_1(env->get_arg, syslet_user_get_arg,
					    r->priv,
					    (u64)(unsigned long)atom->arg_ptr[i],
					    &args[i]))
				return -EFAULT;
	}
	if (atom->nr == SYSLET_NR_TIMEOUT)
		return syslet_set_timeout(r, args[0]);
	return INDIRECT_CALL_1(env->call, syslet_user_call, r->priv, atom->nr,
			       args, r->sync && !(atom->flags & SYSLET_SYNC),
			       wouldblock);
}

/*
 * Why the chain must end now, as an atom result: the run's deadline has
 * passed (-ETIME), or, in a worker, the chain was cancelled on its own
 * (SYSLET_IOC_CANCEL: -ECANCELED) or timed out while an atom blocked.
 * 0 if it may go on.
 */
static long syslet_end_code(struct syslet_run *r)
{
	if (r->deadline && !ktime_before(ktime_get(), r->deadline))
		return -ETIME;
	if (!r->sync && r->env->cancel_code)
		return INDIRECT_CALL_1(r->env->cancel_code,
				       syslet_worker_cancel_code, r->priv);
	return 0;
}

/*
 * End the chain at @uaddr (@atom) with @code as its result: it is posted
 * whatever its flags, so that a cancelled or timed-out chain is always
 * seen.
 */
static int syslet_end_at(struct syslet_run *r, u64 uaddr,
			 const struct syslet_uatom *atom, long code)
{
	r->final = uaddr;
	r->post = true;
	trace_syslet_atom_end(uaddr, atom->nr, code);
	if (atom->ret_ptr &&
	    r->env->put_ret(r->priv, (u64)(unsigned long)atom->ret_ptr, code))
		return -EFAULT;
	return SYSLET_RUN_DONE;
}

/*
 * Where the chain goes after @atom, whose flags are @valid or not,
 * returned @ret; 0 if it ends there.
 */
static u64 syslet_next(const struct syslet_uatom *atom, bool valid, u64 cur,
		       long ret)
{
	if (!valid)
		return 0;
	if (syslet_stop(atom->flags, ret))
		return (atom->flags & SYSLET_SKIP_TO_NEXT_ON_STOP) ?
			cur + sizeof(struct syslet_uatom) : 0;
	return (u64)(unsigned long)atom->next;
}

/*
 * Store @ret through @ret_uaddr (if set), then read the atom at @uaddr to
 * run next: the env's put_get does both in one go, and reads the atom's
 * arguments too (r->args_got), so that going from one atom to the next
 * takes one user access section rather than one per word.  0,
 * SYSLET_PUT_FAULT or -EFAULT.
 */
static int syslet_put_get(struct syslet_run *r, u64 ret_uaddr, long ret,
			  u64 uaddr, struct syslet_uatom *atom)
{
	const struct syslet_env *env = r->env;
	int err;

	r->args_got = SYSLET_ARGS_NONE;
	if (env->put_get) {
		err = INDIRECT_CALL_1(env->put_get, syslet_user_put_get,
				      r->priv, ret_uaddr, ret, uaddr, atom,
				      r->args);
		if (err == SYSLET_ARGS_FAULT) {
			r->args_got = SYSLET_ARGS_FAULTED;
			return 0;
		}
		if (!err)
			r->args_got = SYSLET_ARGS_READ;
		return err;
	}
	if (ret_uaddr && env->put_ret(r->priv, ret_uaddr, ret))
		return SYSLET_PUT_FAULT;
	return env->get_atom(r->priv, uaddr, atom);
}

/*
 * Run the chain from r->cur; with @resume, atom r->cur has already run
 * (a genuine call the caller made) and returned @ret.
 */
static int __syslet_run_from(struct syslet_run *r, bool resume, long ret)
{
	const struct syslet_env *env = r->env;
	struct syslet_uatom *atom = &r->atom;
	bool wouldblock, intr, valid;
	u64 next, ret_uaddr;
	long code;
	int err;

	if (resume) {
		r->args_got = SYSLET_ARGS_NONE;
		if (INDIRECT_CALL_1(env->get_atom, syslet_user_get_atom,
				    r->priv, r->cur, atom))
			return -EFAULT;
	} else if (r->held) {
		/* A parked atom goes on with what it read when it began. */
		r->held = false;
		r->args_got = SYSLET_ARGS_READ;
	} else if (syslet_put_get(r, 0, 0, r->cur, atom)) {
		return -EFAULT;
	}
	/* A worker resuming a chain cancelled or timed out meanwhile. */
	code = r->sync ? 0 : syslet_end_code(r);
	if (code)
		return syslet_end_at(r, r->cur, atom, code);
	if (resume) {
		/* Re-read: an atom made invalid meanwhile ends as one. */
		valid = syslet_flags_valid(atom->flags);
		if (!valid)
			ret = -EINVAL;
		goto ran;
	}
	for (;;) {
		valid = syslet_flags_valid(atom->flags);
		if (r->sync && (atom->flags & SYSLET_ASYNC) && valid)
			return SYSLET_RUN_ASYNC;

		trace_syslet_atom_start(r->cur, atom->nr, r->sync);
		wouldblock = false;
		ret = syslet_run_atom(r, atom, valid, &wouldblock);
		if (wouldblock) {
			if (ret == SYSLET_CALL_GENUINE) {
				r->call_nr = atom->nr;
				return SYSLET_RUN_CALL;
			}
			if (ret == SYSLET_CALL_DENIED) {
				r->atoms++;
				return syslet_end_at(r, r->cur, atom, -EPERM);
			}
			return r->sync ? SYSLET_RUN_ASYNC : SYSLET_RUN_PARK;
		}
ran:
		r->atoms++;
		if (r->counts)
			syslet_tally(r, atom->nr);
		/* A wait cut short by a cancel or the deadline: say which. */
		code = ret == -EINTR ? syslet_end_code(r) : 0;
		if (code)
			return syslet_end_at(r, r->cur, atom, code);
		trace_syslet_atom_end(r->cur, atom->nr, ret);
		r->final = r->cur;
		r->post = !(atom->flags & SYSLET_NO_COMPLETE);

		ret_uaddr = (u64)(unsigned long)atom->ret_ptr;
		next = syslet_next(atom, valid, r->cur, ret);
		if (!next) {
			if (ret_uaddr &&
			    INDIRECT_CALL_1(env->put_ret, syslet_user_put_ret,
					    r->priv, ret_uaddr, ret))
				return -EFAULT;
			return SYSLET_RUN_DONE;
		}
		/* The next atom is read now; a fault counts only below. */
		err = syslet_put_get(r, ret_uaddr, ret, next, atom);
		if (err == SYSLET_PUT_FAULT)
			return -EFAULT;

		syslet_cond_resched();
		intr = INDIRECT_CALL_2(env->interrupted,
				       syslet_worker_interrupted,
				       syslet_caller_interrupted, r->priv);
		/* One test for the common case: none of the three. */
		if (unlikely((unsigned long)intr | (unsigned long)r->deadline |
			     (unsigned long)err)) {
			/*
			 * Cancelled on its own or past its deadline: end at
			 * next.  A cancel interrupts too (struct
			 * syslet_env), so without a deadline nothing is to
			 * be looked up.
			 */
			code = intr || r->deadline ? syslet_end_code(r) : 0;
			if (code && !err)
				return syslet_end_at(r, next, atom, code);
			if (intr) {
				if (!r->sync)
					return SYSLET_RUN_DONE;	/* cancelled */
				/* Hand over only an atom the worker can read. */
				if (err)
					return -EFAULT;
				r->cur = next;
				return SYSLET_RUN_ASYNC;
			}
			if (err)
				return -EFAULT;
		}
		r->cur = next;
		/*
		 * A worker runs its task_work (the final fput of a file an
		 * atom closed, ...) between atoms, as a system call's
		 * returns to user space do: the chain resumes at r->cur.
		 */
		if (!r->sync && task_work_pending(current))
			return SYSLET_RUN_YIELD;
	}
}

/**
 * syslet_run_flush() - add the atoms a run tallied to its counters
 * @r: the run
 *
 * syslet_run() and syslet_run_resume() do it before they return, unless
 * r->tally_kept.
 */
void syslet_run_flush(struct syslet_run *r)
{
	unsigned int i;

	if (r->counts)
		for (i = 0; i < SYSLET_TALLY; i++)
			syslet_tally_flush(r, i);
}

/* __syslet_run_from(), then the atoms it ran go to r->counts. */
static int syslet_run_from(struct syslet_run *r, bool resume, long ret)
{
	int err = __syslet_run_from(r, resume, ret);

	if (!r->tally_kept)
		syslet_run_flush(r);
	return err;
}

/**
 * syslet_run() - run a chain from r->cur
 * @r: the run; see struct syslet_run
 *
 * Context: process context; the env decides whose memory and identity.
 * Return: SYSLET_RUN_DONE when the chain ended (r->final, r->post set);
 * SYSLET_RUN_ASYNC (only with r->sync) when the rest, from r->cur, is to
 * run in a worker: an atom has SYSLET_ASYNC, would block, or a signal is
 * pending; SYSLET_RUN_YIELD (only without r->sync) when the worker has
 * task_work to run first, to call again for the rest, from r->cur;
 * SYSLET_RUN_PARK (only without r->sync) when atom r->cur, run without
 * blocking, would wait for its file (r->args[0]): park the chain there;
 * SYSLET_RUN_CALL when the env's call asked for atom r->cur to be made
 * as a genuine system call (r->call_nr, r->args): make it, then
 * syslet_run_resume() with its result; -EFAULT when an atom to run
 * cannot be read (r->final is the atom that led there, or 0 for the
 * first) or a return value cannot be stored (r->final is that atom).
 */
int syslet_run(struct syslet_run *r)
{
	return syslet_run_from(r, false, 0);
}

/**
 * syslet_run_resume() - go on after the genuine call of atom r->cur
 * @r: the run; r->cur is the atom whose call was made
 * @ret: the call's result
 *
 * The atom is read again (nothing is kept from the run that stopped
 * with SYSLET_RUN_CALL, which may have been another system call): @ret
 * is its result, stored through its ret_ptr, its stop conditions and
 * next followed, as if it had run in syslet_run().  An atom whose flags
 * are invalid by now gets -EINVAL instead and ends the chain.
 *
 * Context: as syslet_run().
 * Return: as syslet_run(); -EFAULT if the atom cannot be read (r->final
 * is then 0 if nothing else ran).
 */
int syslet_run_resume(struct syslet_run *r, long ret)
{
	return syslet_run_from(r, true, ret);
}
