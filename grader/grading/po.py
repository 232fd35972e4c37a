"""The catalogues behind grader/grading/lang.py: reading gettext .po files, writing the .mo files that
`gettext` reads (no tool needed beyond Python), and finding the messages the code marks for translation.

A .po file is the source (msgid in English, msgstr in the other language); its .mo beside it is compiled from
it by `python -m grader.grading.lang compile`, and a test checks that the committed .mo match their .po.
"""

from __future__ import annotations

import ast
import struct
from pathlib import Path

from grader import registry
from grader.grading.lang import DOMAIN, LANGUAGES, LOCALE

GRADER = Path(__file__).resolve().parents[1]
HEADER = "Content-Type: text/plain; charset=UTF-8\nContent-Transfer-Encoding: 8bit\n"
MARKERS = {"_", "N_"}  # _("...") and N_("...", **args): their first argument is a msgid
CLI_FILES = ("cli/student.py", "cli/common.py", "cli/main.py", "__init__.py")  # the student's commands


class PoError(ValueError):
    """A .po file this reader does not understand; the message names the file and the line."""


def _unquote(text: str, where: str) -> str:
    text = text.strip()
    if len(text) < 2 or text[0] != '"' or text[-1] != '"':
        raise PoError(f"{where}: expected a quoted string, got {text!r}")
    escapes = {"n": "\n", "t": "\t", '"': '"', "\\": "\\"}
    out, chars = [], iter(text[1:-1])
    for char in chars:
        if char == "\\":
            nxt = next(chars, "")
            if nxt not in escapes:
                raise PoError(f"{where}: unknown escape \\{nxt}")
            char = escapes[nxt]
        out.append(char)
    return "".join(out)


def read_po(text: str, name: str = "<po>") -> dict[str, str]:
    """{msgid: msgstr} of a .po file's entries (the header, msgid "", included); fuzzy entries are left out,
    as msgfmt leaves them out."""
    entries, current, field, fuzzy = {}, {}, None, False

    def finish():
        nonlocal current, field, fuzzy
        if "msgid" in current and not fuzzy:
            entries[current["msgid"]] = current.get("msgstr", "")
        current, field, fuzzy = {}, None, False

    for number, line in enumerate(text.splitlines(), start=1):
        where, stripped = f"{name}:{number}", line.strip()
        if not stripped:
            continue
        if stripped.startswith("#"):
            if "msgid" in current and field == "msgstr":
                finish()
            fuzzy = fuzzy or (stripped.startswith("#,") and "fuzzy" in stripped)
            continue
        keyword, _, rest = stripped.partition(" ")
        if keyword in ("msgid", "msgstr"):
            if keyword == "msgid" and "msgid" in current:
                finish()
            field = keyword
            current[field] = _unquote(rest, where)
        elif stripped.startswith('"') and field:
            current[field] += _unquote(stripped, where)
        else:
            raise PoError(f"{where}: cannot read {stripped[:40]!r}")
    finish()
    return entries


def mo_bytes(entries: dict[str, str]) -> bytes:
    """A GNU .mo file of the translated entries (empty msgstr: untranslated, left out), sorted by msgid, with a
    UTF-8 header; no hash table (gettext does not need one)."""
    kept = {k: v for k, v in entries.items() if v and k}
    kept[""] = entries.get("") or HEADER
    ids = sorted(kept)
    originals = [k.encode("utf-8") for k in ids]
    translations = [kept[k].encode("utf-8") for k in ids]
    count, start = len(ids), 28
    data_start = start + 16 * count
    tables, blob = [], b""
    for strings in (originals, translations):
        table = []
        for s in strings:
            table.append((len(s), data_start + len(blob)))
            blob += s + b"\0"
        tables.append(table)
    head = struct.pack("<7I", 0x950412DE, 0, count, start, start + 8 * count, 0, data_start)
    body = b"".join(struct.pack("<2I", *pair) for table in tables for pair in table)
    return head + body + blob


def catalogues(lang: str = "zh") -> list[Path]:
    """The .po files of a language: the shared one, then each exercise's own (those that have one)."""
    shared = LOCALE / lang / "LC_MESSAGES" / f"{DOMAIN}.po"
    own = [e.folder / f"{lang}.po" for e in registry.exercises()]
    return [shared] + [path for path in own if path.is_file()]


def compile_all() -> list[Path]:
    """Write the .mo beside every .po of every language; returns the files written."""
    written = []
    for lang in LANGUAGES[1:]:
        for path in catalogues(lang):
            target = path.with_suffix(".mo")
            target.write_bytes(mo_bytes(read_po(path.read_text(encoding="utf-8"), str(path))))
            written.append(target)
    return written


# ---------------------------------------------------------------- the messages the code marks


def marked(path: Path) -> tuple[list[str], list[str]]:
    """(msgids, problems) of one source file: the string first arguments of _() and N_() (and of @check() in a
    checks.py: a check's name); a problem is a marker whose first argument is not a plain string (an f-string
    cannot be translated: write a template with named fields and .format it, or pass N_ the arguments)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names = MARKERS | ({"check"} if path.name == "checks.py" else set())
    found, problems = [], []
    for node in ast.walk(tree):
        if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in names):
            continue
        first = node.args[0] if node.args else None
        if isinstance(first, ast.Constant) and isinstance(first.value, str):
            found.append(first.value)
        elif first is None or isinstance(first, (ast.JoinedStr, ast.BinOp)) or _formats(first):
            problems.append(f"{path}:{node.lineno}: {node.func.id}() needs a plain string as its first argument "
                            f"(a template with named fields, formatted after translation)")
        # else: a name or a lookup (_(STATUS[k])) of a msgid marked where it is defined
    return found, problems


def _formats(node) -> bool:
    """An argument that formats a string before it is translated: "...".format(...)."""
    return isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "format"


def sources() -> dict[Path, Path]:
    """{source file: the .po its messages belong in}: an exercise's files -> its own zh.po (the shared one may
    hold them too), every other student-facing file -> the shared catalogue."""
    shared = LOCALE / "zh" / "LC_MESSAGES" / f"{DOMAIN}.po"
    found = {path: shared for path in sorted((GRADER / "grading").glob("*.py"))}
    found.update({GRADER / name: shared for name in CLI_FILES})
    found[GRADER / "exercises" / "convolution.py"] = shared
    for exercise in registry.exercises():
        found.update({path: exercise.folder / "zh.po" for path in sorted(exercise.folder.glob("*.py"))})
    return found


def missing(lang: str = "zh") -> list[tuple[str, str]]:
    """(where, msgid) of every marked message without a non-empty translation in its catalogue (or the shared
    one); `where` is a problem's text when a marker holds no plain string."""
    shared_path = LOCALE / lang / "LC_MESSAGES" / f"{DOMAIN}.po"
    loaded: dict[Path, dict[str, str]] = {}

    def entries(path: Path) -> dict[str, str]:
        if path not in loaded:
            loaded[path] = read_po(path.read_text(encoding="utf-8"), str(path)) if path.is_file() else {}
        return loaded[path]

    out = []
    for source, po_path in sources().items():
        msgids, problems = marked(source)
        out += [(problem, "") for problem in problems]
        po_path = po_path.with_name(f"{lang}.po") if po_path.parent != shared_path.parent else shared_path
        for msgid in msgids:
            if not (entries(po_path).get(msgid) or entries(shared_path).get(msgid)):
                out.append((str(source.relative_to(GRADER.parent)), msgid))
    return out
