"""Deterministic project generation.

A project is generated once into ``benchmarks/.work/projects/<id>/source`` (``<id>``
encodes every generation parameter, so a changed parameter means a new tree) and reused
while its stamp matches. Each backend then gets ``.../<id>/<backend>/``: a fresh tree of
*hard links* to the same source files plus that backend's ``pyproject.toml``, so every
backend reads identical bytes (and the same page-cache pages) at no copying cost.

Everything is derived from ``random.Random(seed)``: same parameters, same bytes.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import keyword
import os
import random
import shutil
from pathlib import Path
from typing import Callable

from backends import Backend, ProjectInfo

MiB = 1 << 20


@dataclasses.dataclass(frozen=True)
class ProjectSpec:
    key: str                   # "small", "many", "big" (what --projects selects)
    label: str                 # for tables, e.g. "2,000 modules in 40 subpackages"
    info: ProjectInfo
    params: dict               # generation parameters (part of the id and the stamp)
    writer: Callable[[Path, random.Random, dict], None]

    @property
    def id(self) -> str:
        digest = hashlib.sha256(json.dumps(self.params, sort_keys=True).encode()).hexdigest()[:10]
        return f"{self.key}-{digest}"


# --------------------------------------------------------------------------- content


def _words(rng: random.Random, n: int = 3000) -> list[str]:
    words: set[str] = set()
    letters = "abcdefghijklmnopqrstuvwxyz"
    while len(words) < n:
        w = "".join(rng.choice(letters) for _ in range(rng.randint(3, 10)))
        if not keyword.iskeyword(w):
            words.add(w)
    return sorted(words)


def module_source(rng: random.Random, words: list[str], title: str, functions: int) -> str:
    """Plausible, valid Python: docstrings, constants, small functions, a class."""
    out = [f'"""{title}: {" ".join(rng.choices(words, k=12))}."""', "", "from __future__ import annotations", ""]
    out.append(f"CONSTANT = {rng.randint(0, 10**9)}")
    out.append(f"NAMES = {rng.sample(words, 6)!r}")
    out.append("")
    for i in range(functions):
        args = [f"p_{w}" for w in rng.sample(words, rng.randint(1, 5))]
        out.append("")
        out.append(f"def {rng.choice(words)}_{i}({', '.join(args)}):")
        out.append(f'    """{" ".join(rng.choices(words, k=rng.randint(5, 15))).capitalize()}."""')
        out.append(f"    total = {rng.randint(0, 1000)}")
        for a in args:
            op = rng.choice(["+=", "-=", "^="])
            out.append(f"    total {op} len(str({a})) * {rng.randint(1, 99)}")
        out.append(f"    return total if total > {rng.randint(0, 500)} else {rng.random():.6f}")
    out.append("")
    out.append("")
    out.append(f"class {rng.choice(words).capitalize()}:")
    out.append(f'    """{" ".join(rng.choices(words, k=10)).capitalize()}."""')
    out.append("")
    out.append("    def __init__(self, value):")
    out.append("        self.value = value")
    out.append("")
    return "\n".join(out)


def _readme(name: str, rng: random.Random, words: list[str]) -> str:
    return f"# {name}\n\nGenerated for the symback benchmarks. {' '.join(rng.choices(words, k=40))}.\n"


def _init(package: str, rng: random.Random, words: list[str]) -> str:
    return f'"""{package}: {" ".join(rng.choices(words, k=8))}."""\n\n__version__ = "1.0.0"\n'


def write_modules_project(root: Path, rng: random.Random, p: dict) -> None:
    """``p``: package, subpackages (0: flat), modules (total), functions (per module)."""
    words = _words(rng)
    pkg = root / "src" / p["package"]
    pkg.mkdir(parents=True)
    (root / "README.md").write_text(_readme(p["package"], rng, words))
    (pkg / "__init__.py").write_text(_init(p["package"], rng, words))
    subs = p["subpackages"]
    if subs == 0:
        for m in range(p["modules"]):
            (pkg / f"mod_{m:03d}.py").write_text(module_source(rng, words, f"module {m}", p["functions"]))
        return
    per = p["modules"] // subs
    for s in range(subs):
        sub = pkg / f"sub_{s:02d}"
        sub.mkdir()
        (sub / "__init__.py").write_text(_init(f"{p['package']}.sub_{s:02d}", rng, words))
        for m in range(per):
            (sub / f"mod_{m:03d}.py").write_text(
                module_source(rng, words, f"module {s}.{m}", p["functions"] + rng.randint(-p.get("jitter", 2), p.get("jitter", 2)))
            )


def write_data_project(root: Path, rng: random.Random, p: dict) -> None:
    """A package with one big data file: 1 MiB blocks, each either random bytes
    (incompressible) or generated source-like text (deflates ~2.5:1), chosen by the seed
    with probability ``random_fraction``."""
    words = _words(rng)
    pkg = root / "src" / p["package"]
    pkg.mkdir(parents=True)
    (root / "README.md").write_text(_readme(p["package"], rng, words))
    (pkg / "__init__.py").write_text(_init(p["package"], rng, words))
    # An 8 MiB pool of varied text; text blocks are slices of it at seeded offsets.
    lines = []
    size = 0
    while size < 8 * MiB:
        k = rng.randint(2, 8)
        line = (f"{'    ' * rng.randint(0, 3)}{rng.choice(words)} = {rng.choice(words)}("
                f"{', '.join(rng.choices(words, k=k))}, {rng.random():.6f})\n")
        lines.append(line)
        size += len(line)
    pool = "".join(lines).encode()
    with open(pkg / p["data_name"], "wb") as f:
        for _ in range(p["data_mib"]):
            if rng.random() < p["random_fraction"]:
                f.write(rng.randbytes(MiB))
            else:
                start = rng.randrange(0, len(pool) - MiB)
                f.write(pool[start:start + MiB])


# --------------------------------------------------------------------------- the projects


def build_projects(*, quick: bool, seed: int) -> list[ProjectSpec]:
    many_modules, many_subs = (400, 8) if quick else (2000, 40)
    big_mib = 32 if quick else 500
    return [
        ProjectSpec(
            "small", "10 modules",
            ProjectInfo("bench-small", "bench_small"),
            {"kind": "modules", "package": "bench_small", "subpackages": 0, "modules": 10,
             "functions": 40, "seed": seed, "v": 1},
            write_modules_project,
        ),
        ProjectSpec(
            "many", f"{many_modules:,} modules in {many_subs} subpackages",
            ProjectInfo("bench-many", "bench_many"),
            {"kind": "modules", "package": "bench_many", "subpackages": many_subs,
             "modules": many_modules, "functions": 8, "seed": seed, "v": 1},
            write_modules_project,
        ),
        ProjectSpec(
            "tiny", f"{many_modules:,} tiny modules (~700 bytes) in {many_subs} subpackages",
            ProjectInfo("bench-tiny", "bench_tiny"),
            {"kind": "modules", "package": "bench_tiny", "subpackages": many_subs,
             "modules": many_modules, "functions": 1, "jitter": 1, "seed": seed, "v": 1},
            write_modules_project,
        ),
        ProjectSpec(
            "big", f"one package with a {big_mib} MiB data file",
            ProjectInfo("bench-big", "bench_big", data_globs=("*.bin",)),
            {"kind": "data", "package": "bench_big", "data_name": "data.bin", "data_mib": big_mib,
             "random_fraction": 0.5, "seed": seed, "v": 1},
            write_data_project,
        ),
    ]


def tree_digest(root: Path) -> str:
    """sha256 over (relative path, size, content) of every file: proves determinism."""
    h = hashlib.sha256()
    for path in sorted(p for p in root.rglob("*") if p.is_file()):
        h.update(path.relative_to(root).as_posix().encode() + b"\0")
        with open(path, "rb") as f:
            while chunk := f.read(MiB):
                h.update(chunk)
    return h.hexdigest()


def ensure_source(spec: ProjectSpec, projects_dir: Path, log: Callable[..., None]) -> tuple[Path, dict]:
    """Generate (or reuse) the canonical tree; returns its path and its stamp."""
    base = projects_dir / spec.id
    source = base / "source"
    stamp_path = base / "stamp.json"
    if stamp_path.exists() and source.exists():
        stamp = json.loads(stamp_path.read_text())
        if stamp.get("params") == spec.params:
            log(f"project {spec.key}: reusing {source}")
            return source, stamp
    if base.exists():
        shutil.rmtree(base)
    log(f"project {spec.key}: generating {spec.label} (seed {spec.params['seed']})")
    tmp = base / "source.tmp"
    tmp.mkdir(parents=True)
    spec.writer(tmp, random.Random(spec.params["seed"]), spec.params)
    files = [p for p in tmp.rglob("*") if p.is_file()]
    stamp = {
        "params": spec.params,
        "files": len(files),
        "bytes": sum(p.stat().st_size for p in files),
        "sha256": tree_digest(tmp),
    }
    tmp.rename(source)
    stamp_path.write_text(json.dumps(stamp, indent=1))
    return source, stamp


def backend_tree(spec: ProjectSpec, source: Path, backend: Backend) -> Path:
    """A fresh hard-linked copy of ``source`` plus ``backend``'s pyproject.toml."""
    dest = source.parent / "by-backend" / backend.name
    if dest.exists():
        shutil.rmtree(dest)
    shutil.copytree(source, dest, copy_function=os.link)
    (dest / "pyproject.toml").write_text(backend.pyproject(spec.info))
    return dest


def snapshot(root: Path) -> set[str]:
    out = set()
    for dirpath, dirnames, filenames in os.walk(root):
        rel = os.path.relpath(dirpath, root)
        for name in dirnames + filenames:
            out.add(os.path.normpath(os.path.join(rel, name)))
    return out


def restore(root: Path, original: set[str]) -> list[str]:
    """Remove whatever a build left in the project tree (setuptools: build/, *.egg-info).
    Returns the removed top-most paths."""
    removed = []
    for path in sorted(snapshot(root) - original):
        if any(path.startswith(r + os.sep) for r in removed):
            continue
        full = root / path
        if full.is_dir() and not full.is_symlink():
            shutil.rmtree(full)
        else:
            full.unlink(missing_ok=True)
        removed.append(path)
    return removed
