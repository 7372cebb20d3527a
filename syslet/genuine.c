// SPDX-License-Identifier: GPL-2.0
/*
 * syslet: genuine system calls, and the server threads that make them.
 *
 * An atom whose nr has no native op (opdef.c) is made as the genuine
 * system call, by a user-mode thread of the submitting process, so that
 * seccomp, LSMs, audit and ptrace see it as they see any other call.  In
 * the synchronous phase the submitter makes it itself: SYSLET_IOC_EXEC_CALL
 * returns SYSLET_EXEC_NEED_CALL and the caller resumes the chain with the
 * result (main.c, exec.c).  A worker cannot enter user mode: it queues a
 * request on its context and sleeps; a server thread, a thread of the same
 * process blocked in SYSLET_IOC_SERVE, takes it, returns to user space,
 * makes the call and brings the result with its next SYSLET_IOC_SERVE.
 *
 * A request lives on the waiting worker's stack.  It is on ctx->requests
 * (queued, FIFO) or ctx->taken (a server makes it), always under the
 * context's ring_lock; whoever completes it (the server with the result,
 * a quit or an unregistration with an error) takes it off the lists,
 * marks it done and wakes the worker, all under the lock, and the worker
 * reads it under the lock before it returns, so the request outlives
 * every access.  A worker that stops waiting (its chain cancelled, the
 * process killed, its server gone) takes its request off the list
 * itself: a result that comes later finds no request with its token and
 * is discarded.  A call a server has started is not interrupted: it runs
 * to its end in the server thread, and only its result is lost.
 *
 * Servers register (their first SYSLET_IOC_SERVE) on ctx->servers, with a
 * counted reference to their task.  A worker queues a request only while
 * a registered server is alive (not exiting) and has not been told to
 * quit; otherwise the atom returns -ENOSYS, as it did before genuine
 * calls existed.  A waiting worker looks every SYSLET_SERVER_CHECK whether
 * the server making its call died (the atom then returns -EINTR) or, for
 * a request still queued, whether any server is left (-ENOSYS): a module
 * cannot hook a thread's exit.
 *
 * A submitter under seccomp has all its system call atoms made here
 * (uaccess.c).  Its calls must meet its filter, and seccomp filters are
 * per thread: a server takes a confined submitter's request only if it
 * runs under the very filter the submitter had when the request was
 * queued (threads that inherited it, or got it through
 * SECCOMP_FILTER_FLAG_TSYNC); with no such server the atom returns
 * -ENOSYS, and a submitter in strict mode gets -EPERM.  The filter
 * pointers are only compared, never followed.
 */
#include <linux/sched/signal.h>
#include <linux/sched/task.h>
#include <linux/slab.h>
#include <linux/uaccess.h>

#include <msgport/compat.h>
#include "syslet.h"

#define SYSLET_SERVER_CHECK	(HZ / 10)

/**
 * struct syslet_server - a thread registered to make genuine calls
 * @node: link on ctx->servers (R)
 * @task: the thread, counted
 * @quit: SYSLET_SERVE_QUIT: leave at the next SYSLET_IOC_SERVE (R)
 */
struct syslet_server {
	struct list_head node;
	struct task_struct *task;
	bool quit;
};

/**
 * struct syslet_request - a genuine call a worker waits for
 * @node: link on ctx->requests or ctx->taken (R)
 * @token: its identifier in the context, never 0 (I)
 * @nr: the system call number (I)
 * @args: its arguments (I)
 * @ret: its result, once @done (R)
 * @done: completed: @ret is set and @node is off the lists (R)
 * @worker: the waiting worker (I)
 * @server: the server making it, counted, or NULL while queued (R)
 * @confined: its submitter is under seccomp: only a server under
 *	@filter takes it (I)
 * @filter: the submitter's seccomp filter, compared only (I)
 *
 * R: the context's ring_lock; I: set before it is queued.
 */
struct syslet_request {
	struct list_head node;
	u64 token;
	unsigned long nr;
	unsigned long args[6];
	long ret;
	bool done;
	struct task_struct *worker;
	struct task_struct *server;
	bool confined;
	const void *filter;
};

/**
 * syslet_ctx_init_servers() - the server lists of a new context
 * @ctx: the context
 */
void syslet_ctx_init_servers(struct syslet_ctx *ctx)
{
	INIT_LIST_HEAD(&ctx->servers);
	INIT_LIST_HEAD(&ctx->requests);
	INIT_LIST_HEAD(&ctx->taken);
	init_waitqueue_head(&ctx->serve_wait);
}

static bool syslet_task_gone(struct task_struct *task)
{
	return READ_ONCE(task->flags) & PF_EXITING;
}

/*
 * @task's seccomp filter, to be compared only: another task's filter may
 * be read (it is one pointer) but not followed.
 */
static const void *syslet_task_filter(struct task_struct *task)
{
#ifdef CONFIG_SECCOMP
	return READ_ONCE(task->seccomp.filter);
#else
	return NULL;
#endif
}

/* May server thread @task make @rq's call? */
static bool syslet_request_fits(const struct syslet_request *rq,
				struct task_struct *task)
{
	return !rq->confined || syslet_task_filter(task) == rq->filter;
}

/* Is a server left to take queued request @rq? */
static bool syslet_servers_live(struct syslet_ctx *ctx,
				const struct syslet_request *rq)
{
	struct syslet_server *srv;

	lockdep_assert_held(&ctx->ring_lock);
	list_for_each_entry(srv, &ctx->servers, node)
		if (!srv->quit && !syslet_task_gone(srv->task) &&
		    syslet_request_fits(rq, srv->task))
			return true;
	return false;
}

/*
 * Tell the servers of @rq, queued: one (their waits are exclusive), or
 * all of them for a confined submitter's, which only some may take.
 */
static void syslet_serve_wake(struct syslet_ctx *ctx,
			      const struct syslet_request *rq)
{
	if (rq->confined)
		wake_up_all(&ctx->serve_wait);
	else
		wake_up(&ctx->serve_wait);
}

/* Complete @rq with @ret and wake its worker. */
static void syslet_request_complete(struct syslet_ctx *ctx,
				    struct syslet_request *rq, long ret)
{
	lockdep_assert_held(&ctx->ring_lock);
	list_del_init(&rq->node);
	rq->ret = ret;
	WRITE_ONCE(rq->done, true);
	wake_up_process(rq->worker);
}

/* Fail every queued request with @ret. */
static void syslet_requests_fail(struct syslet_ctx *ctx, long ret)
{
	struct syslet_request *rq, *tmp;

	lockdep_assert_held(&ctx->ring_lock);
	list_for_each_entry_safe(rq, tmp, &ctx->requests, node)
		syslet_request_complete(ctx, rq, ret);
}

/* Wait for @rq; returns the reason to stop waiting early, or 0 if done. */
static long syslet_request_wait(struct syslet_ctx *ctx,
				struct syslet_request *rq)
{
	long why = 0;

	for (;;) {
		set_current_state(TASK_INTERRUPTIBLE);
		if (READ_ONCE(rq->done))
			break;
		/* Cancelled (TIF_NOTIFY_SIGNAL), or SIGKILL. */
		if (signal_pending(current)) {
			why = -EINTR;
			break;
		}
		if (schedule_timeout(SYSLET_SERVER_CHECK))
			continue;
		spin_lock(&ctx->ring_lock);
		if (rq->done)
			why = 0;
		else if (rq->server)
			why = syslet_task_gone(rq->server) ? -EINTR : 0;
		else
			why = syslet_servers_live(ctx, rq) ? 0 : -ENOSYS;
		spin_unlock(&ctx->ring_lock);
		if (why)
			break;
	}
	__set_current_state(TASK_RUNNING);
	return why;
}

/**
 * syslet_genuine_call() - have a server thread make a system call
 * @c: the chain current runs as a worker
 * @nr: the system call number, without a native op
 * @args: its arguments
 *
 * Context: a worker, process context, may sleep.
 * Return: the call's result; -ENOSYS if @c was not submitted with
 * SYSLET_IOC_EXEC_CALL or no server is registered (or the last one quit
 * or died before taking the call; for a submitter under seccomp: no
 * server under its filter); -EPERM for a submitter in strict seccomp
 * mode; -EINTR if the chain was cancelled, the process killed, or the
 * server died before it answered.
 */
long syslet_genuine_call(struct syslet_chain *c, unsigned long nr,
			 const unsigned long *args)
{
	struct syslet_ctx *ctx = c->ctx;
	struct syslet_request rq = { .nr = nr, .worker = current };
	struct task_struct *server;
	long ret, why;

	if (!c->genuine)
		return -ENOSYS;
	if (syslet_task_confined(c->ident->task)) {
		rq.confined = true;
		rq.filter = syslet_task_filter(c->ident->task);
		if (!rq.filter)
			return -EPERM;
	}
	memcpy(rq.args, args, sizeof(rq.args));
	spin_lock(&ctx->ring_lock);
	if (READ_ONCE(c->cancelled) || ctx->cancelling || !ctx->registered ||
	    ctx->gen != c->gen) {
		spin_unlock(&ctx->ring_lock);
		return -EINTR;
	}
	if (!syslet_servers_live(ctx, &rq)) {
		spin_unlock(&ctx->ring_lock);
		return -ENOSYS;
	}
	rq.token = ++ctx->token;
	list_add_tail(&rq.node, &ctx->requests);
	syslet_serve_wake(ctx, &rq);
	spin_unlock(&ctx->ring_lock);

	why = syslet_request_wait(ctx, &rq);

	spin_lock(&ctx->ring_lock);
	if (rq.done) {
		ret = rq.ret;
	} else {
		list_del(&rq.node);
		ret = why ?: -EINTR;
	}
	server = rq.server;
	spin_unlock(&ctx->ring_lock);
	if (server)
		put_task_struct(server);
	return ret;
}

static struct syslet_server *syslet_server_find(struct syslet_ctx *ctx,
						struct task_struct *task)
{
	struct syslet_server *srv;

	lockdep_assert_held(&ctx->ring_lock);
	list_for_each_entry(srv, &ctx->servers, node)
		if (srv->task == task)
			return srv;
	return NULL;
}

/* Move servers whose thread has exited to @gone. */
static void syslet_servers_prune(struct syslet_ctx *ctx,
				 struct list_head *gone)
{
	struct syslet_server *srv, *tmp;

	lockdep_assert_held(&ctx->ring_lock);
	list_for_each_entry_safe(srv, tmp, &ctx->servers, node)
		if (syslet_task_gone(srv->task))
			list_move_tail(&srv->node, gone);
}

static void syslet_servers_free(struct list_head *gone)
{
	struct syslet_server *srv, *tmp;

	list_for_each_entry_safe(srv, tmp, gone, node) {
		put_task_struct(srv->task);
		kfree(srv);
	}
}

/* The request @token that current makes, or NULL. */
static struct syslet_request *syslet_taken_find(struct syslet_ctx *ctx,
						u64 token)
{
	struct syslet_request *rq;

	lockdep_assert_held(&ctx->ring_lock);
	list_for_each_entry(rq, &ctx->taken, node)
		if (rq->token == token && rq->server == current)
			return rq;
	return NULL;
}

/*
 * May current serve @ctx?  A thread of the owner (its thread group, mm
 * and file table) that is not a kernel-made worker, which cannot return
 * to user space.  Not while the context is being unregistered: its
 * servers are released then, and one registered after that would wait
 * for ever.  Returns the registration generation, or an errno.
 */
static long syslet_serve_admit(struct syslet_ctx *ctx)
{
	lockdep_assert_held(&ctx->ring_lock);
	if (!ctx->registered)
		return -EINVAL;
	if (!syslet_is_owner(ctx) || (current->flags & PF_USER_WORKER))
		return -EPERM;
	if (ctx->cancelling || ctx->dead)
		return -ESHUTDOWN;
	return ctx->gen;
}

/* SYSLET_SERVE_QUIT: every server leaves; queued calls get -ENOSYS. */
static long syslet_serve_quit(struct syslet_ctx *ctx)
{
	struct syslet_server *srv;
	long ret;

	spin_lock(&ctx->ring_lock);
	ret = syslet_serve_admit(ctx);
	if (ret >= 0) {
		ret = 0;
		list_for_each_entry(srv, &ctx->servers, node)
			srv->quit = true;
		syslet_requests_fail(ctx, -ENOSYS);
	}
	spin_unlock(&ctx->ring_lock);
	wake_up_all(&ctx->serve_wait);
	return ret;
}

/* The first queued request current may make, or NULL. */
static struct syslet_request *syslet_request_first(struct syslet_ctx *ctx)
{
	struct syslet_request *rq;

	lockdep_assert_held(&ctx->ring_lock);
	list_for_each_entry(rq, &ctx->requests, node)
		if (syslet_request_fits(rq, current))
			return rq;
	return NULL;
}

/*
 * Wait for a request and take it into @s.  0, -ESHUTDOWN (quit, or the
 * context unregistered or re-registered: not generation @gen) or -EINTR.
 */
static long syslet_serve_take(struct syslet_ctx *ctx, unsigned int gen,
			      struct syslet_serve *s, struct list_head *gone)
{
	struct syslet_request *rq;
	struct syslet_server *srv;
	DEFINE_WAIT(wait);
	long ret;

	for (;;) {
		prepare_to_wait_exclusive(&ctx->serve_wait, &wait,
					  TASK_INTERRUPTIBLE);
		spin_lock(&ctx->ring_lock);
		srv = NULL;
		if (ctx->registered && ctx->gen == gen && !ctx->cancelling)
			srv = syslet_server_find(ctx, current);
		if (!srv || srv->quit) {
			if (srv)
				list_move_tail(&srv->node, gone);
			spin_unlock(&ctx->ring_lock);
			ret = -ESHUTDOWN;
			break;
		}
		rq = syslet_request_first(ctx);
		if (rq) {
			list_move_tail(&rq->node, &ctx->taken);
			rq->server = get_task_struct(current);
			s->token = rq->token;
			s->nr = rq->nr;
			memcpy(s->args, rq->args, sizeof(s->args));
			spin_unlock(&ctx->ring_lock);
			ret = 0;
			break;
		}
		spin_unlock(&ctx->ring_lock);
		if (signal_pending(current)) {
			ret = -EINTR;
			break;
		}
		schedule();
	}
	finish_wait(&ctx->serve_wait, &wait);
	if (ret) {
		/* A wake-up this server took must not be lost to the others. */
		spin_lock(&ctx->ring_lock);
		if (!list_empty(&ctx->requests))
			wake_up_all(&ctx->serve_wait);
		spin_unlock(&ctx->ring_lock);
	}
	return ret;
}

/* The request could not be handed to user space: queue it again, first. */
static void syslet_serve_untake(struct syslet_ctx *ctx, u64 token)
{
	struct syslet_request *rq;
	struct task_struct *server = NULL;

	spin_lock(&ctx->ring_lock);
	rq = syslet_taken_find(ctx, token);
	if (rq) {
		list_move(&rq->node, &ctx->requests);
		server = rq->server;
		rq->server = NULL;
		syslet_serve_wake(ctx, rq);
	}
	spin_unlock(&ctx->ring_lock);
	if (server)
		put_task_struct(server);
}

/**
 * syslet_serve() - SYSLET_IOC_SERVE
 * @ctx: the context
 * @us: the user's struct syslet_serve
 *
 * Registers current as a server if it is not one, delivers the result of
 * the request it names, then (unless SYSLET_SERVE_REGISTER) waits for
 * the next request and writes it to @us.
 *
 * Context: process context, a thread of the owner; may sleep.
 * Return: 0, or -EFAULT, -EINVAL (bad flags, or not registered), -EPERM
 * (not a thread of the owning process), -ENOMEM, -ESHUTDOWN (told to
 * quit, or the context was unregistered), -EINTR (a signal).
 */
long syslet_serve(struct syslet_ctx *ctx, struct syslet_serve __user *us)
{
	struct syslet_server *srv, *nsrv = NULL;
	struct syslet_request *rq;
	struct syslet_serve s;
	LIST_HEAD(gone);
	long ret, gen;

	if (copy_from_user(&s, us, sizeof(s)))
		return -EFAULT;
	if (s.flags & ~(u64)(SYSLET_SERVE_REGISTER | SYSLET_SERVE_QUIT) ||
	    s.flags == (SYSLET_SERVE_REGISTER | SYSLET_SERVE_QUIT))
		return -EINVAL;
	if (s.flags & SYSLET_SERVE_QUIT)
		return syslet_serve_quit(ctx);

again:
	spin_lock(&ctx->ring_lock);
	ret = gen = syslet_serve_admit(ctx);
	if (ret < 0)
		goto out_unlock;
	srv = syslet_server_find(ctx, current);
	if (!srv) {
		if (!nsrv) {
			spin_unlock(&ctx->ring_lock);
			nsrv = kzalloc(sizeof(*nsrv), GFP_KERNEL_ACCOUNT);
			if (!nsrv)
				return -ENOMEM;
			goto again;
		}
		syslet_servers_prune(ctx, &gone);
		nsrv->task = get_task_struct(current);
		list_add_tail(&nsrv->node, &ctx->servers);
		srv = nsrv;
		nsrv = NULL;
	}
	/* A late result (the worker gave up) finds nothing: discarded. */
	if (s.token) {
		rq = syslet_taken_find(ctx, s.token);
		if (rq)
			syslet_request_complete(ctx, rq, s.ret);
	}
	if (srv->quit) {
		list_move_tail(&srv->node, &gone);
		ret = -ESHUTDOWN;
		goto out_unlock;
	}
	if (s.flags & SYSLET_SERVE_REGISTER) {
		ret = 0;
		goto out_unlock;
	}
	spin_unlock(&ctx->ring_lock);

	ret = syslet_serve_take(ctx, gen, &s, &gone);
	if (!ret && copy_to_user(us, &s, sizeof(s))) {
		syslet_serve_untake(ctx, s.token);
		ret = -EFAULT;
	}
	goto out;

out_unlock:
	spin_unlock(&ctx->ring_lock);
out:
	syslet_servers_free(&gone);
	kfree(nsrv);
	return ret;
}

/**
 * syslet_ctx_stop_servers() - release every server and request
 * @ctx: the context, being unregistered, its chains cancelled
 *
 * Servers waiting in SYSLET_IOC_SERVE return -ESHUTDOWN; requests still
 * there (of chains the unregistration could not wait for) get -EINTR.
 *
 * Context: process context.
 */
void syslet_ctx_stop_servers(struct syslet_ctx *ctx)
{
	struct syslet_request *rq, *tmp;
	LIST_HEAD(gone);

	spin_lock(&ctx->ring_lock);
	list_splice_init(&ctx->servers, &gone);
	syslet_requests_fail(ctx, -EINTR);
	list_for_each_entry_safe(rq, tmp, &ctx->taken, node)
		syslet_request_complete(ctx, rq, -EINTR);
	spin_unlock(&ctx->ring_lock);
	wake_up_all(&ctx->serve_wait);
	syslet_servers_free(&gone);
}

/**
 * syslet_probe_fill() - SYSLET_IOC_PROBE's answer, from the op table
 * @p: filled in whole
 */
void syslet_probe_fill(struct syslet_probe *p)
{
	unsigned long nr;

	memset(p, 0, sizeof(*p));
	for (nr = 0; nr < SYSLET_PROBE_NR; nr++)
		if (syslet_op_get(nr))
			p->native[nr / 64] |= 1ULL << (nr % 64);
	for (nr = 0; nr < 64; nr++)
		if (syslet_op_get(SYSLET_NR_BASE + nr))
			p->module_ops |= 1ULL << nr;
	/* An operation of the interpreter, not of the table. */
	p->module_ops |= 1ULL << (SYSLET_NR_TIMEOUT - SYSLET_NR_BASE);
}

/**
 * syslet_probe() - SYSLET_IOC_PROBE: which numbers run natively
 * @up: the user's struct syslet_probe
 *
 * Return: 0 or -EFAULT.
 */
long syslet_probe(struct syslet_probe __user *up)
{
	struct syslet_probe p;

	syslet_probe_fill(&p);
	return copy_to_user(up, &p, sizeof(p)) ? -EFAULT : 0;
}
