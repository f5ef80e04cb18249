#!/usr/bin/env python3
"""The import graph between tally's modules, and a check that it has no cycle.

Usage: python3 scripts/modgraph.py [--dot] [SRC_DIR]   (SRC_DIR defaults to src/ of this repo)
  --dot   the same graph in Graphviz form instead (no check)
Exit: 0 no cycle, 1 a cycle (printed with the file and line of each edge), 2 a usage error.

Every path a file names in another module counts as an edge: `use crate::…` / `use super::…`
trees (braces expanded), `pub use`, and paths written inline in code (`crate::model::Day`),
test modules included. Comments and string literals are ignored.

Nodes are the top-level modules (src/model.rs, src/ingest/, …), and one level further inside
the folders ingest/, render/ and cmd/ (`ingest/row`, `render/chart`). `main` is the crate
root (src/main.rs).

What counts as a cycle:
- between top-level modules: collapse every node to its top-level module and drop the edges
  inside one top-level module; a cycle is any set of top-level modules that reach one another,
  e.g. `cli -> config -> cli`;
- inside a folder: files of ingest/, render/ or cmd/ that reach one another without passing
  through the folder's mod.rs, e.g. `ingest/row -> ingest/columns -> ingest/row`. A folder's
  mod.rs and its own files may name each other: that is one module split into files.
The ground floor (primitives) may import nothing of tally: each import it makes is printed
(`GROUND FLOOR …`) and fails the check too.
The script prints each cycle with the file and line of every edge in it and exits 1; with no
cycle it prints the layers (each module imports only from layers below it) and exits 0.
"""

import os
import re
import signal
import sys
from collections import defaultdict

DETAIL = {"ingest", "render", "cmd"}
# Modules that may import nothing of tally: anything may use them without a loop.
GROUND_FLOOR = {"primitives"}
IDENT = r"[A-Za-z_][A-Za-z0-9_]*"


def strip_comments_and_strings(text):
    """The text with comments, string and char literals blanked out; newlines are kept so
    that offsets still map to the same lines."""
    out = []
    i, n = 0, len(text)
    while i < n:
        c = text[i]
        if text.startswith("//", i):
            j = text.find("\n", i)
            j = n if j < 0 else j
            out.append(" " * (j - i))
            i = j
        elif text.startswith("/*", i):
            depth, j = 1, i + 2
            while j < n and depth:
                if text.startswith("/*", j):
                    depth, j = depth + 1, j + 2
                elif text.startswith("*/", j):
                    depth, j = depth - 1, j + 2
                else:
                    j += 1
            out.append(re.sub(r"[^\n]", " ", text[i:j]))
            i = j
        elif (m := re.compile(r'b?r(#*)"').match(text, i)) and (
            i == 0 or not (text[i - 1].isalnum() or text[i - 1] == "_")
        ):
            end = '"' + m.group(1)
            j = text.find(end, m.end())
            j = n if j < 0 else j + len(end)
            out.append(re.sub(r"[^\n]", " ", text[i:j]))
            i = j
        elif c == '"':
            j = i + 1
            while j < n and text[j] != '"':
                j += 2 if text[j] == "\\" else 1
            j += 1
            out.append(re.sub(r"[^\n]", " ", text[i:j]))
            i = j
        elif c == "'" and (m := re.compile(r"'(\\.[^']*|[^\\'])'").match(text, i)):
            out.append(" " * (m.end() - i))
            i = m.end()
        else:
            out.append(c)
            i += 1
    return "".join(out)


def module_path(src, file):
    """`src/ingest/columns.rs` → ["ingest", "columns"]; `src/ingest/mod.rs` → ["ingest"]."""
    parts = os.path.relpath(file, src)[: -len(".rs")].split(os.sep)
    if parts[-1] in ("mod", "main", "lib"):
        parts = parts[:-1]
    return parts


def is_module(src, segments):
    base = os.path.join(src, *segments)
    return os.path.isfile(base + ".rs") or os.path.isfile(os.path.join(base, "mod.rs"))


def node_of(src, segments):
    """The graph node that a path (from the crate root) lands in."""
    if not segments or not is_module(src, segments[:1]):
        return "main"
    top = segments[0]
    if top in DETAIL and len(segments) > 1 and is_module(src, segments[:2]):
        return f"{top}/{segments[1]}"
    return top


def inline_module_spans(code):
    """(start, end) of every `mod name { … }` written inside a file."""
    spans = []
    for m in re.finditer(rf"\bmod\s+{IDENT}\s*\{{", code):
        depth, j = 0, m.end() - 1
        while j < len(code):
            if code[j] == "{":
                depth += 1
            elif code[j] == "}":
                depth -= 1
                if depth == 0:
                    break
            j += 1
        spans.append((m.start(), j))
    return spans


def expand_use_tree(tree):
    """`a::{b, c::{d, e}}` → [["a","b"], ["a","c","d"], ["a","c","e"]]."""
    tree = re.sub(rf"\s+as\s+{IDENT}", "", tree)
    tree = re.sub(r"\s+", "", tree)
    depth = 0
    for i, ch in enumerate(tree):
        if ch == "{":
            if depth == 0:
                prefix = [s for s in tree[:i].split("::") if s]
                inner = tree[i + 1 : tree.rindex("}")]
                parts, level, start = [], 0, 0
                for k, c in enumerate(inner):
                    if c == "{":
                        level += 1
                    elif c == "}":
                        level -= 1
                    elif c == "," and level == 0:
                        parts.append(inner[start:k])
                        start = k + 1
                parts.append(inner[start:])
                paths = []
                for part in parts:
                    if part:
                        paths += [prefix + p for p in expand_use_tree(part)]
                return paths or [prefix]
            depth += 1
    return [[s for s in tree.split("::") if s]]


def resolve(src, here, inline_depth, segments):
    """A path as written in module `here` (inside `inline_depth` inline modules) → the path
    from the crate root, or None when it stays inside the file."""
    if not segments:
        return None
    head = segments[0]
    if head == "crate":
        return segments[1:]
    if head == "self":
        return None if inline_depth else here + segments[1:]
    if head == "super":
        ups = 0
        while ups < len(segments) and segments[ups] == "super":
            ups += 1
        if ups <= inline_depth:
            return None
        ups -= inline_depth
        if ups > len(here):
            return None
        return here[: len(here) - ups] + segments[ups:]
    return None


def collect(src):
    """{(from_node, to_node): [(file, line), …]} for every path leaving a node."""
    edges = defaultdict(list)
    for root, _, files in os.walk(src):
        for name in sorted(files):
            if not name.endswith(".rs"):
                continue
            file = os.path.join(root, name)
            with open(file, encoding="utf-8") as f:
                code = strip_comments_and_strings(f.read())
            here = module_path(src, file)
            source = node_of(src, here) if here else "main"
            spans = inline_module_spans(code)

            def depth_at(pos):
                return sum(1 for a, b in spans if a < pos < b)

            def add(pos, path):
                target = resolve(src, here, depth_at(pos), path)
                if target is None:
                    return
                to = node_of(src, target)
                if to != source:
                    edges[(source, to)].append((file, code.count("\n", 0, pos) + 1))

            masked = list(code)
            for m in re.finditer(r"\buse\s+((?:crate|super|self)\b[^;]*);", code):
                for path in expand_use_tree(m.group(1)):
                    add(m.start(), [s for s in path if s])
                for k in range(m.start(), m.end()):
                    if masked[k] != "\n":
                        masked[k] = " "
            rest = "".join(masked)
            for m in re.finditer(
                rf"(?<![A-Za-z0-9_:])((?:crate|self|super)(?:::{IDENT})+)", rest
            ):
                add(m.start(), m.group(1).split("::"))
    return edges


def top(node):
    return node.split("/")[0]


def strongly_connected(nodes, succ):
    """Tarjan's algorithm: the components with more than one node."""
    index, low, stack, on, out, counter = {}, {}, [], set(), [], [0]

    def visit(v):
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on.add(v)
        for w in sorted(succ[v]):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on.discard(w)
                comp.append(w)
                if w == v:
                    break
            if len(comp) > 1:
                out.append(sorted(comp))

    for v in sorted(nodes):
        if v not in index:
            visit(v)
    return out


def shortest_cycle(start, comp, succ):
    """One shortest loop through `start` inside a component, as a list of modules."""
    frontier, parent = [start], {start: None}
    while frontier:
        nxt = []
        for v in frontier:
            for w in sorted(succ[v]):
                if w not in comp:
                    continue
                if w == start:
                    path = [v]
                    while parent[path[-1]] is not None:
                        path.append(parent[path[-1]])
                    return list(reversed(path)) + [start]
                if w not in parent:
                    parent[w] = v
                    nxt.append(w)
        frontier = nxt
    return comp


def main(argv):
    if any(a in ("-h", "--help") for a in argv):
        print(__doc__.strip())
        return 0
    dot = "--dot" in argv
    args = [a for a in argv if a != "--dot"]
    if len(args) > 1 or any(a.startswith("-") for a in args):
        print("usage: python3 scripts/modgraph.py [--dot] [SRC_DIR]", file=sys.stderr)
        return 2
    here = os.path.dirname(os.path.abspath(__file__))
    src = args[0] if args else os.path.join(here, "..", "src")
    src = os.path.normpath(src)
    if not os.path.isfile(os.path.join(src, "main.rs")) and not os.path.isfile(
        os.path.join(src, "lib.rs")
    ):
        print(
            f"modgraph: {src} holds no main.rs or lib.rs; give the crate's src directory",
            file=sys.stderr,
        )
        return 2
    edges = collect(src)

    if dot:
        # Graphviz: `python3 scripts/modgraph.py --dot | dot -Tsvg > modules.svg`.
        print("digraph tally {")
        for a, b in sorted(edges):
            print(f'  "{a}" -> "{b}";')
        print("}")
        return 0

    succ = defaultdict(set)
    nodes = set()
    for a, b in edges:
        nodes |= {a, b}
    print("# tally module graph: A -> B means a file of A names something in B")
    for a in sorted(nodes):
        targets = sorted(b for (x, b) in edges if x == a)
        if targets:
            print(f"{a} -> {', '.join(targets)}")

    evidence = defaultdict(list)
    tops = {top(n) for n in nodes}
    for (a, b), places in edges.items():
        if top(a) != top(b):
            succ[top(a)].add(top(b))
            evidence[(top(a), top(b))] += [(a, b, f, line) for f, line in places]
    for t in tops:
        succ.setdefault(t, set())

    # Loops between the files of one folder (ingest/row -> ingest/columns -> ingest/row): the
    # graph of files, without the edges between a folder and its own files.
    file_succ = defaultdict(set)
    file_evidence = defaultdict(list)
    for (a, b), places in edges.items():
        if a != top(a) and b == top(b) == top(a) or b != top(b) and a == top(a) == top(b):
            continue
        file_succ[a].add(b)
        file_evidence[(a, b)] += [(a, b, f, line) for f, line in places]
    for n in nodes:
        file_succ.setdefault(n, set())
    within = [
        comp
        for comp in strongly_connected(nodes, file_succ)
        if len({top(n) for n in comp}) == 1
    ]

    print()
    found = [(c, succ, evidence) for c in strongly_connected(tops, succ)]
    found += [(c, file_succ, file_evidence) for c in within]
    for comp, graph, why in found:
        print(f"CYCLE among {{{', '.join(comp)}}}; the loops through each of them:")
        seen = set()
        for start in comp:
            loop = shortest_cycle(start, comp, graph)
            key = frozenset(zip(loop, loop[1:]))
            if key in seen:
                continue
            seen.add(key)
            print(f"  {' -> '.join(loop)}")
            for a, b in zip(loop, loop[1:]):
                for x, y, f, line in sorted(set(why[(a, b)]))[:3]:
                    where = os.path.relpath(f, os.path.dirname(src))
                    print(f"    {x} -> {y}: {where}:{line}")
    grounded = sorted(
        (a, b, f, line)
        for (a, b), places in edges.items()
        if top(a) in GROUND_FLOOR and top(b) != top(a)
        for f, line in places
    )
    for a, b, f, line in grounded:
        where = os.path.relpath(f, os.path.dirname(src))
        print(f"GROUND FLOOR {a} imports {b}: {where}:{line}")
    if found or grounded:
        return 1

    # Layers: a module's layer is one more than the deepest module it imports.
    layer = {}

    def depth(t):
        if t not in layer:
            layer[t] = 1 + max((depth(u) for u in succ[t]), default=-1)
        return layer[t]

    for t in tops:
        depth(t)
    print("# no cycle; the top-level modules in layers, ground floor first:")
    for k in range(max(layer.values()) + 1):
        print(f"{k}: {' '.join(sorted(t for t in tops if layer[t] == k))}")
    return 0


if __name__ == "__main__":
    # Quiet when piped into `head`: the default SIGPIPE handling ends the script.
    if hasattr(signal, "SIGPIPE"):
        signal.signal(signal.SIGPIPE, signal.SIG_DFL)
    sys.exit(main(sys.argv[1:]))
