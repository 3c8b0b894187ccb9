import random

import phonenumbers
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


def _library(raw: str, region: str) -> tuple[str, str, str | None] | None:
    """libphonenumber's own answer, the way normalize_phone asked it before its E.164 path."""
    try:
        number = phonenumbers.parse(raw, region)
    except phonenumbers.NumberParseException:
        return None
    if not phonenumbers.is_possible_number(number):
        return None
    return (
        phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164),
        phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.INTERNATIONAL),
        phonenumbers.region_code_for_number(number),
    )


def _corpus(seed: int) -> list[str]:
    """E.164 strings near every region's example numbers (each type, digits changed, cut,
    lengthened), non-geographic codes, leading zeros, unknown codes and random digits."""
    chance = random.Random(seed)
    examples = []
    for region in sorted(phonenumbers.SUPPORTED_REGIONS):
        for kind in phonenumbers.PhoneNumberType.values():
            found = phonenumbers.example_number_for_type(region, kind)
            if found is not None:
                examples.append(
                    phonenumbers.format_number(found, phonenumbers.PhoneNumberFormat.E164)
                )
    for code in phonenumbers.COUNTRY_CODES_FOR_NON_GEO_REGIONS:
        found = phonenumbers.example_number_for_non_geo_entity(code)
        if found is not None:
            examples.append(phonenumbers.format_number(found, phonenumbers.PhoneNumberFormat.E164))
    corpus = list(examples)
    for example in examples:
        for _ in range(4):
            keep = chance.randint(2, len(example))
            tail = "".join(chance.choice("0123456789") for _ in range(chance.randint(0, 5)))
            corpus.append(example[:keep] + tail)
        corpus.append(example[:4] + "0" + example[4:])
    for _ in range(3000):
        length = chance.randint(7, 15)
        corpus.append("+" + str(chance.randint(1, 9)) + "".join(
            chance.choice("0123456789") for _ in range(length - 1)))  # fmt: skip
    return corpus


@pytest.mark.parametrize("region", ["US", "GB", "DE", "IT", "BR", "IN", "AU"])
def test_e164_path_answers_exactly_what_libphonenumber_does(region: str) -> None:
    normalize_phone.cache_clear()
    corpus = _corpus(seed=len(region) * 7919 + ord(region[0]))
    assert len(corpus) > 10_000
    for raw in corpus:
        try:
            phone = normalize_phone(raw, default_region=region)
            ours: tuple[str, str, str | None] | None = (
                phone.e164,
                phone.formatted,
                phone.country_iso,
            )
        except ValueError:
            ours = None
        assert ours == _library(raw, region), raw
