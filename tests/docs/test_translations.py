"""The Chinese documentation keeps up with the English sources.

The pages in :data:`TRANSLATED` are translated in full: every message Sphinx
extracts from them (``sphinx-build -b gettext``) has a Chinese translation in
``docs/locale/zh_CN/LC_MESSAGES/<page>.po`` that is neither empty nor fuzzy.
When an English paragraph of one of them changes, this test names the page and
the messages to translate again. The pages in :data:`MAY_LAG` are translated
too, but a change of theirs is reported as a skip rather than a failure. A page
nobody has translated yet (a new page of the tutorial, a new how-to) is shown
in English in the Chinese build and is reported here as a skip, without failing,
on a developer's machine; under CI (``tests.ci.in_ci``) both are failures,
since nothing may be skipped there.

To bring the catalogs up to date after changing the English sources (the API
reference is not translated, so it is left out)::

    cd docs
    python -m sphinx -E -b gettext -D exclude_patterns=_build,locale,reference . _build/gettext
    sphinx-intl update -p _build/gettext -l zh_CN
    # translate the empty and "#, fuzzy" entries and remove the fuzzy flags;
    # delete the new catalogs of pages you do not translate

and add a page to :data:`TRANSLATED` once its catalog is complete. The Chinese
build (``-D language=zh_CN``) compiles the catalogs itself.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from babel.messages.catalog import Catalog
from babel.messages.pofile import read_po

from tests.ci import in_ci

ROOT = Path(__file__).resolve().parents[2]
DOCS = ROOT / "docs"
LOCALE = DOCS / "locale" / "zh_CN" / "LC_MESSAGES"

#: The pages translated in full (docnames: paths under docs/ without ``.md``).
TRANSLATED = [
    "index",
    "tutorial/index",
    "tutorial/first-complaint",
    "tutorial/satisfaction-programme",
    "tutorial/quarterly-review",
    "how-to/index",
    "how-to/add-next-years-holidays",
    "how-to/administer-with-itsm",
    "how-to/analyse-customer-relationships",
    "how-to/business-calendars",
    "how-to/chase-open-requests",
    "how-to/complaint-promises",
    "how-to/define-agreements",
    "how-to/flag-knowledge",
    "how-to/give-proactive-feedback",
    "how-to/identify-a-caller",
    "how-to/encrypt-identities-at-rest",
    "how-to/notify-by-email-and-webhook",
    "how-to/print-complaint-records",
    "how-to/read-the-logs",
    "how-to/run-the-worker",
    "how-to/send-customer-notices",
    "how-to/test-with-strategies",
    "how-to/try-the-demo",
    "how-to/use-postgresql",
    "how-to/use-the-pytest-plugin",
    "how-to/write-a-notifier",
    "how-to/write-a-storage-backend",
    "how-to/write-reports",
    "explanation/index",
    "explanation/conventions",
    "explanation/performance",
    "explanation/processes",
    "explanation/reliability",
]

#: Pages translated in full whose translation may lag behind for a while: the
#: design record changes with every change of design it records, and the start
#: page is the README's (what it is, install, first run), which changes with
#: most features. A message of theirs that changed is shown in English until it
#: is translated again, and this test reports how many there are (as a skip)
#: instead of failing.
MAY_LAG = [
    "start",
    "explanation/architecture",
]

#: Pages that are not translated on purpose: the API reference is the code's
#: docstrings, and the glossary is bilingual by construction.
NOT_TRANSLATED = ("reference/",)


def _docname(path: Path, base: Path, suffix: str) -> str:
    return path.relative_to(base).as_posix().removesuffix(suffix)


def _source_pages() -> list[str]:
    pages = [_docname(p, DOCS, ".md") for p in DOCS.rglob("*.md")]
    return sorted(p for p in pages if not p.startswith(("_build/", "locale/")))


def _read(path: Path) -> Catalog:
    with path.open("rb") as f:
        return read_po(f)


@pytest.fixture(scope="module")
def templates(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The message templates (.pot) of the current English sources, one per page.

    The API reference pages are left out of the build: they are not translated,
    and their autodoc would only make it slower.
    """
    out = tmp_path_factory.mktemp("gettext")
    # conf.py runs in docs/: a relative PYTHONPATH (PYTHONPATH=src) must not move with it
    env = dict(os.environ)
    paths = env.get("PYTHONPATH", "").split(os.pathsep)
    env["PYTHONPATH"] = os.pathsep.join(str(Path(p).resolve()) for p in paths if p)
    subprocess.run(
        [
            sys.executable,
            "-m",
            "sphinx",
            "-E",
            "-q",
            "-b",
            "gettext",
            "-D",
            "exclude_patterns=_build,locale,reference",
            str(DOCS),
            str(out),
        ],
        check=True,
        capture_output=True,
        env=env,
    )
    return out


def _report(message: str) -> None:
    """Skip with ``message`` on a developer's machine; under CI nothing is skipped: fail."""
    if in_ci():
        pytest.fail(message + "; under CI every page is translated and current", pytrace=False)
    pytest.skip(message)


def test_the_declared_pages_exist() -> None:
    missing = sorted(set(TRANSLATED + MAY_LAG) - set(_source_pages()))
    assert not missing, f"TRANSLATED names pages that are not in docs/: {missing}"


def test_every_catalog_is_of_a_declared_page() -> None:
    """A catalog of an undeclared page would be shown without being checked."""
    catalogs = sorted(_docname(p, LOCALE, ".po") for p in LOCALE.rglob("*.po"))
    undeclared = [c for c in catalogs if c not in TRANSLATED + MAY_LAG]
    assert not undeclared, (
        f"catalogs of pages not in TRANSLATED: {undeclared}; finish them and add the "
        "pages to TRANSLATED in tests/docs/test_translations.py, or delete the catalogs"
    )


def _stale(page: str, templates: Path) -> tuple[list[str], list[str]]:
    """Return the messages of ``page`` without a translation, and the fuzzy ones."""
    pot = templates / f"{page}.pot"
    po = LOCALE / f"{page}.po"
    assert pot.exists(), f"docs/{page}.md produced no messages"
    assert po.exists(), (
        f"docs/{page}.md is declared translated but has no catalog {po.relative_to(ROOT)}; "
        "run sphinx-intl update (see this module's docstring)"
    )
    catalog = _read(po)
    untranslated, fuzzy = [], []
    for message in _read(pot):
        if not message.id:
            continue
        found = catalog.get(message.id)
        if found is None or not found.string:
            untranslated.append(str(message.id))
        elif found.fuzzy:
            fuzzy.append(str(message.id))
    return untranslated, fuzzy


@pytest.mark.parametrize("page", TRANSLATED)
def test_translated_page_is_current(page: str, templates: Path) -> None:
    untranslated, fuzzy = _stale(page, templates)
    problems = [f"  untranslated: {m[:100]!r}" for m in untranslated]
    problems += [f"  fuzzy: {m[:100]!r}" for m in fuzzy]
    assert not problems, (
        f"docs/{page}.md changed since its Chinese translation "
        f"(docs/locale/zh_CN/LC_MESSAGES/{page}.po): {len(untranslated)} message(s) "
        f"untranslated, {len(fuzzy)} fuzzy; run sphinx-intl update (see this module's "
        "docstring) and translate them:\n" + "\n".join(problems)
    )


@pytest.mark.parametrize("page", MAY_LAG)
def test_lagging_page(page: str, templates: Path) -> None:
    """A page that may lag is reported when it does, without failing."""
    untranslated, fuzzy = _stale(page, templates)
    if untranslated or fuzzy:
        _report(
            f"docs/{page}.md: {len(untranslated)} message(s) untranslated and "
            f"{len(fuzzy)} fuzzy in its Chinese translation (shown in English)"
        )


def test_pages_not_translated_yet() -> None:
    """Pages without a translation are shown in English; name them, without failing."""
    pages = [
        p
        for p in _source_pages()
        if p not in TRANSLATED + MAY_LAG and not p.startswith(NOT_TRANSLATED)
    ]
    if pages:
        listed = ", ".join(f"docs/{p}.md" for p in pages)
        _report(f"no Chinese translation yet (shown in English): {listed}")
