"""Certificate serials: unguessable, easy to read aloud, and self-checking.

A serial is 19 random symbols from Crockford's base-32 alphabet (95 random bits) and one
check symbol computed with the Luhn mod N algorithm, shown in five groups of four:
``7K2M-Q9XD-R4TB-8HWN-C3PF``. The check symbol catches every single mistyped symbol and
most swaps of two neighbours. Reading back is forgiving: case, spaces and hyphens are
ignored, and O, I and L are read as 0, 1 and 1, as Crockford intends.
"""

from __future__ import annotations

import secrets

ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
RANDOM_SYMBOLS = 19
LENGTH = RANDOM_SYMBOLS + 1
GROUP = 4
_BASE = len(ALPHABET)
_VALUE = {symbol: value for value, symbol in enumerate(ALPHABET)}
_READ_AS = str.maketrans({"O": "0", "I": "1", "L": "1", "-": None, " ": None})


class InvalidSerial(ValueError):
    """The text is not a well-formed serial; ``str(error)`` says why, for the reader."""


def check_symbol(symbols: str) -> str:
    """The Luhn mod 32 check symbol for ``symbols`` (all from ``ALPHABET``)."""
    factor = 2
    total = 0
    for symbol in reversed(symbols):
        addend = factor * _VALUE[symbol]
        factor = 1 if factor == 2 else 2
        total += addend // _BASE + addend % _BASE
    return ALPHABET[(_BASE - total % _BASE) % _BASE]


def new_serial() -> str:
    """A fresh serial in its compact form (no hyphens)."""
    body = "".join(secrets.choice(ALPHABET) for _ in range(RANDOM_SYMBOLS))
    return body + check_symbol(body)


def normalise(text: str) -> str:
    """The compact form of a typed serial. Raises ``InvalidSerial`` if it cannot be one."""
    compact = text.strip().upper().translate(_READ_AS)
    if not compact:
        raise InvalidSerial("Enter the certificate's serial number.")
    if len(compact) != LENGTH:
        raise InvalidSerial(f"A serial has {LENGTH} characters; this has {len(compact)}.")
    stray = sorted({symbol for symbol in compact if symbol not in _VALUE})
    if stray:
        raise InvalidSerial(f"A serial cannot contain {', '.join(stray)}.")
    if check_symbol(compact[:-1]) != compact[-1]:
        raise InvalidSerial("One or more characters are wrong: check the serial and try again.")
    return compact


def grouped(serial: str) -> str:
    """The serial as printed: five groups of four, joined with hyphens."""
    return "-".join(serial[i : i + GROUP] for i in range(0, len(serial), GROUP))
