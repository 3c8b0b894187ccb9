import random

import phonenumbers
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from closecalls.domain.phones import normalize_phone, time_zones


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


def test_time_zones_of_a_normalised_number() -> None:
    assert time_zones(normalize_phone("(650) 555-1234", default_region="US").e164) == (
        "America/Los_Angeles",
    )


Answer = tuple[str, str, str | None] | None


def _library(raw: str, region: str) -> Answer:
    """libphonenumber's own answer to what normalize_phone asks, without our E.164 path or memo."""
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


def _ours(raw: str, region: str) -> Answer:
    try:
        phone = normalize_phone(raw, default_region=region)
    except ValueError:
        return None
    return (phone.e164, phone.formatted, phone.country_iso)


# Default regions an operator could configure, including ones libphonenumber refuses.
_REGIONS = [*sorted(phonenumbers.SUPPORTED_REGIONS), "ZZ", "001", "gb", "us", "", "XX"]
_EXTENSIONS = [" ext. 1234", " x12", ";ext=55", " #77", " extension 9", ",,123", " ext 1 2"]
# Digits libphonenumber reads as 0-9: full-width (U+FF10...) and Arabic-Indic (U+0660...).
_FULL_WIDTH = {ord(str(digit)): 0xFF10 + digit for digit in range(10)}
_ARABIC_INDIC = {ord(str(digit)): 0x0660 + digit for digit in range(10)}
_ODD = [
    "1-800-FLOWERS", "+1 800 FLOWERS", "0800 SHOP NOW", "CALL-ME", "tel:+1-800-GOT-JUNK",
    "anonymous", "+", "++1", "", " ", "+1", "12345", "+999123", "abc+123", "+1 (650) 253-0000",
    "650.253.0000", "+44(0)20 8366 1177", "(020) 8366 1177", "+49 (0)30 123456",
    "tel:253-0000;phone-context=www.google.com", "tel:253-0000;phone-context=+1-650",
    "tel:+1-650-253-0000;isub=12345", "+" + "9" * 30, "1" * 300, "+1 650 253 0000 ext 1" + "2" * 20,
    "0123456789".translate(_ARABIC_INDIC), "+447496394234".translate(_ARABIC_INDIC),
    "011 44 7496 394234", "00 49 30 123456", "+1\u2010650\u2011253\u20130000",
    "\uff0b1 650 253 0000".translate(_FULL_WIDTH), "+1 650 253 0000 x", "+1 650 253 0000;ext=",
    "*67 650 253 0000",
]  # fmt: skip


def _examples() -> list[tuple[str, phonenumbers.PhoneNumber]]:
    """Every region's example number of every type, and every non-geographic code's."""
    examples = []
    for region in sorted(phonenumbers.SUPPORTED_REGIONS):
        for kind in phonenumbers.PhoneNumberType.values():
            found = phonenumbers.example_number_for_type(region, kind)
            if found is not None:
                examples.append((region, found))
    for code in phonenumbers.COUNTRY_CODES_FOR_NON_GEO_REGIONS:
        found = phonenumbers.example_number_for_non_geo_entity(code)
        if found is not None:
            examples.append(("US", found))
    return examples


def _corpus(seed: int) -> list[tuple[str, str]]:
    """(text, default region) pairs: each example number written every way people and
    dialers write it (E.164, international, national, RFC 3966, IDD prefixes, punctuation,
    extensions, full-width and Arabic-Indic digits), cut, lengthened and changed at random;
    each read with its own region, a random one and a common one; then vanity letters and
    odd strings, and random digit strings with and without `+` and punctuation."""
    chance = random.Random(seed)
    fmt = phonenumbers.PhoneNumberFormat

    def digits(low: int, high: int) -> str:
        return "".join(chance.choice("0123456789") for _ in range(chance.randint(low, high)))

    corpus = []
    for home, number in _examples():
        e164 = phonenumbers.format_number(number, fmt.E164)
        international = phonenumbers.format_number(number, fmt.INTERNATIONAL)
        national = phonenumbers.format_number(number, fmt.NATIONAL)
        national_digits = phonenumbers.normalize_digits_only(national)
        texts = [
            e164, international, national, national_digits,
            phonenumbers.format_number(number, fmt.RFC3966),
            phonenumbers.national_significant_number(number),
            "00" + e164[1:], "011 " + international[1:], " " + international + " ",
            international.replace(" ", "."), international.replace(" ", "-"), f"({national})",
            e164 + chance.choice(_EXTENSIONS), national + chance.choice(_EXTENSIONS),
            f"tel:{national_digits};phone-context={e164[:3]}",
            e164.translate(_FULL_WIDTH), e164.translate(_ARABIC_INDIC),
            e164[:4] + "0" + e164[4:],
        ]  # fmt: skip
        for _ in range(4):
            texts.append(e164[: chance.randint(2, len(e164))] + digits(0, 5))
            texts.append(national_digits[: chance.randint(1, len(national_digits))] + digits(0, 4))
        changed = list(e164)
        changed[chance.randrange(1, len(changed))] = chance.choice("0123456789")
        texts.append("".join(changed))
        regions = {home, chance.choice(_REGIONS), chance.choice(["US", "GB", "DE", "IN", "BR"])}
        corpus.extend((text, region) for text in texts for region in regions)
    for text in _ODD:
        corpus.extend((text, region) for region in ["US", "GB", "DE", chance.choice(_REGIONS)])
    for _ in range(6000):
        shape, number = chance.random(), digits(1, 17)
        if shape < 0.4:
            text = "+" + number
        elif shape < 0.7:
            text = number
        elif shape < 0.85:
            text = "".join(ch + chance.choice(["", "", " ", "-", ".", "(", ")"]) for ch in number)
        else:
            text = "".join(chance.choice("0123456789+-() .xAZext;=#*") for _ in range(20))
        corpus.append((text, chance.choice(_REGIONS)))
    return corpus


def test_answers_exactly_what_libphonenumber_does() -> None:
    normalize_phone.cache_clear()
    corpus = _corpus(seed=22)
    assert len(corpus) > 100_000
    assert sum(_library(raw, region) is not None for raw, region in corpus[::10]) > 5_000
    differ = [
        (raw, region, ours, reference)
        for raw, region in corpus
        if (ours := _ours(raw, region)) != (reference := _library(raw, region))
    ]
    assert differ[:20] == [], f"{len(differ)} of {len(corpus)} differ"


_PHONE_TEXT = st.text(
    st.sampled_from("0123456789+-() ./xX#*;=,:etlEXT\uff10\uff19\u0660\u0669\u2010\u00a0"),
    max_size=30,
)


@settings(max_examples=2000, deadline=None)
@given(text=_PHONE_TEXT | st.text(max_size=30), region=st.sampled_from(_REGIONS))
def test_any_text_gets_libphonenumber_s_answer(text: str, region: str) -> None:
    assert _ours(text, region) == _library(text, region)
