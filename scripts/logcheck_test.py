#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Tests of scripts/logcheck.py on fixed logs: what is a kernel report, and
the reports only the emulator makes (the text-patching race, as a bench
boot's console had it; an RFLAGS no CPU can hold).  Prints "logcheck: N passed,
N failed" (part of make check)."""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import logcheck  # noqa: E402

RACE = '''fio_bench: DONE 0
[  171.208576] Oops: int3: 0000 [#1] PREEMPT SMP NOPTI
[  171.208826] CPU: 0 UID: 0 PID: 0 Comm: swapper/0 Tainted: G           OE      6.12.118+deb12-amd64 #1
[  171.209002] RIP: 0010:__schedule+0x428/0xbf0
[  171.209175] Code: 44 00 00 0f 1f 44 00 00 0f 1f 44 00 00 49 8d 85 40 0f 00 00 48 0f ba 28 00 49 83 bd 30 0f 00 00 00 74 06 f0 41 80 4d 00 02 0f <1f> 44 00 00 41 c7 44 24 34 01 00 00 00 4c 89 ef 66 0f 1f 44 00 00
[  171.210412] Kernel panic - not syncing: Fatal exception in interrupt
'''.splitlines()

# The first report of a make check run here (slab's cmpxchg16b, on a vCPU
# coming online): RFLAGS with reserved bits set.
DOUBLE = '''[    5.726291] traps: PANIC: double fault, error_code: 0x0
[    5.727739] Oops: double fault: 0000 [#1] PREEMPT SMP NOPTI
[    5.728228] CPU: 1 UID: 0 PID: 24 Comm: cpuhp/1 Tainted: G           OE      6.12.118+deb12-amd64 #1
[    5.728591] RIP: 0010:__kmalloc_node_noprof+0x21e/0x450
[    5.729206] Code: 48 8d 8a 00 20 00 00 65 48 0f c7 0e 0f 85 bb fe ff ff <41> 8b 44 24 28 0f 0d 0c 03
[    5.729344] RSP: 0018:ff703579400d3bb0 EFLAGS: 01a6c242
[    5.731719] Kernel panic - not syncing: Fatal exception in interrupt
'''.splitlines()


def case(name, lines, want):
    got = logcheck.emulator_fault(lines)
    ok = got == want
    print(f'{"ok" if ok else "not ok"} - logcheck: {name}')
    return ok


def found(name, lines, want):
    got = len(logcheck.reports(lines)[0])
    ok = got == want
    print(f'{"ok" if ok else "not ok"} - logcheck: {name}')
    return ok


def main():
    stray = [l.replace('0f <1f>', 'cc <1f>') for l in RACE]
    other = [l.replace('Oops: int3', 'Oops: general protection fault')
             for l in RACE]
    first = ['[    9.1] BUG: kernel NULL pointer dereference'] + RACE
    nocode = [l for l in RACE if 'Code:' not in l]
    results = [
        case('an int3 already gone is the race', RACE, True),
        case('an int3 still in place is not', stray, False),
        case('another Oops is not', other, False),
        case('only the first report counts', first, False),
        case('no Code line: not the race', nocode, False),
        case('a clean log is not', ['ok - x', 'VM-END'], False),
        case('RFLAGS with reserved bits set is the emulator', DOUBLE, True),
        case('the same report with a real RFLAGS is not', [
            l.replace('EFLAGS: 01a6c242', 'EFLAGS: 00010246')
            for l in DOUBLE], False),
        case('RFLAGS without bit 1 is the emulator', [
            l.replace('EFLAGS: 01a6c242', 'EFLAGS: 00010244')
            for l in DOUBLE], True),
        found('an Oops is a report', RACE, 2),
        found('base64 with "Oops" in it is not', [
            'HqvBa5gRT0a0id7NctihoE6wSDMBx3LPsMyKclfUtNS7sZcuHBNOopsO2BszvJ'
            'VmEtsRav803y+k'], 0),
        found("6.1's die() line without Oops: is a report",
              ['[    3.2] invalid opcode: 0000 [#1] PREEMPT SMP NOPTI'], 1),
        found('an announced warning is excused, once', [
            'expect WARNING: lwkt_bad', 'lwkt_bad misuse',
            'WARNING: CPU: 0 PID: 1 at x.c:1', 'lwkt_bad misuse',
            'WARNING: CPU: 0 PID: 1 at x.c:1'], 1),
    ]
    passed = sum(results)
    print(f'logcheck: {passed} passed, {len(results) - passed} failed')
    return 0 if passed == len(results) else 1


if __name__ == '__main__':
    sys.exit(main())
