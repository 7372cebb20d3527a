#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Tests of scripts/bench_report.py on fixed input: repetitions, medians,
quartiles, ranges, verdicts, instruction counts and the chart.  Prints
"bench-report: N passed, N failed" (part of make check)."""
import math
import os
import sys
import tempfile
import traceback

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import bench_report as br  # noqa: E402

TESTS = []


def test(fn):
    TESTS.append(fn)
    return fn


def close(a, b):
    return a is not None and math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-12)


def boot(rounds):
    """A boot's output: rounds of {(bench, case, mech): figure}."""
    lines = ['vm: booting\n']
    for k, r in enumerate(rounds, 1):
        lines.append(f'bench: ROUND {k}\n')
        for (b, c, m), v in r.items():
            lines.append(f'x_bench: RESULT {b} {c} {m} {v} {v} ns/op\n')
    return lines


@test
def quantiles():
    assert br.quantile([3, 1, 2], 0.5) == 2
    assert br.quantile([1, 2, 3, 4], 0.5) == 2.5
    # Linear between ranks: (n - 1) p = 0.75 -> 1 + 0.75.
    assert close(br.quantile([1, 2, 3, 4], 0.25), 1.75)
    assert close(br.quantile([1, 2, 3, 4], 0.75), 3.25)
    assert br.quantile([7], 0.25) == 7
    assert br.quantile([], 0.5) is None
    s = br.spread([10, 1, 4, 3, 2])
    assert (s['median'], s['q1'], s['q3'], s['min'], s['max'], s['n']) == (3, 2, 4, 1, 10, 5)


@test
def repetitions_and_ratios():
    # Two boots of three rounds: ratios are taken within each round.
    a = ('S1', 'n=64', 'syslet')
    b = ('S1', 'n=64', 'io_uring')
    b1 = boot([{a: 100, b: 100}, {a: 300, b: 100}, {a: 200, b: 400}])
    b2 = boot([{a: 90, b: 100}, {a: 110, b: 100}, {a: 50, b: 100}])
    reps = br.parse(b1)[0] + br.parse(b2)[0]
    assert len(reps) == 6
    xs = br.ratios(reps, a, b)
    assert xs == [1.0, 3.0, 0.5, 0.9, 1.1, 0.5], xs
    t = br.summarise(reps)
    assert len(t) == 1 and t[0]['bench'] == 'S1' and t[0]['baseline'] == 'io_uring'
    row = next(r for r in t[0]['rows'] if r['mech'] == 'syslet')
    # sorted: 0.5 0.5 0.9 1.0 1.1 3.0
    assert close(row['ratio']['median'], 0.95)
    assert close(row['ratio']['q1'], 0.6)
    assert close(row['ratio']['q3'], 1.075)
    assert row['ratio']['min'] == 0.5 and row['ratio']['max'] == 3.0
    # figures sorted: 50 90 100 110 200 300
    assert close(row['figure']['median'], 105)


@test
def ab_runs_and_repeated_figures():
    # The A/B runs before the first round: one repetition each.
    lines = ['bench: ROUND A1\n',
             'syslet_bench: RESULT S4 64inflight syslet@A1 10 10 ops/s\n',
             'syslet_bench: RESULT S4 64inflight io_uring 20 20 ops/s\n',
             'syslet_bench: DONE 0\n',
             'bench: ROUND B1\n',
             'syslet_bench: RESULT S4 64inflight syslet@B1 30 30 ops/s\n',
             'syslet_bench: RESULT S4 64inflight io_uring 40 40 ops/s\n',
             'syslet_bench: DONE 0\n']
    reps, dones = br.parse(lines)
    assert len(reps) == 2 and dones == {'syslet_bench': [0, 0]}
    assert br.ratios(reps, ('S4', '64inflight', 'syslet@B1'),
                     ('S4', '64inflight', 'io_uring')) == [0.75]
    # Output without round lines: a figure seen again starts the next.
    lines = [x for x in lines if 'ROUND' not in x]
    lines = [x.replace('@A1', '').replace('@B1', '') for x in lines]
    reps = br.parse(lines)[0]
    assert br.ratios(reps, ('S4', '64inflight', 'syslet'),
                     ('S4', '64inflight', 'io_uring')) == [0.5, 0.75]


def target(test, value, spread):
    return dict(id='t', bench='S1', case='n=64', mech='syslet', baseline='io_uring',
                test=test, value=value, spread=spread, text='')


@test
def verdicts():
    xs = [0.5, 0.5, 0.9, 1.0, 1.1, 3.0]     # IQR 0.6-1.075, range 0.5-3
    assert br.verdict(target('<=', 1.2, 'iqr'), xs)[0] == 'met'
    assert br.verdict(target('<=', 1.0, 'iqr'), xs)[0] == 'undecided'
    assert br.verdict(target('<=', 0.55, 'iqr'), xs)[0] == 'missed'
    assert br.verdict(target('>=', 0.55, 'iqr'), xs)[0] == 'met'
    assert br.verdict(target('>=', 1.1, 'iqr'), xs)[0] == 'missed'
    assert br.verdict(target('>=', 0.55, 'all'), xs)[0] == 'undecided'
    assert br.verdict(target('>=', 0.5, 'all'), xs)[0] == 'met'
    assert br.verdict(target('<=', 0.4, 'all'), xs)[0] == 'missed'
    # A target exactly on a quartile holds (>= and <= include it).
    ys = [5, 1, 4, 2, 3]                    # IQR 2-4
    assert br.verdict(target('<=', 4, 'iqr'), ys)[0] == 'met'
    assert br.verdict(target('>=', 2, 'iqr'), ys)[0] == 'met'
    assert br.verdict(target('<=', 3.9, 'iqr'), ys)[0] == 'undecided'
    # Too few repetitions, or none, decide nothing.
    assert br.verdict(target('<=', 10, 'all'), xs[:4]) == \
        ('undecided', '4 repetitions, fewer than 5')
    assert br.verdict(target('<=', 10, 'all'), [])[0] == 'undecided'


@test
def targets_file():
    here = os.path.dirname(os.path.abspath(__file__))
    with open(os.path.join(here, 'bench-targets.txt')) as fh:
        ts = br.read_targets(fh)
    ids = [t['id'] for t in ts]
    assert ids == ['S4', 'fio-qd64', 'fio-qd1', 'S2', 'S1', 'M2',
                   'S2-chains', 'S2-linked', 'M2-counted', 'S5'], ids
    m2 = ts[5]
    assert (m2['mech'], m2['baseline'], m2['test'], m2['value'], m2['spread']) == \
        ('lwkt_sendmsg', 'queue_work_on', '>=', 1.5, 'all')
    try:
        br.read_targets(['S1 S1 n=64 syslet io_uring < 1.0 iqr text\n'])
    except ValueError:
        pass
    else:
        raise AssertionError('a bad test operator was accepted')


@test
def judge_and_text():
    a = ('M2', '2prod', 'lwkt_sendmsg')
    b = ('M2', '2prod', 'queue_work_on')
    rounds = [{a: v, b: 100} for v in (160, 170, 150, 155, 180)]
    reps = br.parse(boot(rounds))[0]
    t = dict(id='M2', bench='M2', case='2prod', mech='lwkt_sendmsg',
             baseline='queue_work_on', test='>=', value=1.5, spread='all', text='')
    j = br.judge([t], reps)
    assert j[0]['verdict'] == 'met' and close(j[0]['ratio']['median'], 1.6)
    rounds[2][a] = 140
    j = br.judge([t], br.parse(boot(rounds))[0])
    assert j[0]['verdict'] == 'undecided', j[0]
    text = br.render_text(br.summarise(br.parse(boot(rounds))[0]), j)
    assert 'M2        undecided lwkt_sendmsg/queue_work_on >= 1.5: 1.60 ' \
        '(IQR 1.55-1.70, range 1.40-1.80, n=5)' in text, text


@test
def icount():
    console = ['msgport_bench: IMARK M3 same direct_call 100\n',
               'msgport_bench: IMARK M3 same lwkt_domsg_sync_putport 100\n',
               'msgport_bench: IMARK M3 same direct_call 100\n',
               'msgport_bench: IMARK M3 same lwkt_domsg_sync_putport 100\n',
               'msgport_bench: IMARK M3 same direct_call 100\n']
    plugin = ['ICOUNT 0 1000\n', 'ICOUNT 1 5000\n', 'ICOUNT 2 1200\n',
              'ICOUNT 3 5400\n', 'ICOUNT 4 1100\n']
    ic = br.parse_icount(console, plugin)
    assert close(ic[('M3', 'same', 'direct_call')], 11.0)
    assert close(ic[('M3', 'same', 'lwkt_domsg_sync_putport')], 52.0)
    reps = br.parse(boot([{('M3', 'same', 'direct_call'): 10,
                           ('M3', 'same', 'lwkt_domsg_sync_putport'): 20}]))[0]
    row = next(r for r in br.summarise(reps, ic)[0]['rows']
               if r['mech'] == 'lwkt_domsg_sync_putport')
    assert row['insns_per_op'] == 52.0
    assert math.isclose(row['insns_ratio'], 52 / 11, rel_tol=1e-3)
    # A count without its name (or the other way round) is an error.
    try:
        br.parse_icount(console, plugin[:4])
    except ValueError:
        pass
    else:
        raise AssertionError('unpaired counts were accepted')


@test
def main_end_to_end():
    a = ('S1', 'n=64', 'syslet')
    b = ('S1', 'n=64', 'io_uring')
    with tempfile.TemporaryDirectory() as d:
        p = os.path.join(d, 'boot.out')
        with open(p, 'w') as fh:
            fh.writelines(boot([{a: 90, b: 100}] * 5))
        js, svg = os.path.join(d, 'b.json'), os.path.join(d, 'b.svg')
        rst = os.path.join(d, 'b.rst')
        old = sys.stdout
        sys.stdout = open(os.devnull, 'w')
        try:
            rc = br.main([p, '--json', js, '--svg', svg, '--rst', rst])
        finally:
            sys.stdout.close()
            sys.stdout = old
        # No DONE lines, no complete round: incomplete.
        assert rc == 1
        import json
        with open(js) as fh:
            j = json.load(fh)
        assert j['repetitions'] == 5 and j['problems']
        with open(svg) as fh:
            s = fh.read()
        assert s.startswith('<svg') and s.rstrip().endswith('</svg>')
        assert 'S1: cached 4 KiB reads' in s and '<rect' in s
        with open(rst) as fh:
            r = fh.read().splitlines()
        # A simple table: the rule, the header, the rule, one row, the rule.
        assert r[0].startswith('====') and r[0] == r[2] == r[4], r
        assert r[1].split() == ['benchmark', 'mechanism', 'baseline', 'ratio', 'IQR',
                                'min-max', 'n', 'insn', 'UML'], r
        assert r[3].split() == ['S1', 'n=64', 'syslet', 'io_uring', '0.90',
                                '0.90-0.90', '0.90-0.90', '5', '-', '-'], r


def main():
    passed = failed = 0
    for t in TESTS:
        try:
            t()
            passed += 1
        except Exception:
            failed += 1
            print(f'bench-report: {t.__name__} FAILED')
            traceback.print_exc()
    print(f'bench-report: {passed} passed, {failed} failed')
    return 1 if failed else 0


if __name__ == '__main__':
    sys.exit(main())
