"""A toy aggregate for kernel tests."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

import attrs

from itsm_core import Actor
from itsm_core.kernel.aggregate import Aggregate
from itsm_core.kernel.labels import Labelled
from itsm_core.kernel.lifecycle import Lifecycle
from itsm_core.storage.base import AggregateSpec, IndexField


class Light(Labelled):
    OFF = "off", "关", "off"
    ON = "on", "开", "on"
    BROKEN = "broken", "坏", "broken"


LIGHT = Lifecycle(
    "lamp",
    Light,
    Light.OFF,
    [
        ("switch_on", Light.OFF, Light.ON),
        ("switch_off", Light.ON, Light.OFF),
        ("break", [Light.OFF, Light.ON], Light.BROKEN),
    ],
)


@attrs.define(eq=False, kw_only=True)
class Lamp(Aggregate):
    KIND = "lamp"
    room: str
    state: Light = Light.OFF
    switched_at: datetime | None = None

    def switch_on(self, actor: Actor, at: datetime) -> None:
        LIGHT.check(self, "switch_on")
        LIGHT.fire(self, "switch_on")
        self.switched_at = at
        self._record(
            "switched_on", actor, at, {"room": self.room, "by": actor.id}, confidential=["by"]
        )


def _to_record(lamp: Lamp) -> dict[str, Any]:
    return {
        "id": lamp.id,
        "version": lamp.version,
        "room": lamp.room,
        "state": lamp.state.value,
        "switched_at": lamp.switched_at.isoformat() if lamp.switched_at else None,
    }


def _from_record(rec: Mapping[str, Any]) -> Lamp:
    return Lamp(
        id=rec["id"],
        version=rec["version"],
        room=rec["room"],
        state=Light(rec["state"]),
        switched_at=datetime.fromisoformat(rec["switched_at"]) if rec["switched_at"] else None,
    )


LAMP_SPEC: AggregateSpec[Lamp] = AggregateSpec(
    kind="lamp",
    entity_type=Lamp,
    to_record=_to_record,
    from_record=_from_record,
    index=(
        IndexField("room", "str", lambda x: x.room),
        IndexField("state", "str", lambda x: x.state.value),
        IndexField("switched_at", "datetime", lambda x: x.switched_at),
    ),
)
