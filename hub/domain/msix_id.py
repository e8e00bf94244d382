"""MSIX ids: twelve digits, the last a Luhn check digit, so a mistyped id is caught, not looked up."""

from __future__ import annotations

FIRST_SERIAL = 10_000_000_001  # eleven digits, so every id has exactly twelve


def luhn_digit(digits: str) -> str:
    total = 0
    for i, ch in enumerate(reversed(digits)):
        d = int(ch)
        if i % 2 == 0:  # doubled positions, counted from the right of the payload
            d = d * 2 - 9 if d > 4 else d * 2
        total += d
    return str((10 - total % 10) % 10)


def from_serial(serial: int) -> str:
    payload = f"{serial:011d}"
    if len(payload) != 11:
        raise ValueError(f"serial {serial} out of range")
    return payload + luhn_digit(payload)


def is_valid(msix_id: str) -> bool:
    return len(msix_id) == 12 and msix_id.isdigit() and luhn_digit(msix_id[:11]) == msix_id[11]
