/* SPDX-License-Identifier: GPL-2.0 */
/*
 * syslet internals.
 */
#ifndef _SYSLET_SYSLET_H
#define _SYSLET_SYSLET_H

#include <linux/completion.h>
#include <linux/cred.h>
#include <linux/err.h>
#include <linux/fs_struct.h>
#include <linux/hrtimer.h>
#include <linux/irq_work.h>
#include <linux/kref.h>
#include <linux/ktime.h>
#include <linux/llist.h>
#include <linux/mutex.h>
#include <linux/nospec.h>
#include <linux/path.h>
#include <linux/preempt.h>
#include <linux/resource.h>
#include <linux/sched.h>
#include <linux/seccomp.h>
#include <linux/spinlock.h>
#include <linux/types.h>
#include <linux/uidgid.h>
#include <linux/wait.h>

#include <msgport/compat.h>
#include <msgport/msgport.h>
#include <uapi/syslet.h>

/*
 * "Would block": a system-call op run with @nowait returns this to move
 * the chain to a worker.  No system call returns it (it is a kernel-
 * internal code); module ops, whose results are arbitrary longs, never
 * block.  Never seen by user space.
 */
#define SYSLET_EWOULDBLOCK	(-EIOCBQUEUED)

/*
 * "Make the genuine system call": a system-call op returns this, before
 * it has had any effect, for a case it cannot run with the system call's
 * checks through exported interfaces (net.c: a socket address under
 * syscall auditing).  The atom is then to be run as the real system call
 * by a thread of the process, as an atom without a native op is
 * (syslet_user_call()).  -MAX_ERRNO is no errno, and kernel-internal like
 * SYSLET_EWOULDBLOCK: never seen by user space.
 */
#define SYSLET_EGENUINE		(-MAX_ERRNO)

/*
 * What the caller env's call returns, with *wouldblock set, for an atom
 * without a native op when the caller makes genuine calls itself
 * (SYSLET_IOC_EXEC_CALL): the interpreter stops with SYSLET_RUN_CALL.
 * Blocking ops return 0 with *wouldblock set.
 */
#define SYSLET_CALL_GENUINE	1

/*
 * What an env's call returns, with *wouldblock set, for an atom it
 * refuses to run: the atom's result is -EPERM and the chain ends there,
 * as at a cancel.  The caller env's for a system call atom of
 * SYSLET_IOC_EXEC once the caller is confined by seccomp (a TSYNC filter
 * from another thread while the run goes on).
 */
#define SYSLET_CALL_DENIED	2

/* priv of the caller env for SYSLET_IOC_EXEC_CALL (NULL for EXEC). */
#define SYSLET_CALLER_GENUINE	((void *)1UL)

/* x86-64 system call numbers of the supported operations (stable ABI). */
enum {
	SYSLET_NR_read		= 0,
	SYSLET_NR_write		= 1,
	SYSLET_NR_close		= 3,
	SYSLET_NR_lseek		= 8,
	SYSLET_NR_pread64	= 17,
	SYSLET_NR_pwrite64	= 18,
	SYSLET_NR_readv		= 19,
	SYSLET_NR_writev	= 20,
	SYSLET_NR_nanosleep	= 35,
	SYSLET_NR_sendto	= 44,
	SYSLET_NR_recvfrom	= 45,
	SYSLET_NR_sendmsg	= 46,
	SYSLET_NR_recvmsg	= 47,
	SYSLET_NR_fsync		= 74,
	SYSLET_NR_fdatasync	= 75,
	SYSLET_NR_openat	= 257,
	SYSLET_NR_preadv	= 295,
	SYSLET_NR_pwritev	= 296,
	/* stat.c */
	SYSLET_NR_stat		= 4,
	SYSLET_NR_fstat		= 5,
	SYSLET_NR_lstat		= 6,
	SYSLET_NR_statfs	= 137,
	SYSLET_NR_fstatfs	= 138,
	SYSLET_NR_newfstatat	= 262,
	/* namei.c */
	SYSLET_NR_access	= 21,
	SYSLET_NR_mkdir		= 83,
	SYSLET_NR_mkdirat	= 258,
	SYSLET_NR_mknod		= 133,
	SYSLET_NR_mknodat	= 259,
	SYSLET_NR_faccessat	= 269,
	SYSLET_NR_faccessat2	= 439,
	SYSLET_NR_truncate	= 76,
	/* file.c */
	SYSLET_NR_dup		= 32,
	SYSLET_NR_getdents64	= 217,
	SYSLET_NR_fadvise64	= 221,
	SYSLET_NR_sync_file_range = 277,
	SYSLET_NR_fallocate	= 285,
	SYSLET_NR_syncfs	= 306,
	SYSLET_NR_readahead	= 187,
	SYSLET_NR_copy_file_range = 326,
	/* random.c */
	SYSLET_NR_getrandom	= 318,
};

/**
 * struct syslet_op - one supported operation
 * @name: its system call name
 * @fn: runs it; with @nowait it returns SYSLET_EWOULDBLOCK rather than
 *	block; returns the system call's result otherwise
 * @may_block: always hand it to a worker in the synchronous phase
 * @poll: a read of its file (args[0]): what it waits for, so that a
 *	worker can park it on a socket or pipe; 0 for the others
 * @sock: its file is a socket, or it fails (-ENOTSOCK) without waiting:
 *	a worker parks it without looking at the file first
 */
struct syslet_op {
	const char *name;
	long (*fn)(const unsigned long *args, bool nowait);
	bool may_block;
	bool sock;
	__poll_t poll;
};

extern const struct syslet_op syslet_ops[];
extern const struct syslet_op syslet_module_ops[];
extern const unsigned long syslet_nr_ops, syslet_nr_module_ops;

/**
 * syslet_op_get() - look up an operation
 * @nr: x86-64 system call number or SYSLET_NR_*
 *
 * Inline: asked for every atom.
 *
 * Return: the operation, or NULL if @nr is not supported.
 */
static inline const struct syslet_op *syslet_op_get(unsigned long nr)
{
	const struct syslet_op *op = NULL;

	/* nr is the user's: no speculative load of a function pointer. */
	if (nr < syslet_nr_ops)
		op = &syslet_ops[array_index_nospec(nr, syslet_nr_ops)];
	else if (nr - SYSLET_NR_BASE < syslet_nr_module_ops)
		op = &syslet_module_ops[array_index_nospec(nr - SYSLET_NR_BASE,
							  syslet_nr_module_ops)];
	return op && op->fn ? op : NULL;
}

/* Ops, one file per family (rw.c, fs.c, net.c, misc.c). */
long syslet_op_read(const unsigned long *args, bool nowait);
long syslet_op_write(const unsigned long *args, bool nowait);
long syslet_op_pread64(const unsigned long *args, bool nowait);
long syslet_op_pwrite64(const unsigned long *args, bool nowait);
long syslet_op_readv(const unsigned long *args, bool nowait);
long syslet_op_writev(const unsigned long *args, bool nowait);
long syslet_op_preadv(const unsigned long *args, bool nowait);
long syslet_op_pwritev(const unsigned long *args, bool nowait);
long syslet_op_lseek(const unsigned long *args, bool nowait);
long syslet_op_openat(const unsigned long *args, bool nowait);
long syslet_op_close(const unsigned long *args, bool nowait);
long syslet_op_fsync(const unsigned long *args, bool nowait);
long syslet_op_fdatasync(const unsigned long *args, bool nowait);
long syslet_op_nanosleep(const unsigned long *args, bool nowait);
long syslet_op_nop(const unsigned long *args, bool nowait);
long syslet_op_sendto(const unsigned long *args, bool nowait);
long syslet_op_recvfrom(const unsigned long *args, bool nowait);
long syslet_op_sendmsg(const unsigned long *args, bool nowait);
long syslet_op_recvmsg(const unsigned long *args, bool nowait);
long syslet_op_umem_add(const unsigned long *args, bool nowait);
/* stat.c */
long syslet_op_stat(const unsigned long *args, bool nowait);
long syslet_op_lstat(const unsigned long *args, bool nowait);
long syslet_op_fstat(const unsigned long *args, bool nowait);
long syslet_op_newfstatat(const unsigned long *args, bool nowait);
long syslet_op_statfs(const unsigned long *args, bool nowait);
long syslet_op_fstatfs(const unsigned long *args, bool nowait);
/* namei.c */
long syslet_op_mkdir(const unsigned long *args, bool nowait);
long syslet_op_mkdirat(const unsigned long *args, bool nowait);
long syslet_op_mknod(const unsigned long *args, bool nowait);
long syslet_op_mknodat(const unsigned long *args, bool nowait);
long syslet_op_access(const unsigned long *args, bool nowait);
long syslet_op_faccessat(const unsigned long *args, bool nowait);
long syslet_op_faccessat2(const unsigned long *args, bool nowait);
long syslet_op_truncate(const unsigned long *args, bool nowait);
/* file.c */
long syslet_op_dup(const unsigned long *args, bool nowait);
long syslet_op_getdents64(const unsigned long *args, bool nowait);
long syslet_op_fadvise64(const unsigned long *args, bool nowait);
long syslet_op_sync_file_range(const unsigned long *args, bool nowait);
long syslet_op_fallocate(const unsigned long *args, bool nowait);
long syslet_op_syncfs(const unsigned long *args, bool nowait);
long syslet_op_readahead(const unsigned long *args, bool nowait);
long syslet_op_copy_file_range(const unsigned long *args, bool nowait);
/* random.c */
long syslet_op_getrandom(const unsigned long *args, bool nowait);

/**
 * struct syslet_fs_scope - path look-ups as the submitting thread
 * @fs: in a worker, a private fs_struct with the submitter's root, working
 *	directory and umask (as they were at the hand-over)
 * @old: the fs_struct @fs replaced as current->fs, or NULL (in the
 *	submitter, whose own fs_struct is used as it is)
 *
 * Between syslet_fs_enter() and syslet_fs_leave(), look-ups relative to
 * AT_FDCWD or "/" and current_umask() are the submitting thread's.
 */
struct syslet_fs_scope {
	struct fs_struct fs;
	struct fs_struct *old;
};

void syslet_fs_enter(struct syslet_fs_scope *s);
void syslet_fs_leave(struct syslet_fs_scope *s);

/* Path look-ups as the submitting thread's, in a worker too (fs.c). */

/* ---------------------------------------------------------------------
 * The chain interpreter (exec.c).  Memory access and the operations go
 * through an env so that KUnit can run it against in-kernel fakes.
 */

struct syslet_env {
	int (*get_atom)(void *priv, u64 uaddr, struct syslet_uatom *atom);
	int (*get_arg)(void *priv, u64 uaddr, unsigned long *val);
	int (*put_ret)(void *priv, u64 uaddr, long ret);
	/*
	 * Optional: put_ret(@ret_uaddr, if not 0), get_atom(@uaddr) and,
	 * with @args, get_arg() of each of its arg_ptr[] up to the first
	 * NULL into @args (the rest zeroed), in one go.  0,
	 * SYSLET_PUT_FAULT (the store faulted, nothing read), -EFAULT (the
	 * atom could not be read) or SYSLET_ARGS_FAULT (the atom was read,
	 * an argument could not be).
	 */
	int (*put_get)(void *priv, u64 ret_uaddr, long ret, u64 uaddr,
		       struct syslet_uatom *atom, unsigned long *args);
	/* Runs op @nr; sets *@wouldblock instead if it would block. */
	long (*call)(void *priv, unsigned long nr, const unsigned long *args,
		     bool nowait, bool *wouldblock);
	/*
	 * Between atoms: true to stop (async) or leave the caller (sync);
	 * true whenever cancel_code() would not be 0.
	 */
	bool (*interrupted)(void *priv);
	/*
	 * Optional, async only: why the chain must end now as an atom
	 * result (-ECANCELED: cancelled on its own; -ETIME: its deadline
	 * passed while an atom blocked), 0 to go on.
	 */
	long (*cancel_code)(void *priv);
	/* Optional: SYSLET_NR_TIMEOUT set the run's deadline to @when. */
	void (*deadline)(void *priv, ktime_t when);
};

/*
 * A context's operation counters (fdinfo): one per system call number
 * below SYSLET_COUNT_NR, one per module operation, one for the rest.
 */
#define SYSLET_COUNT_NR		512
#define SYSLET_COUNT_MODULE	8
#define SYSLET_COUNT_OTHER	(SYSLET_COUNT_NR + SYSLET_COUNT_MODULE)
#define SYSLET_COUNT_SLOTS	(SYSLET_COUNT_OTHER + 1)

unsigned int syslet_count_index(unsigned long nr);

/* Operations a run tallies before adding to the counters, and how far. */
#define SYSLET_TALLY		4
#define SYSLET_TALLY_MAX	64

#define SYSLET_PUT_FAULT	1
#define SYSLET_ARGS_FAULT	2

/* The user-memory env's functions, called directly by the interpreter. */
int syslet_user_get_atom(void *priv, u64 uaddr, struct syslet_uatom *a);
int syslet_user_get_arg(void *priv, u64 uaddr, unsigned long *val);
int syslet_user_put_ret(void *priv, u64 uaddr, long ret);
int syslet_user_put_get(void *priv, u64 ret_uaddr, long ret, u64 uaddr,
			struct syslet_uatom *a, unsigned long *args);
long syslet_user_call(void *priv, unsigned long nr,
		      const unsigned long *args, bool nowait, bool *wouldblock);
bool syslet_worker_interrupted(void *priv);
long syslet_worker_cancel_code(void *priv);
bool syslet_caller_interrupted(void *priv);

enum syslet_run_args {
	SYSLET_ARGS_NONE,
	SYSLET_ARGS_READ,
	SYSLET_ARGS_FAULTED,
};

enum syslet_run_status {
	SYSLET_RUN_DONE,	/* ended at @final */
	SYSLET_RUN_ASYNC,	/* hand the rest, from @cur, to a worker */
	SYSLET_RUN_YIELD,	/* worker: task_work pending; resume at @cur */
	SYSLET_RUN_CALL,	/* caller: make genuine call @call_nr(@args) */
	SYSLET_RUN_PARK,	/* worker: atom @cur waits for its file: park */
};

/**
 * struct syslet_run - one execution of a chain
 * @env: accessors and operations
 * @priv: their argument
 * @cur: in: the atom to start at; out (SYSLET_RUN_ASYNC): where to resume
 * @sync: in the submitter's context: ops run with nowait, and the chain
 *	may move to a worker
 * @final: out: the atom the chain ended at, or the last one run before a
 *	yield (0 if none ran); zero it before the first call
 * @post: out: @final is to be posted to the ring (no SYSLET_NO_COMPLETE)
 * @atoms: out: atoms executed
 * @call_nr: out (SYSLET_RUN_CALL): the system call to make for atom @cur
 * @args: the arguments of the atom being run; out (SYSLET_RUN_CALL): the
 *	genuine call's
 * @args_got: @args already hold the next atom's, read with it by the
 *	env's put_get (SYSLET_ARGS_READ), or one of them faulted there
 *	(SYSLET_ARGS_FAULTED); SYSLET_ARGS_NONE: read them when it runs
 * @atom: the atom being run (atom @cur), as read from user memory
 * @held: in: @atom and @args already hold atom @cur, read when it began
 *	before it was parked (SYSLET_RUN_PARK): it goes on with them, as a
 *	blocking call goes on with the arguments it was made with
 * @deadline: in/out: when the chain must end with -ETIME
 *	(SYSLET_NR_TIMEOUT), 0 for never
 * @counts: optional: per-operation counters to add each atom run to
 *	(SYSLET_COUNT_SLOTS of them, see syslet_count_index())
 * @tally: atoms run not yet added to @counts, a few operations at a
 *	time (an atomic add per atom cost a quarter of a null atom)
 * @tally_kept: in: leave @tally to the caller's syslet_run_flush() when
 *	a call returns (a worker flushes once per pass and at each chain's
 *	end), rather than add it to @counts at every return
 */
struct syslet_run {
	const struct syslet_env *env;
	void *priv;
	u64 cur;
	bool sync;
	u64 final;
	bool post;
	unsigned long atoms;
	unsigned long call_nr;
	unsigned long args[6];
	u8 args_got;
	struct syslet_uatom atom;
	bool held;
	ktime_t deadline;
	atomic_long_t *counts;
	struct {
		u16 idx;
		u16 n;
	} tally[SYSLET_TALLY];
	bool tally_kept;
};

int syslet_run(struct syslet_run *r);
void syslet_run_flush(struct syslet_run *r);
int syslet_run_resume(struct syslet_run *r, long ret);

/* The synchronous phase's env: the caller is the submitter (uaccess.c). */
extern const struct syslet_env syslet_caller_env;

/* ---------------------------------------------------------------------
 * The completion ring (ring.c): slot bookkeeping on a kernel mapping of
 * the user's ring.  All functions need the owner's ring lock.
 */

/**
 * struct syslet_ring - kernel view of a registered completion ring
 * @slots: the ring, mapped into the kernel (vmap of the pinned pages)
 * @nr: number of slots
 * @tail: slots posted so far (next slot: @tail % @nr)
 * @reap: slots seen emptied by user space so far (@reap <= @tail)
 * @reserved: chains admitted that may still post (in flight, or in
 *	@backlog waiting for a slot)
 * @backlog: FIFO of final atoms whose slot user space has not emptied
 *	yet (it tampered with the ring); @reserved bounds its length
 * @nbacklog: entries in @backlog
 * @bhead: index of the oldest @backlog entry
 */
struct syslet_ring {
	u64 *slots;
	unsigned long nr;
	unsigned long tail;
	unsigned long reap;
	unsigned long reserved;
	u64 *backlog;
	unsigned long nbacklog;
	unsigned long bhead;
};

int syslet_ring_reserve(struct syslet_ring *ring);
void syslet_ring_unreserve(struct syslet_ring *ring);
void syslet_ring_post(struct syslet_ring *ring, u64 atom);
unsigned long syslet_ring_count(struct syslet_ring *ring);
void syslet_ring_flush(struct syslet_ring *ring);

/* ---------------------------------------------------------------------
 * Contexts and chains (main.c, chain.c).
 */

struct upc_space;
struct eventfd_ctx;

/**
 * struct syslet_ctx - one open /dev/syslet
 * @ref: references: the file, chains, workers, reapers
 * @lock: registration and binding (M)
 * @ring_lock: ring, accounting, chain and worker lists (R)
 * @wait: woken by ring posts and chain ends
 * @registered: a ring is registered (M, R)
 * @dead: the owner's file table closed the fd (R)
 * @cancelling: SYSLET_IOC_UNREGISTER or release is cancelling chains (R)
 * @gen: registration generation (R)
 * @mm: the owner's address space, grabbed (I)
 * @files: the owner's file table, compared only (I)
 * @tgid: the owner's thread group (I)
 * @ring: the completion ring (R)
 * @pages: the pinned ring pages (I)
 * @npages: number of @pages (I)
 * @vaddr: vmap of @pages (I)
 * @max_threads: workers at most (I)
 * @inflight: asynchronous chains not yet ended (R)
 * @chains: asynchronous chains not yet ended (R)
 * @port: spin port: chains for the workers
 * @reply_port: replyonly port: chain ends
 * @workers: live workers (R)
 * @idle: workers that found @port empty (R)
 * @zombies: killed workers, to stop (R)
 * @nr_workers: workers live or being created (R)
 * @nr_free: live workers without a chain (R)
 * @nr_queued: chains sent, not yet received, on @port or @woken (R)
 * @nr_parked: chains parked on a file or on @ready (R)
 * @ready: parked chains whose file woke them, for the workers (lockless)
 * @woken: chains taken off @ready, in the order they woke, for the
 *	workers: a resumed chain goes to a worker without a second pass
 *	through @port, which is under @ring_lock anyway (R)
 * @nr_woken: chains on @woken (R)
 * @idle_task: the task of @idle's first worker, or NULL (R; read under
 *	RCU by the poll wake-up, which may not take ring_lock)
 * @nr_active: workers that look at @ready before they sleep: awake, with
 *	a chain or between chains, and not blocked in an atom (atomic;
 *	each worker changes only its own share, struct syslet_worker's
 *	@counted)
 * @wake_work: wakes @idle_task when an active worker blocks while chains
 *	wait (the scheduler's hook, under the runqueue lock, cannot wake)
 * @rcu: frees the context after the wake-ups of its parked chains that
 *	may still read @nr_active and @idle_task (syslet_park_wake())
 * @upc: upcall space dispatched on each completion posted
 *	(SYSLET_IOC_UPCALL; M, R)
 * @upcid: the upcall identifier to dispatch, 0: none (M, R)
 * @upc_prio: its priority (M, R)
 * @servers: registered server threads, struct syslet_server (R)
 * @requests: genuine calls waiting for a server, struct syslet_request (R)
 * @taken: genuine calls a server is making (R)
 * @serve_wait: servers waiting for a request (exclusive) or shutdown
 * @token: the last request token given (R)
 * @evfd: eventfd signalled on each completion posted (SYSLET_IOC_EVENTFD;
 *	M, R)
 * @counts: atoms run, per operation (syslet_count_index()), since open;
 *	atomic, for fdinfo
 * @ident_lock: protects @ident and the users of every identity of the
 *	context's chains (D)
 * @ident: the identity of the last chain that went async, while chains
 *	with it are in flight; NULL once none is (D; not counted)
 *
 * Locking legend:
 *
 * - M: @lock (a mutex: registration and binding)
 * - R: @ring_lock (spinlock: ring, accounting, chain and worker lists)
 * - I: set at registration under M and @ring_lock; read-only while
 *   registered
 * - D: @ident_lock (spinlock; innermost)
 */
struct syslet_ctx {
	struct kref ref;
	struct mutex lock;
	spinlock_t ring_lock;
	wait_queue_head_t wait;

	bool registered;
	bool dead;
	bool cancelling;
	unsigned int gen;
	struct mm_struct *mm;
	struct files_struct *files;
	struct pid *tgid;

	struct syslet_ring ring;
	struct page **pages;
	unsigned int npages;
	void *vaddr;

	unsigned int max_threads;
	unsigned int inflight;
	struct list_head chains;
	struct lwkt_port port;
	struct lwkt_port reply_port;

	struct list_head workers;
	struct list_head idle;
	struct list_head zombies;
	unsigned int nr_workers;
	unsigned int nr_free;
	unsigned int nr_parked;
	struct llist_head ready;
	struct list_head woken;
	unsigned int nr_woken;
	struct task_struct *idle_task;
	atomic_t nr_active;
	struct irq_work wake_work;
	unsigned int nr_queued;
	struct rcu_head rcu;

	struct upc_space *upc;
	int upcid;
	int upc_prio;

	struct list_head servers;
	struct list_head requests;
	struct list_head taken;
	wait_queue_head_t serve_wait;
	u64 token;
	struct eventfd_ctx *evfd;
	atomic_long_t *counts;
	spinlock_t ident_lock;
	struct syslet_ident *ident;
};

/**
 * struct syslet_ident - the identity a thread submitted chains with
 * @users: chains holding it (the context's ident_lock)
 * @task: the submitting thread, counted
 * @cred: its subjective credentials, counted
 * @real_cred: its objective ones, counted, to compare
 * @root: its root directory ...
 * @pwd: ... working directory, both counted ...
 * @umask: ... and umask
 *
 * Read-only once made, and shared by the chains a thread submits while
 * its identity stays the same: a chain that goes async takes the
 * context's last identity if every field still matches the submitter,
 * and makes a new one otherwise.  Taking five references per chain (two
 * of them on the fs_struct's lock, dentries and mounts that the workers
 * drop again on other CPUs) was the dearest part of a one-atom
 * asynchronous chain.
 */
struct syslet_ident {
	unsigned int users;
	struct task_struct *task;
	const struct cred *cred;
	const struct cred *real_cred;
	struct path root;
	struct path pwd;
	umode_t umask;
};

/**
 * struct syslet_chain - an asynchronous chain, the message to a worker
 * @msg: the msgport message sent to the context's port
 * @ctx: the context
 * @node: link on the context's @chains (its ring_lock)
 * @gen: the registration generation it was admitted to
 * @start: user address of the atom it resumes at
 * @first: user address of its first atom, as submitted
 * @deadline: when it must end with -ETIME (SYSLET_NR_TIMEOUT), 0: never
 * @cancel_code: why it must end on its own (-ECANCELED, -ETIME), set
 *	once (cmpxchg), 0 while it may run on
 * @final: user address of its final atom, once it has ended
 * @post: post @final to the ring
 * @genuine: submitted with SYSLET_IOC_EXEC_CALL: atoms without a native
 *	op are genuine calls made by server threads
 * @worker: the worker running it, or NULL (the context's ring_lock)
 * @cancelled: the chain is being cancelled (set under the context's
 *	ring_lock, or by its worker; read without a lock)
 * @ident: the submitting thread's identity, struct syslet_ident (held)
 * @no_park: its next socket or pipe atom blocks in the worker instead
 *	of parking (once: the retry after a park that could not be) (O)
 * @unparked: resumed after a park: its atom runs as begun before (O)
 * @park_atom: user address of the atom it last parked at (O)
 * @pevents: what the atom that would block waits for (O)
 * @held: @patom and @pargs hold the atom it parked at and its
 *	arguments, read when it began: the worker that resumes it runs
 *	them (O)
 * @patom: see @held
 * @pargs: see @held
 * @pstate: SYSLET_PARK_*; the poll wake-up and a cancel change it by
 *	cmpxchg
 * @pfile: the file it is parked on, counted (O while parked)
 * @phead: the wait queue @pwait is on, or NULL
 * @pwait: its entry on @phead
 * @ready_node: link on the context's @ready once woken
 * @wnode: link on the context's @woken (its ring_lock)
 *
 * Its identity is the submitting thread's, taken when it went async
 * (@ident): its subjective credentials (Landlock domain included), and
 * root, pwd and umask for path look-ups.  Everything else that is per process
 * (file table, namespaces, cgroups, rlimits, tty, audit) is the worker's
 * own, because the worker is a thread of the same process.
 *
 * Locking: @node, @wnode and @worker are under the context's ring_lock;
 * the rest is owned by whoever holds the message.
 */
struct syslet_chain {
	struct lwkt_msg msg;
	struct syslet_ctx *ctx;
	struct list_head node;
	unsigned int gen;
	u64 start;
	u64 first;
	ktime_t deadline;
	long cancel_code;
	u64 final;
	bool post;
	bool genuine;
	struct task_struct *worker;
	bool cancelled;
	struct syslet_ident *ident;
	bool no_park;
	bool unparked;
	u64 park_atom;
	__poll_t pevents;
	bool held;
	struct syslet_uatom patom;
	unsigned long pargs[6];
	atomic_t pstate;
	struct file *pfile;
	struct wait_queue_head *phead;
	struct wait_queue_entry pwait;
	struct llist_node ready_node;
	struct list_head wnode;
};

/**
 * struct syslet_worker - a worker: a thread of the owning process
 * @node: link on ctx->workers or ctx->zombies; the reaper's (R)
 * @idle_node: link on ctx->idle (R)
 * @ctx: the context, counted
 * @vtsk: the vhost_task
 * @task: its task, set before @started
 * @files: the owner's file table, counted; installed at first run
 * @started: completed once the thread runs
 * @installed: @files is installed (O)
 * @live: on ctx->workers (R)
 * @dead: killed; on ctx->zombies if it was live (R)
 * @uid: the user it is charged to
 * @chain: the chain it runs (O, read by the reaper)
 * @run: @chain's interpreter state (O)
 * @timer: interrupts @chain at its deadline; armed only while @chain
 *	runs (O)
 * @own_cred: the worker's own credentials while it runs with a chain's
 *	(override_creds() held from one chain to the next), else NULL (O)
 * @counted: counted in ctx->nr_active (O; also by the scheduler's hook,
 *	which runs in the worker's own context)
 * @hooked: @pn is registered: the worker has a chain (O)
 * @pn: the scheduler's hook, which tells when the worker blocks in an
 *	atom
 *
 * Created by a thread of the process (vhost_task_create(): same thread
 * group, mm, fs, cgroups, namespaces, signal_struct), with a counted
 * reference to the process's file table installed as its own.
 *
 * Locking: R is the context's ring_lock; O: only the worker itself.
 */
struct syslet_worker {
	struct list_head node;
	struct list_head idle_node;
	struct syslet_ctx *ctx;
	struct vhost_task *vtsk;
	struct task_struct *task;
	struct files_struct *files;
	struct completion started;
	bool installed;
	bool live;
	bool dead;
	kuid_t uid;
	struct syslet_chain *chain;
	struct syslet_run run;
	struct hrtimer timer;
	const struct cred *own_cred;
	bool counted;
	bool hooked;
#ifdef CONFIG_PREEMPT_NOTIFIERS
	struct preempt_notifier pn;
#endif
};

/**
 * syslet_current_worker() - the worker current is, or NULL
 *
 * Inline: a worker asks for every atom that may park.
 *
 * Return: the worker, if current is a syslet worker thread.
 */
static inline struct syslet_worker *syslet_current_worker(void)
{
	struct syslet_worker *w;

	/*
	 * An exiting worker has no chain, and may already be freed: a
	 * reaper frees it once vhost_task_stop() has returned, which is
	 * before the thread's do_exit() closes its files (->flush).
	 */
	if (!SYSLET_HAVE_WORKERS ||
	    (current->flags & (PF_USER_WORKER | PF_IO_WORKER | PF_EXITING)) !=
	    PF_USER_WORKER)
		return NULL;
	w = current->worker_private;
	return w && w->task == current ? w : NULL;
}

void syslet_ctx_put(struct syslet_ctx *ctx);
bool syslet_is_device(struct file *file);
int syslet_go_async(struct syslet_ctx *ctx, u64 start, u64 first,
		    ktime_t deadline, unsigned int gen, bool genuine);
int syslet_chain_cancel(struct syslet_ctx *ctx, u64 first, unsigned int gen);
void syslet_worker_timer_init(struct syslet_worker *w);
bool syslet_ctx_cancel(struct syslet_ctx *ctx);
void syslet_ctx_init_ports(struct syslet_ctx *ctx);
extern const struct syslet_env syslet_worker_env;

/* Workers (worker.c). */
struct syslet_chain *syslet_current_chain(void);
int syslet_worker_create(struct syslet_ctx *ctx, unsigned int gen);
void syslet_worker_wake_locked(struct syslet_ctx *ctx);
void syslet_ctx_stop_workers(struct syslet_ctx *ctx, bool drained);
void syslet_ctx_defer_unregister(struct syslet_ctx *ctx, unsigned int gen);
void syslet_chain_run_begin(struct syslet_worker *w, struct syslet_chain *c);
void syslet_chain_run_end(struct syslet_worker *w, int ret);
int syslet_workers_init(void);
void syslet_workers_exit(void);

/* Genuine calls and their servers (serve.c). */
void syslet_ctx_init_servers(struct syslet_ctx *ctx);
long syslet_genuine_call(struct syslet_chain *c, unsigned long nr,
			 const unsigned long *args);
long syslet_serve(struct syslet_ctx *ctx, struct syslet_serve __user *us);
void syslet_ctx_stop_servers(struct syslet_ctx *ctx);
void syslet_probe_fill(struct syslet_probe *p);
long syslet_probe(struct syslet_probe __user *up);

/* Administration (main.c): module parameters. */
extern bool syslet_allow_confined;
extern unsigned int syslet_max_workers_per_ctx;
extern unsigned int syslet_max_workers_per_user;
extern unsigned int syslet_spin_ns;
extern bool syslet_worker_batch;
extern bool syslet_park;
extern bool syslet_handoff;
bool syslet_access_allowed(void);
/**
 * syslet_task_confined() - must @task's system calls meet its filter?
 * @task: a thread
 *
 * A native op is a kernel call made inside an ioctl, which is all a
 * seccomp filter sees: a confined task would bypass its filter.  Its
 * atoms are made as genuine calls instead (uaccess.c, genuine.c), and
 * SYSLET_IOC_EXEC, which makes none, is refused.
 *
 * Return: true unless @task runs without seccomp or syslet.allow_confined
 * is set.
 */
static inline bool syslet_task_confined(struct task_struct *task)
{
#ifdef CONFIG_SECCOMP
	return READ_ONCE(task->seccomp.mode) != SECCOMP_MODE_DISABLED &&
	       !READ_ONCE(syslet_allow_confined);
#else
	return false;
#endif
}

/**
 * syslet_chain_confined() - must this chain's atom @nr not run natively?
 * @c: the chain
 * @nr: the atom's number, of a native op
 *
 * Its submitter is confined by seccomp (and syslet.allow_confined is not
 * set): a system call atom of a chain submitted with
 * SYSLET_IOC_EXEC_CALL is then made as the genuine call, which the filter
 * sees; a chain submitted with SYSLET_IOC_EXEC makes no genuine calls:
 * it is cancelled there, and the atom gets -EPERM.
 *
 * Return: 0 to run the atom natively, 1 to make it as the genuine call,
 * or -EPERM.
 */
static inline int syslet_chain_confined(struct syslet_chain *c,
					unsigned long nr)
{
	if (likely(!syslet_task_confined(c->ident->task)))
		return 0;
	if (!c->genuine) {
		WRITE_ONCE(c->cancelled, true);
		return -EPERM;
	}
	return nr < SYSLET_NR_BASE;
}
bool syslet_is_owner(struct syslet_ctx *ctx);

/* Parking (park.c): a chain waits for its file without its worker. */
enum {
	SYSLET_PARK_NONE,	/* not parked */
	SYSLET_PARK_ARMING,	/* its worker is parking it */
	SYSLET_PARK_PARKED,	/* on its file's wait queue, no worker */
	SYSLET_PARK_READY,	/* woken: on ctx->ready, or taken from it */
	SYSLET_PARK_CANCELLED,	/* taken off the wait queue by a cancel */
};
bool syslet_chain_park(struct syslet_worker *w);
bool syslet_file_may_park(unsigned long fd);

/**
 * syslet_chain_may_park() - may a worker run this atom of @c without
 *	blocking, and park the chain if it would block?
 * @c: the chain (the worker's)
 * @fd: the atom's file descriptor
 * @sock: the operation takes only sockets (it fails at once on another
 *	file): @fd need not be looked at
 *
 * Only for a socket or a pipe, not right after a park that could not be
 * made (that atom then blocks, once).  Inline: a receive loop asks on
 * every round.
 *
 * Context: the worker.
 * Return: true to run the atom without blocking.
 */
static inline bool syslet_chain_may_park(struct syslet_chain *c,
					 unsigned long fd, bool sock)
{
	if (unlikely(c->no_park)) {
		c->no_park = false;
		return false;
	}
	if (!READ_ONCE(syslet_park))
		return false;
	return sock || syslet_file_may_park(fd);
}

/*
 * cond_resched() between atoms and between chains, as a system call's
 * return to user space would; with preemptible RCU it only reschedules,
 * so it is called only when that is due (the call is most of what it
 * costs otherwise).
 */
static __always_inline void syslet_cond_resched(void)
{
	if (!IS_ENABLED(CONFIG_PREEMPT_RCU) || need_resched())
		cond_resched();
}

bool syslet_park_cancel(struct syslet_chain *c);
void syslet_park_release(struct syslet_chain *c);
void syslet_ready_drain_locked(struct syslet_ctx *ctx);
void syslet_woken_requeue_locked(struct syslet_ctx *ctx,
				 struct syslet_chain *c);
lwkt_msg_t syslet_take_locked(struct syslet_ctx *ctx);
void syslet_idle_update_locked(struct syslet_ctx *ctx);
void syslet_wake_idle(struct syslet_ctx *ctx);
bool syslet_workers_active(struct syslet_ctx *ctx);
void syslet_wake_work(struct irq_work *work);
long syslet_owner_error(struct syslet_ctx *ctx);
void syslet_ctx_unregister(struct syslet_ctx *ctx);

#endif /* _SYSLET_SYSLET_H */
