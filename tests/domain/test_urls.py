import re
import sys
import unicodedata

import pytest

from closecalls.domain import errors
from closecalls.domain.urls import CREDENTIALS, INVISIBLE, web_url


def test_isprintable_refuses_exactly_the_invisible_categories_but_the_space() -> None:
    # web_url refuses invisible characters with `str.isprintable` (one C loop) and a test
    # for the space, instead of looking up each character's category.
    for point in range(sys.maxunicode + 1):
        char = chr(point)
        refused = not char.isprintable() or char == " "
        assert refused == (unicodedata.category(char) in INVISIBLE), hex(point)


@pytest.mark.parametrize(
    "url",
    [
        "https://example.com/a.mp3", "https://example.com./a", "https://1.2.3.4/a",
        "https://[2606:4700::1111]/a", "https://[fe80::1%25eth0]/a", "https://host1/a",
        "https://a.1/a", "https://bücher.de/a", "https://xn--bcher-kva.de/a",
        "https://a_b.example.com/a", "https://☃.net/a", f"https://{'a' * 63}.com/a", "https://h.com:8443/a",
    ],
)  # fmt: skip
def test_sound_hosts_are_taken(url: str) -> None:
    assert web_url(url).geturl() == url


@pytest.mark.parametrize(
    ("url", "problem"),
    [
        ("https://x..y/a", errors.BAD_URL), ("https://-a.com/a", errors.BAD_URL),
        ("https://a-.com/a", errors.BAD_URL), (f"https://{'a' * 64}.com/a", errors.BAD_URL),
        (f"https://{('a' * 60 + '.') * 5}com/a", errors.BAD_URL), ("https://../a", errors.BAD_URL),
        ("https://1.2.3.4:99999/a", errors.BAD_URL),
        ("https://ex ample.com/a", errors.BAD_URL), ("https://ex\u200bample.com/a", errors.BAD_URL),
        ("https://example.com/\u202e", errors.BAD_URL), ("https://h.com:0/a", errors.BAD_URL),
        ("https://h.com:/a", errors.BAD_URL), ("https://u:p@h.com/a", CREDENTIALS),
        ("https://@h.com/a", CREDENTIALS), ("https://u@h.com/a", CREDENTIALS),
    ],
)  # fmt: skip
def test_unsound_urls_are_refused_with_their_message(url: str, problem: str) -> None:
    with pytest.raises(ValueError, match=f"^{re.escape(problem)}$"):
        web_url(url)
