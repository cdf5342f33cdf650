"""Sphinx configuration for the itsm_core documentation."""

from __future__ import annotations

import logging
import sys
from pathlib import Path

import itsm_core

sys.path.insert(0, str(Path(__file__).parent / "_ext"))

# alembic announces its plug-ins at INFO when autodoc imports the migrations
logging.getLogger("alembic").setLevel(logging.WARNING)

project = "itsm_core"
author = "itsm_core developers"
copyright = "2026, itsm_core developers"
release = itsm_core.__version__
version = release

extensions = [
    "myst_parser",
    "sphinx.ext.autodoc",
    "sphinx.ext.viewcode",
    "labelled_glossary",
]
source_suffix = {".md": "markdown", ".rst": "restructuredtext"}
myst_enable_extensions = ["colon_fence", "deflist"]
myst_heading_anchors = 3
exclude_patterns = ["_build", "locale"]
html_theme = "furo"
html_title = f"itsm_core {release}"
autodoc_member_order = "bysource"
autodoc_typehints = "description"
autodoc_default_options = {"members": True, "show-inheritance": True}
language = "en"
# Translations: gettext catalogs per page under docs/locale/<lang>/LC_MESSAGES/
# (`sphinx-build -b gettext`, then `sphinx-intl update`); a page without a
# catalog, or a message without a translation, falls back to English.
locale_dirs = ["locale/"]
gettext_compact = False
gettext_uuid = False
gettext_location = False
suppress_warnings = ["myst.xref_missing"]
