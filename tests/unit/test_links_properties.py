"""Property tests for symback.links: round trips, the path validator, LinkTree graphs."""

from __future__ import annotations

import posixpath
import unicodedata

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from symback.errors import LinksError
from symback.linkrules import (
    MAX_CHAIN_DEPTH,
    LinkTree,
    check_archive_path,
    parse_links,
)
from symback.links import Link, format_links

SRC = "foo-1.0.dist-info/LINKS"

# --- round trip -----------------------------------------------------------------------

# Characters a clean segment may hold: anything but separators, drive/stream colons,
# control characters, surrogates and invisible format characters. Commas, quotes, spaces and non-ASCII are the
# interesting ones for CSV.
segment_chars = st.characters(
    blacklist_categories=("Cc", "Cs", "Cf"), blacklist_characters="/\\:"
)
segment = st.one_of(
    st.sampled_from(["pkg", "a,b", 'q"uote', " lead", "trail ", "ü", "数据", "x.so.1", ".hidden"]),
    st.text(segment_chars, min_size=1, max_size=6),
).filter(lambda s: s.strip(". ") != "")
archive_path = st.lists(segment, min_size=1, max_size=4).map("/".join).filter(
    lambda p: not p.split("/")[0].lower().endswith(".data")
)


@st.composite
def release_links(draw):
    pairs = draw(st.dictionaries(archive_path, archive_path, max_size=8))
    return [Link(p, t) for p, t in pairs.items() if p != t]


@given(release_links())
def test_round_trip_release(links):
    for link in links:
        assert check_archive_path(link.path, source=SRC, what="link path") == link.path
        assert check_archive_path(link.target, source=SRC, what="target path") == link.target
    data = format_links(links)
    assert data.endswith(b"\n") or not links
    assert parse_links(data, source=SRC) == sorted(links)
    assert format_links(reversed(links)) == data  # order of input does not matter


@given(st.dictionaries(archive_path, archive_path.map(lambda p: "/src/" + p), max_size=6))
def test_round_trip_editable(pairs):
    links = [Link(p, t) for p, t in pairs.items()]
    assert parse_links(format_links(links), source=SRC, editable=True) == sorted(links)


@given(st.binary(max_size=64))
def test_parse_never_crashes(data):
    """Arbitrary bytes give links or a LinksError, nothing else."""
    for editable in (False, True):
        try:
            parsed = parse_links(data, source=SRC, editable=editable)
        except LinksError as exc:
            assert str(exc).startswith(SRC)
        else:
            assert len({link.path for link in parsed}) == len(parsed)


# --- the path validator against an independent oracle ----------------------------------

PIECES = ["..", ".", "", "a", "b.so", "\\", "/", "C:", "c", ":", "\x00", "\n", "\x7f",
          "é", "数据", " ", "...", "x.data", "X.DATA", "e\u0301", "\udcff", "\ufeff", "\u202e"]


def oracle(path: str) -> bool:
    """Accept iff the posix-normalised path stays inside the root and equals the input,
    and nothing in it means something else on Windows (or cannot be written as UTF-8)."""
    if path == "" or posixpath.isabs(path):
        return False
    if posixpath.normpath(path) != path:  # ".", "./a", "a//b", "a/", "a/../b"
        return False
    if not posixpath.normpath(posixpath.join("/root", path)).startswith("/root/"):
        return False  # "..", "../x"
    # Windows: backslash separators, "C:" drives and "f:stream" alternate data streams.
    if "\\" in path or ":" in path:
        return False
    # Windows strips trailing dots and spaces, so "..." and " " would alias "" / "." / "..".
    if any(part.rstrip(". ") == "" for part in path.split("/")):
        return False
    # Invisible format characters (bidi overrides, U+FEFF) make a path display as another.
    if any(unicodedata.category(ch) in ("Cc", "Cs", "Cf") for ch in path):
        return False
    # File system limits: PATH_MAX 4096 and NAME_MAX 255 bytes.
    if len(path.encode("utf-8", "surrogatepass")) > 4096:
        return False
    if any(len(part.encode("utf-8", "surrogatepass")) > 255 for part in path.split("/")):
        return False
    # The .data directory's contents are installed elsewhere: links there are unsupported.
    return not path.partition("/")[0].lower().endswith(".data")


def accepts(path: str) -> bool:
    try:
        assert check_archive_path(path, source=SRC, what="link path") is path
    except LinksError as exc:
        assert str(exc).startswith(f"{SRC}: link path {path!r}: ")
        return False
    return True


paths_from_pieces = st.one_of(
    st.lists(st.sampled_from(PIECES), max_size=6).map("".join),
    st.lists(st.sampled_from(PIECES), max_size=5).map("/".join),
)


@settings(max_examples=1000)
@given(paths_from_pieces)
@example("a/b.so")
@example("../a")
@example("//a")
@example("a/..")
@example("x.data/a")
@example("a/x.data")
def test_check_archive_path_matches_oracle(path):
    assert accepts(path) == oracle(path)


@given(st.text(max_size=12))
def test_check_archive_path_matches_oracle_on_any_text(path):
    assert accepts(path) == oracle(path)


@given(st.integers(1, 300), st.integers(1, 40), st.sampled_from(["a", "é", "数"]))
def test_check_archive_path_length_limits(seg_len, count, char):
    path = "/".join([char * seg_len] * count)
    assert accepts(path) == oracle(path)


# --- LinkTree over random graphs -------------------------------------------------------

FILES = ["pkg/__init__.py", "pkg/a.so.1", "pkg/sub/b.txt", "pkg/sub/deep/c.txt", "data/x"]
DIRS = ["pkg", "pkg/sub", "pkg/sub/deep", "data"]
GOOD_LINK_PATHS = ["pkg/l1", "pkg/l2", "pkg/sub/l3", "l4", "data/l5", "pkg/l6", "pkg/l7",
                   "pkg/sub/deep/l8"]
BAD_LINK_PATHS = ["pkg/l1/in", "pkg/sub", "pkg/a.so.1", "pkg/a.so.1/x", "pkg/L1"]
BAD_TARGETS = ["pkg/missing", "pkg/l1/x", "pkg/sub/missing", "pkg/a.so.1/x"]
# Weighted towards paths that can be valid, so that a good share of graphs is accepted.
LINK_PATHS = GOOD_LINK_PATHS * 4 + BAD_LINK_PATHS
TARGETS = (GOOD_LINK_PATHS + FILES) * 3 + DIRS + BAD_LINK_PATHS + BAD_TARGETS


def ancestors(path: str) -> list[str]:
    parts = path.split("/")
    return ["/".join(parts[:i]) for i in range(1, len(parts))]


@st.composite
def link_graphs(draw):
    paths = draw(st.lists(st.sampled_from(LINK_PATHS), unique=True, max_size=6))
    if draw(st.booleans()):
        # anything goes: cycles, missing targets, paths through links ...
        return {p: draw(st.sampled_from(TARGETS)) for p in paths}
    # acyclic by construction: each link points at a file, a directory or an earlier link
    graph: dict[str, str] = {}
    for i, path in enumerate(paths):
        graph[path] = draw(st.sampled_from(FILES + DIRS + paths[:i]))
    return graph


def has_cycle(graph: dict[str, str]) -> bool:
    for start in graph:
        node, steps = start, 0
        while node in graph and steps <= len(graph):
            node, steps = graph[node], steps + 1
        if node in graph:
            return True
    return False


@settings(max_examples=500)
@given(link_graphs(), st.randoms(use_true_random=False))
def test_link_tree_random_graphs(graph, rnd):
    links = [Link(p, t) for p, t in graph.items()]
    rnd.shuffle(links)
    try:
        tree = LinkTree.build(links, FILES, source=SRC)
    except LinksError as exc:
        assert str(exc).startswith(SRC + ": ")
        return
    assert not has_cycle(graph), "a cycle was accepted"
    assert tree.links == tuple(sorted(links))
    link_dirs = {a for p in graph for a in ancestors(p)}
    existing = set(FILES) | set(DIRS) | link_dirs
    for path, target in graph.items():
        # the structural rules hold
        assert path not in FILES and path not in DIRS
        assert not any(a in graph or a in FILES for a in ancestors(path))
        assert not any(a in graph for a in ancestors(target))
        # every link reaches an existing file or directory within MAX_CHAIN_DEPTH steps
        node = path
        for _ in range(MAX_CHAIN_DEPTH):
            node = graph[node]
            if node not in graph:
                break
        assert node not in graph and node in existing
        assert tree.resolve(path) == node
        assert tree.is_directory(path) == (node not in FILES)
        # a directory link never leads to one of its own ancestors
        assert not path.startswith(node + "/")
    # building again from the tree's own links gives the same tree
    assert LinkTree.build(tree.links, FILES, source=SRC) == tree


@given(st.integers(min_value=1, max_value=MAX_CHAIN_DEPTH * 2))
def test_chain_depth_bound(length):
    names = [f"pkg/l{i}" for i in range(length)]
    links = [Link(names[i], names[i + 1]) for i in range(length - 1)]
    links.append(Link(names[-1], "pkg/file"))
    if length <= MAX_CHAIN_DEPTH:
        tree = LinkTree.build(links, ["pkg/file"], source=SRC)
        assert tree.resolve(names[0]) == "pkg/file"
        assert len(tree.links) == length  # kept as a chain, not flattened
        assert tree.links[0].relative_target() == "l1" or length == 1
    else:
        with pytest.raises(LinksError, match="more than the"):
            LinkTree.build(links, ["pkg/file"], source=SRC)


@given(st.integers(min_value=1, max_value=3 * MAX_CHAIN_DEPTH), st.integers(min_value=0, max_value=5))
def test_cycles_always_refused(length, tail):
    """A cycle of any length, possibly entered through a tail of links, is refused."""
    ring = [f"pkg/r{i}" for i in range(length)]
    links = [Link(ring[i], ring[(i + 1) % length]) for i in range(length)]
    tails = [f"pkg/t{i}" for i in range(tail)]
    links += [Link(tails[i], tails[i + 1] if i + 1 < tail else ring[0]) for i in range(tail)]
    with pytest.raises(LinksError, match="cycle|itself"):
        LinkTree.build(links, ["pkg/file"], source=SRC)
