"""The language of everything a student reads: English (the default) or Chinese ("zh").

Messages are written in English in the code and translated with gettext catalogues whose msgids are those English
texts: `grader/locale/zh/LC_MESSAGES/cnnkit.po` (the shared messages) and `zh.po` in an exercise's own folder
(its check names, cases and named mistakes), compiled to `.mo` beside them (`python -m grader.grading.lang
compile`). Two markers:

    _("{case}: got {got}, expected {want}").format(...)   # a message, translated when it is made
    N_("rot180: square 2-D kernel")                        # a name that stays English inside the grader (a check's
    N_("stride {s}: the zeros are missing", s=2)           # name, a known mistake): translated where it is shown,
                                                           # by `shown(name)`

A name stays English because it is also a key: a check's name seeds its random inputs and names it in results
and gradebooks, a mistake's name is how the strict diagnosis rule (compare.Diagnoses) recognises it. `N_` with
arguments formats the English and remembers the template, so `shown` can say "stride 2: ..." in the chosen
language. A field named `said` (or `said2` ...) holds text that is itself shown translated (a mistake plus a
suffix).

The language: `set_language("zh")`, or `set_language(None)` to take it from the environment: GRADE_LANG, else
the locale (LC_ALL, LC_MESSAGES, LANG) when it starts with "zh", else English. Until something sets it (the
student commands, grader.check), it is English: batch, exports and the library stay English.
tests/grader/grading/test_lang.py fails when a marked message has no translation.
"""

from __future__ import annotations

import gettext
import os
import re
from contextlib import contextmanager
from pathlib import Path

LANGUAGES = ("en", "zh")  # English is the source language: it needs no catalogue
DOMAIN = "cnnkit"
LOCALE = Path(__file__).resolve().parents[1] / "locale"  # grader/locale/<lang>/LC_MESSAGES/cnnkit.mo
EXERCISE_CATALOGUE = "{lang}.mo"  # an exercise folder's own catalogue: grader/exercises/exerciseN/zh.mo

_state = {"code": "en"}
_catalogues: dict[str, gettext.NullTranslations] = {}
_templates: dict[str, re.Pattern] = {}  # N_ templates with arguments, as patterns that read their English back


class UnknownLanguage(ValueError):
    """A language the grader does not speak; the message lists those it does."""


def normalise(code: str) -> str | None:
    """'zh', 'zh_CN.UTF-8', 'zh-Hans' -> 'zh'; 'en_US' -> 'en'; anything else -> None."""
    text = (code or "").strip().lower().replace("-", "_")
    for language in LANGUAGES:
        if text == language or text.startswith(language + "_") or text.startswith(language + "."):
            return language
    return None


def language_from_environment(environ=None) -> str:
    """GRADE_LANG when it names a language we speak; else the locale's messages language (LC_ALL, then
    LC_MESSAGES, then LANG: the first one set decides) when it is Chinese; else English."""
    env = os.environ if environ is None else environ
    chosen = normalise(env.get("GRADE_LANG", ""))
    if chosen:
        return chosen
    for key in ("LC_ALL", "LC_MESSAGES", "LANG"):
        if env.get(key):
            return "zh" if normalise(env[key]) == "zh" else "en"
    return "en"


def set_language(code: str | None = None) -> str:
    """Speak `code` ("zh", "en", a locale name such as "zh_CN.UTF-8") from now on; None: the environment's
    language. Returns the language chosen."""
    language = language_from_environment() if code is None else normalise(code)
    if language is None:
        raise UnknownLanguage(f"unknown language {code!r}; known: {', '.join(LANGUAGES)}")
    _state["code"] = language
    return language


def language() -> str:
    return _state["code"]


@contextmanager
def speaking(code: str | None):
    """Speak `code` within the block (None: the environment's language), then the language before it."""
    before = _state["code"]
    set_language(code)
    try:
        yield
    finally:
        _state["code"] = before


def catalogue(code: str | None = None) -> gettext.NullTranslations:
    """The translations of a language: the shared catalogue, then every exercise's own, as fallbacks."""
    code = code or _state["code"]
    if code not in _catalogues:
        _catalogues[code] = _load(code)
    return _catalogues[code]


def _load(code: str) -> gettext.NullTranslations:
    if code == "en":
        return gettext.NullTranslations()
    from grader import registry

    shared = gettext.translation(DOMAIN, LOCALE, languages=[code], fallback=True)
    for exercise in registry.exercises():
        path = exercise.folder / EXERCISE_CATALOGUE.format(lang=code)
        if path.is_file():
            with path.open("rb") as handle:
                shared.add_fallback(gettext.GNUTranslations(handle))
    return shared


def _(message: str) -> str:
    """`message` (an English msgid) in the current language."""
    if _state["code"] == "en":
        return message
    return catalogue().gettext(message)


def N_(template: str, /, **args) -> str:
    """A name that stays English inside the grader (marked for the catalogues). With arguments: the template
    formatted, and the template remembered so that `shown` can translate the name it makes."""
    if not args:
        return template
    if template not in _templates:
        _templates[template] = _pattern(template)
    return template.format(**args)


_FIELD = re.compile(r"\{(\w+)(?:![rsa])?(?::[^{}]*)?\}")


def _pattern(template: str) -> re.Pattern:
    """A regular expression that matches what `template` formats to, each field a named group."""
    parts, seen, end = [], set(), 0
    for field in _FIELD.finditer(template):
        parts.append(re.escape(template[end:field.start()]))
        name = field.group(1)
        parts.append(f"(?P={name})" if name in seen else f"(?P<{name}>.*?)")
        seen.add(name)
        end = field.end()
    parts.append(re.escape(template[end:]))
    return re.compile("".join(parts), re.DOTALL)


def shown(name: str) -> str:
    """A check's or a mistake's English name as the student reads it: by its msgid; else by the template of
    `N_` that made it; unchanged when the catalogue does not know it (a teacher's own name)."""
    return say(name, _templates)


def say(text: str, templates: dict[str, re.Pattern]) -> str:
    """`text` (English) in the current language: by its msgid, else read back by one of `templates`
    ({msgid: pattern}), else unchanged."""
    if _state["code"] == "en" or not text:
        return text
    found = catalogue().gettext(text)
    if found != text:
        return found
    return read_back(text, templates) or text


def read_back(text: str, templates: dict[str, re.Pattern]) -> str | None:
    """`text` translated by the first of `templates` (msgid -> its pattern) that made it: those that join other
    messages ({said} ...) first, then the longest (the most specific); None when none did or its template is not
    translated."""
    for template, pattern in sorted(templates.items(), key=lambda item: ("{said" not in item[0], -len(item[0]))):
        match = pattern.fullmatch(text)
        if match is None:
            continue
        translated = catalogue().gettext(template)
        if translated == template:
            return None
        values = {key: say(value, templates) if key.startswith("said") else value
                  for key, value in match.groupdict().items()}
        return _FIELD.sub(lambda field: values[field.group(1)], translated)
    return None


def patterns(templates) -> dict[str, re.Pattern]:
    """{template: pattern} of message templates, for `read_back` (e.g. the sandbox's messages)."""
    return {template: _pattern(template) for template in templates}


def main(argv=None) -> int:
    """python -m grader.grading.lang compile|check: compile every .po to its .mo; or list untranslated msgids."""
    import sys

    from grader.grading import po

    args = sys.argv[1:] if argv is None else argv
    if args == ["compile"]:
        for path in po.compile_all():
            print(f"wrote {path}")
        return 0
    if args == ["check"]:
        missing = po.missing()
        for where, msgid in missing:
            print(f"{where}: no translation of {msgid!r}")
        return 1 if missing else 0
    print("usage: python -m grader.grading.lang compile|check", file=sys.stderr)
    return 2


if __name__ == "__main__":
    raise SystemExit(main())
