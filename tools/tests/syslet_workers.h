/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The syslet_worker kernel threads seen from /proc, the module's
 * reference count from sysfs, and locked memory: what the lifecycle tests
 * and the fuzzer use to check that no chain is left running, no context
 * left open and nothing left pinned.
 */
#ifndef _SYSLET_WORKERS_H
#define _SYSLET_WORKERS_H

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/*
 * Call @fn(@stat, @arg) for each syslet_worker thread of process @pid
 * ("self" for this one), @stat its /proc stat line after "(comm) ": the
 * state letter first, then the fields from the fourth on.
 */
static inline void syslet_workers_each(const char *pid,
				       void (*fn)(const char *stat, void *arg),
				       void *arg)
{
	char dir[300];
	struct dirent *e;
	DIR *d;

	snprintf(dir, sizeof(dir), "/proc/%s/task", pid);
	d = opendir(dir);
	if (!d)
		return;
	while ((e = readdir(d))) {
		char path[600], buf[512], *p;
		FILE *f;
		size_t len;

		if (e->d_name[0] < '1' || e->d_name[0] > '9')
			continue;
		snprintf(path, sizeof(path), "%s/%s/stat", dir, e->d_name);
		f = fopen(path, "r");
		if (!f)
			continue;
		len = fread(buf, 1, sizeof(buf) - 1, f);
		fclose(f);
		buf[len] = 0;
		p = strrchr(buf, ')');
		if (p && p[1] && strstr(buf, "(syslet_worker)"))
			fn(p + 2, arg);
	}
	closedir(d);
}

struct syslet_worker_ticks_sum {
	long sum;
	int count;
};

static inline void syslet_worker_ticks_add(const char *stat, void *arg)
{
	struct syslet_worker_ticks_sum *t = arg;
	unsigned long ut, st;

	/* State, then fields 4..13, then utime, stime. */
	if (sscanf(stat, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %lu %lu",
		   &ut, &st) != 2)
		return;
	t->sum += ut + st;
	t->count++;
}

/* Add the CPU time of the syslet_worker threads of process @pid. */
static inline void syslet_worker_ticks_of(const char *pid, long *sum,
					  int *count)
{
	struct syslet_worker_ticks_sum t = { 0, 0 };

	syslet_workers_each(pid, syslet_worker_ticks_add, &t);
	*sum += t.sum;
	*count += t.count;
}

/*
 * CPU time, in clock ticks, used so far by all syslet_worker threads (of
 * every process: they are threads of the processes that own the
 * contexts); their number in *@n (may be NULL).
 */
static inline long syslet_worker_ticks(int *n)
{
	DIR *d = opendir("/proc");
	struct dirent *e;
	long sum = 0;
	int count = 0;

	if (!d)
		return -1;
	while ((e = readdir(d))) {
		if (e->d_name[0] < '1' || e->d_name[0] > '9')
			continue;
		syslet_worker_ticks_of(e->d_name, &sum, &count);
	}
	closedir(d);
	if (n)
		*n = count;
	return sum;
}

static inline double syslet_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static inline void syslet_sleep_ms(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

	while (clock_nanosleep(CLOCK_MONOTONIC, 0, &ts, &ts))
		;
}

/*
 * Wait until no syslet_worker uses CPU time over a window of @window_ms
 * (at most one tick, for rounding), for up to @limit_ms.  Returns 0 when
 * idle, or the ticks the workers used in the last window.
 */
static inline long syslet_workers_idle(long window_ms, long limit_ms)
{
	double end = syslet_now() + limit_ms / 1000.0;
	long t0, t1;

	for (;;) {
		t0 = syslet_worker_ticks(NULL);
		syslet_sleep_ms(window_ms);
		t1 = syslet_worker_ticks(NULL);
		if (t0 < 0 || t1 < 0)
			return -1;
		if (t1 - t0 <= 1)
			return 0;
		if (syslet_now() > end)
			return t1 - t0;
	}
}

/* The module's reference count (one per open /dev/syslet), or -1. */
static inline long syslet_module_refcnt(void)
{
	FILE *f = fopen("/sys/module/syslet/refcnt", "r");
	long n = -1;

	if (f) {
		if (fscanf(f, "%ld", &n) != 1)
			n = -1;
		fclose(f);
	}
	return n;
}

/*
 * This process's VmLck (its locked_vm, which rings and pinned upcall
 * structures are charged to), in kB, or -1.
 */
static inline long vmlck_kb(void)
{
	FILE *f = fopen("/proc/self/status", "r");
	char line[256];
	long kb = -1;

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "VmLck: %ld kB", &kb) == 1)
			break;
	fclose(f);
	return kb;
}

#endif /* _SYSLET_WORKERS_H */
