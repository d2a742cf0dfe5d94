#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""flame_svg.py: read one of vigil's SVG flame graphs back (user/flame.h's
document contract) and check it against the folded stacks it was drawn from.
For tests/integration/t_flame.sh.

usage:
  flame_svg.py check SVG FOLDED [--reverse] [--inverted]
      every frame's data-v is the sum of the folded lines whose stack starts
      with the frame's path (its names from the root down, found by depth
      and x containment); every prefix of a stack is one frame; widths are
      V / T * (W - 2X); children lie within their parent, side by side;
      deeper frames are drawn above (below with --inverted). --reverse: the
      paths are the stacks read from the leaf.
  flame_svg.py diff SVG BEFORE AFTER [--normalize]
      the differential graph: after's shape, data-v from AFTER, data-b from
      BEFORE (scaled to AFTER's total with --normalize), fills red where a
      frame grew, blue where it shrank, neutral (red == blue) where it kept
      its value.
  flame_svg.py root SVG
      prints "ROOT_V TOTAL FRAMES DROPPED": data-v of the depth-0 frame and
      the root element's data-total, data-frames and data-dropped.

Prints what is wrong, at most 10 lines, and exits 1; exit 0 and nothing
printed when all holds; 2 for bad usage or a document that does not parse.
"""
import bisect
import re
import sys
import xml.etree.ElementTree as ET

SVG_NS = '{http://www.w3.org/2000/svg}'
EPS = 0.01


def die(msg):
    print(f'flame_svg: {msg}', file=sys.stderr)
    sys.exit(2)


class Frame:
    def __init__(self, i, g):
        self.i = i
        title = g.find(SVG_NS + 'title')
        rect = g.find(SVG_NS + 'rect')
        if title is None or rect is None:
            raise ValueError(f'frame {i} has no <title> or no <rect>')
        self.name = (title.text or '').split('\n')[0]
        self.v = float(g.get('data-v'))
        self.d = int(g.get('data-d'))
        b = g.get('data-b')
        self.b = None if b is None else float(b)
        self.x = float(rect.get('x'))
        self.w = float(rect.get('width'))
        self.y = float(rect.get('y'))
        self.fill = rect.get('fill')
        self.parent = None
        self.children = []
        self.path = None

    def label(self):
        return ';'.join(self.path) if self.path else '(root)'


class Doc:
    def __init__(self, path):
        try:
            root = ET.parse(path).getroot()
        except (ET.ParseError, OSError) as e:
            die(f'{path}: {e}')
        if root.tag != SVG_NS + 'svg' or root.get('id') != 'vigil-flame':
            die(f'{path}: root element is {root.tag} id {root.get("id")!r}, not <svg id="vigil-flame">')
        self.attr = root.attrib
        try:
            self.total = float(root.get('data-total'))
            self.width = float(root.get('data-width'))
            self.xpad = float(root.get('data-xpad'))
        except (TypeError, ValueError):
            die(f'{path}: data-total, data-width or data-xpad missing or not a number')
        self.full = self.width - 2 * self.xpad
        self.frames = []
        for g in root.iter(SVG_NS + 'g'):
            if 'f' in (g.get('class') or '').split():
                try:
                    self.frames.append(Frame(len(self.frames), g))
                except (TypeError, ValueError) as e:
                    die(f'{path}: frame {len(self.frames)}: {e}')
        self.errors = []
        self.build_tree()

    def error(self, msg):
        self.errors.append(msg)

    def build_tree(self):
        """Each frame's parent: the frame one level up whose [x, x+width)
        holds the frame's middle."""
        by_depth = {}
        for f in self.frames:
            by_depth.setdefault(f.d, []).append(f)
        for level in by_depth.values():
            level.sort(key=lambda f: f.x)
        self.roots = by_depth.get(0, [])
        for d in sorted(by_depth):
            if d == 0:
                continue
            up = by_depth.get(d - 1, [])
            starts = [p.x for p in up]
            for f in by_depth[d]:
                mid = f.x + f.w / 2
                k = bisect.bisect_right(starts, mid) - 1
                if k < 0 or mid >= up[k].x + up[k].w:
                    self.error(f'frame {f.name!r} at depth {d}, x {f.x} width {f.w}, '
                               f'lies within no frame at depth {d - 1}')
                    continue
                f.parent = up[k]
                up[k].children.append(f)
        for r in self.roots:
            self.set_paths(r)

    def set_paths(self, root):
        root.path = ()
        todo = [root]
        while todo:
            f = todo.pop()
            for c in f.children:
                c.path = f.path + (c.name,)
                todo.append(c)

    def check_shape(self, inverted):
        """One root "all" of data-v data-total, at X, full width; widths;
        children within their parent, side by side, one level further out."""
        if len(self.roots) != 1 or self.roots[0].name != 'all':
            self.error(f'{len(self.roots)} frames at depth 0 ({[r.name for r in self.roots]}), '
                       f'expected one named "all"')
        for r in self.roots:
            if r.v != self.total:
                self.error(f'root data-v {r.v} != data-total {self.total}')
            if abs(r.x - self.xpad) > EPS or abs(r.w - self.full) > EPS:
                self.error(f'root at x {r.x} width {r.w}, expected {self.xpad} width {self.full}')
        n = self.attr.get('data-frames')
        if n != str(len(self.frames)):
            self.error(f'data-frames="{n}" but {len(self.frames)} g.f frames')
        for f in self.frames:
            want = f.v / self.total * self.full
            if abs(f.w - want) > EPS:
                self.error(f'{f.label()}: width {f.w}, expected {f.v}/{self.total}*{self.full} = {want:.4f}')
            p = f.parent
            if p is None:
                continue
            if f.x < p.x - EPS or f.x + f.w > p.x + p.w + EPS:
                self.error(f'{f.label()}: [{f.x}, {f.x + f.w}) not within its parent\'s '
                           f'[{p.x}, {p.x + p.w})')
            if (f.y > p.y) != inverted or f.y == p.y:
                self.error(f'{f.label()}: y {f.y}, its parent\'s {p.y}: expected '
                           f'{"below" if inverted else "above"} it')
        for f in self.frames:
            end = None
            for c in sorted(f.children, key=lambda c: c.x):
                if end is not None and c.x < end - EPS:
                    self.error(f'{c.label()} at x {c.x} overlaps its sibling ending at {end}')
                end = c.x + c.w
            if sum(c.v for c in f.children) > f.v:
                self.error(f'{f.label()}: children\'s data-v add up to more than its {f.v}')

    def by_path(self):
        paths = {}
        for f in self.frames:
            if f.path is None:
                continue
            if f.path in paths:
                self.error(f'two frames for the path {f.label()}')
            paths[f.path] = f
        return paths


def read_folded(path, reverse=False, columns=1):
    """{stack tuple: counts}: the stacks of a folded file, each with its
    COLUMNS last numbers (one number, or a tuple of them)."""
    out = {}
    with open(path, encoding='utf-8') as fh:
        for n, line in enumerate(fh, 1):
            line = line.rstrip('\n')
            parts = line.rsplit(' ', columns)
            if len(parts) != columns + 1 or not parts[0]:
                die(f'{path}:{n}: not a folded line: {line!r}')
            stack = tuple(parts[0].split(';'))
            if reverse:
                stack = stack[::-1]
            nums = tuple(float(x) for x in parts[1:])
            val = nums[0] if columns == 1 else nums
            if stack in out:
                die(f'{path}:{n}: stack listed twice')
            out[stack] = val
    return out


def prefix_sums(stacks):
    """{path: the sum of the stacks that start with path}, the root () too."""
    sums = {(): 0.0}
    for stack, v in stacks.items():
        sums[()] += v
        for k in range(1, len(stack) + 1):
            sums[stack[:k]] = sums.get(stack[:k], 0.0) + v
    return sums


def cmd_check(svg, folded, reverse, inverted):
    doc = Doc(svg)
    if doc.attr.get('data-mode', 'normal') != 'normal':
        doc.error(f'data-mode="{doc.attr.get("data-mode")}", expected normal')
    if doc.attr.get('data-dropped') != '0':
        doc.error(f'data-dropped="{doc.attr.get("data-dropped")}", expected 0 (no frame is narrow here)')
    doc.check_shape(inverted)
    want = prefix_sums(read_folded(folded, reverse))
    got = doc.by_path()
    if doc.total != want[()]:
        doc.error(f'data-total {doc.total}, the folded lines add up to {want[()]}')
    for p, f in got.items():
        if p not in want:
            doc.error(f'frame {f.label()} (data-v {f.v}) is no prefix of a folded stack')
        elif f.v != want[p]:
            doc.error(f'frame {f.label()}: data-v {f.v}, the folded lines under it add up to {want[p]}')
    for p in want:
        if p not in got:
            doc.error(f'no frame for {";".join(p)} ({want[p]})')
    return doc.errors


def rgb(fill):
    """(r, g, b) of an rgb(...) or #rrggbb fill, else None."""
    m = re.fullmatch(r'\s*rgb\(\s*(\d+)\s*,\s*(\d+)\s*,\s*(\d+)\s*\)\s*', fill or '')
    if m:
        return tuple(int(x) for x in m.groups())
    m = re.fullmatch(r'\s*#([0-9a-fA-F]{2})([0-9a-fA-F]{2})([0-9a-fA-F]{2})\s*', fill or '')
    if m:
        return tuple(int(x, 16) for x in m.groups())
    return None


def cmd_diff(svg, before_file, after_file, normalize):
    doc = Doc(svg)
    if doc.attr.get('data-mode') != 'diff':
        doc.error(f'data-mode="{doc.attr.get("data-mode")}", expected diff')
    doc.check_shape(False)
    before = prefix_sums(read_folded(before_file))
    after = prefix_sums(read_folded(after_file))
    scale = after[()] / before[()] if normalize and before[()] else 1.0
    # normalised values may be rounded to a whole number
    tol = 0.5 if normalize else 0
    got = doc.by_path()
    if doc.total != after[()]:
        doc.error(f'data-total {doc.total}, AFTER adds up to {after[()]}')
    for p in after:
        if p not in got:
            doc.error(f'no frame for {";".join(p)} (after {after[p]})')
    for p, f in got.items():
        if p not in after:
            doc.error(f'frame {f.label()} is not in AFTER\'s shape')
            continue
        v = after[p]
        b = before.get(p, 0.0) * scale
        if f.v != v:
            doc.error(f'{f.label()}: data-v {f.v}, expected {v} (AFTER)')
        if f.b is None:
            doc.error(f'{f.label()}: no data-b')
            continue
        if abs(f.b - b) > tol:
            doc.error(f'{f.label()}: data-b {f.b}, expected {b:g} (BEFORE{" * %g" % scale if normalize else ""})')
        c = rgb(f.fill)
        if c is None:
            doc.error(f'{f.label()}: fill {f.fill!r} is not rgb(R,G,B) or #RRGGBB')
        elif abs(v - b) <= 1e-9:
            if c[0] != c[2]:
                doc.error(f'{f.label()}: kept its value ({b:g}), but fill {f.fill} is not neutral (red != blue)')
        elif (c[0] > c[2]) != (v > b) or c[0] == c[2]:
            doc.error(f'{f.label()}: {"grew" if v > b else "shrank"} ({b:g} -> {v:g}), '
                      f'but fill is {f.fill} (expected {"red" if v > b else "blue"} > {"blue" if v > b else "red"})')
    return doc.errors


def cmd_root(svg):
    doc = Doc(svg)
    v = doc.roots[0].v if len(doc.roots) == 1 else 'none'
    fmt = lambda x: int(x) if isinstance(x, float) and x.is_integer() else x
    print(fmt(v), fmt(doc.total), doc.attr.get('data-frames'), doc.attr.get('data-dropped'))
    return []


def main(argv):
    if len(argv) < 2:
        die('usage: flame_svg.py check|diff|root ...')
    cmd, args = argv[1], argv[2:]
    flags = {a for a in args if a.startswith('--')}
    pos = [a for a in args if not a.startswith('--')]
    if cmd == 'check' and len(pos) == 2 and flags <= {'--reverse', '--inverted'}:
        errors = cmd_check(pos[0], pos[1], '--reverse' in flags, '--inverted' in flags)
    elif cmd == 'diff' and len(pos) == 3 and flags <= {'--normalize'}:
        errors = cmd_diff(pos[0], pos[1], pos[2], '--normalize' in flags)
    elif cmd == 'root' and len(pos) == 1 and not flags:
        errors = cmd_root(pos[0])
    else:
        die(f'bad arguments: {" ".join(argv[1:])}')
    for e in errors[:10]:
        print(e)
    if len(errors) > 10:
        print(f'... {len(errors) - 10} more')
    return 1 if errors else 0


if __name__ == '__main__':
    sys.exit(main(sys.argv))
