from typing import Any

import pytest

from closecalls.domain.fields import Field, FieldError, clean_fields, clean_value


def clean(field: Field, value: Any) -> Any:
    return clean_value(field, value, phone_region="US")


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        (Field("string"), 5, "Value must be of str type."),
        (Field("choice", ("a",)), "b", "Not a valid choice."),
        (Field("choice", ("a",)), 1, "Not a valid choice."),
        (Field("integer", maximum=10), 11, "The value must not be larger than 10."),
        (Field("integer", minimum=0), -1, "The value must be at least 0."),
        (Field("integer"), 1.5, "Value must be of int type."),
        (Field("integer"), True, "Value must be of int type."),
        (Field("integer"), "5", "Value must be of int type."),
        (Field("datetime"), "soon", "Invalid ISO 8601 datetime."),
        (Field("datetime"), 5, "Value must be of str type."),
        (Field("url"), "not a url", "Invalid URL."),
        (Field("url"), "example.com/x", "Invalid URL."),
        (Field("https_url"), "http://example.com/a.mp3",
         "This URL uses a scheme that's not allowed. You can only use https://."),
        (Field("phone"), "anonymous", "Invalid phone number."),
        (Field("object"), [], "Value must be of dict type."),
    ],
)  # fmt: skip
def test_each_kind_rejects_with_cleancat_message(field: Field, value: Any, message: str) -> None:
    with pytest.raises(FieldError, match=f"^{message.replace('.', '[.]')}$"):
        clean(field, value)


def test_null_and_blank_take_the_default() -> None:
    assert clean(Field("choice", ("x",), default="x"), None) == "x"
    assert clean(Field("url"), "") is None
    assert clean(Field("datetime"), "") is None
    assert clean(Field("string"), "") == ""


def test_clean_fields_collects_every_error_and_ignores_unknown_keys() -> None:
    schema = {"a": Field("integer"), "b": Field("string"), "c": Field("string")}
    cleaned, errors = clean_fields(
        schema, {"a": "x", "b": 1, "c": "ok", "zzz": 1}, phone_region="US"
    )
    assert cleaned == {"c": "ok"}
    assert errors == {"a": "Value must be of int type.", "b": "Value must be of str type."}


@pytest.mark.parametrize("moment", ["0001-01-01T00:00:00+01:00", "9999-12-31T23:59:59-10:00"])
def test_datetimes_an_offset_pushes_out_of_range_are_refused(moment: str) -> None:
    """Found by schemathesis: these were a 500 (OverflowError) instead of a 400."""
    with pytest.raises(FieldError, match="Invalid ISO 8601 datetime"):
        clean(Field("datetime"), moment)
