"""The recorded seeded lot (bốc thăm): the last tie-break, reproducible from the cycle's seed."""

import hashlib
from collections.abc import Iterable


def lot_order(seed: str, units: Iterable[str]) -> list[str]:
    """Units in lot order. The seed is drawn and recorded when the cycle starts, so anyone can
    re-run the draw from the minutes; hashing each unit on its own keeps a unit's place
    independent of which other units take part."""

    def key(unit: str) -> tuple[str, str]:
        # The code is a second key only so two equal digests (never in practice) stay ordered.
        return hashlib.sha256(f"{seed}:{unit}".encode()).hexdigest(), unit

    return sorted(set(units), key=key)
