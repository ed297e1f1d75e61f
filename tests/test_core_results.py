"""Result objects shown in a notebook: which media become inline tags, built from SDK models
(no server): an image of a safe type is an ``<img>``, audio an ``<audio>``, anything else text."""

from __future__ import annotations

import base64

import mcp_types as types

from mcp_workbench.core.results import Media, ResourceResult, ToolResult

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 8
WAV = b"RIFF\x00\x00\x00\x00WAVE"


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


def test_a_tool_result_shows_safe_images_and_audio_inline_and_nothing_else() -> None:
    raw = types.CallToolResult(content=[
        types.TextContent(type="text", text="three clips"),
        types.ImageContent(type="image", mime_type="image/png", data=b64(PNG)),
        types.ImageContent(type="image", mime_type="image/svg+xml", data=b64(b"<svg onload='x'/>")),
        types.AudioContent(type="audio", mime_type="audio/wav", data=b64(WAV)),
    ])  # fmt: skip
    html = ToolResult(raw, server="s", tool="t", arguments={}, duration_ms=1.0)._repr_mimebundle_()["text/html"]
    assert html.count("<img ") == 1 and f'<img src="data:image/png;base64,{b64(PNG)}"/>' in html
    assert html.count("<audio ") == 1 and f'<audio controls src="data:audio/wav;base64,{b64(WAV)}"></audio>' in html
    assert "svg" not in html


def test_media_bundles_by_type() -> None:
    assert Media("image/png", PNG)._repr_mimebundle_() == {"image/png": b64(PNG), "text/plain": "<image/png, 16 bytes>"}
    audio = Media("audio/wav", WAV)._repr_mimebundle_()
    assert audio["text/html"] == f'<audio controls src="data:audio/wav;base64,{b64(WAV)}"></audio>'
    assert Media("image/svg+xml", b"<svg/>")._repr_mimebundle_() == {"text/plain": "<image/svg+xml, 6 bytes>"}


def test_a_resource_with_an_image_blob_shows_the_image() -> None:
    raw = types.ReadResourceResult(contents=[
        types.BlobResourceContents(uri="demo://logo", mime_type="IMAGE/PNG; q=1", blob=b64(PNG)),
    ])  # fmt: skip
    html = ResourceResult(raw, server="s", uri="demo://logo")._repr_mimebundle_()["text/html"]
    assert html.endswith(f'<img src="data:image/png;base64,{b64(PNG)}"/>')


def test_preview_is_the_start_of_text_without_joining_every_block() -> None:
    def result(*texts: str) -> ToolResult:
        raw = types.CallToolResult(content=[types.TextContent(type="text", text=t) for t in texts])
        return ToolResult(raw, server="s", tool="t", arguments={}, duration_ms=1.0)

    for texts in [("a" * 300, "b" * 300), ("x",) * 600, ("", "y"), ("z" * 499, "w"), ("q" * 500,)]:
        fresh, joined = result(*texts), result(*texts)
        assert fresh.preview() == joined.text[:500] and len(fresh.preview() or "") <= 500
        assert "text" not in fresh.__dict__  # the whole text was never built for the preview
        assert joined.preview() == joined.text[:500]  # (and once it is built, it is what the preview reads)
    assert result().preview() is None and result("").preview() is None
    assert result("abc").preview(2) == "ab"
