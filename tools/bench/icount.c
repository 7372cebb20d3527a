// SPDX-License-Identifier: GPL-2.0
/*
 * icount: a qemu TCG plugin that counts the guest instructions executed
 * between two marker instructions, for instructions per operation that do
 * not swing with the host's load as emulated time does.
 *
 * The markers are no-op instructions with a recognisable displacement,
 * executed by the benchmarks (msgport_bench.ko, syslet_bench):
 *
 *   nopl 0x4d500001(%rax)   begin: remember the count
 *   nopl 0x4d500002(%rax)   end: print "ICOUNT <k> <instructions>"
 *
 * where k numbers the ends from 0.  The count is of every instruction
 * every vCPU executed (kernel and user, the worker threads of the other
 * CPU included), added per translation block when the block starts.  Run
 * qemu with -accel tcg,thread=single so that the vCPUs do not race on the
 * counter.
 *
 * With profile=FILE it also counts the instructions of each translation
 * block between the markers and, at every end marker, writes
 *
 *   PROFILE <k>
 *   <block address> <instructions>...
 *
 * for the blocks that ran in that section: where the instructions of an
 * operation go (scripts/bench-profile.py names the functions).
 *
 * Options for the profile, which make every block call back (slower):
 *   percpu=1   also count instructions and blocks per vCPU: the PROFILE
 *              line then goes on with "<cpu>:<instructions>:<blocks>"
 *              for each vCPU that ran (which side of a benchmark, its
 *              threads pinned, costs what)
 *   cpu=N      profile the blocks that vCPU N runs only
 *   blocks=1   profile block executions, not instructions: every branch
 *              ends a block, and each costs TCG more than an instruction
 *
 * Built against the qemu-plugin.h of Debian's qemu source (scripts/deps.sh
 * unpacks it), loaded with
 *   -plugin build/icount.so,out=FILE[,profile=FILE]
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <qemu-plugin.h>

QEMU_PLUGIN_EXPORT int qemu_plugin_version = QEMU_PLUGIN_VERSION;

#define MARK_BEGIN	0x4d500001u
#define MARK_END	0x4d500002u

static uint64_t insns;		/* every vCPU's, added inline */
static uint64_t begun;
static unsigned long ends;
static FILE *out;

/* profile=: instructions per block address, open addressing. */
#define PROF_SIZE	(1u << 20)
struct block {
	uint64_t vaddr;
	uint64_t insns;		/* or executions, with blocks=1 */
	uint64_t n;		/* its instructions (cpu=, blocks=) */
};
static struct block *prof;
static unsigned int nprof;
static FILE *prof_out;

/* percpu=, cpu=, blocks=: see the top of the file. */
#define MAX_CPUS	8
static int percpu, prof_cpu = -1, prof_blocks;
static uint64_t cpu_insns[MAX_CPUS], cpu_blocks[MAX_CPUS];
static uint64_t cpu_insns0[MAX_CPUS], cpu_blocks0[MAX_CPUS];

/* A block of @udata's instructions ran on @vcpu (percpu=1). */
static void on_block(unsigned int vcpu, void *udata)
{
	if (vcpu < MAX_CPUS) {
		cpu_insns[vcpu] += (uintptr_t)udata;
		cpu_blocks[vcpu]++;
	}
}

/* A profiled block ran on @vcpu (cpu= or blocks=). */
static void on_prof_block(unsigned int vcpu, void *udata)
{
	struct block *b = udata;

	if (prof_cpu < 0 || (int)vcpu == prof_cpu)
		b->insns += prof_blocks ? 1 : b->n;
}

static struct block *prof_block(uint64_t vaddr)
{
	unsigned int i = (unsigned int)((vaddr * 0x9e3779b97f4a7c15ull) >> 44);

	for (;; i = (i + 1) & (PROF_SIZE - 1)) {
		if (prof[i].vaddr == vaddr)
			return &prof[i];
		if (!prof[i].vaddr)
			break;
	}
	if (nprof >= PROF_SIZE / 2)
		return NULL;	/* full enough: the rest goes uncounted */
	nprof++;
	prof[i].vaddr = vaddr;
	return &prof[i];
}

static void prof_reset(void)
{
	unsigned int i;

	for (i = 0; i < PROF_SIZE; i++)
		prof[i].insns = 0;
}

static void on_begin(unsigned int vcpu, void *udata)
{
	begun = insns;
	memcpy(cpu_insns0, cpu_insns, sizeof(cpu_insns));
	memcpy(cpu_blocks0, cpu_blocks, sizeof(cpu_blocks));
	if (prof)
		prof_reset();
}

static void on_end(unsigned int vcpu, void *udata)
{
	unsigned int i;

	if (prof) {
		fprintf(prof_out, "PROFILE %lu", ends);
		for (i = 0; percpu && i < MAX_CPUS; i++)
			if (cpu_blocks[i] != cpu_blocks0[i])
				fprintf(prof_out, " %u:%" PRIu64 ":%" PRIu64, i,
					cpu_insns[i] - cpu_insns0[i],
					cpu_blocks[i] - cpu_blocks0[i]);
		fprintf(prof_out, "\n");
		for (i = 0; i < PROF_SIZE; i++)
			if (prof[i].insns)
				fprintf(prof_out, "%" PRIx64 " %" PRIu64 "\n",
					prof[i].vaddr, prof[i].insns);
		fflush(prof_out);
	}
	fprintf(out, "ICOUNT %lu %" PRIu64 "\n", ends++, insns - begun);
	fflush(out);
}

/* 0f 1f 80 <disp32>: nopl disp32(%rax), with or without a REX prefix. */
static uint32_t marker(struct qemu_plugin_insn *insn)
{
	const uint8_t *p = qemu_plugin_insn_data(insn);
	size_t n = qemu_plugin_insn_size(insn);
	uint32_t disp;

	if (n != 7 || p[0] != 0x0f || p[1] != 0x1f || p[2] != 0x80)
		return 0;
	memcpy(&disp, p + 3, sizeof(disp));
	return disp;
}

static void tb_trans(qemu_plugin_id_t id, struct qemu_plugin_tb *tb)
{
	size_t i, n = qemu_plugin_tb_n_insns(tb);

	qemu_plugin_register_vcpu_tb_exec_inline(tb, QEMU_PLUGIN_INLINE_ADD_U64,
						 &insns, n);
	if (percpu)
		qemu_plugin_register_vcpu_tb_exec_cb(tb, on_block,
						     QEMU_PLUGIN_CB_NO_REGS,
						     (void *)(uintptr_t)n);
	if (prof) {
		struct block *b = prof_block(qemu_plugin_tb_vaddr(tb));

		if (b && (prof_cpu >= 0 || prof_blocks)) {
			b->n = n;
			qemu_plugin_register_vcpu_tb_exec_cb(tb, on_prof_block,
							     QEMU_PLUGIN_CB_NO_REGS,
							     b);
		} else if (b) {
			qemu_plugin_register_vcpu_tb_exec_inline(tb,
					QEMU_PLUGIN_INLINE_ADD_U64, &b->insns, n);
		}
	}
	for (i = 0; i < n; i++) {
		struct qemu_plugin_insn *insn = qemu_plugin_tb_get_insn(tb, i);
		uint32_t m = marker(insn);

		if (m == MARK_BEGIN)
			qemu_plugin_register_vcpu_insn_exec_cb(insn, on_begin,
							       QEMU_PLUGIN_CB_NO_REGS,
							       NULL);
		else if (m == MARK_END)
			qemu_plugin_register_vcpu_insn_exec_cb(insn, on_end,
							       QEMU_PLUGIN_CB_NO_REGS,
							       NULL);
	}
}

QEMU_PLUGIN_EXPORT int qemu_plugin_install(qemu_plugin_id_t id,
					   const qemu_info_t *info,
					   int argc, char **argv)
{
	const char *path = NULL, *ppath = NULL;
	int i;

	for (i = 0; i < argc; i++) {
		if (!strncmp(argv[i], "out=", 4))
			path = argv[i] + 4;
		else if (!strncmp(argv[i], "profile=", 8))
			ppath = argv[i] + 8;
		else if (!strncmp(argv[i], "percpu=", 7))
			percpu = atoi(argv[i] + 7);
		else if (!strncmp(argv[i], "cpu=", 4))
			prof_cpu = atoi(argv[i] + 4);
		else if (!strncmp(argv[i], "blocks=", 7))
			prof_blocks = atoi(argv[i] + 7);
	}
	out = path ? fopen(path, "w") : stderr;
	if (!out)
		return -1;
	if (ppath) {
		prof = calloc(PROF_SIZE, sizeof(*prof));
		prof_out = fopen(ppath, "w");
		if (!prof || !prof_out)
			return -1;
	}
	qemu_plugin_register_vcpu_tb_trans_cb(id, tb_trans);
	return 0;
}
