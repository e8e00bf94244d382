import pytest

from hub.domain.msix_id import FIRST_SERIAL, from_serial, is_valid, luhn_digit


def test_ids_have_twelve_digits_and_validate():
    for serial in (FIRST_SERIAL, FIRST_SERIAL + 1, 99_999_999_999):
        mid = from_serial(serial)
        assert len(mid) == 12 and mid.isdigit() and is_valid(mid)


def test_luhn_known_vector():
    assert luhn_digit("7992739871") == "3"  # the textbook example


@pytest.mark.parametrize("bad", ["", "12345678901", "1234567890123", "abcdefghijkl"])
def test_malformed_ids_are_invalid(bad):
    assert not is_valid(bad)


def test_single_digit_typo_is_caught():
    mid = from_serial(FIRST_SERIAL + 4242)
    for i in range(12):
        typo = mid[:i] + str((int(mid[i]) + 1) % 10) + mid[i + 1 :]
        assert not is_valid(typo)


def test_serial_out_of_range():
    with pytest.raises(ValueError):
        from_serial(10**11)
