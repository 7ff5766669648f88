"""symback.links: the LINKS format and its rules, one hostile input per rule."""

from __future__ import annotations

import pytest

from symback import linkrules as links_module
from symback.errors import LinksError, SymbackError
from symback.linkrules import (
    MAX_CHAIN_DEPTH,
    LinkTree,
    check_archive_path,
    parse_links,
)
from symback.links import Link, format_links

SRC = "foo-1.0.dist-info/LINKS"


def build(links, files):
    return LinkTree.build([Link(p, t) for p, t in links], files, source=SRC)


def refused_build(links, files) -> str:
    with pytest.raises(LinksError) as info:
        build(links, files)
    message = str(info.value)
    assert message.startswith(SRC + ": ")
    return message


def refused_parse(data: bytes, *, editable: bool = False) -> str:
    with pytest.raises(LinksError) as info:
        parse_links(data, source=SRC, editable=editable)
    message = str(info.value)
    assert message.startswith(SRC)
    return message


# --- check_archive_path -------------------------------------------------------------

GOOD_PATHS = [
    "pkg/libfoo.so",
    "pkg/libfoo.so.1.2.3",
    "a",
    "pkg/sub/deep/file.txt",
    ".hidden/x",
    "pkg/.libs/libfoo.so",
    "pkg/..x",
    "pkg/x..",
    "pkg/with space.txt",
    "pkg/ünïcødé/数据",
    "pkg/a,b\"c",
    "pkg.data_not/x",  # only a first component *ending* in .data is special
    "pkg/x.data/y",  # .data below the top level is an ordinary directory
]


@pytest.mark.parametrize("path", GOOD_PATHS)
def test_check_archive_path_accepts_clean_paths(path):
    assert check_archive_path(path, source=SRC, what="link path") is path


BAD_PATHS = [
    ("", "empty"),
    (".", "'.' segment"),
    ("..", "'..' segment"),
    ("../etc/passwd", "'..' segment"),
    ("pkg/../../x", "'..' segment"),
    ("./pkg", "'.' segment"),
    ("pkg/./x", "'.' segment"),
    ("a//b", "empty segment"),
    ("/etc/passwd", "absolute"),
    ("//server/share/x", "UNC"),
    ("C:", "Windows drive"),
    ("c:foo", "Windows drive"),
    ("C:/Windows/x", "Windows drive"),
    ("pkg/file:stream", "alternate data stream"),
    ("pkg\\..\\..\\x", "backslash"),
    ("pkg\\x", "backslash"),
    ("pkg/a\x00b", "NUL"),
    ("pkg/a\nb", "control character U+000A"),
    ("pkg/a\x7fb", "control character U+007F"),
    ("pkg/a\x85b", "control character U+0085"),
    ("pkg/a\udcffb", "lone surrogate"),
    ("\ufeffpkg/x", "invisible format character U+FEFF"),
    ("pkg/\u202eos.py", "invisible format character U+202E"),
    ("pkg/", "ends with '/'"),
    ("pkg/...", "only dots and spaces"),
    ("pkg/ ", "only dots and spaces"),
    ("pkg/. .", "only dots and spaces"),
    ("foo-1.0.data/x", "not inside one of its scheme directories"),
    ("foo-1.0.data/bin/x", "not inside one of its scheme directories"),
    ("pkg/" + "x" * 256, "256 bytes long"),
    ("pkg/" + "é" * 128, "256 bytes long"),
    ("/".join(["a" * 200] * 21), "4220 bytes long"),
    ("foo-1.0.DATA/purelib", "not inside one of its scheme directories"),
]


@pytest.mark.parametrize("path,reason", BAD_PATHS)
def test_check_archive_path_refuses(path, reason):
    source = SRC + " line 3"
    with pytest.raises(LinksError) as info:
        check_archive_path(path, source=source, what="target path")
    message = str(info.value)
    assert message.startswith(f"{source}: target path {path!r}: ")
    assert reason in message
    assert "relative to the wheel root" in message  # the fix


def test_links_error_is_a_symback_error():
    assert issubclass(LinksError, SymbackError)


# --- Link ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "path,target,expected",
    [
        ("pkg/libfoo.so", "pkg/libfoo.so.1", "libfoo.so.1"),
        ("top", "pkg/x", "pkg/x"),  # posixpath.relpath(..., "") would raise
        ("pkg/a/b/l", "pkg/c/d", "../../c/d"),
        ("pkg/l", "other/x", "../other/x"),
        ("pkg/alias", "pkg/real", "real"),
        ("a/b/l", "a/b/c/d", "c/d"),
    ],
)
def test_relative_target(path, target, expected):
    assert Link(path, target).relative_target() == expected


def test_relative_target_refuses_editable_links():
    with pytest.raises(ValueError):
        Link("pkg/x.py", "/src/pkg/x.py").relative_target()


def test_link_is_frozen_and_ordered():
    a, b = Link("a", "z"), Link("b", "a")
    assert sorted([b, a]) == [a, b]
    with pytest.raises(AttributeError):
        a.path = "c"  # type: ignore[misc]


# --- parse_links / format_links -----------------------------------------------------


def test_parse_simple():
    data = b"pkg/libfoo.so,pkg/libfoo.so.1\npkg/libfoo.so.1,pkg/libfoo.so.1.2.3\n"
    assert parse_links(data, source=SRC) == [
        Link("pkg/libfoo.so", "pkg/libfoo.so.1"),
        Link("pkg/libfoo.so.1", "pkg/libfoo.so.1.2.3"),
    ]


def test_parse_empty_file_and_trailing_blank_lines():
    assert parse_links(b"", source=SRC) == []
    assert parse_links(b"a,b\n\n\n", source=SRC) == [Link("a", "b")]
    assert parse_links(b"a,b", source=SRC) == [Link("a", "b")]  # no final newline
    assert parse_links(b"a,b\r\nc,d\r\n", source=SRC) == [Link("a", "b"), Link("c", "d")]


def test_parse_quoted_fields():
    data = b'"pkg/a,b.txt","pkg/say ""hi"".txt"\n'
    assert parse_links(data, source=SRC) == [Link("pkg/a,b.txt", 'pkg/say "hi".txt')]


def test_parse_refuses_bom():
    message = refused_parse(b"\xef\xbb\xbfa,b\n")
    assert "byte order mark" in message and "byte 0" in message


def test_parse_refuses_non_utf8_naming_the_offset():
    message = refused_parse(b"a,b\npkg/\xff,c\n")
    assert "byte 8" in message and "not valid UTF-8" in message


def test_parse_refuses_nul_byte():
    message = refused_parse(b"a,b\npkg/a\x00,c\n")
    assert "byte 9" in message and "NUL" in message


@pytest.mark.parametrize(
    "data,line,found",
    [
        (b"a,b\npkg/x\n", 2, "found 1"),
        (b"a,b,c\n", 1, "found 3"),
        (b"a,b\nc,d\ne,f,\n", 3, "found 3"),  # a trailing comma is a third (empty) column
        (b"a,b\n \n", 2, "found 1"),
    ],
)
def test_parse_refuses_wrong_column_count(data, line, found):
    message = refused_parse(data)
    assert f"line {line}:" in message and "expected 2 columns" in message and found in message


def test_parse_line_numbers_count_quoted_newlines():
    # row 1 spans lines 1-2; the bad row starts on line 3
    message = refused_parse(b'"a\nb",c\nx\n')
    assert "line 1" in message and "control character" in message
    message = refused_parse(b'a,b\n"c",d,e\n')
    assert "line 2:" in message


def test_parse_refuses_blank_line_between_rows():
    message = refused_parse(b"a,b\n\nc,d\n")
    assert "line 2:" in message and "blank line" in message


def test_parse_refuses_malformed_csv():
    message = refused_parse(b'a,"b\n')
    assert "malformed CSV" in message
    message = refused_parse(b'"a"x,b\n')
    assert "malformed CSV" in message


def test_parse_refuses_duplicate_link_paths():
    message = refused_parse(b"pkg/l,pkg/a\npkg/x,pkg/y\npkg/l,pkg/b\n")
    assert "line 3:" in message and "'pkg/l'" in message and "listed twice" in message
    assert "line 1" in message


def test_parse_refuses_link_to_itself():
    message = refused_parse(b"pkg/l,pkg/l\n")
    assert "line 1:" in message and "'pkg/l'" in message and "itself" in message


@pytest.mark.parametrize(
    "row,what",
    [
        (b"../evil,pkg/x", "link path '../evil'"),
        (b"pkg/x,/etc/passwd", "target path '/etc/passwd'"),
        (b"pkg/x,C:/Windows", "target path 'C:/Windows'"),
        (b"pkg\\x,pkg/y", "link path 'pkg\\\\x'"),
        (b"foo-1.0.data/lib/x,pkg/y", "scheme directories"),
    ],
)
def test_parse_checks_both_columns(row, what):
    message = refused_parse(b"a,b\n" + row + b"\n")
    assert "line 2:" in message and what in message


def test_parse_editable():
    data = b"pkg/__init__.py,/home/me/src/pkg/__init__.py\n"
    assert parse_links(data, source=SRC, editable=True) == [
        Link("pkg/__init__.py", "/home/me/src/pkg/__init__.py")
    ]


@pytest.mark.parametrize(
    "row,reason",
    [
        (b"pkg/x.py,src/pkg/x.py", "absolute path"),
        (b"pkg/x.py,C:\\src\\x.py", "absolute path"),  # not absolute on posix
        (b'pkg/x.py,"/src/a\nb"', "U+000A"),
        (b"../x.py,/src/x.py", "link path '../x.py'"),
    ],
)
def test_parse_editable_refuses(row, reason, monkeypatch):
    monkeypatch.setattr(links_module, "_WINDOWS", False)
    message = refused_parse(row + b"\n", editable=True)
    assert reason in message


def test_parse_editable_windows_targets(monkeypatch):
    monkeypatch.setattr(links_module, "_WINDOWS", True)
    assert parse_links(b"pkg/x.py,C:\\src\\x.py\n", source=SRC, editable=True) == [
        Link("pkg/x.py", "C:\\src\\x.py")
    ]
    assert "absolute path" in refused_parse(b"pkg/x.py,/src/x.py\n", editable=True)
    assert "absolute path" in refused_parse(b"pkg/x.py,C:src\\x.py\n", editable=True)


def test_format_links_sorted_with_newlines():
    data = format_links([Link("b", "c"), Link("a", "b"), Link("pkg/x,y", "pkg/z")])
    assert data == b'a,b\nb,c\n"pkg/x,y",pkg/z\n'
    assert parse_links(data, source=SRC) == sorted(
        [Link("b", "c"), Link("a", "b"), Link("pkg/x,y", "pkg/z")]
    )


def test_format_links_refuses_duplicates():
    with pytest.raises(LinksError, match="'a'"):
        format_links([Link("a", "b"), Link("a", "c")])


def test_format_links_empty():
    assert format_links([]) == b""


# --- LinkTree: accepted shapes ------------------------------------------------------


def test_soname_chain_is_kept():
    tree = build(
        [("pkg/libfoo.so", "pkg/libfoo.so.1"), ("pkg/libfoo.so.1", "pkg/libfoo.so.1.2.3")],
        ["pkg/__init__.py", "pkg/libfoo.so.1.2.3"],
    )
    assert tree.links == (
        Link("pkg/libfoo.so", "pkg/libfoo.so.1"),
        Link("pkg/libfoo.so.1", "pkg/libfoo.so.1.2.3"),
    )
    assert [link.relative_target() for link in tree.links] == ["libfoo.so.1", "libfoo.so.1.2.3"]
    assert tree.resolve("pkg/libfoo.so") == "pkg/libfoo.so.1.2.3"
    assert tree.resolve("pkg/libfoo.so.1") == "pkg/libfoo.so.1.2.3"
    assert tree.resolve("pkg/libfoo.so.1.2.3") == "pkg/libfoo.so.1.2.3"
    assert not tree.is_directory("pkg/libfoo.so")


def test_directory_link():
    tree = build([("pkg/alias", "pkg/real")], ["pkg/real/__init__.py", "pkg/real/data.txt"])
    assert tree.is_directory("pkg/alias")
    assert tree.is_directory("pkg/real")
    assert tree.resolve("pkg/alias") == "pkg/real"
    assert tree.links[0].relative_target() == "real"


def test_link_to_directory_across_packages_and_top_level():
    tree = build(
        [("alias", "pkg/real"), ("pkg/other/l", "pkg/real/data.txt")],
        ["pkg/real/data.txt", "pkg/other/x.py"],
    )
    assert tree.is_directory("alias")
    assert tree.links[1].relative_target() == "../real/data.txt"


def test_link_in_a_directory_that_holds_only_links_and_link_to_it():
    tree = build([("pkg/lib/libfoo.so", "pkg/libfoo.so.1"), ("pkg/l2", "pkg/lib")], ["pkg/libfoo.so.1"])
    assert tree.is_directory("pkg/l2")


def test_link_into_a_directory_that_is_target_of_another_link():
    # pkg/real/l is a real path (its parent is a real directory) even though pkg/alias
    # also leads to pkg/real.
    tree = build(
        [("pkg/alias", "pkg/real"), ("pkg/real/l", "pkg/real/f")],
        ["pkg/real/f"],
    )
    assert tree.resolve("pkg/real/l") == "pkg/real/f"


def test_chain_at_max_depth_is_accepted():
    names = [f"pkg/l{i}" for i in range(MAX_CHAIN_DEPTH)]
    pairs = [(names[i], names[i + 1]) for i in range(MAX_CHAIN_DEPTH - 1)]
    pairs.append((names[-1], "pkg/file"))
    tree = build(pairs, ["pkg/file"])
    assert tree.resolve("pkg/l0") == "pkg/file"


def test_empty_tree():
    tree = build([], ["pkg/x"])
    assert tree.links == ()
    assert tree.is_directory("pkg")
    assert not tree.is_directory("nope")


def test_resolve_unknown_path():
    tree = build([], ["pkg/x"])
    with pytest.raises(LinksError, match="'nope'"):
        tree.resolve("nope")


# --- LinkTree: one rule each ---------------------------------------------------------


def test_target_must_exist():
    message = refused_build([("pkg/libfoo.so", "pkg/libfoo.so.1")], ["pkg/__init__.py"])
    assert "link 'pkg/libfoo.so' -> 'pkg/libfoo.so.1'" in message
    assert "does not exist" in message and "Ship the target" in message


def test_target_may_not_be_inside_a_file():
    message = refused_build([("pkg/l", "pkg/a.py/x")], ["pkg/a.py"])
    assert "'pkg/a.py'" in message and "regular file" in message


def test_link_path_equal_to_a_file():
    message = refused_build([("pkg/a.py", "pkg/b.py")], ["pkg/a.py", "pkg/b.py"])
    assert "link 'pkg/a.py'" in message and "also a regular file" in message


def test_link_path_equal_to_a_directory():
    message = refused_build([("pkg/sub", "pkg/real")], ["pkg/sub/x.py", "pkg/real/y.py"])
    assert "link 'pkg/sub'" in message and "also a directory" in message
    assert "written through the link" in message


def test_link_path_inside_a_file():
    message = refused_build([("pkg/a.py/evil", "pkg/b.py")], ["pkg/a.py", "pkg/b.py"])
    assert "link 'pkg/a.py/evil'" in message and "inside 'pkg/a.py'" in message
    assert "regular file" in message


def test_link_path_through_a_directory_link():
    message = refused_build(
        [("pkg/alias", "pkg/real"), ("pkg/alias/evil", "pkg/x")], ["pkg/real/y", "pkg/x"]
    )
    assert "link 'pkg/alias/evil'" in message and "through the link 'pkg/alias'" in message
    assert "no path through a link" in message


def test_link_path_through_a_file_link():
    message = refused_build([("pkg/l", "pkg/x"), ("pkg/l/evil", "pkg/x")], ["pkg/x"])
    assert "link 'pkg/l/evil'" in message and "through the link 'pkg/l'" in message


def test_target_through_a_link():
    message = refused_build(
        [("pkg/alias", "pkg/real"), ("pkg/l", "pkg/alias/y")], ["pkg/real/y"]
    )
    assert "link 'pkg/l' -> 'pkg/alias/y'" in message
    assert "target passes through the link 'pkg/alias'" in message
    assert "'pkg/real/y'" in message  # the fix names the real path


def test_file_under_a_link_path_is_refused():
    # A file shipped "inside" a link would be written through it.
    message = refused_build([("pkg/alias", "pkg/real")], ["pkg/real/y", "pkg/alias/evil.py"])
    assert "link 'pkg/alias'" in message and "also a directory" in message


def test_duplicate_link_paths():
    message = refused_build([("pkg/l", "pkg/a"), ("pkg/l", "pkg/b")], ["pkg/a", "pkg/b"])
    assert "link 'pkg/l'" in message and "listed twice" in message


def test_self_cycle():
    message = refused_build([("pkg/l", "pkg/l")], ["pkg/x"])
    assert "link 'pkg/l'" in message and "cycle" in message


def test_two_link_cycle():
    message = refused_build([("pkg/a", "pkg/b"), ("pkg/b", "pkg/a")], ["pkg/x"])
    assert "cycle" in message and "pkg/a -> pkg/b -> pkg/a" in message


def test_long_cycle_is_reported_as_a_cycle():
    n = MAX_CHAIN_DEPTH * 3
    pairs = [(f"pkg/l{i}", f"pkg/l{(i + 1) % n}") for i in range(n)]
    message = refused_build(pairs, ["pkg/x"])
    assert "cycle" in message


def test_chain_too_deep():
    names = [f"pkg/l{i}" for i in range(MAX_CHAIN_DEPTH + 1)]
    pairs = [(names[i], names[i + 1]) for i in range(MAX_CHAIN_DEPTH)]
    pairs.append((names[-1], "pkg/file"))
    message = refused_build(pairs, ["pkg/file"])
    assert "link 'pkg/l0'" in message
    assert f"{MAX_CHAIN_DEPTH + 1} links, more than the {MAX_CHAIN_DEPTH} allowed" in message


def test_directory_link_to_its_own_ancestor():
    message = refused_build([("pkg/sub/up", "pkg")], ["pkg/sub/x.py"])
    assert "link 'pkg/sub/up' -> 'pkg'" in message and "endless directory tree" in message


def test_directory_links_into_each_other():
    message = refused_build([("a/l", "b"), ("b/m", "a")], ["a/x", "b/y"])
    assert "endless directory tree" in message
    assert "'a/l' leads to 'b'" in message and "'b/m' leads to 'a'" in message


def test_case_collision_with_a_file():
    message = refused_build([("pkg/LibFoo.so", "pkg/libfoo.so.1")], ["pkg/libfoo.so", "pkg/libfoo.so.1"])
    assert "'pkg/LibFoo.so'" in message and "differ only in case" in message


def test_case_collision_between_links():
    message = refused_build([("pkg/A", "pkg/x"), ("pkg/a", "pkg/x")], ["pkg/x"])
    assert "differ only in case" in message


def test_unicode_normalisation_collision():
    nfc, nfd = "pkg/\u00e9", "pkg/e\u0301"
    message = refused_build([(nfd, "pkg/x")], [nfc, "pkg/x"])
    assert "Unicode normalisation" in message


@pytest.mark.parametrize(
    "link,reason",
    [
        (("../evil", "pkg/x"), "link path '../evil'"),
        (("pkg/l", "/etc/passwd"), "target path '/etc/passwd'"),
        (("pkg/l", "pkg/../../etc/passwd"), "'..' segment"),
        (("foo-1.0.data/scripts/l", "pkg/x"), "may only point inside its own"),
    ],
)
def test_build_checks_archive_paths(link, reason):
    message = refused_build([link], ["pkg/x"])
    assert reason in message


def test_hostile_long_names_stay_cheap():
    """A 64 KiB file name of one-character segments must not cost quadratic memory."""
    deep = "/".join(["a"] * 32000)
    tree = build([("pkg/l", "pkg/x")], [deep, "pkg/x"])
    assert tree.resolve("pkg/l") == "pkg/x"
    assert max(len(d) for d in tree.directories) <= 4096


def test_long_cycle_message_is_bounded():
    n = 5000
    message = refused_build([(f"pkg/l{i}", f"pkg/l{(i + 1) % n}") for i in range(n)], ["pkg/x"])
    assert "cycle" in message and len(message) < 1000


def test_format_links_writes_what_csv_writes() -> None:
    """format_links quotes as csv.writer(lineterminator="\\n") does, without importing csv."""
    import csv
    import io

    from symback.links import Link, format_links

    for cp in [*range(0, 0x250), 0x2028, 0xFEFF, 0x10FFFF]:
        c = chr(cp)
        links = [Link(f"a{c}b", f"/t{c}"), Link("pkg/x", f"{c}"), Link(f"{c}", "y,z")]
        buffer = io.StringIO(newline="")
        csv.writer(buffer, lineterminator="\n").writerows(sorted(links))
        assert format_links(links) == buffer.getvalue().encode("utf-8"), cp


# -- links inside .data scheme directories --------------------------------------------------

DATA_FILES = ["pkg/__init__.py", "foo-1.0.data/scripts/ninja", "foo-1.0.data/data/lib/libfoo.so.1",
              "foo-1.0.data/headers/foo.h"]


def test_links_inside_one_scheme_directory() -> None:
    links = [Link("foo-1.0.data/scripts/samu", "foo-1.0.data/scripts/ninja"),
             Link("foo-1.0.data/data/lib/libfoo.so", "foo-1.0.data/data/lib/libfoo.so.1"),
             Link("foo-1.0.data/data/include", "foo-1.0.data/data/lib")]
    tree = LinkTree.build(links, DATA_FILES, source=SRC)
    assert links[0].relative_target() == "ninja"
    assert tree.is_directory("foo-1.0.data/data/include")


@pytest.mark.parametrize(
    "link",
    [
        Link("foo-1.0.data/scripts/x", "pkg/__init__.py"),  # a scheme dir -> the root
        Link("pkg/ninja", "foo-1.0.data/scripts/ninja"),  # the root -> a scheme dir
        Link("foo-1.0.data/scripts/h", "foo-1.0.data/headers/foo.h"),  # across schemes
        Link("foo-1.0.data/data/lib2", "foo-1.0.data/data/lib"),  # fine: same scheme (control)
    ],
)
def test_a_link_may_not_leave_its_scheme(link: Link) -> None:
    if link.path.endswith("lib2"):
        LinkTree.build([link], DATA_FILES, source=SRC)
        return
    with pytest.raises(LinksError, match="may only point inside its own"):
        LinkTree.build([link], DATA_FILES, source=SRC)


def test_a_link_may_not_replace_a_scheme_directory() -> None:
    with pytest.raises(LinksError, match="not inside one of its scheme directories"):
        LinkTree.build([Link("foo-1.0.data/scripts", "foo-1.0.data/data")], DATA_FILES, source=SRC)
