#!/usr/bin/python3.11
# SPDX-License-Identifier: GPL-2.0
# Workload: Python functions called a known number of times, in the ways
# CPython 3.11 calls them, for the tests of vigil trace --python (through
# the interpreter's USDT probes python:function__entry and
# python:function__return).
#
# Usage: /usr/bin/python3.11 tests/workloads/pycalls.py [GO_FILE TIMEOUT_S]
#
# (the Debian interpreter, built with its USDT probes; `python3` in PATH may
# be another one). With GO_FILE, the calls start only once GO_FILE exists
# (polled every 10 ms, for TIMEOUT_S seconds at most), so that a tracer
# can attach with -p first.
#
# Ground truth, one line per function once all the calls are done:
#
#   TRUTH name=NAME calls=N primitive=P line=L via=HOW
#
# NAME is the code object's co_name (what the probes report), L its
# co_firstlineno (the LINE of pstats' "FILE:LINE(NAME)"), N the times its
# code starts running, P those not inside another call of itself, HOW how
# it is called:
#
#   leaf     1000  python  from loop(): a Python-to-Python call, which 3.11's
#                          eval loop runs without a C-level call
#   loop        1  python  from main()
#   leaf2     300  c       from C: list(map(leaf2, range(300)))
#   key       200  c       from C: sorted(range(200), key=key)
#   gen        51  c       a generator run to its end by sum(): its frame
#                          is entered 51 times (its start and 50
#                          resumptions) and left 51 times (50 yields and
#                          the final return)
#   get       200  python  a method: Box(3).get(), 200 times
#   Box         1  c       the class body, run by __build_class__ from C
#   __init__    1  c       Box's, called by type.__call__ from C
#   boom      100  python  raises ValueError every time; caught by catch()
#   rec       300  python  rec(5) 50 times, recursing down to rec(0): six
#                          calls deep, depth d (0 = outermost) 50 calls
#   slow        5  python  time.sleep(0.02): 20 ms each, off the CPU
#
# plus a line for each of consume, from_c, methods, catch, recurse and
# main (1 call each). main() itself is called from the module's code.
#
# What CPython 3.11.2 (Debian's /usr/bin/python3.11) reports, checked
# with gdb's stap probe breakpoints (which raise the probes' semaphores),
# counting the probes fired with this file's name:
#
# - python:function__return fires for every frame that ends: a return,
#   a generator's yield, and an exception leaving the frame (boom: 100).
# - python:function__entry fires only on the eval loop's tracing path
#   (ceval.c, DO_TRACING at a RESUME instruction), which an instruction
#   takes only while sys.settrace/sys.setprofile is active or the
#   python:line probe's semaphore is raised. With just the two function
#   semaphores raised, no entry of this file fires at all. With the line
#   semaphore raised too, entries fire for every frame start, be it a
#   Python-to-Python call or a call from C, and for every generator
#   resumption: the counts above, to the call, entry for entry.
# - The entry's line argument is the line the frame starts at: the
#   function's co_firstlineno for a call (the L above), but a resumed
#   generator's yield line (gen: 1 entry at its def line, 50 at its
#   yield); the module's own frame ("<module>", 1 entry) reports line 0.
#   Returns report the line they return from.
import os
import sys
import time


def leaf(i):
    return i * 2 + 1


def loop(n):
    total = 0
    for i in range(n):
        total += leaf(i)
    return total


def leaf2(i):
    return i + 1


def key(i):
    return -i


def from_c():
    a = list(map(leaf2, range(300)))
    b = sorted(range(200), key=key)
    return len(a) + len(b)


def gen(n):
    for i in range(n):
        yield i


def consume():
    return sum(gen(50))


class Box:
    def __init__(self, v):
        self.v = v

    def get(self):
        return self.v


def methods():
    b = Box(3)
    total = 0
    for _ in range(200):
        total += b.get()
    return total


def boom(i):
    raise ValueError(i)


def catch():
    caught = 0
    for i in range(100):
        try:
            boom(i)
        except ValueError:
            caught += 1
    return caught


def rec(n):
    if n == 0:
        return 0
    return rec(n - 1) + 1


def recurse():
    total = 0
    for _ in range(50):
        total += rec(5)
    return total


def slow():
    time.sleep(0.02)


def main():
    checks = [
        loop(1000) == 1000 * 1000,
        from_c() == 500,
        consume() == 50 * 49 // 2,
        methods() == 600,
        catch() == 100,
        recurse() == 50 * 5,
    ]
    for _ in range(5):
        slow()
    return all(checks)


# name: (calls, primitive calls, how)
TRUTH = {
    "leaf": (1000, 1000, "python"),
    "loop": (1, 1, "python"),
    "leaf2": (300, 300, "c"),
    "key": (200, 200, "c"),
    "from_c": (1, 1, "python"),
    "gen": (51, 51, "c"),
    "consume": (1, 1, "python"),
    "Box": (1, 1, "c"),
    "__init__": (1, 1, "c"),
    "get": (200, 200, "python"),
    "methods": (1, 1, "python"),
    "boom": (100, 100, "python"),
    "catch": (1, 1, "python"),
    "rec": (300, 50, "python"),
    "recurse": (1, 1, "python"),
    "slow": (5, 5, "python"),
    "main": (1, 1, "python"),
}
CODE = {
    "__init__": Box.__init__.__code__,
    "get": Box.get.__code__,
}
# the class body's code, a constant of the module's
for c in sys._getframe(0).f_code.co_consts:
    if getattr(c, "co_name", None) == "Box":
        CODE["Box"] = c


def wait_go(path, timeout):
    end = time.monotonic() + timeout
    while not os.path.exists(path):
        if time.monotonic() >= end:
            print(f"pycalls: no {path} within {timeout} s", file=sys.stderr)
            sys.exit(1)
        time.sleep(0.01)


if len(sys.argv) == 3:
    wait_go(sys.argv[1], float(sys.argv[2]))
elif len(sys.argv) != 1:
    print("usage: pycalls.py [GO_FILE TIMEOUT_S]", file=sys.stderr)
    sys.exit(2)
if not main():
    sys.exit(1)
for name, (calls, primitive, how) in TRUTH.items():
    code = CODE[name] if name in CODE else globals()[name].__code__
    print(f"TRUTH name={name} calls={calls} primitive={primitive} "
          f"line={code.co_firstlineno} via={how}")
sys.stdout.flush()
