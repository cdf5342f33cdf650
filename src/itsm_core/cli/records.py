"""``itsm records``: the four seed records of one complaint as printable pages.

The records come from ``core.complaints.records`` (rebuilt from the
complaint's history). An internal complainant's identity appears only when
the command acts as the complaint specialist (``--as complaint_specialist``);
every other role sees it redacted, as in the library.
"""

from __future__ import annotations

import html
from collections.abc import Mapping

import click

from itsm_core.complaints import RecordKind, SeedRecord
from itsm_core.kernel.actors import Actor, Role
from itsm_core.kernel.labels import Language

__all__ = ["records", "render_records_html", "render_records_md"]

_STYLE = """
body{font-family:"Noto Sans CJK SC","PingFang SC","Microsoft YaHei",sans-serif;margin:2em}
section{page-break-after:always} table{border-collapse:collapse;margin:.4em 0 1em;width:100%}
td,th{border:1px solid #999;padding:.3em .6em;text-align:left;vertical-align:top}
th{background:#f3f3f3;width:25%}
"""


def _text(value: object) -> str:
    return "—" if value is None or value == "" else str(value)


def render_records_md(found: Mapping[RecordKind, SeedRecord], lang: Language) -> str:
    """The records as Markdown, one section each."""
    out: list[str] = []
    for record in found.values():
        out += [f"# {record.title(lang)}", "", f"{record.complaint_id} (v{record.version})", ""]
        out += ["| | |", "|---|---|"]
        out += [f"| {f.label(lang)} | {_text(f.display(lang))} |" for f in record.fields]
        out.append("")
        for table in record.tables:
            out += [f"## {table.label(lang)}", ""]
            if not table.rows:
                out += ["—", ""]
                continue
            head = [f.label(lang) for f in table.rows[0]]
            out += ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
            out += [
                "| " + " | ".join(_text(f.display(lang)) for f in row) + " |" for row in table.rows
            ]
            out.append("")
    return "\n".join(out)


def render_records_html(found: Mapping[RecordKind, SeedRecord], lang: Language) -> str:
    """The records as one HTML page, a printed page per record."""
    e = html.escape
    parts = [
        f'<!DOCTYPE html><html lang="{"zh-CN" if lang == "zh" else "en"}"><head>'
        f'<meta charset="utf-8"><title>{e(next(iter(found.values())).complaint_id)}</title>'
        f"<style>{_STYLE}</style></head><body>"
    ]
    for record in found.values():
        parts.append(f"<section><h1>{e(record.title(lang))}</h1>")
        parts.append(f"<p>{e(record.complaint_id)} (v{record.version})</p><table>")
        parts += [
            f"<tr><th>{e(f.label(lang))}</th><td>{e(_text(f.display(lang)))}</td></tr>"
            for f in record.fields
        ]
        parts.append("</table>")
        for table in record.tables:
            parts.append(f"<h2>{e(table.label(lang))}</h2>")
            if not table.rows:
                parts.append("<p>—</p>")
                continue
            parts.append("<table><tr>")
            parts += [f"<th>{e(f.label(lang))}</th>" for f in table.rows[0]]
            parts.append("</tr>")
            for row in table.rows:
                cells = "".join(f"<td>{e(_text(f.display(lang)))}</td>" for f in row)
                parts.append(f"<tr>{cells}</tr>")
            parts.append("</table>")
        parts.append("</section>")
    parts.append("</body></html>")
    return "\n".join(parts)


@click.command()
@click.option(
    "--db", "url", envvar="ITSM_DB", required=True, help="The database URL (or $ITSM_DB)."
)
@click.argument("complaint_id")
@click.option("--lang", type=click.Choice(["zh", "en"]), default="zh", show_default=True)
@click.option(
    "--format", "fmt", type=click.Choice(["html", "md"]), default="html", show_default=True
)
@click.option(
    "--as",
    "role",
    type=click.Choice(sorted(r.value for r in Role if r is not Role.CUSTOMER)),
    default=Role.RELATIONSHIP_MANAGER.value,
    show_default=True,
    help="The role to read as; only complaint_specialist sees an internal complainant.",
)
@click.option("--out", type=click.Path(dir_okay=False), default=None)
def records(
    url: str, complaint_id: str, lang: Language, fmt: str, role: str, out: str | None
) -> None:
    """The four seed records of one complaint, printable (html) or as Markdown."""
    from itsm_core.cli.app import open_core

    reader = Actor(f"itsm-{role}", [role])
    with open_core(url) as core:
        found = core.complaints.records(reader, complaint_id)
    render = render_records_html if fmt == "html" else render_records_md
    text = render(found, lang)
    if out is None:
        click.echo(text)
    else:
        with open(out, "w", encoding="utf-8") as handle:
            handle.write(text)
        click.echo(f"wrote {out}", err=True)
