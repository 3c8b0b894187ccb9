from closecalls.domain.notes import derive_note, derive_note_html


def test_note_html_escapes_and_breaks_lines_inside_body() -> None:
    assert derive_note_html('a <b> & "c"\nnext') == (
        "<body>a &lt;b&gt; &amp; &quot;c&quot;<br />next</body>"
    )


def test_note_from_html_drops_tags_and_keeps_structure() -> None:
    html = "<body>\n  <h1>Title</h1>\n  <p>Hello <b>there</b>,\n   friend</p><p>a<br/>b</p></body>"
    assert derive_note(html) == "Title\n\nHello there, friend\n\na\nb"


def test_note_from_html_drops_scripts_and_decodes_entities() -> None:
    assert derive_note("<body>x &amp; y<script>alert(1)</script></body>") == "x & y"


def test_round_trip_of_plain_text() -> None:
    text = "line one\nline <two> & three"
    assert derive_note(derive_note_html(text)) == text
