"""Certificate serials: unguessable, readable aloud, and self-checking."""

import math
import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from certificates.serials import ALPHABET, LENGTH, InvalidSerial, check_symbol, grouped, new_serial, normalise

serials = st.builds(lambda _: new_serial(), st.integers())


def test_a_serial_carries_at_least_eighty_random_bits():
    assert (LENGTH - 1) * math.log2(len(ALPHABET)) >= 80


def test_a_serial_is_printed_in_five_groups_of_four():
    assert re.fullmatch(r"([0-9A-HJKMNP-TV-Z]{4}-){4}[0-9A-HJKMNP-TV-Z]{4}", grouped(new_serial()))


def test_serials_do_not_repeat():
    assert len({new_serial() for _ in range(20_000)}) == 20_000


@given(serials)
def test_a_serial_reads_back_however_it_is_typed(serial):
    assert normalise(serial) == serial
    assert normalise(grouped(serial).lower()) == serial
    assert normalise(" ".join(serial[i : i + 4] for i in range(0, LENGTH, 4))) == serial


def test_letters_that_look_like_digits_are_read_as_digits():
    body = "0111" + new_serial()[4:-1]
    serial = body + check_symbol(body)
    assert normalise("oIlL" + serial[4:]) == serial


@given(serials, st.integers(min_value=0, max_value=LENGTH - 1), st.sampled_from(ALPHABET))
def test_any_single_mistyped_character_is_caught(serial, position, replacement):
    if serial[position] == replacement:
        return
    mistyped = serial[:position] + replacement + serial[position + 1 :]
    with pytest.raises(InvalidSerial):
        normalise(mistyped)


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ("ABCD", "has 4"),
        ("ABCD-EFGH-JKMN-PQRS-TVWU", "cannot contain U"),
        ("", "Enter the certificate's serial number"),
        (" - ", "Enter the certificate's serial number"),
    ],
)
def test_a_malformed_serial_says_what_is_wrong(typed, message):
    with pytest.raises(InvalidSerial, match=message):
        normalise(typed)
