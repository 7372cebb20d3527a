#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Where the instructions of a benchmark's operation go, by function.

Reads a boot's output (its IMARK lines, and the guest's /proc/kallsyms
between KSYMS-BEGIN and KSYMS-END, gzipped and in base64) and the
profile written by tools/bench/icount.c with profile=FILE, names each
block's function (user space as one "[user]") and prints, per measured figure, the instructions per
operation of its heaviest functions.  Sections of the same figure (its
repetitions) are added up.

Usage: bench-profile.py BOOT.OUT PROFILE [--top N] [--only TEXT] [--unit U]
scripts/bench-profile.sh runs the boot and this.
"""
import argparse
import base64
import bisect
import collections
import gzip
import re
import sys


def load_symbols(b64):
    syms = []
    for line in gzip.decompress(base64.b64decode(b64)).decode().splitlines():
        a = line.split()
        if len(a) >= 3:
            name = a[2] + (' ' + a[3] if len(a) > 3 else '')
            syms.append((int(a[0], 16), name))
    syms.sort()
    return [s[0] for s in syms], [s[1] for s in syms]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('boot')
    ap.add_argument('profile')
    ap.add_argument('--top', type=int, default=25)
    ap.add_argument('--only', default=None)
    ap.add_argument('--unit', default='instructions',
                    help='what the profile counts (blocks with blocks=1)')
    a = ap.parse_args()

    marks, b64, inside = [], [], False
    mark = re.compile(r'(?:syslet|msgport)_bench: IMARK (\S+) (\S+) (\S+) (\d+)')
    with open(a.boot, errors='replace') as f:
        for line in f:
            line = line.strip()
            if line == 'KSYMS-BEGIN':
                inside = True
            elif line == 'KSYMS-END':
                inside = False
            elif inside:
                b64.append(line)
            else:
                m = mark.search(line)
                if m:
                    marks.append((' '.join(m.groups()[:3]),
                                  int(m.group(4))))
    if not b64:
        sys.exit('bench-profile: no KSYMS in ' + a.boot)
    addrs, names = load_symbols(''.join(b64))

    per = collections.defaultdict(collections.Counter)
    ops = collections.Counter()
    # percpu=1: per label and vCPU, [instructions, blocks]
    cpus = collections.defaultdict(lambda: collections.defaultdict(
        lambda: [0, 0]))
    k = -1
    with open(a.profile) as f:
        for line in f:
            if line.startswith('PROFILE '):
                fields = line.split()
                k = int(fields[1])
                if k < len(marks):
                    ops[marks[k][0]] += marks[k][1]
                    for c in fields[2:]:
                        cpu, ins, blk = c.split(':')
                        cpus[marks[k][0]][cpu][0] += int(ins)
                        cpus[marks[k][0]][cpu][1] += int(blk)
                continue
            if k < 0 or k >= len(marks):
                continue
            va, n = line.split()
            va, n = int(va, 16), int(n)
            if va < 0xffff800000000000:
                fn = '[user]'
            else:
                i = bisect.bisect_right(addrs, va) - 1
                fn = names[i] if i >= 0 else '?'
            per[marks[k][0]][fn] += n
    for label in sorted(per):
        if a.only and a.only not in label:
            continue
        total = sum(per[label].values())
        print('%s: %.0f %s/op (%d ops)' %
              (label, total / ops[label], a.unit, ops[label]))
        for cpu in sorted(cpus[label]):
            ins, blk = cpus[label][cpu]
            print('  vCPU %s: %.0f instructions/op, %.0f blocks/op' %
                  (cpu, ins / ops[label], blk / ops[label]))
        for fn, n in per[label].most_common(a.top):
            print('  %10.1f  %5.1f%%  %s' % (n / ops[label], 100.0 * n / total,
                                           fn))
        print()


if __name__ == '__main__':
    main()
