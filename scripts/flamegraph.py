#!/usr/bin/env python3
"""Folds `perf script` output into stacks and draws a flame graph as a self-contained SVG.

    perf record -F 499 -g -p PID -- sleep 10
    perf script | scripts/flamegraph.py --title "mingate under wrk -c32" > docs/flame.svg

No dependencies beyond Python 3. Frames are demangled with swift-demangle when it is on PATH (the Swift toolchain
ships it), shortened, and merged; a frame narrower than 0.1% of the samples is not drawn.
"""
import argparse
import html
import re
import shutil
import subprocess
import sys
from collections import defaultdict


def read_stacks(lines):
    """Yields (thread, [frames root→leaf]) per sample of `perf script` output."""
    header, frames = None, []
    for line in lines:
        line = line.rstrip("\n")
        if not line.strip():
            if header is not None and frames:
                yield header, list(reversed(frames))
            header, frames = None, []
            continue
        if header is None:
            header = line.split()[0] if line.split() else "?"
            continue
        parts = line.strip().split(None, 1)
        if len(parts) == 2:
            symbol = re.sub(r"\s*\([^)]*\)$", "", parts[1])
            frames.append(symbol.split("+0x")[0])
    if header is not None and frames:
        yield header, list(reversed(frames))


def demangler(symbols):
    tool = shutil.which("swift-demangle")
    if not tool:
        return {s: s for s in symbols}
    names = sorted(symbols)
    out = subprocess.run([tool, "--simplified", "--compact"], input="\n".join(names), capture_output=True, text=True)
    lines = out.stdout.splitlines()
    return dict(zip(names, lines)) if len(lines) == len(names) else {s: s for s in symbols}


def short(name):
    name = re.sub(r"<[^<>]*>", "", name)
    name = re.sub(r"<[^<>]*>", "", name)
    name = re.sub(r"\(.*\)", "()", name)
    return name[:120]


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--title", default="flame graph")
    parser.add_argument("--folded", help="also write the folded stacks here")
    args = parser.parse_args()
    samples = list(read_stacks(sys.stdin))
    if not samples:
        sys.exit("flamegraph: no samples on stdin (perf script output expected)")
    names = demangler({f for _, stack in samples for f in stack})
    folded = defaultdict(int)
    for thread, stack in samples:
        key = tuple([thread] + [short(names.get(f, f)) for f in stack])
        folded[key] += 1
    if args.folded:
        with open(args.folded, "w") as out:
            for key, count in sorted(folded.items()):
                out.write(";".join(key) + f" {count}\n")

    # Build the tree.
    root = {"name": "all", "count": 0, "children": {}}
    for key, count in folded.items():
        node = root
        node["count"] += count
        for frame in key:
            node = node["children"].setdefault(frame, {"name": frame, "count": 0, "children": {}})
            node["count"] += count
    total = root["count"]
    width, row, minimum = 1200, 16, total * 0.001
    rects = []

    def place(node, x, depth):
        rects.append((node, x, depth))
        child_x = x
        for child in sorted(node["children"].values(), key=lambda n: n["name"]):
            if child["count"] >= minimum:
                place(child, child_x, depth + 1)
            child_x += child["count"]

    place(root, 0, 0)
    depth = max(d for _, _, d in rects) + 1
    height = depth * row + 40
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" font-family="monospace" font-size="11">',
           f'<text x="6" y="16" font-size="14">{html.escape(args.title)} — {total} samples; hover a frame for its share</text>']
    for node, x, d in rects:
        px = x / total * width
        pw = node["count"] / total * width
        y = height - (d + 1) * row
        share = 100.0 * node["count"] / total
        hue = 20 + (hash(node["name"]) % 40)
        label = html.escape(node["name"])
        out.append(f'<g><title>{label} ({share:.1f}%, {node["count"]} samples)</title>'
                   f'<rect x="{px:.2f}" y="{y}" width="{max(pw, 0.5):.2f}" height="{row - 1}" fill="hsl({hue},80%,60%)"/>')
        chars = int(pw / 7)
        if chars > 3:
            text = node["name"] if len(node["name"]) <= chars else node["name"][: chars - 2] + ".."
            out.append(f'<text x="{px + 2:.2f}" y="{y + row - 4}">{html.escape(text)}</text>')
        out.append("</g>")
    out.append("</svg>")
    sys.stdout.write("\n".join(out) + "\n")


if __name__ == "__main__":
    main()
