#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""make bench's report: tables, target verdicts, build/bench.json and
build/bench.svg from the benchmarks' output.

Input, one file per VM boot (what scripts/vm.sh --bench printed):

  <prog>: RESULT <bench> <case> <mechanism> <median> <p99> <unit>
  <prog>: DONE <rc>
  bench: ROUND <k>                     (a round: every benchmark once)
  <prog>: IMARK <bench> <case> <mechanism> <operations>   (icount boot)

and for the instruction-counting boot the plugin's file of
"ICOUNT <k> <instructions>" lines, the k-th naming the k-th IMARK.

A repetition is one round of one boot; a ratio is a mechanism's figure
over its baseline's in the same repetition.  Per ratio the report gives
the median over the repetitions, the interquartile range and min-max.

Usage: bench_report.py [--smoke] [--targets FILE] [--json FILE]
         [--svg FILE] [--rst FILE] [--icount CONSOLE PLUGIN_OUT] [--uml FILE]...
         [--rc N]... [--note TEXT] BOOT_OUTPUT...
"""
import argparse
import json
import math
import sys

# Baseline of each benchmark, its title, and whether a larger figure is
# better.
TABLES = {
    'M1': ('round trip, ns/op', 'kthread_worker', False),
    'M2': ('throughput, ops/s', 'queue_work_on', True),
    'M3': ('synchronous putport, ns per 100 ops', 'direct_call', False),
    'M4': ('private service threads, ops/s', 'wq_unbound', True),
    'S1': ('cached 4 KiB reads, ns per read', 'io_uring', False),
    'S2': ('the same, forced asynchronous, ns per read', 'io_uring', False),
    'S3': ('null operations, ns per op', 'io_uring', False),
    'S4': ('completions with 64 in flight, ops/s', 'io_uring', True),
    'S5': ('TCP echo, 16 connections, round trips/s', 'epoll', True),
    'F1': ('fio randread 4 KiB, IOPS', 'io_uring', True),
    'F2': ('fio randread 4 KiB, completion latency p50, ns', 'io_uring', False),
    'F3': ('fio randwrite 4 KiB, IOPS', 'io_uring', True),
    'F4': ('fio randwrite 4 KiB, completion latency p50, ns', 'io_uring', False),
}
# The fewest repetitions a verdict needs.
MIN_REPS = 5
# Rows a complete round has at least (msgport_bench, syslet_bench,
# fio_bench).
MIN_ROWS = 19 + 37 + 120
# The programs whose DONE line every round must show, with 0.
PROGS = ('msgport_bench', 'syslet_bench', 'fio_bench')


def quantile(xs, p):
    """The p-quantile of xs, linear between the closest ranks
    (numpy's default and statistics.quantiles(method='inclusive'))."""
    s = sorted(xs)
    if not s:
        return None
    pos = (len(s) - 1) * p
    lo = math.floor(pos)
    hi = min(lo + 1, len(s) - 1)
    return s[lo] + (s[hi] - s[lo]) * (pos - lo)


def spread(xs):
    """Median, quartiles and range of xs, or None for no samples."""
    if not xs:
        return None
    return dict(median=quantile(xs, 0.5), q1=quantile(xs, 0.25),
                q3=quantile(xs, 0.75), min=min(xs), max=max(xs), n=len(xs))


def parse(lines, boot=0):
    """RESULT lines of one boot as repetitions: a list of dicts
    {(bench, case, mech): (figure, unit)}, and {prog: [DONE rc, ...]}.
    A repetition ends at a "bench: ROUND" line or when a figure repeats
    (the A/B runs before the first round)."""
    reps, cur, dones = [], {}, {}
    for line in lines:
        if 'bench: ROUND' in line:
            if cur:
                reps.append(cur)
            cur = {}
            continue
        for prog in PROGS:
            if prog + ': DONE' in line:
                dones.setdefault(prog, []).append(int(line.split()[-1]))
        if ': RESULT ' not in line:
            continue
        f = line.split('RESULT', 1)[1].split()
        if len(f) < 6:
            continue
        key = (f[0], f[1], f[2])
        if key in cur:
            reps.append(cur)
            cur = {}
        cur[key] = (int(f[3]), f[5])
    if cur:
        reps.append(cur)
    return reps, dones


def parse_icount(console, plugin):
    """Instructions per operation per (bench, case, mech): the median over
    the sections the IMARK lines name.  Raises ValueError when the
    counts and the names do not pair up."""
    marks = []
    for line in console:
        if ': IMARK ' in line:
            f = line.split('IMARK', 1)[1].split()
            marks.append(((f[0], f[1], f[2]), int(f[3])))
    counts = {}
    for line in plugin:
        f = line.split()
        if len(f) == 3 and f[0] == 'ICOUNT':
            counts[int(f[1])] = int(f[2])
    if len(counts) != len(marks) or sorted(counts) != list(range(len(marks))):
        raise ValueError(f'{len(marks)} IMARK lines, {len(counts)} ICOUNT lines')
    per = {}
    for k, (key, ops) in enumerate(marks):
        per.setdefault(key, []).append(counts[k] / ops)
    return {key: quantile(v, 0.5) for key, v in per.items()}


def ratios(reps, key, base):
    """key's figure over base's, in every repetition that has both."""
    out = []
    for r in reps:
        if key in r and base in r and r[base][0] > 0:
            out.append(r[key][0] / r[base][0])
    return out


def read_targets(lines):
    targets = []
    for line in lines:
        line = line.strip()
        if not line or line.startswith('#'):
            continue
        f = line.split(None, 8)
        if len(f) < 8 or f[5] not in ('>=', '<=') or f[7] not in ('iqr', 'all'):
            raise ValueError(f'bad target line: {line}')
        targets.append(dict(id=f[0], bench=f[1], case=f[2], mech=f[3],
                            baseline=f[4], test=f[5], value=float(f[6]),
                            spread=f[7], text=f[8] if len(f) > 8 else ''))
    return targets


def verdict(target, xs):
    """met, missed or undecided, and why, for the ratios xs."""
    s = spread(xs)
    if s is None:
        return 'undecided', 'no data'
    if s['n'] < MIN_REPS:
        return 'undecided', f'{s["n"]} repetitions, fewer than {MIN_REPS}'
    lo, hi = (s['q1'], s['q3']) if target['spread'] == 'iqr' else (s['min'], s['max'])
    v = target['value']
    ok_lo, ok_hi = (lo >= v, hi >= v) if target['test'] == '>=' else (lo <= v, hi <= v)
    if ok_lo and ok_hi:
        return 'met', ''
    if not ok_lo and not ok_hi:
        return 'missed', ''
    return 'undecided', 'the spread crosses the target'


def case_key(c):
    num = ''.join(ch for ch in c if ch.isdigit())
    return (int(num) if num else 0, c)


def summarise(reps, icount=None, uml=None):
    """The tables: per (bench, case) the rows of every mechanism."""
    icount = icount or {}
    uml_reps = uml or []
    keys = []
    for r in reps:
        for k in r:
            if k not in keys:
                keys.append(k)
    tables = []
    for b, (title, base, higher) in TABLES.items():
        cases = sorted({k[1] for k in keys if k[0] == b}, key=case_key)
        for case in cases:
            bk = (b, case, base)
            rows = []
            for k in [k for k in keys if k[0] == b and k[1] == case]:
                figs = [r[k][0] for r in reps if k in r]
                unit = next(r[k][1] for r in reps if k in r)
                row = dict(mech=k[2], unit=unit, figure=spread(figs),
                           ratio=spread(ratios(reps, k, bk)),
                           ratios=[round(x, 4) for x in ratios(reps, k, bk)])
                if k in icount:
                    row['insns_per_op'] = round(icount[k], 1)
                    if bk in icount and icount[bk] > 0:
                        row['insns_ratio'] = round(icount[k] / icount[bk], 3)
                ur = ratios(uml_reps, k, bk)
                if ur:
                    row['uml_ratio'] = spread(ur)
                rows.append(row)
            tables.append(dict(bench=b, case=case, title=title, baseline=base,
                               higher_is_better=higher, rows=rows))
    return tables


def judge(targets, reps):
    out = []
    for t in targets:
        xs = ratios(reps, (t['bench'], t['case'], t['mech']),
                    (t['bench'], t['case'], t['baseline']))
        v, why = verdict(t, xs)
        out.append(dict(t, ratio=spread(xs), verdict=v, why=why))
    return out


def fmt(x, nd=2):
    return '-' if x is None else f'{x:.{nd}f}'


def render_text(tables, judged):
    lines = []
    for t in tables:
        better = 'higher' if t['higher_is_better'] else 'lower'
        lines.append(f'\n{t["bench"]} {t["case"]}: {t["title"]} ({better} is better); '
                     f'ratio = figure / {t["baseline"]}')
        lines.append(f'  {"mechanism":26} {"figure":>10} {"ratio":>6} {"IQR":>11} '
                     f'{"min-max":>11} {"n":>3} {"insn/op":>9} {"insn":>6} {"UML":>6}')
        for r in t['rows']:
            f, q = r['figure'], r['ratio']
            iqr = f'{fmt(q["q1"])}-{fmt(q["q3"])}' if q else '-'
            rng = f'{fmt(q["min"])}-{fmt(q["max"])}' if q else '-'
            ipo = r.get('insns_per_op')
            u = r.get('uml_ratio')
            lines.append(f'  {r["mech"]:26} {f["median"]:>10.0f} '
                         f'{fmt(q["median"] if q else None):>6} {iqr:>11} {rng:>11} '
                         f'{q["n"] if q else 0:>3} '
                         f'{"-" if ipo is None else f"{ipo:.0f}":>9} '
                         f'{fmt(r.get("insns_ratio")):>6} '
                         f'{fmt(u["median"] if u else None):>6}')
    if judged:
        lines.append('\ntargets (ratio: median, IQR, min-max over the repetitions)')
        for j in judged:
            q = j['ratio']
            got = (f'{fmt(q["median"])} (IQR {fmt(q["q1"])}-{fmt(q["q3"])}, '
                   f'range {fmt(q["min"])}-{fmt(q["max"])}, n={q["n"]})' if q else 'no data')
            why = f' -- {j["why"]}' if j['why'] else ''
            lines.append(f'  {j["id"]:9} {j["verdict"]:9} {j["mech"]}/{j["baseline"]} '
                         f'{j["test"]} {j["value"]:g}: {got}{why}')
    return '\n'.join(lines) + '\n'


def render_rst(tables, judged):
    """The tables and verdicts as reStructuredText (Documentation)."""
    def table(head, rows):
        w = [max(len(str(x)) for x in col) for col in zip(head, *rows)]
        sep = '  '.join('=' * n for n in w)
        line = lambda r: '  '.join(str(x).ljust(n) for x, n in zip(r, w)).rstrip()
        return '\n'.join([sep, line(head), sep] + [line(r) for r in rows] + [sep])
    rows = []
    for t in tables:
        for r in t['rows']:
            if r['mech'] == t['baseline']:
                continue
            q, u = r['ratio'], r.get('uml_ratio')
            rows.append([f'{t["bench"]} {t["case"]}', r['mech'], t['baseline'],
                         fmt(q['median']) if q else '-',
                         f'{fmt(q["q1"])}-{fmt(q["q3"])}' if q else '-',
                         f'{fmt(q["min"])}-{fmt(q["max"])}' if q else '-',
                         q['n'] if q else 0,
                         fmt(r.get('insns_ratio')), fmt(u['median'] if u else None)])
    out = [table(['benchmark', 'mechanism', 'baseline', 'ratio', 'IQR', 'min-max', 'n',
                  'insn', 'UML'], rows)]
    if judged:
        vrows = []
        for j in judged:
            q = j['ratio']
            vrows.append([j['id'], f'{j["mech"]} / {j["baseline"]} {j["test"]} {j["value"]:g}',
                          fmt(q['median']) if q else '-',
                          f'{fmt(q["q1"])}-{fmt(q["q3"])}' if q else '-',
                          f'{fmt(q["min"])}-{fmt(q["max"])}' if q else '-',
                          q['n'] if q else 0, j['verdict']])
        out.append(table(['target', 'ratio and bound', 'median', 'IQR', 'min-max', 'n',
                          'verdict'], vrows))
    return '\n\n'.join(out) + '\n'


def esc(s):
    return str(s).replace('&', '&amp;').replace('<', '&lt;').replace('>', '&gt;')


def render_svg(tables, judged, title='make bench'):
    """One bar chart per benchmark: every mechanism's median ratio to the
    baseline (log scale, bars grow from 1), the IQR as a box, min-max as
    whiskers, and each target as a dashed line over its bar."""
    by_bench = {}
    for t in tables:
        by_bench.setdefault(t['bench'], []).append(t)
    W, PH, top, left = 900, 370, 50, 60
    panels = []
    y0 = top
    for b, ts in by_bench.items():
        bars = [(t, r) for t in ts for r in t['rows']
                if r['mech'] != t['baseline'] and r['ratio']]
        if not bars:
            continue
        vals = [1.0] + [x for _, r in bars for x in (r['ratio']['min'], r['ratio']['max'])]
        vals += [j['value'] for j in judged if j['bench'] == b]
        vals += [r['insns_ratio'] for _, r in bars if r.get('insns_ratio')]
        vals += [r['uml_ratio']['median'] for _, r in bars if r.get('uml_ratio')]
        lo = 10 ** math.floor(math.log10(max(min(vals), 1e-3)))
        hi = 10 ** math.ceil(math.log10(max(vals)))
        if hi <= lo:
            hi = lo * 10
        ph = 170

        def y(v, lo=lo, hi=hi, y0=y0, ph=ph):
            v = min(max(v, lo), hi)
            return y0 + 30 + ph * (1 - (math.log10(v) - math.log10(lo)) /
                                   (math.log10(hi) - math.log10(lo)))
        bw = min(40, (W - left - 20) / (len(bars) + len(ts)))
        p = [f'<text x="{left}" y="{y0 + 18}" font-size="14" font-weight="bold">'
             f'{esc(b)}: {esc(ts[0]["title"])}, ratio to {esc(ts[0]["baseline"])} '
             f'({"higher" if ts[0]["higher_is_better"] else "lower"} is better)</text>']
        d = lo
        while d <= hi * 1.0001:
            for m in (1, 2, 5):
                v = d * m
                if lo <= v <= hi:
                    p.append(f'<line x1="{left}" x2="{W - 10}" y1="{y(v):.1f}" y2="{y(v):.1f}" '
                             f'stroke="#ddd"/>')
                    p.append(f'<text x="{left - 5}" y="{y(v) + 4:.1f}" font-size="10" '
                             f'text-anchor="end">{v:g}</text>')
            d *= 10
        p.append(f'<line x1="{left}" x2="{W - 10}" y1="{y(1):.1f}" y2="{y(1):.1f}" stroke="#000"/>')
        x = left + bw / 2
        prev = None
        for t, r in bars:
            if prev is not None and t is not prev:
                x += bw
            prev = t
            q = r['ratio']
            cx = x + bw * 0.4
            top_, bot = sorted((y(q['median']), y(1)))
            p.append(f'<rect x="{x:.1f}" y="{top_:.1f}" width="{bw * 0.8:.1f}" '
                     f'height="{max(bot - top_, 1):.1f}" fill="#7aa6d6"/>')
            p.append(f'<line x1="{cx:.1f}" x2="{cx:.1f}" y1="{y(q["min"]):.1f}" '
                     f'y2="{y(q["max"]):.1f}" stroke="#000"/>')
            p.append(f'<rect x="{cx - bw * 0.15:.1f}" y="{y(q["q3"]):.1f}" '
                     f'width="{bw * 0.3:.1f}" height="{max(y(q["q1"]) - y(q["q3"]), 1):.1f}" '
                     f'fill="none" stroke="#000"/>')
            if r.get('insns_ratio'):
                iy = y(r['insns_ratio'])
                p.append(f'<path d="M{cx - 4:.1f},{iy - 4:.1f}L{cx + 4:.1f},{iy + 4:.1f}'
                         f'M{cx - 4:.1f},{iy + 4:.1f}L{cx + 4:.1f},{iy - 4:.1f}" '
                         f'stroke="#000" stroke-width="1.5"/>')
            if r.get('uml_ratio'):
                p.append(f'<circle cx="{cx:.1f}" cy="{y(r["uml_ratio"]["median"]):.1f}" '
                         f'r="3.5" fill="#c2c"/>')
            for j in judged:
                if (j['bench'], j['case'], j['mech']) == (b, t['case'], r['mech']) and \
                        j['baseline'] == t['baseline']:
                    col = {'met': '#2a2', 'missed': '#c22'}.get(j['verdict'], '#d90')
                    p.append(f'<line x1="{x - 3:.1f}" x2="{x + bw * 0.8 + 3:.1f}" '
                             f'y1="{y(j["value"]):.1f}" y2="{y(j["value"]):.1f}" '
                             f'stroke="{col}" stroke-width="2" stroke-dasharray="4,2"/>')
            p.append(f'<text transform="translate({cx + 3:.1f},{y0 + 30 + ph + 8}) rotate(50)" '
                     f'font-size="9">{esc(t["case"])} {esc(r["mech"])}</text>')
            x += bw
        panels.append('\n'.join(p))
        y0 += PH
    legend = (f'<text x="{left}" y="14" font-size="12">{esc(title)}</text>\n'
              f'<text x="{left}" y="30" font-size="11">bar = median ratio over the '
              'repetitions, box = IQR, whisker = min-max; x = ratio of instructions '
              'per operation; purple dot = UML median</text>\n'
              f'<text x="{left}" y="44" font-size="11">dashed line = target (green met, '
              'red missed, orange undecided)</text>')
    return (f'<svg xmlns="http://www.w3.org/2000/svg" width="{W}" height="{y0 + 20}" '
            f'font-family="sans-serif">\n<rect width="100%" height="100%" fill="#fff"/>\n'
            f'{legend}\n' + '\n'.join(panels) + '\n</svg>\n')


def main(argv):
    ap = argparse.ArgumentParser()
    ap.add_argument('boots', nargs='+')
    ap.add_argument('--smoke', action='store_true')
    ap.add_argument('--targets')
    ap.add_argument('--json')
    ap.add_argument('--svg')
    ap.add_argument('--rst')
    ap.add_argument('--icount', nargs=2)
    ap.add_argument('--uml', action='append', default=[])
    ap.add_argument('--rc', action='append', type=int, default=[])
    ap.add_argument('--note', default='')
    a = ap.parse_args(argv)

    reps, problems = [], []
    for i, path in enumerate(a.boots):
        with open(path, errors='replace') as fh:
            r, dones = parse(fh, i)
        rounds = [x for x in r if not any('@' in k[2] for k in x)]
        for prog in PROGS:
            if not dones.get(prog) or any(dones[prog]) or \
                    len(dones[prog]) < len(rounds):
                problems.append(f'{path}: {prog} DONE {dones.get(prog)}')
        for k, x in enumerate(rounds):
            if len(x) < MIN_ROWS:
                problems.append(f'{path}: round {k + 1} has {len(x)} results')
        reps += r
    for i, rc in enumerate(a.rc):
        if rc:
            problems.append(f'boot {i + 1}: vm rc={rc}')
    icount = None
    if a.icount:
        try:
            with open(a.icount[0], errors='replace') as c, open(a.icount[1]) as p:
                icount = parse_icount(c, p)
        except (OSError, ValueError) as e:
            problems.append(f'icount: {e}')
        if icount is not None and not icount:
            problems.append('icount: no counted sections')
    uml = []
    for path in a.uml:
        with open(path, errors='replace') as fh:
            uml += parse(fh)[0]
    if a.uml and not uml:
        problems.append('uml: no results')
    targets = []
    if a.targets:
        with open(a.targets) as fh:
            targets = read_targets(fh)
    tables = summarise(reps, icount, uml)
    judged = judge(targets, reps)
    sys.stdout.write(render_text(tables, judged))
    if a.note:
        print(f'\nrun: {a.note}')
    if a.json:
        with open(a.json, 'w') as fh:
            json.dump(dict(vm='qemu TCG, -smp 2, Debian 6.12', smoke=a.smoke,
                           boots=len(a.boots), repetitions=len(reps), note=a.note,
                           tables=tables, targets=judged, problems=problems),
                      fh, indent=1)
        print(f'\nwrote {a.json}')
    if a.rst:
        with open(a.rst, 'w') as fh:
            fh.write(render_rst(tables, judged))
    if a.svg:
        with open(a.svg, 'w') as fh:
            fh.write(render_svg(tables, judged, a.note or 'make bench'))
        print(f'wrote {a.svg}')
    for p in problems:
        print(f'bench: {p}')
    if a.smoke:
        print(f'bench: {0 if problems else 1} passed, {1 if problems else 0} failed')
    if problems:
        print('bench: incomplete')
        return 1
    return 0


if __name__ == '__main__':
    sys.exit(main(sys.argv[1:]))
