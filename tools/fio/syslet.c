// SPDX-License-Identifier: GPL-2.0
/*
 * fio external ioengine "syslet": each I/O unit is a syslet chain
 * submitted to /dev/syslet; a chain that finishes in the submitter's
 * context completes at once, one that went to a worker thread is reaped
 * from the completion ring.  Built against the source of the fio the host
 * runs (scripts/fio.sh); used as ioengine=external:<path>/syslet.so.
 * Documentation/fio.rst describes it.
 *
 * Engine options:
 *   syslet_chain    the 2007 engine's idiom: lseek(fd, offset, SEEK_SET)
 *                   then read/write, one chain, instead of pread64/pwrite64.
 *                   The two calls share the file position: only for
 *                   iodepth=1 or one I/O unit per file at a time.
 *   syslet_async    every chain goes straight to a worker (SYSLET_ASYNC),
 *                   so that every completion comes from the ring.
 *   syslet_threads  the context's max_nr_threads (default: iodepth).
 *   syslet_corrupt  testing only: flip one byte of every Nth completed
 *                   read, which verify= must catch.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "fio.h"
#include "optgroup.h"

#include "../lib/syslet.h"

struct syslet_options {
	void *pad;		/* an option's offset must not be 0 */
	unsigned int chain;
	unsigned int async;
	unsigned int threads;
	unsigned int corrupt;
};

static struct fio_option options[] = {
	{
		.name	= "syslet_chain",
		.lname	= "lseek + read/write chains",
		.type	= FIO_OPT_STR_SET,
		.off1	= offsetof(struct syslet_options, chain),
		.help	= "Submit lseek then read/write as one chain (the 2007 engine's idiom)",
		.category = FIO_OPT_C_ENGINE,
		.group	= FIO_OPT_G_INVALID,
	},
	{
		.name	= "syslet_async",
		.lname	= "Queue every chain to a worker",
		.type	= FIO_OPT_STR_SET,
		.off1	= offsetof(struct syslet_options, async),
		.help	= "Set SYSLET_ASYNC: every completion comes from the ring",
		.category = FIO_OPT_C_ENGINE,
		.group	= FIO_OPT_G_INVALID,
	},
	{
		.name	= "syslet_threads",
		.lname	= "Worker threads",
		.type	= FIO_OPT_INT,
		.off1	= offsetof(struct syslet_options, threads),
		.help	= "max_nr_threads of the syslet context (0: iodepth)",
		.def	= "0",
		.category = FIO_OPT_C_ENGINE,
		.group	= FIO_OPT_G_INVALID,
	},
	{
		.name	= "syslet_corrupt",
		.lname	= "Corrupt reads (testing)",
		.type	= FIO_OPT_INT,
		.off1	= offsetof(struct syslet_options, corrupt),
		.help	= "Testing only: flip a byte of every Nth completed read (0: never)",
		.def	= "0",
		.category = FIO_OPT_C_ENGINE,
		.group	= FIO_OPT_G_INVALID,
	},
	{
		.name	= NULL,
	},
};

/*
 * One I/O unit's chain.  The kernel reads an atom's arguments through its
 * pointers when the atom runs, so they live here until the completion.
 */
struct syslet_req {
	struct syslet_uatom atom[2];	/* op, or lseek then op */
	long ret;			/* result of the read/write/sync */
	long seek_ret;			/* result of the lseek */
	unsigned long fd, buf, len, off, whence;
	struct io_u *io_u;
};

struct syslet_data {
	struct syslet_ring ring;
	struct io_u **events;		/* reaped by getevents, for event */
	unsigned long nr_reads;		/* for syslet_corrupt */
};

static int fio_syslet_init(struct thread_data *td)
{
	struct syslet_options *o = td->eo;
	struct syslet_data *sd;
	unsigned long nr = 1, threads;
	int ret;

	sd = calloc(1, sizeof(*sd));
	if (!sd)
		return 1;
	sd->events = calloc(td->o.iodepth, sizeof(*sd->events));
	if (!sd->events)
		goto err_free;
	/* At most iodepth chains are in flight, each posting once. */
	while (nr < td->o.iodepth)
		nr <<= 1;
	threads = o->threads ? o->threads : td->o.iodepth;
	ret = syslet_setup(&sd->ring, nr, threads);
	if (ret) {
		td_verror(td, -ret, "syslet_setup");
		goto err_free;
	}
	td->io_ops_data = sd;
	return 0;

err_free:
	free(sd->events);
	free(sd);
	return 1;
}

static void fio_syslet_cleanup(struct thread_data *td)
{
	struct syslet_data *sd = td->io_ops_data;

	if (!sd)
		return;
	syslet_teardown(&sd->ring);
	free(sd->events);
	free(sd);
	td->io_ops_data = NULL;
}

static int fio_syslet_io_u_init(struct thread_data *td, struct io_u *io_u)
{
	struct syslet_req *req = calloc(1, sizeof(*req));

	if (!req)
		return 1;
	req->io_u = io_u;
	io_u->engine_data = req;
	return 0;
}

static void fio_syslet_io_u_free(struct thread_data *td, struct io_u *io_u)
{
	free(io_u->engine_data);
	io_u->engine_data = NULL;
}

/* Fill in @io_u's result from its chain, which ended at @done. */
static void fio_syslet_complete(struct thread_data *td, struct syslet_req *req,
				struct syslet_uatom *done)
{
	struct syslet_options *o = td->eo;
	struct syslet_data *sd = td->io_ops_data;
	struct io_u *io_u = req->io_u;
	long ret = done == &req->atom[1] || !req->atom[0].next ?
		   req->ret : req->seek_ret;

	if (ret < 0) {
		io_u->error = -ret;
		return;
	}
	if (!ddir_rw(io_u->ddir))
		return;
	io_u->resid = io_u->xfer_buflen - ret;
	if (io_u->ddir == DDIR_READ && o->corrupt && ret > 0 &&
	    ++sd->nr_reads % o->corrupt == 0)
		((unsigned char *)io_u->xfer_buf)[ret / 2] ^= 0x5a;
}

static enum fio_q_status fio_syslet_queue(struct thread_data *td,
					  struct io_u *io_u)
{
	struct syslet_options *o = td->eo;
	struct syslet_data *sd = td->io_ops_data;
	struct syslet_req *req = io_u->engine_data;
	struct syslet_uatom *op = &req->atom[0], *first = op;
	struct syslet_uatom *done = NULL;
	unsigned long nr;
	int ret;

	fio_ro_check(td, io_u);

	req->fd = io_u->file->fd;
	req->buf = (unsigned long)io_u->xfer_buf;
	req->len = io_u->xfer_buflen;
	req->off = io_u->offset;
	req->whence = SEEK_SET;
	req->ret = 0;
	req->seek_ret = 0;

	switch (io_u->ddir) {
	case DDIR_READ:
		nr = o->chain ? __NR_read : __NR_pread64;
		break;
	case DDIR_WRITE:
		nr = o->chain ? __NR_write : __NR_pwrite64;
		break;
	case DDIR_SYNC:
		nr = __NR_fsync;
		break;
	case DDIR_DATASYNC:
		nr = __NR_fdatasync;
		break;
	default:
		io_u->error = EINVAL;
		return FIO_Q_COMPLETED;
	}

	if (o->chain && ddir_rw(io_u->ddir)) {
		op = &req->atom[1];
		syslet_atom(first, __NR_lseek, SYSLET_STOP_ON_NEGATIVE,
			    &req->seek_ret, op, &req->fd, &req->off,
			    &req->whence, NULL);
		syslet_atom(op, nr, 0, &req->ret, NULL, &req->fd, &req->buf,
			    &req->len, NULL);
		first->private = req;
	} else if (ddir_rw(io_u->ddir)) {
		syslet_atom(op, nr, 0, &req->ret, NULL, &req->fd, &req->buf,
			    &req->len, &req->off, NULL);
	} else {
		syslet_atom(op, nr, 0, &req->ret, NULL, &req->fd, NULL);
	}
	op->private = req;
	if (o->async)
		first->flags |= SYSLET_ASYNC;

	/*
	 * The unit is issued now: a chain that completes in this call has
	 * its time in the completion latency, as psync's read has.
	 */
	if (fio_fill_issue_time(td)) {
		fio_gettime(&io_u->issue_time, NULL);
		if (td->o.read_iolog_file)
			memcpy(&td->last_issue, &io_u->issue_time,
			       sizeof(io_u->issue_time));
	}
	ret = syslet_exec(&sd->ring, first, &done);
	if (ret < 0) {
		io_u->error = -ret;
		return FIO_Q_COMPLETED;
	}
	if (ret == 1) {
		fio_syslet_complete(td, req, done);
		return FIO_Q_COMPLETED;
	}
	return FIO_Q_QUEUED;
}

/* Wait for @min completions in the ring, or until @t passed. */
static long fio_syslet_wait(struct syslet_data *sd, unsigned int min,
			    const struct timespec *t)
{
	struct syslet_wait w = { .min = min, .timeout_ns = -1 };
	long ret;

	if (!t)
		return syslet_wait(&sd->ring, min);
	w.timeout_ns = t->tv_sec * 1000000000LL + t->tv_nsec;
	ret = ioctl(sd->ring.fd, SYSLET_IOC_WAIT_TIMEOUT, &w);
	return ret < 0 ? -errno : ret;
}

static int fio_syslet_getevents(struct thread_data *td, unsigned int min,
				unsigned int max, const struct timespec *t)
{
	struct syslet_data *sd = td->io_ops_data;
	struct syslet_uatom *a;
	unsigned int n = 0;
	long ret;

	for (;;) {
		while (n < max && (a = syslet_reap(&sd->ring))) {
			struct syslet_req *req = a->private;

			fio_syslet_complete(td, req, a);
			sd->events[n++] = req->io_u;
		}
		if (n >= min)
			break;
		ret = fio_syslet_wait(sd, min - n, t);
		if (ret == -EINTR)
			continue;
		if (ret < 0) {
			if (ret == -ETIME || ret == -ETIMEDOUT)
				break;
			td_verror(td, -ret, "syslet_wait");
			return ret;
		}
		if (t && !ret)
			break;
	}
	return n;
}

static struct io_u *fio_syslet_event(struct thread_data *td, int event)
{
	struct syslet_data *sd = td->io_ops_data;

	return sd->events[event];
}

static struct ioengine_ops ioengine = {
	.name			= "syslet",
	.version		= FIO_IOOPS_VERSION,
	.flags			= FIO_ASYNCIO_SETS_ISSUE_TIME,
	.init			= fio_syslet_init,
	.cleanup		= fio_syslet_cleanup,
	.io_u_init		= fio_syslet_io_u_init,
	.io_u_free		= fio_syslet_io_u_free,
	.queue			= fio_syslet_queue,
	.getevents		= fio_syslet_getevents,
	.event			= fio_syslet_event,
	.open_file		= generic_open_file,
	.close_file		= generic_close_file,
	.get_file_size		= generic_get_file_size,
	.options		= options,
	.option_struct_size	= sizeof(struct syslet_options),
};

/* fio's dlsym() entry point for an external engine. */
void get_ioengine(struct ioengine_ops **ops)
{
	*ops = &ioengine;
}
