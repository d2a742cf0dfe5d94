#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0
"""report.py: BENCHMARKS.md from the raw figures of scripts/bench/run.sh.

Usage: scripts/bench/report.py DIR OUT

DIR holds results.txt (one run of one contender a line, key=value words), progs.txt (its BPF
programs' run time and runs), commands.txt and machine.txt. Each contender's figures are
first taken per round against the same round's workload alone ("none"), then given as the
median [min-max] over the rounds, and as ratios to the best anchor and to the floor. Lower is
better everywhere. Exits 1 if a run gave no output or no figures (what --smoke checks).
"""
import os
import statistics
import sys

CASE_TITLES = {
    "1": "On-CPU sampling, whole system",
    "2": "Off-CPU: context switches",
    "3": "Function tracing: a hot function",
    "4": "Syscalls: a getppid loop",
    "5": "Userspace: symbolizing and folding",
}
# The anchors of each case: vigil's ratio is to the best of them (the lowest median).
ANCHORS = {
    "1": ["perf", "bpftrace"],
    "2": ["offcputime", "bpftrace"],
    "3": ["bpftrace", "funclatency"],
    "4": ["syscount", "bpftrace"],
}
NAMES = {
    "none": "workload alone",
    "vigil": "vigil",
    "vigil-p": "vigil -p (the workload only)",
    "perf": "perf record -g",
    "bpftrace": "bpftrace",
    "offcputime": "offcputime (libbpf-tools)",
    "offcputime-p": "offcputime -p (the workload only)",
    "funclatency": "funclatency (libbpf-tools)",
    "syscount": "syscount -L (libbpf-tools)",
    "floor": "floor: one empty program",
    "floor2": "floor: two empty programs (entry and exit)",
    "floor-stacks": "floor: a program that only walks the stacks",
    "floor-timed": "floor: the least that times calls (task storage, per-CPU rows)",
}


def read_kv(path):
    rows = []
    if not os.path.exists(path):
        return rows
    with open(path) as f:
        for line in f:
            row = {}
            for word in line.split():
                if "=" in word:
                    k, v = word.split("=", 1)
                    row[k] = v
            if row:
                rows.append(row)
    return rows


def num(row, key):
    try:
        return float(row[key])
    except (KeyError, ValueError):
        return None


def fmt(v, digits):
    if v is None:
        return "-"
    if digits == 0:
        return f"{v:,.0f}".replace(",", " ")
    return f"{v:.{digits}f}"


def summary(vals, digits):
    """median [min-max] of the values that exist."""
    vals = [v for v in vals if v is not None]
    if not vals:
        return "-", None
    med = statistics.median(vals)
    if len(vals) == 1:
        return fmt(med, digits), med
    return f"{fmt(med, digits)} [{fmt(min(vals), digits)}–{fmt(max(vals), digits)}]", med


def ratio(a, b):
    if a is None or b is None or b == 0:
        return "-"
    return f"{a / b:.2f}x"


class Report:
    def __init__(self, d):
        self.dir = d
        self.rows = read_kv(os.path.join(d, "results.txt"))
        self.progs = read_kv(os.path.join(d, "progs.txt"))
        self.machine = {}
        with open(os.path.join(d, "machine.txt")) as f:
            for line in f:
                k, _, v = line.rstrip("\n").partition("=")
                self.machine[k] = v
        self.commands = []
        if os.path.exists(os.path.join(d, "commands.txt")):
            with open(os.path.join(d, "commands.txt")) as f:
                for line in f:
                    parts = line.rstrip("\n").split(" ", 3)
                    if len(parts) == 4:
                        self.commands.append(parts)
        self.out = []
        self.problems = []
        self.goals = []

    def w(self, s=""):
        self.out.append(s)

    def runs(self, case, var, who):
        return [r for r in self.rows if r["case"] == case and r["var"] == var and r["who"] == who]

    def baseline(self, case, var, rnd):
        for r in self.rows:
            if r["case"] == case and r["var"] == var and r["who"] == "none" and r["round"] == rnd:
                return r
        return None

    def contenders(self, case, var):
        seen = []
        for r in self.rows:
            if r["case"] == case and r["var"] == var and r["who"] not in seen:
                seen.append(r["who"])
        order = list(NAMES)
        return sorted(seen, key=lambda w: order.index(w) if w in order else 99)

    def check(self, case, var, who, keys):
        for r in self.runs(case, var, who):
            if r.get("check") != "ok":
                self.problems.append(
                    f"case {case} {var} {who} round {r['round']}: {r.get('check')}")
                continue
            for k in keys:
                if num(r, k) is None:
                    self.problems.append(f"case {case} {var} {who} round {r['round']}: no {k}")

    def per_round(self, case, var, who, fn):
        vals = []
        for r in self.runs(case, var, who):
            if r.get("check") != "ok":
                continue
            base = self.baseline(case, var, r["round"])
            try:
                vals.append(fn(r, base))
            except (TypeError, ZeroDivisionError, KeyError):
                vals.append(None)
        return vals

    def command_lines(self, case, var=None):
        lines = []
        for c, v, who, cmd in self.commands:
            if c == case and (var is None or v == var):
                lines.append(f"    {who}: {cmd}")
        return lines

    # ---- the cases ----

    def case1(self):
        ncpu = float(self.machine.get("ncpu", "1"))
        cpu = "CPU ms per 1000 samples while sampling"
        total = "CPU ms in all, start to folded profile"
        rss = "peak RSS MB (record / fold step)"
        tofold = "end of run to folded profile ms"
        for hz in ("99", "999"):
            whos = [w for w in self.contenders("1", hz) if w != "none"]
            if not whos:
                continue
            self.w(f"### {hz} Hz")
            self.w()

            def expect(r):
                return float(hz) * ncpu * num(r, "window_ns") / 1e9 / 1000

            def walk_ns(r):
                """perf's kernel side, at least: the floor's stack walks, same round."""
                fl = [x for x in self.runs("1", hz, "floor-stacks") if x["round"] == r["round"]]
                if not fl or not num(fl[0], "bpf_runs"):
                    return None
                return num(fl[0], "bpf_ns") / num(fl[0], "bpf_runs") * expect(r) * 1000

            def cpu_fn(r, b):
                if r["who"] == "perf":
                    return (num(r, "tool_cpu_ns") + walk_ns(r)) / 1e6 / expect(r)
                return (num(r, "tool_cpu_ns") + num(r, "bpf_ns")) / 1e6 / expect(r)

            metrics = [
                ("workload wall s", 3, lambda r, b: num(r, "work_ns") / 1e9),
                ("slowdown %", 1,
                 lambda r, b: (num(r, "work_ns") / num(b, "work_ns") - 1) * 100),
                (cpu, 2, cpu_fn),
                ("of which BPF", 2, lambda r, b: num(r, "bpf_ns") / 1e6 / expect(r)),
                (total, 0, lambda r, b: (num(r, "tool_cpu_total_ns") + num(r, "bpf_ns")
                                         + (num(r, "post_cpu_ns") or 0)
                                         + (walk_ns(r) if r["who"] == "perf" else 0)) / 1e6),
                (rss, 1, lambda r, b: num(r, "tool_maxrss_kb") / 1024),
                ("map memory MB", 2, lambda r, b: num(r, "map_bytes") / 2**20),
                (tofold, 0,
                 lambda r, b: num(r, "stop_ns") / 1e6 + (num(r, "post_wall_ns") or 0) / 1e6),
                ("samples in the profile", 0, lambda r, b: num(r, "samples")),
                ("distinct stacks of the workload", 0, lambda r, b: num(r, "distinct")),
            ]
            self.w("| contender | " + " | ".join(m[0] for m in metrics) + " |")
            self.w("|---" * (len(metrics) + 1) + "|")
            med = {}
            for who in ["none"] + whos:
                need = ["work_ns"]
                if who != "none":
                    need += ["tool_cpu_ns"] + ([] if who.startswith("floor") else ["samples"])
                self.check("1", hz, who, need)
                cells = []
                for name, digits, fn in metrics:
                    if who == "none" and name != "workload wall s":
                        cells.append("")
                        continue
                    vals = self.per_round("1", hz, who, fn)
                    s, m = summary(vals, digits)
                    if name == rss:
                        post = self.per_round("1", hz, who,
                                              lambda r, b: num(r, "post_maxrss_kb") / 1024)
                        ps, _ = summary(post, digits)
                        if ps != "-":
                            s += f" / {ps}"
                    if name in (cpu, total) and who == "perf" and s != "-":
                        s += " *"
                    med[(who, name)] = m
                    cells.append(s)
                self.w(f"| {NAMES.get(who, who)} | " + " | ".join(cells) + " |")
            self.w()
            self.w("\\* perf's in-kernel work (the sampling interrupt walking both stacks and "
                   "copying them to its ring buffer) is on no counter: it is taken here as the "
                   "stack-walk floor's BPF time of the same round, which does the same walks, so "
                   "perf's figure is a lower bound. The whole-run column is the contender's own "
                   "CPU from start to exit (its startup, its end: bpftrace names its frames "
                   "then), its fold step and its BPF time while sampling.")
            self.w()
            self.ratios("1", hz, med, ["slowdown %", cpu, total, rss, "map memory MB", tofold])
            self.goal(f"on-CPU {hz} Hz: CPU per 1000 samples at or below the best anchor's",
                      med.get(("vigil", cpu)), self.best("1", med, cpu), 1.0)
            self.goal(f"on-CPU {hz} Hz: time to a folded profile at or below the best anchor's",
                      med.get(("vigil", tofold)), self.best("1", med, tofold), 1.0)
            v = med.get(("vigil", rss))
            self.goals.append((f"on-CPU {hz} Hz: peak RSS under 50 MB",
                               "-" if v is None else f"{v:.1f} MB", v is not None and v < 50))
            self.diag("1", hz, "", "(bpf_stats on for every round)")
            self.w("Commands (`{PID}` is the workload's pid):")
            self.w()
            self.w("\n".join(self.command_lines("1", hz)))
            self.w()

    def case2(self):
        var = "pinned"
        whos = [w for w in self.contenders("2", var) if w != "none"]
        if not whos:
            return
        metrics = [
            ("round trips/s", 0, lambda r, b: num(r, "ops") / num(r, "work_ns") * 1e9),
            ("rate against alone", 2, lambda r, b: num(b, "work_ns") / num(r, "work_ns")),
            ("us added per switch", 2,
             lambda r, b: (num(r, "work_ns") - num(b, "work_ns")) / num(r, "switches") / 1e3),
            ("workload's CPU us added per switch", 2,
             lambda r, b: (num(r, "work_cpu_ns") - num(b, "work_cpu_ns")) / num(r, "switches")
             / 1e3),
            ("profiler CPU ms (process + BPF)", 1,
             lambda r, b: (num(r, "tool_cpu_ns") + num(r, "bpf_ns")) / 1e6),
            ("of which BPF", 1, lambda r, b: num(r, "bpf_ns") / 1e6),
            ("BPF runs", 0, lambda r, b: num(r, "bpf_runs")),
            ("peak RSS MB", 1, lambda r, b: num(r, "tool_maxrss_kb") / 1024),
            ("map memory MB", 1, lambda r, b: num(r, "map_bytes") / 2**20),
        ]
        med = self.table("2", var, ["none"] + whos, metrics)
        for key in ("us added per switch", "profiler CPU ms (process + BPF)"):
            self.goal(f"off-CPU, whole system: {key} at or below the best anchor's",
                      med.get(("vigil", key)), self.best("2", med, key), 1.0)
            self.goal(f"off-CPU, -p: {key} at or below offcputime -p's",
                      med.get(("vigil-p", key)), med.get(("offcputime-p", key)), 1.0)
        self.diag("2", var, "", "(bpf_stats on for every round)")
        self.w("Commands:")
        self.w()
        self.w("\n".join(self.command_lines("2", var)))
        self.w()

    def table(self, case, var, whos, metrics):
        self.w("| contender | " + " | ".join(m[0] for m in metrics) + " |")
        self.w("|---" * (len(metrics) + 1) + "|")
        med = {}
        for who in whos:
            self.check(case, var, who, ["work_ns"] + ([] if who == "none" else ["tool_cpu_ns"]))
            cells = []
            for name, digits, fn in metrics:
                if who == "none" and name not in ("round trips/s", "ns per call", "ns per syscall"):
                    cells.append("")
                    continue
                s, m = summary(self.per_round(case, var, who, fn), digits)
                med[(who, name)] = m
                cells.append(s)
            self.w(f"| {NAMES.get(who, who)} | " + " | ".join(cells) + " |")
        self.w()
        keys = [m[0] for m in metrics if m[0] not in ("round trips/s", "BPF runs",
                                                      "rate against alone", "of which BPF")]
        self.ratios(case, var, med, keys)
        return med

    def best(self, case, med, key):
        vals = [med.get((a, key)) for a in ANCHORS[case] if med.get((a, key)) is not None]
        return min(vals) if vals else None

    def ratios(self, case, var, med, keys):
        lines = []
        for key in keys:
            v = med.get(("vigil", key))
            best = self.best(case, med, key)
            parts = [f"{ratio(v, best)} the best anchor's"]
            for fl in ("floor", "floor2", "floor-stacks", "floor-timed"):
                if med.get((fl, key)) is not None:
                    parts.append(f"{ratio(v, med[(fl, key)])} {NAMES[fl].split(': ')[1]}'s")
            if med.get(("vigil-p", key)) is not None and med.get(("offcputime-p", key)):
                parts.append(f"with -p {ratio(med[('vigil-p', key)], med[('offcputime-p', key)])}"
                             " offcputime -p's")
            lines.append(f"- {key}: vigil is {', '.join(parts)}")
        self.w("Ratios of medians (vigil / other; below 1 is better):")
        self.w()
        self.w("\n".join(lines))
        self.w()

    def goal(self, what, v, ref, limit):
        if v is None or ref is None or ref == 0:
            self.goals.append((what, "-", False))
            return
        self.goals.append((what, f"{v / ref:.2f}x", v / ref <= limit))

    def case_calls(self, case, var, unit):
        whos = [w for w in self.contenders(case, var) if w != "none"]
        if not whos:
            return
        metrics = [
            (f"ns per {unit}", 0, lambda r, b: num(r, "work_ns") / num(r, "ops")),
            (f"ns added per {unit}", 0,
             lambda r, b: (num(r, "work_cpu_ns") - num(b, "work_cpu_ns")) / num(r, "ops")),
            ("the same by wall time", 0,
             lambda r, b: (num(r, "work_ns") - num(b, "work_ns")) / num(r, "ops")),
            ("tool CPU ms", 1, lambda r, b: num(r, "tool_cpu_ns") / 1e6),
            ("peak RSS MB", 1, lambda r, b: num(r, "tool_maxrss_kb") / 1024),
            ("map memory MB", 2, lambda r, b: num(r, "map_bytes") / 2**20),
            ("stop ms", 0, lambda r, b: num(r, "stop_ns") / 1e6),
        ]
        med = self.table(case, var, ["none"] + whos, metrics)
        added = f"ns added per {unit}"
        v = med.get(("vigil", added))
        if case == "3":
            self.goal("tracing: added cost per call within 1.1x the bare uprobe "
                      "(one empty program)", v, med.get(("floor", added)), 1.1)
            self.goal("tracing: added cost per call within 1.1x an empty uprobe and uretprobe",
                      v, med.get(("floor2", added)), 1.1)
            self.goal("tracing: added cost per call at or below the best anchor's",
                      v, self.best(case, med, added), 1.0)
            self.goal("tracing (not a goal of the issue): added cost per call against the least "
                      "that times a call, within 1.1x", v, med.get(("floor-timed", added)), 1.1)
        else:
            self.goal("syscalls: added cost per syscall within 2x the empty sys_enter program",
                      v, med.get(("floor", added)), 2.0)
            self.goal("syscalls: added cost per syscall within 2x empty sys_enter and sys_exit",
                      v, med.get(("floor2", added)), 2.0)
            self.goal("syscalls: added cost per syscall at or below the best anchor's",
                      v, self.best(case, med, added), 1.0)
            self.goal("syscalls (not a goal of the issue): added cost per syscall against the "
                      "least that times a syscall, within 2x", v,
                      med.get(("floor-timed", added)), 2.0)
        self.diag(case, "diag", unit, "from one more round with bpf_stats on")
        self.w("Commands:")
        self.w()
        self.w("\n".join(self.command_lines(case, var)))
        self.w()

    def diag(self, case, var, unit, note):
        """The BPF programs of each contender: runs and run time per run, medians over rounds."""
        rows = [p for p in self.progs if p["case"] == case and p["var"] == var]
        if not rows:
            return
        ops = {(r["who"], r["round"]): num(r, "ops") for r in self.rows
               if r["case"] == case and r["var"] == var}
        groups, nth = {}, {}
        for p in rows:
            # a contender's programs of one name (bpftrace names both of a probe pair alike)
            # are told apart by their order in the round
            k = (p["who"], p["round"], p["name"])
            nth[k] = nth.get(k, 0) + 1
            if num(p, "runs"):
                groups.setdefault((p["who"], p["name"], nth[k]), []).append(p)
        self.w(f"BPF programs {note} (run time is the kernel's count, which adds two clock "
               "reads to each run: the floor's empty program shows what they cost):")
        self.w()
        per = f" | BPF ns per {unit}" if unit else ""
        self.w(f"| contender | program | runs | ns per run{per} |")
        self.w("|---|---|---|---|" + ("---|" if unit else ""))
        for (who, name, _), ps in groups.items():
            runs = summary([num(p, "runs") for p in ps], 0)[0]
            per_run = summary([num(p, "run_ns") / num(p, "runs") for p in ps], 0)[0]
            cells = [NAMES.get(who, who), name, runs, per_run]
            if unit:
                vals = [num(p, "run_ns") / ops[(who, p["round"])]
                        if ops.get((who, p["round"])) else None for p in ps]
                cells.append(summary(vals, 0)[0])
            self.w("| " + " | ".join(cells) + " |")
        self.w()

    def case5(self):
        sym = [r for r in self.rows if r["case"] == "5" and r["var"] == "sym"]
        fold = [r for r in self.rows if r["case"] == "5" and r["var"] == "fold"]
        cg = [r for r in self.rows if r["case"] == "5" and r["var"] == "cg"]
        if not sym and not fold:
            return
        for r in sym:
            for k in ("sym_first_ns", "sym_second_ns", "exec_maxrss_kb"):
                if num(r, k) is None:
                    self.problems.append(f"case 5 symbolize round {r['round']}: no {k}")
        for r in fold:
            for k in ("fold_add_ns", "fold_write_ns", "exec_maxrss_kb"):
                if num(r, k) is None:
                    self.problems.append(f"case 5 fold round {r['round']}: no {k}")
            if num(r, "fold_total") != num(r, "fold_samples"):
                self.problems.append(f"case 5 fold round {r['round']}: total is not the samples")
        c = cg[0] if cg else {}
        for k in ("cg_first_ir", "cg_second_ir", "cg_add_ir", "cg_write_ir"):
            if num(c, k) is None:
                self.problems.append(f"case 5 callgrind: no {k}")
        frames = num(sym[0], "sym_frames") if sym else None
        samples = num(fold[0], "fold_samples") if fold else None
        cg_frames, cg_samples = num(c, "cg_sym_frames"), num(c, "cg_fold_samples")

        def col(rows, fn, d):
            return summary([fn(r) for r in rows], d)[0]

        self.w("| step | what | wall ms | per item | peak RSS MB | instructions (callgrind) |")
        self.w("|---|---|---|---|---|---|")
        if sym:
            per_ir = (num(c, "cg_second_ir") / cg_frames) if num(c, "cg_second_ir") else None
            self.w(f"| symbolize, first pass | {fmt(frames, 0)} distinct frames over "
                   f"{sym[0].get('sym_files', '?')} files, each file parsed | "
                   f"{col(sym, lambda r: num(r, 'sym_first_ns') / 1e6, 1)} | | "
                   f"{col(sym, lambda r: num(r, 'exec_maxrss_kb') / 1024, 1)} | "
                   f"{fmt(num(c, 'cg_first_ir'), 0)} |")
            self.w(f"| symbolize, second pass | {fmt(frames, 0)} other frames, files cached | "
                   f"{col(sym, lambda r: num(r, 'sym_second_ns') / 1e6, 1)} | "
                   f"{col(sym, lambda r: num(r, 'sym_second_ns') / num(r, 'sym_frames'), 0)} "
                   f"ns/frame | | {fmt(num(c, 'cg_second_ir'), 0)} ({fmt(per_ir, 0)} per frame)"
                   f" |")
        if fold:
            add_ir = (num(c, "cg_add_ir") / cg_samples) if num(c, "cg_add_ir") else None
            self.w(f"| fold, add | {fmt(samples, 0)} samples of "
                   f"{fold[0].get('fold_distinct', '?')} distinct stacks into the stack set | "
                   f"{col(fold, lambda r: num(r, 'fold_add_ns') / 1e6, 0)} | "
                   f"{col(fold, lambda r: num(r, 'fold_add_ns') / num(r, 'fold_samples'), 0)} "
                   f"ns/sample | {col(fold, lambda r: num(r, 'exec_maxrss_kb') / 1024, 1)} | "
                   f"{fmt(num(c, 'cg_add_ir'), 0)} for {fmt(cg_samples, 0)} samples "
                   f"({fmt(add_ir, 0)} per sample) |")
            self.w(f"| fold, write | sorted folded stacks, "
                   f"{fmt(num(fold[0], 'fold_bytes') / 2**20, 1)} MB | "
                   f"{col(fold, lambda r: num(r, 'fold_write_ns') / 1e6, 0)} | | | "
                   f"{fmt(num(c, 'cg_write_ir'), 0)} for {fmt(cg_samples, 0)} samples |")
        self.w()
        self.w("No anchor does this step alone on the same input, so these are vigil's own "
               "figures, to compare from one run to the next; callgrind's instruction counts "
               "are the stable ones on a shared machine (callgrind is run once, on "
               f"{fmt(cg_frames, 0)} frames and {fmt(cg_samples, 0)} samples).")
        self.w()
        self.w("Commands:")
        self.w()
        self.w("\n".join(self.command_lines("5")))
        self.w()

    def write(self, path):
        m = self.machine
        self.w("# Benchmarks")
        self.w()
        self.w("vigil's cost side by side with perf, bpftrace, libbpf-tools and the kernel's own "
               "floor (empty BPF programs), from `make bench` (scripts/bench/run.sh, issue 8). "
               "This file is written by scripts/bench/report.py; the notes at the end are "
               "scripts/bench/notes.md.")
        self.w()
        self.w(f"- run: {m.get('date')}, {m.get('rounds')} round(s) per case, each round every "
               f"contender once in a turning order, {m.get('seconds')} s in all"
               + (" (smoke: tiny workloads, figures mean nothing)" if m.get("smoke") == "1"
                  else ""))
        self.w(f"- machine: {m.get('cpu')}, {m.get('ncpu')} CPUs, {m.get('mem')}"
               + (f", a {m['hypervisor']} guest" if m.get("hypervisor") else "")
               + f"; clock source {m.get('clocksource')}; load average {m.get('load_start')} "
               f"at the start, {m.get('load_end')} at the end")
        self.w(f"- kernel {m.get('kernel')}, {m.get('os')}")
        src = f" (user/, bpf/, include/ as of {m['vigil_src']})" if m.get("vigil_src") else ""
        self.w(f"- vigil {m.get('vigil')}{src}; {m.get('perf')}; {m.get('bpftrace')}; "
               f"libbpf-tools {m.get('libbpf_tools')}; {m.get('valgrind')}")
        self.w(f"- workload sizes: {m.get('sizes')}")
        self.w()
        self.w("Figures are medians [min–max] over the rounds; a contender's slowdown and added "
               "cost are taken against the workload alone in the same round. Lower is better "
               "in every column. CPU is the contender's threads' run time (schedstat) plus its "
               "BPF programs' run time (bpf_stats, on for the run through a BPF_ENABLE_STATS "
               "descriptor held by tests/bench/bench_run, not the sysctl), over the span the "
               "workload ran; peak RSS is the contender's ru_maxrss; map memory the memlock of "
               "every map it holds. perf's sampling work in the kernel (its timer interrupt "
               "walking the stacks into its ring buffer) is on no counter; case 1 takes it as "
               "the stack-walk floor's, a lower bound. The added cost per call or syscall comes "
               "from the workload's own CPU time (the traps and BPF programs run in its "
               "context), which a busy neighbour moves less than wall time; wall-time "
               "slowdowns are given too, but on a shared 2-CPU machine they move by more than "
               "a 99 Hz profiler costs.")
        self.w()
        for case in ("1", "2", "3", "4", "5"):
            if not any(r["case"] == case for r in self.rows):
                continue
            self.w(f"## {case}. {CASE_TITLES[case]}")
            self.w()
            {"1": self.case1, "2": self.case2,
             "3": lambda: self.case_calls("3", "hot", "call"),
             "4": lambda: self.case_calls("4", "getppid", "syscall"),
             "5": self.case5}[case]()
        if self.goals:
            self.w("## Goals")
            self.w()
            self.w("| goal | vigil | met |")
            self.w("|---|---|---|")
            for what, v, ok in self.goals:
                self.w(f"| {what} | {v} | {'yes' if ok else 'no'} |")
            self.w()
        notes = os.path.join(os.path.dirname(os.path.abspath(__file__)), "notes.md")
        if os.path.exists(notes) and m.get("smoke") != "1":
            with open(notes) as f:
                self.w(f.read().rstrip("\n"))
            self.w()
        retried = [r for r in self.rows if r.get("retried") == "1"]
        if retried:
            self.w("Runs that failed to start and were run again (their first stderr is kept "
                   "beside the raw figures as OUT.err.first): " +
                   ", ".join(f"case {r['case']} {r['var']} {r['who']} round {r['round']}"
                             for r in retried) + ".")
            self.w()
        resent = [r for r in self.rows if (num(r, "tool_resent") or 0) > 0]
        if resent:
            self.w("Runs whose contender missed its stop signal and was sent it again a second "
                   "later (its stop time counts from the last one): " +
                   ", ".join(f"case {r['case']} {r['var']} {r['who']} round {r['round']}"
                             for r in resent) + ".")
            self.w()
        if self.problems:
            self.w("## Runs that gave no figures")
            self.w()
            for p in self.problems:
                self.w(f"- {p}")
            self.w()
        with open(path + ".tmp", "w") as f:
            f.write("\n".join(self.out))
        os.replace(path + ".tmp", path)


def main():
    if len(sys.argv) != 3:
        print("usage: report.py DIR OUT", file=sys.stderr)
        return 2
    r = Report(sys.argv[1])
    r.write(sys.argv[2])
    for p in r.problems:
        print(f"bench: {p}", file=sys.stderr)
    return 1 if r.problems else 0


if __name__ == "__main__":
    sys.exit(main())
