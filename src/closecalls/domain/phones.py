"""Phone numbers normalised with libphonenumber, as Close does."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

import phonenumbers
from phonenumbers import phonenumberutil, timezone

# Dialers send E.164: for that shape, parse's general scanning (RFC 3966, extensions, IDD
# prefixes, vanity letters) finds nothing, and it cost a third of a new number's 80 us.
_E164 = re.compile(r"\+[1-9][0-9]{6,14}")
# phonenumbers compiles its metadata's patterns through `re`, whose cache holds 512: a call log
# with numbers from every region (~650 patterns) kept recompiling them, 58 against 25 us a new
# number. The library's own cache keeps each one, bounded by the metadata.
phonenumbers.enable_pattern_cache()
_KEEPS_PREFIX = (
    phonenumberutil.ValidationResult.TOO_SHORT,
    phonenumberutil.ValidationResult.IS_POSSIBLE_LOCAL_ONLY,
    phonenumberutil.ValidationResult.INVALID_LENGTH,
)


@dataclass(frozen=True, slots=True)
class Phone:
    """A number in E.164 with its international display form and country."""

    e164: str
    formatted: str
    country_iso: str | None


# libphonenumber costs ~85 us a number; dialers log the same numbers again and again.
@lru_cache(maxsize=20_000)
def normalize_phone(raw: str, *, default_region: str) -> Phone:
    """Parse a phone number; raise ValueError when it cannot be a phone number."""
    number = _parse_e164(raw) if _E164.fullmatch(raw) else None
    if number is None:
        try:
            number = phonenumbers.parse(raw, default_region)
        except phonenumbers.NumberParseException as exc:
            raise ValueError(str(exc)) from exc
    if not phonenumbers.is_possible_number(number):
        raise ValueError("not a possible phone number")
    return Phone(
        e164=phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164),
        formatted=phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.INTERNATIONAL),
        country_iso=phonenumbers.region_code_for_number(number),
    )


@lru_cache(maxsize=20_000)
def time_zones(e164: str) -> tuple[str, ...]:
    """The IANA zones a number's prefix covers, as Close lists them in a phone's `tz_ids`."""
    zones = timezone.time_zones_for_number(phonenumbers.parse(e164))
    return tuple(zone for zone in zones if zone != "Etc/Unknown")


def _parse_e164(raw: str) -> phonenumbers.PhoneNumber | None:
    """What `phonenumbers.parse` answers for `+` and digits, by its own steps for that shape.

    None when the country code is unknown, so that parse raises its own error. Pinned to
    parse by a differential test over every region's numbers and random digits.
    """
    digits = raw[1:]
    for size in (1, 2, 3):
        country_code = int(digits[:size])
        if country_code in phonenumbers.COUNTRY_CODE_TO_REGION_CODE:
            break
    else:
        return None
    national = digits[size:]
    region = phonenumbers.region_code_for_country_code(country_code)
    metadata = phonenumbers.PhoneMetadata.metadata_for_region_or_calling_code(country_code, region)
    if metadata is None or len(national) < phonenumberutil._MIN_LENGTH_FOR_NSN:
        return None
    _, stripped, _ = phonenumberutil._maybe_strip_national_prefix_carrier_code(national, metadata)
    if phonenumberutil._test_number_length(stripped, metadata) not in _KEEPS_PREFIX:
        national = stripped
    if (
        not phonenumberutil._MIN_LENGTH_FOR_NSN
        <= len(national)
        <= phonenumberutil._MAX_LENGTH_FOR_NSN
    ):
        return None
    number = phonenumbers.PhoneNumber(country_code=country_code)
    phonenumberutil._set_italian_leading_zeros_for_phone_number(national, number)
    number.national_number = int(national)
    return number
