"""The same report as .txt, .html, .docx and .pdf reads the same; bad files get the loader's own errors.

Each format is built here from the sample texts (tests/formats_build.py), so the comparison is
between what a publisher would put out in each format and the plain text, read by the real loader.
"""

from __future__ import annotations

import codecs
import contextlib
import io
import re
import zipfile

import pytest

from loaders.decode import decode
from loaders.errors import DecodeError, FormatError, LoaderError
from loaders.pipeline import Loaded, load_file, load_source
from loaders.sources import read_source
from tests.conftest import FENGJIANG, QINGPU
from tests.formats_build import Article, article_of, docx_file, html_bare_page, html_page, html_table_page, pdf_file

SAMPLES = {"qingpu": QINGPU, "fengjiang": FENGJIANG}
# Each sample in each format; the two pages declare gb18030 (in <meta charset>) and utf-8 (http-equiv).
BUILDS = {
    "qingpu.html": lambda a: html_page(a, "gb18030", meta="charset", paragraphs="p"),
    "fengjiang.html": lambda a: html_page(a, "utf-8", meta="http-equiv", paragraphs="br"),
    "fengjiang-table.html": html_table_page,
    "qingpu-bare.html": html_bare_page,
    "qingpu.docx": docx_file,
    "fengjiang.docx": docx_file,
    "qingpu-listed.docx": lambda a: docx_file(a, listed=True),
    "fengjiang-listed.docx": lambda a: docx_file(a, listed=True),
    "qingpu.pdf": pdf_file,
    "fengjiang.pdf": lambda a: pdf_file(a, head="title"),
    "fengjiang-blocks.pdf": lambda a: pdf_file(a, indent="none"),
}


@pytest.fixture(scope="session")
def built(tmp_path_factory) -> dict[str, Loaded]:
    """Every sample in every format, written to disk and loaded through load_file as a user would."""
    folder = tmp_path_factory.mktemp("formats")
    loaded = {}
    for name, build in BUILDS.items():
        path = folder / name
        path.write_bytes(build(article_of(SAMPLES[_sample(name)])))
        loaded[name] = load_file(path)
    return loaded


def _sample(name: str) -> str:
    return re.split(r"[.-]", name)[0]


def _squash(text: str) -> str:
    return re.sub(r"\s+", "", text)


def signature(loaded: Loaded) -> dict:
    """What must not depend on the format: everything read, except offsets into the text."""
    r = loaded.report
    return {
        "graph": loaded.graph_iri,
        "report": loaded.report_iri,
        "title": r.title,
        "dates": {kind: value for kind, (value, _) in r.dates.items()},
        "claims": [(c.kind, c.value) for c in r.claims],
        "categories": [(c.number, c.title) for c in r.categories],
        "findings": [(f.number, f.title, f.category, f.group, f.status) for f in r.findings],
        "measures": [[(m.marker, _squash(m.text)) for m in f.measures] for f in r.findings],
        "departments": sorted((o.canonical, o.kind, o.place or "", o.internal) for o in r.orgs.values()),
        "roles": sorted({(f.order, i.org, i.role) for f in r.findings for m in f.measures for i in m.involvements}),
        "documents": sorted((d.title, d.doc_type or "", d.number or "") for d in r.documents.values()),
        "citations": sorted((f.order, c.title, c.action) for f in r.findings for m in f.measures for c in m.citations),
        "contact": {kind: value for kind, (value, _) in r.contact.items()},
        "quantities": [
            (f.order, q.value, q.unit, q.counted) for f in r.findings for m in f.measures for q in m.quantities
        ],
        "policies": [
            (f.order, p.name, p.action, p.document) for f in r.findings for m in f.measures for p in m.policies
        ],
    }


@pytest.mark.parametrize("name", list(BUILDS))
def test_every_format_reads_like_the_text(name, built, qingpu, fengjiang):
    text = {"qingpu": qingpu, "fengjiang": fengjiang}[_sample(name)]
    got, want = signature(built[name]), signature(text)
    assert want["findings"] and want["measures"] and want["departments"] and want["documents"]
    for key in want:
        assert got[key] == want[key], f"{name}: {key} differs from the .txt"


def test_the_graph_iri_comes_from_title_and_date_not_the_format(built, qingpu, fengjiang):
    assert {built[f"qingpu.{s}"].graph_iri for s in ("html", "docx", "pdf")} == {qingpu.graph_iri}
    assert {built[f"fengjiang.{s}"].graph_iri for s in ("html", "docx", "pdf")} == {fengjiang.graph_iri}
    assert qingpu.graph_iri != fengjiang.graph_iri


PAGE_FURNITURE = ("政务公开", "上一篇", "分享到", "打印本页", "主办单位", "访问量统计", "加载中", "隐藏", "相关信息")


def test_graphs_from_other_formats_conform_and_quote_their_text(built):
    """Evidence offsets point into the text read from the file, whatever its format; the shapes hold."""
    from ontology.validate import validate_graph

    for name in ("fengjiang.pdf", "fengjiang.docx", "fengjiang.html"):
        r = built[name].report
        for f in r.findings:
            assert r.quote(f.span) == f.title
            assert all(r.quote(m.span) == m.text for m in f.measures)
    conforms, text = validate_graph(built["fengjiang.pdf"].graph)
    assert conforms, text


def test_page_furniture_stays_out(built):
    """Navigation, related links, share and print buttons, footers, scripts and hidden text are not the report."""
    for name in ("qingpu.html", "fengjiang.html"):
        text = built[name].report.text
        for furniture in PAGE_FURNITURE:
            assert furniture not in text, (name, furniture)
        assert built[name].report.text.count(built[name].report.title) == 1
    assert built["qingpu.html"].encoding == "html, gb18030"
    assert built["fengjiang.html"].encoding == "html, utf-8"


def test_word_headers_footers_and_deletions_stay_out(built):
    for name in ("qingpu.docx", "fengjiang.docx"):
        text = built[name].report.text
        assert "政务公开" not in text and "第 1 页" not in text
        assert "已删除的旧表述" not in text  # a tracked deletion is not the report's text


def test_word_list_numbers_are_read_back(tmp_path):
    """The listed copies really carry their heading numbers as Word lists, not as text."""
    for sample, listed in (("qingpu", 63 + 4), ("fengjiang", 10)):
        data = docx_file(article_of(SAMPLES[sample]), listed=True)
        with zipfile.ZipFile(io.BytesIO(data)) as z:
            xml = z.read("word/document.xml").decode()
        assert xml.count("<w:numPr>") >= listed, sample


def test_pdf_running_heads_page_numbers_and_wraps_are_undone(built):
    for name in ("qingpu.pdf", "fengjiang.pdf"):
        text = built[name].report.text
        assert "政务公开" not in text and text.count(built[name].report.title) == 1
        assert not re.search(r"^(-\s*\d+\s*-|第 ?\d+ ?页)$", text, flags=re.M)
        # Every finding heading starts its own line, as in the text: wrapped lines were joined back.
        for f in built[name].report.findings:
            assert re.search(rf"^\(?{f.number}\)?[.、]?{re.escape(f.title)}", text, flags=re.M), f.title


def test_a_running_head_that_repeats_a_short_title_keeps_the_title():
    body = article_of(FENGJIANG).body
    article = Article("关于巡察整改情况的通报", "2026-01-16", body, "枫江县民政局")
    text = read_source(pdf_file(article, head="title"), "short.pdf")[0]
    assert text.splitlines()[0] == article.title and text.count(article.title) == 1


def test_pieces_of_one_line_are_joined_left_to_right():
    """Justified or tabbed text comes out of pdfminer as pieces, in stream order, a fraction of a point apart."""
    from reportlab.pdfgen.canvas import Canvas

    from tests.formats_build import _register_font

    out = io.BytesIO()
    canvas = Canvas(out)
    canvas.setFont(_register_font("ttf"), 12)
    canvas.drawString(400, 700.4, "进展情况的通报")  # drawn first, right-hand piece
    canvas.drawString(72, 700, "关于巡察整改")
    canvas.save()
    assert read_source(out.getvalue(), "pieces.pdf")[0] == "关于巡察整改进展情况的通报"


def test_paragraphs_indented_by_typed_spaces_are_kept_apart():
    """Some editors indent with two typed ideographic spaces: the line starts at the margin, but a paragraph."""
    from reportlab.pdfgen.canvas import Canvas

    from tests.formats_build import _register_font

    full = "巡察整改工作持续推进各项措施落实到位" * 2  # 38 characters: a full line at 12 pt on A4
    lines = [full, full, "\u3000\u3000" + full[:36], full, "二是细化任务分解。"]  # the first paragraph ends full
    out = io.BytesIO()
    canvas = Canvas(out)
    font = _register_font("ttf")
    canvas.setFont(font, 12)
    for i, line in enumerate(lines):
        canvas.drawString(72, 760 - 20 * i, line)
    canvas.save()
    text = read_source(out.getvalue(), "typed.pdf")[0]
    assert text.split("\n") == [full * 2, full[:36] + full + "二是细化任务分解。"]


def test_pdf_with_a_builtin_cid_font_reads_the_chinese():
    """reportlab's STSong-Light is not embedded; its text comes back through Adobe's UCS-2 CMap.

    Measured: pdfminer reads every character of the sample back except U+00B7 (·), which it
    drops from this font (pypdf keeps it, but gives no line positions), so only the structure is
    compared here; embedded fonts, what Word and WPS write, are compared in full above.
    """
    article = article_of(QINGPU)
    loaded = load_source(pdf_file(article, font="cid"), "cid.pdf")
    assert [f.number for f in loaded.report.findings] == [str(n) for n in range(1, 64)]
    assert len(loaded.report.measures) == 186
    assert loaded.report.title == article.title


def test_letter_spaced_pdf_text_loses_its_gaps():
    from reportlab.lib.pagesizes import A4
    from reportlab.pdfgen.canvas import Canvas

    from tests.formats_build import _register_font

    out = io.BytesIO()
    canvas = Canvas(out, pagesize=A4)
    font = _register_font("ttf")
    text = canvas.beginText(72, 700)
    text.setFont(font, 16)
    text.setCharSpace(8)
    text.textLine("关于巡察整改进展情况的通报")
    canvas.drawText(text)
    canvas.save()
    assert read_source(out.getvalue(), "spaced.pdf")[0] == "关于巡察整改进展情况的通报"


# ------------------------------------------------------------------------------------- charsets

BIG5_PAGE = """<html><head><meta charset="big5"><title>關於巡察整改進展情況的通報</title></head>
<body><h1>關於巡察整改進展情況的通報</h1><div class="content"><p>根據統一部署，現將巡察整改進展情況予以公布。</p>
<p>一、關於學習貫徹不夠深入的問題。一是加強學習。二是完善制度。</p></div></body></html>"""


def test_meta_charset_wins_over_guessing():
    data = BIG5_PAGE.encode("big5")
    text, how = read_source(data, "big5.html")
    assert "關於巡察整改進展情況的通報" in text and how == "html, big5"
    with contextlib.suppress(DecodeError):  # guessing alone (UTF-8, then GB18030) cannot read this page
        assert "關於巡察整改" not in decode(data, "big5.html")[0]


def test_http_header_charset_wins_over_meta():
    page = BIG5_PAGE.replace('charset="big5"', 'charset="gb18030"').encode("big5")  # the page lies
    assert "關於巡察" not in read_source(page, "lying.html")[0]  # Big5 bytes read as GB18030: mojibake
    text, how = read_source(page, "lying.html", charset="big5")
    assert "關於巡察整改進展情況的通報" in text and how == "html, big5"


def test_a_header_charset_that_does_not_fit_is_passed_over():
    page = BIG5_PAGE.replace("big5", "gbk").encode("gb18030")
    text, how = read_source(page, "gbk.html", charset="utf-8")
    assert "關於巡察整改進展情況的通報" in text and how == "html, gb18030"


@pytest.mark.parametrize(("bom", "codec"), [(codecs.BOM_UTF16_LE, "utf-16-le"), (codecs.BOM_UTF16_BE, "utf-16-be")])
def test_utf16_text_with_a_byte_order_mark_reads_like_utf8(bom, codec, qingpu):
    """Windows Notepad saves "Unicode" as UTF-16 with a byte-order mark."""
    loaded = load_source(bom + QINGPU.read_text(encoding="utf-8").encode(codec), "unicode.txt")
    assert loaded.encoding == "utf-16" and signature(loaded) == signature(qingpu)


def test_a_page_saved_as_txt_is_read_as_a_page():
    text, how = read_source(BIG5_PAGE.encode("big5"), "saved.txt")
    assert how.startswith("html") and "<p>" not in text


# ------------------------------------------------------------------------------------ bad input


def _empty_docx() -> bytes:
    from docx import Document

    out = io.BytesIO()
    Document().save(out)
    return out.getvalue()


def _pdf(draw) -> bytes:
    from reportlab.lib.pagesizes import A4
    from reportlab.pdfgen.canvas import Canvas

    out = io.BytesIO()
    canvas = Canvas(out, pagesize=A4)
    draw(canvas)
    canvas.showPage()
    canvas.save()
    return out.getvalue()


def _scan(canvas) -> None:
    """A scanned page: an image of text, no text layer."""
    from PIL import Image, ImageDraw
    from reportlab.lib.utils import ImageReader

    image = Image.new("L", (400, 200), 255)
    ImageDraw.Draw(image).rectangle((20, 20, 380, 40), fill=0)
    canvas.drawImage(ImageReader(image), 72, 500, 400, 200)


def _encrypted_pdf(user: str) -> bytes:
    """A one-line report PDF, encrypted with a user password (must be typed to open) or only an owner one."""
    from reportlab.lib import pdfencrypt
    from reportlab.pdfgen.canvas import Canvas

    from tests.formats_build import _register_font

    out = io.BytesIO()
    canvas = Canvas(out, encrypt=pdfencrypt.StandardEncryption(user, ownerPassword="owner", canPrint=0))
    canvas.setFont(_register_font("ttf"), 12)
    canvas.drawString(72, 700, "关于巡察整改进展情况的通报")
    canvas.save()
    return out.getvalue()


def test_a_pdf_locked_only_against_printing_is_read():
    assert read_source(_encrypted_pdf(""), "owner.pdf") == ("关于巡察整改进展情况的通报", "pdf")


def _not_word_zip() -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as z:
        z.writestr("readme.txt", "巡察整改")
    return out.getvalue()


SCRIPTS_ONLY = """<html><head><meta charset="utf-8"><script>var t="巡察整改通报";</script><style>p{}</style>
</head><body><script>document.write('关于')</script></body></html>"""
MENU_ONLY = '<html><body><nav><a href="/">首页</a><a href="/a">巡察整改</a></nav></body></html>'


def _cut_inside_a_character() -> bytes:
    data = QINGPU.read_bytes()
    cut = len(data) // 2
    while not 0xE0 <= data[cut] <= 0xEF:  # the first byte of a three-byte character
        cut += 1
    return data[: cut + 1]


BAD = [
    ("binary.txt", lambda: bytes(range(256)) * 20, "binary"),
    ("truncated.txt", _cut_inside_a_character, "truncated"),
    ("empty.docx", _empty_docx, "no text"),
    ("empty.pdf", lambda: _pdf(lambda c: None), "no text"),
    ("zero.pdf", lambda: b"", "empty"),
    ("scan.pdf", lambda: _pdf(_scan), "no text layer"),
    ("shapes.pdf", lambda: _pdf(lambda c: c.rect(100, 100, 200, 200, fill=1)), "no text"),
    ("corrupt.docx", lambda: docx_file(article_of(FENGJIANG))[:5000], "damaged"),
    ("random.docx", lambda: bytes(range(256)) * 40, "not a Word"),
    ("other.docx", _not_word_zip, "not a Word document"),
    ("random.pdf", lambda: b"%PDF-1.7\n" + bytes(range(256)) * 40, "PDF"),
    ("locked.pdf", lambda: _encrypted_pdf("secret"), "password"),
    ("scripts.html", lambda: SCRIPTS_ONLY.encode(), "no article text"),
    ("menu.html", lambda: MENU_ONLY.encode(), "no article text"),
    ("old.doc", lambda: b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(500), ".docx"),
    ("report.xyz", lambda: "巡察整改".encode(), "unsupported file type"),
]  # fmt: skip


@pytest.mark.parametrize(("name", "make", "words"), BAD, ids=[b[0] for b in BAD])
def test_bad_files_get_a_loader_error_naming_the_file(tmp_path, name, make, words):
    path = tmp_path / name
    path.write_bytes(make())
    with pytest.raises(LoaderError) as caught:
        load_file(path)
    message = str(caught.value)
    assert message.startswith(str(path)) and words in message
    assert ";" in message  # … what is wrong; what to do


def test_a_missing_file_is_a_loader_error(tmp_path):
    with pytest.raises(FormatError, match="cannot read"):
        load_file(tmp_path / "gone.pdf")


@pytest.mark.parametrize("name", ["qingpu.docx", "qingpu.pdf", "qingpu.html"])
def test_cut_short_files_load_or_fail_cleanly(name):
    """A download cut anywhere gives a report or the loader's own error, never another exception."""
    data = BUILDS[name](article_of(SAMPLES[_sample(name)]))
    for fraction in (0.05, 0.3, 0.5, 0.7, 0.95, 0.999):
        try:
            load_source(data[: int(len(data) * fraction)], name)
        except LoaderError as error:
            assert name in str(error)


@pytest.fixture(scope="module")
def originals() -> dict[str, bytes]:
    return {
        name: BUILDS[name](article_of(SAMPLES[_sample(name)]))
        for name in ("qingpu.docx", "qingpu.pdf", "fengjiang.html")
    }


@pytest.mark.parametrize(("name", "examples"), [("qingpu.docx", 25), ("qingpu.pdf", 4), ("fengjiang.html", 25)])
def test_damaged_files_load_or_fail_with_a_loader_error(originals, name, examples):
    """Flipped, inserted and deleted bytes anywhere: a report or the loader's own error, nothing else."""
    from hypothesis import HealthCheck, given, settings
    from hypothesis import strategies as st

    data = originals[name]
    edits = st.lists(
        st.tuples(
            st.integers(0, len(data) - 1),
            st.sampled_from(["flip", "insert", "delete"]),
            st.binary(min_size=1, max_size=64),
        ),
        min_size=1,
        max_size=8,
    )

    @settings(max_examples=examples, deadline=None, suppress_health_check=[HealthCheck.too_slow], database=None)
    @given(edits)
    def check(changes):
        damaged = bytearray(data)
        for at, kind, junk in changes:
            at = min(at, len(damaged))
            if kind == "flip":
                damaged[at : at + len(junk)] = bytes(
                    b ^ j for b, j in zip(damaged[at : at + len(junk)], junk, strict=False)
                )
            elif kind == "insert":
                damaged[at:at] = junk
            else:
                del damaged[at : at + len(junk) * 16]
        try:
            load_source(bytes(damaged), name)
        except LoaderError as error:
            assert str(error).startswith(name)

    check()
