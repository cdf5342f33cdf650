"""The shape of a seed record: labelled fields and tables, in Chinese and English."""

from __future__ import annotations

from typing import Any, ClassVar

import attrs

from itsm_core.kernel.errors import ValidationError
from itsm_core.kernel.labels import Labelled, Language

__all__ = ["RecordField", "RecordKind", "RecordSheet", "RecordTable", "SeedRecord", "lang_of"]


class RecordKind(Labelled):
    """The four seed records of complaint handling."""

    REGISTRATION_FORM = "registration_form", "投诉事件登记表", "complaint registration form"
    HANDLING_REPORT = "handling_report", "投诉处理报告", "complaint handling report"
    IMPROVEMENT_TRACKING_SHEET = (
        "improvement_tracking_sheet",
        "改进跟踪单",
        "improvement tracking sheet",
    )
    SUPERVISION_RECORD = "supervision_record", "监督投诉记录表", "supervision complaint record"


@attrs.frozen
class RecordField:
    """One labelled value of a record.

    :param key: the field's code, e.g. ``"received_at"``.
    :param zh: its Chinese label.
    :param en: its English label.
    :param value: the JSON-able value (ISO strings for instants, codes for enums).
    :param display_zh: the value's Chinese display, when it differs from ``value``.
    :param display_en: the value's English display, when it differs from ``value``.
    """

    key: str
    zh: str
    en: str
    value: Any
    display_zh: str | None = None
    display_en: str | None = None

    def label(self, lang: Language = "zh") -> str:
        """Return the field's label in ``lang``."""
        return lang_of(lang, self.zh, self.en)

    def display(self, lang: Language = "zh") -> Any:
        """Return the value as shown in ``lang`` (the label of an enumerated value)."""
        shown = lang_of(lang, self.display_zh or "", self.display_en or "")
        return shown or self.value

    def to_dict(self) -> dict[str, Any]:
        """Return the field as JSON-able data."""
        data: dict[str, Any] = {"key": self.key, "zh": self.zh, "en": self.en, "value": self.value}
        if self.display_zh is not None:
            data["display"] = {"zh": self.display_zh, "en": self.display_en}
        return data


@attrs.frozen
class RecordTable:
    """A table of a record (findings, follow-ups, callbacks...): labelled columns and rows.

    :param key: the table's code.
    :param zh: its Chinese title.
    :param en: its English title.
    :param rows: each row a tuple of :class:`RecordField`, one per column.
    """

    key: str
    zh: str
    en: str
    rows: tuple[tuple[RecordField, ...], ...] = ()

    def label(self, lang: Language = "zh") -> str:
        """Return the table's title in ``lang``."""
        return lang_of(lang, self.zh, self.en)

    def to_dict(self) -> dict[str, Any]:
        """Return the table as JSON-able data."""
        return {
            "key": self.key,
            "zh": self.zh,
            "en": self.en,
            "rows": [[f.to_dict() for f in row] for row in self.rows],
        }


class RecordSheet:
    """What every seed record offers: its title, fields and tables by key, a mapping per language.

    A seed record class (of complaints, of service reviews) is an attrs class
    with ``kind`` (a :class:`~itsm_core.kernel.labels.Labelled` record kind),
    ``fields`` and ``tables``, and inherits these reads.
    """

    #: The name of the field holding the subject's id (e.g. ``"complaint_id"``).
    SUBJECT: ClassVar[str]
    kind: Labelled
    version: int
    fields: tuple[RecordField, ...]
    tables: tuple[RecordTable, ...]

    def title(self, lang: Language = "zh") -> str:
        """Return the record's title in ``lang``."""
        return self.kind.label(lang)

    def field(self, key: str) -> RecordField:
        """Return the field ``key``.

        :raises ValidationError: naming the record's fields when there is none such.
        """
        for f in self.fields:
            if f.key == key:
                return f
        allowed = ", ".join(f.key for f in self.fields)
        raise ValidationError(f"{self.kind.en} has no field {key!r}; fields: {allowed}", field=key)

    def value(self, key: str) -> Any:
        """Return the value of the field ``key``."""
        return self.field(key).value

    def table(self, key: str) -> RecordTable:
        """Return the table ``key``.

        :raises ValidationError: naming the record's tables when there is none such.
        """
        for t in self.tables:
            if t.key == key:
                return t
        allowed = ", ".join(t.key for t in self.tables) or "none"
        raise ValidationError(f"{self.kind.en} has no table {key!r}; tables: {allowed}", field=key)

    def as_mapping(self, lang: Language = "zh") -> dict[str, Any]:
        """Return ``{label: display value}`` of the fields, and each table as a list of rows."""
        self.kind.label(lang)  # refuses an unknown language, even for a record without fields
        out: dict[str, Any] = {f.label(lang): f.display(lang) for f in self.fields}
        for t in self.tables:
            out[t.label(lang)] = [{f.label(lang): f.display(lang) for f in row} for row in t.rows]
        return out

    def to_dict(self) -> dict[str, Any]:
        """Return the record as JSON-able data with both languages' labels."""
        return {
            "kind": self.kind.value,
            "title": {"zh": self.kind.zh, "en": self.kind.en},
            self.SUBJECT: getattr(self, self.SUBJECT),
            "version": self.version,
            "fields": [f.to_dict() for f in self.fields],
            "tables": [t.to_dict() for t in self.tables],
        }


@attrs.frozen
class SeedRecord(RecordSheet):
    """One seed record of one complaint, as of a version of its history.

    :param kind: which record.
    :param complaint_id: the complaint.
    :param version: the complaint version the record reflects (its last event).
    :param fields: the labelled fields, in form order.
    :param tables: the labelled tables, in form order.
    """

    kind: RecordKind
    complaint_id: str
    version: int
    fields: tuple[RecordField, ...]
    tables: tuple[RecordTable, ...] = ()

    SUBJECT: ClassVar[str] = "complaint_id"


def lang_of(lang: Language, zh: str, en: str) -> str:
    if lang == "zh":
        return zh
    if lang == "en":
        return en
    raise ValidationError(f"unknown language {lang!r}; allowed: 'zh', 'en'", field="lang")


# Field labels: key -> (zh, en)
