import pytest

from closecalls.domain.phones import normalize_phone


@pytest.mark.parametrize(
    ("raw", "e164", "formatted", "country"),
    [
        ("+16505551234", "+16505551234", "+1 650-555-1234", "US"),
        ("(650) 555-1234", "+16505551234", "+1 650-555-1234", "US"),
        ("+44 7496 394234", "+447496394234", "+44 7496 394234", "GB"),
    ],
)
def test_normalises_to_e164(raw: str, e164: str, formatted: str, country: str) -> None:
    phone = normalize_phone(raw, default_region="US")
    assert (phone.e164, phone.formatted, phone.country_iso) == (e164, formatted, country)


def test_default_region_applies_to_national_numbers() -> None:
    assert normalize_phone("07496 394234", default_region="GB").e164 == "+447496394234"


@pytest.mark.parametrize("raw", ["anonymous", "+1", "12345", "+999123"])
def test_rejects_what_cannot_be_a_phone_number(raw: str) -> None:
    with pytest.raises(ValueError):
        normalize_phone(raw, default_region="US")
