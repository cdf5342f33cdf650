"""The value objects of customer communications: recipients, calls, progress updates.

Each is an attrs frozen class that checks its fields when built; a
:class:`Recipient` is also accepted as a plain mapping (:meth:`Recipient.parse`).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Any

import attrs

from itsm_core.communications.enums import ContactChannel
from itsm_core.kernel.clock import aware_field
from itsm_core.kernel.errors import ValidationError

__all__ = [
    "CallAttempt",
    "ProgressUpdate",
    "Recipient",
    "optional_text",
    "text",
    "text_field",
]


def text(value: object, field: str) -> str:
    """Return ``value`` stripped if it is a non-empty string.

    :raises ValidationError: naming ``field`` otherwise.
    """
    if not isinstance(value, str) or not value.strip():
        raise ValidationError(f"{field} must be a non-empty string, got {value!r}", field=field)
    return value.strip()


def optional_text(value: object, field: str) -> str | None:
    """Return ``value`` stripped, or None for None or a blank string.

    :raises ValidationError: for something that is not a string.
    """
    if value is None:
        return None
    if not isinstance(value, str):
        raise ValidationError(f"{field} must be a string or None, got {value!r}", field=field)
    return value.strip() or None


def text_field(_instance: object, attribute: attrs.Attribute[Any], value: object) -> None:
    """An attrs validator: the field is a non-empty string."""
    text(value, attribute.name)


def _optional(_instance: object, attribute: attrs.Attribute[Any], value: object) -> None:
    if value is not None:
        text(value, attribute.name)


def _flag(_instance: object, attribute: attrs.Attribute[Any], value: object) -> None:
    if not isinstance(value, bool):
        raise ValidationError(
            f"{attribute.name} must be True or False, got {value!r}", field=attribute.name
        )


def _channels(value: object) -> tuple[ContactChannel, ...]:
    if isinstance(value, str | ContactChannel):
        value = (value,)
    if not isinstance(value, Iterable):
        raise ValidationError(
            f"channels must be a sequence of channels (phone, email, webhook), got {value!r}",
            field="channels",
        )
    found: list[ContactChannel] = []
    for item in value:
        channel = ContactChannel.parse(item, "channels")
        if channel not in found:
            found.append(channel)
    return tuple(sorted(found, key=list(ContactChannel).index))


def _channel(value: object) -> ContactChannel:
    return ContactChannel.parse(value, "channel")


def _calls(value: Iterable[CallAttempt]) -> tuple[CallAttempt, ...]:
    return tuple(value)


@attrs.frozen
class CallAttempt:
    """One phone call to a recipient of a notice.

    :param at: when the call was made.
    :param by: who called (actor id).
    :param reached: whether the customer was reached and took the notice.
    :param person: whom the caller spoke to, if reached.
    :param note: what was said or why nobody answered.
    """

    at: datetime = attrs.field(validator=aware_field())
    by: str = attrs.field(validator=text_field)
    reached: bool = attrs.field(validator=_flag)
    person: str | None = attrs.field(default=None, validator=_optional)
    note: str | None = attrs.field(default=None, validator=_optional)


@attrs.frozen
class Recipient:
    """One customer a notice goes to, the channels, the calls and the acknowledgement.

    A recipient that is a key customer (``key``, from the customer register
    when the notice is announced) or one of the main affected customers
    (``main_affected``) must be reached by phone: :attr:`needs_call`, and the
    phone is always among its channels. It is *acknowledged* once a call
    reached it (for one that needs a call), or once the customer confirmed a
    written notice (for the others).

    :param customer: the customer's id (as in the customer register).
    :param channels: phone, email and/or webhook (at least one).
    :param contact: the address or number to use (an e-mail address, a phone
        number); the notifiers route written notices by it.
    :param key: a key customer when the notice was announced.
    :param main_affected: one of the customers mainly affected.
    :param calls: the phone calls made, oldest first.
    :param acknowledged_at: when the customer took the notice (None: not yet).
    :param acknowledged_by: who at the customer took it (None if not known).
    :param acknowledged_channel: on which channel.
    """

    customer: str = attrs.field(validator=text_field)
    channels: tuple[ContactChannel, ...] = attrs.field(converter=_channels)
    contact: str | None = attrs.field(default=None, validator=_optional)
    key: bool = attrs.field(default=False, validator=_flag)
    main_affected: bool = attrs.field(default=False, validator=_flag)
    calls: tuple[CallAttempt, ...] = attrs.field(default=(), converter=_calls)
    acknowledged_at: datetime | None = attrs.field(
        default=None, validator=aware_field(optional=True)
    )
    acknowledged_by: str | None = attrs.field(default=None, validator=_optional)
    acknowledged_channel: ContactChannel | None = None

    def __attrs_post_init__(self) -> None:
        if not self.channels:
            raise ValidationError(
                f"recipient {self.customer!r} needs at least one channel "
                "(phone, email or webhook)",
                field="channels",
            )
        if self.needs_call and ContactChannel.PHONE not in self.channels:
            raise ValidationError(
                f"recipient {self.customer!r} is a key or main affected customer and must be "
                "reached by phone: add 'phone' to its channels",
                field="channels",
            )

    @property
    def needs_call(self) -> bool:
        """True for a key customer or a main affected customer: they are called."""
        return self.key or self.main_affected

    @property
    def written(self) -> tuple[ContactChannel, ...]:
        """The written channels (e-mail, webhook) the notice goes out on."""
        return tuple(c for c in self.channels if c is not ContactChannel.PHONE)

    @property
    def acknowledged(self) -> bool:
        """True once the customer took the notice."""
        return self.acknowledged_at is not None

    @classmethod
    def parse(cls, value: object, *, key: bool = False) -> Recipient:
        """Return a recipient from itself or a mapping (``customer``, ``channels``,
        ``contact``, ``main_affected``).

        :param key: whether the customer register says it is a key customer;
            a key or main affected customer gets the phone among its channels.
        :raises ValidationError: for anything else, or a bad field.
        """
        if isinstance(value, Recipient):
            data: dict[str, Any] = {
                "customer": value.customer,
                "channels": value.channels,
                "contact": value.contact,
                "main_affected": value.main_affected,
            }
        elif isinstance(value, Mapping):
            unknown = set(value) - {"customer", "channels", "contact", "main_affected"}
            if unknown:
                raise ValidationError(
                    f"a recipient takes customer, channels, contact and main_affected; "
                    f"unknown: {sorted(unknown)}",
                    field="recipients",
                )
            data = dict(value)
        else:
            raise ValidationError(
                f"a recipient is a Recipient or a mapping with customer and channels, "
                f"got {value!r}",
                field="recipients",
            )
        channels = _channels(data.get("channels", ()))
        main = data.get("main_affected", False)
        if (key or main is True) and ContactChannel.PHONE not in channels:
            channels = (ContactChannel.PHONE, *channels)
        return cls(
            customer=data.get("customer"),  # type: ignore[arg-type]
            channels=channels,
            contact=optional_text(data.get("contact"), "contact"),
            key=key,
            main_affected=main,
        )


@attrs.frozen
class ProgressUpdate:
    """One progress update given to the customer of a request.

    :param at: when it was given.
    :param by: who gave it (actor id).
    :param channel: how (phone, e-mail, webhook).
    :param summary: what the customer was told.
    :param on_time: whether it came before the update was due.
    """

    at: datetime = attrs.field(validator=aware_field())
    by: str = attrs.field(validator=text_field)
    channel: ContactChannel = attrs.field(converter=_channel)
    summary: str = attrs.field(validator=text_field)
    on_time: bool = attrs.field(validator=_flag)
