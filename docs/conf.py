"""Sphinx configuration for the itsm_core documentation."""

from __future__ import annotations

import logging

import itsm_core

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
    "sphinx.ext.napoleon",
    "sphinx.ext.viewcode",
]
source_suffix = {".md": "markdown", ".rst": "restructuredtext"}
myst_enable_extensions = ["colon_fence", "deflist"]
myst_heading_anchors = 3
exclude_patterns = ["_build"]
html_theme = "furo"
html_title = f"itsm_core {release}"
autodoc_member_order = "bysource"
autodoc_typehints = "description"
autodoc_default_options = {"members": True, "show-inheritance": True}
language = "en"
suppress_warnings = ["myst.xref_missing"]
