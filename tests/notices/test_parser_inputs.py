"""The parser's inputs: .docx made on the fly, saved web pages, encodings, and bad input.

Whatever the container, the same notice must parse to the same tree and header; whatever
the garbage, the answer is a ParseError with a clear code, quickly.
"""

from __future__ import annotations

import io
import random
import zipfile
from collections.abc import Callable
from pathlib import Path

import docx
import pytest
from docx.oxml.ns import qn

from notices.parser import ParsedNotice, ParseError, parse_file, parse_text
from notices.parser.text import MAX_TEXT_CHARS
from tests.notices.parser_fixtures import parsed_shared, shared_path, shared_text


def _docx_bytes(lines: list[str], *, style: str | None = None) -> bytes:
    document = docx.Document()
    for line in lines:
        document.add_paragraph(line, style=style)
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def _same_notice(a: ParsedNotice, b: ParsedNotice) -> None:
    assert a.level_counts() == b.level_counts()
    assert a.header == b.header
    assert [p.title for p in a.problems()] == [p.title for p in b.problems()]


def _error(run: Callable[[], object]) -> ParseError:
    with pytest.raises(ParseError) as raised:
        run()
    assert isinstance(raised.value, ValueError)
    assert raised.value.code != "internal"
    return raised.value


# --- .docx -------------------------------------------------------------------------------------


def test_it_reads_a_docx_notice_like_its_text() -> None:
    text = shared_text("wanzhi-2024")
    from_docx = parse_file(_docx_bytes(text.splitlines()), "wanzhi.docx")
    assert from_docx.source_format == "docx"
    _same_notice(from_docx, parsed_shared("wanzhi-2024"))
    assert from_docx.content_hash == parsed_shared("wanzhi-2024").content_hash


def test_it_reads_a_docx_from_a_path(tmp_path: Path) -> None:
    path = tmp_path / "laishan.docx"
    path.write_bytes(_docx_bytes(shared_text("laishan-2020").splitlines()))
    _same_notice(parse_file(path), parsed_shared("laishan-2020"))


def test_it_writes_out_word_automatic_numbering() -> None:
    """Headings numbered by Word itself carry no label in their text; the parser renders it."""
    document = docx.Document()
    document.add_paragraph("根据省委统一部署，省委第二巡视组对某县开展了巡视。现将巡视整改进展情况予以公布。")
    document.add_paragraph("二、巡视反馈问题整改情况")
    for title, progress in (("理论学习不深入的问题", "已完成整改。"), ("基层党建薄弱的问题", "正在推进。")):
        document.add_paragraph(title, style="List Number")
        document.add_paragraph(f"整改情况：{progress}")
    document.add_paragraph("中共某县委")
    document.add_paragraph("2024年3月1日")
    buffer = io.BytesIO()
    document.save(buffer)
    notice = parse_file(buffer.getvalue(), "auto.docx")
    assert [(p.label, p.title, p.proposed_state) for p in notice.problems()] == [
        ("1.", "理论学习不深入的问题", "completed"),
        ("2.", "基层党建薄弱的问题", "in_progress"),
    ]
    assert "docx_numbering" in [w.code for w in notice.warnings]


def test_it_renders_chinese_counting_numbering_as_category_labels() -> None:
    document = docx.Document()
    document.add_paragraph("根据省委统一部署，省委第二巡视组对某县开展了巡视。现将巡视整改进展情况予以公布。")
    for category in ("关于党的领导方面", "关于从严治党方面"):
        document.add_paragraph(category, style="List Number")
        document.add_paragraph("1.相关问题。整改情况：已完成整改。")
    numbering = document.part.numbering_part.element
    for level in numbering.iter(qn("w:lvl")):
        if level.get(qn("w:ilvl")) == "0":
            level.find(qn("w:numFmt")).set(qn("w:val"), "chineseCounting")
            level.find(qn("w:lvlText")).set(qn("w:val"), "（%1）")
    buffer = io.BytesIO()
    document.save(buffer)
    notice = parse_file(buffer.getvalue(), "cn.docx")
    assert [(n.label, n.title) for n in notice.issues] == [
        ("（一）", "关于党的领导方面"), ("（二）", "关于从严治党方面")
    ]
    assert notice.level_counts() == [2, 2]


def test_it_reads_docx_tables_as_lines() -> None:
    document = docx.Document()
    document.add_paragraph("根据省委统一部署，省委第二巡视组对某县开展了巡视。现将巡视整改进展情况予以公布。")
    table = document.add_table(rows=2, cols=2)
    table.cell(0, 0).text = "1.资金管理不规范的问题。"
    table.cell(0, 1).text = "整改情况：已完成整改。"
    table.cell(1, 0).text = "2.项目审批不严的问题。"
    table.cell(1, 1).text = "整改情况：正在推进。"
    buffer = io.BytesIO()
    document.save(buffer)
    notice = parse_file(buffer.getvalue())
    assert [(p.title, p.proposed_state) for p in notice.problems()] == [
        ("资金管理不规范的问题", "completed"), ("项目审批不严的问题", "in_progress")
    ]


def test_it_refuses_a_damaged_docx() -> None:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("hello.txt", "not a word document")
    assert _error(lambda: parse_file(buffer.getvalue(), "broken.docx")).code == "unreadable"


def test_it_refuses_a_docx_name_on_plain_text() -> None:
    assert _error(lambda: parse_file("根据省委统一部署".encode(), "fake.docx")).code == "unreadable"


# --- saved web pages ------------------------------------------------------------------------------


def _web_page(text: str) -> str:
    title, *body = text.splitlines()
    paragraphs = "\n".join(f"<p style='text-indent:2em'>{line}</p>" for line in body)
    return f"""<!DOCTYPE html><html><head><meta charset="utf-8"><title>{title}_山东省纪委监委网站</title>
<script>var tracker = "一、二、（一）1.巡视整改"; function f() {{ return 1; }}</script>
<style>p {{ margin: 0 }}</style></head>
<body><nav><a href="/">首页</a> <a>工作之窗</a> <a>巡视巡察</a> 一、要闻 二、通知</nav>
<div class="crumb">首页>工作之窗>巡视巡察</div>
<article><header><h1>{title}</h1><div class="meta">来源:山东省纪委监委网站 发布时间:2020-08-03</div></header>
{paragraphs}
</article>
<footer>版权所有：山东省纪委监委 鲁ICP备05000000号 技术支持：某公司</footer>
<script>document.write("（二）2.");</script></body></html>"""


def test_it_reads_a_saved_web_page_like_its_text() -> None:
    text = "\n".join(line for line in shared_text("laishan-2020").splitlines()[2:] if line.strip())
    page = _web_page(text)
    notice = parse_file(page.encode("utf-8"), "laishan.html")
    assert notice.source_format == "html"
    reference = parsed_shared("laishan-2020")
    assert notice.level_counts() == reference.level_counts()
    assert notice.header.title == reference.header.title
    assert notice.header.published_on == reference.header.published_on
    assert notice.header.declared == reference.header.declared
    assert "ICP" not in notice.text and "tracker" not in notice.text


def test_it_keeps_inline_markup_on_one_line() -> None:
    page = ("<html><body><p>根据省委统一部署，省委第三巡视组对某县开展了巡视，现将整改进展情况公布。</p>"
            "<p>（一）<b>关于</b><span>理论学习</span>方面</p><p>1.<em>学习不深入</em>的问题。整改情况：已完成整改。</p>"
            "</body></html>")
    notice = parse_file(page.encode("utf-8"), "page.htm")
    assert notice.issues[0].title == "关于理论学习方面"
    assert notice.problems()[0].title == "学习不深入的问题"


def test_it_reads_a_gbk_web_page_by_its_meta_charset() -> None:
    page = ("<html><head><meta http-equiv='Content-Type' content='text/html; charset=gbk'></head><body>"
            "<p>根据省委统一部署，省委第三巡视组对某县开展了巡视，现将整改进展情况公布。</p>"
            "<p>1.学习不深入的问题。整改情况：已完成整改。</p></body></html>")
    notice = parse_file(page.encode("gbk"))
    assert notice.problems()[0].title == "学习不深入的问题"


def test_it_refuses_html_junk() -> None:
    junk = "<html><body>" + "<div><span>menu</span><a href='#'>link</a></div>" * 200 + "</body></html>"
    assert _error(lambda: parse_file(junk.encode(), "junk.html")).code == "not_a_notice"


# --- encodings and normalisation ------------------------------------------------------------------


@pytest.mark.parametrize("encoding", ["gb18030", "utf-16", "utf-8-sig"])
def test_it_decodes_common_encodings(encoding: str) -> None:
    text = shared_text("zhengxiang-2024")
    notice = parse_file(text.encode(encoding))
    _same_notice(notice, parsed_shared("zhengxiang-2024"))


def test_punctuation_width_spaces_and_line_endings_do_not_change_the_result() -> None:
    text = shared_text("wanzhi-2024")
    # Full-width punctuation, CRLF, and the indentation Word and web pages put before
    # paragraphs (full-width and non-breaking spaces).
    variant = "\r\n".join(
        "\u3000\u3000" + line.replace("(", "（").replace(")", "）").replace(",", "，").replace(":", "：")
        for line in text.split("\n")
    ).replace("二、", "\u00a0二、")
    notice = parse_text(variant)
    reference = parsed_shared("wanzhi-2024")
    _same_notice(notice, reference)
    assert notice.content_hash == reference.content_hash
    assert notice.issues[0].label == "（一）"  # the original label text is kept


# --- bad input ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("data", [b"", b"   \n\t  \r\n", "\u3000\u00a0\n".encode()])
def test_it_refuses_empty_input(data: bytes) -> None:
    assert _error(lambda: parse_file(data)).code == "empty"


@pytest.mark.parametrize("text", ["", "   ", "\n\n\u3000\u00a0\t"])
def test_it_refuses_empty_text(text: str) -> None:
    assert _error(lambda: parse_text(text)).code == "empty"


def test_it_refuses_binary_data() -> None:
    data = random.Random(7).randbytes(50_000)
    assert _error(lambda: parse_file(data)).code in {"binary", "unreadable"}


def test_it_refuses_nul_bytes_in_text() -> None:
    assert _error(lambda: parse_text("根据省委统一部署\x00巡视整改" * 10)).code == "binary"


@pytest.mark.parametrize(("magic", "word"), [(b"%PDF-1.7\n", "PDF"), (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", ".doc")])
def test_it_names_unsupported_formats(magic: bytes, word: str) -> None:
    error = _error(lambda: parse_file(magic + b"\x00" * 100))
    assert error.code == "unreadable" and word in str(error)


def test_it_refuses_non_text_arguments() -> None:
    assert _error(lambda: parse_text(b"bytes"))  # type: ignore[arg-type]
    assert _error(lambda: parse_file(12345)).code == "unreadable"  # type: ignore[arg-type]


def test_it_refuses_a_missing_file(tmp_path: Path) -> None:
    assert _error(lambda: parse_file(tmp_path / "absent.txt")).code == "unreadable"


def test_it_refuses_a_5_mb_input_at_once() -> None:
    big = shared_text("echeng-2020") * (5_000_000 // len(shared_text("echeng-2020")) + 1)
    assert _error(lambda: parse_text(big)).code == "too_large"
    assert _error(lambda: parse_file(big.encode("utf-8"))).code == "too_large"


def test_it_parses_an_input_just_under_the_limit() -> None:
    # How long it takes is measured in benchmarks/ (a timed assertion here fails on a busy machine).
    text = shared_text("leizhou-2021")
    big = "\n".join([text] * (MAX_TEXT_CHARS // (len(text) + 1)))
    assert len(big) <= MAX_TEXT_CHARS
    notice = parse_text(big)
    assert notice.issues


def test_a_path_to_a_published_notice_parses() -> None:
    assert parse_file(shared_path("echeng-2020")).header.issuer == "中共鄂城区委"


def _text_by_inserting_breaks(data: bytes) -> str:
    """The page's text as the reader once made it: a "\\n" inserted into the tree before and after
    every block element, then `get_text()` (quadratic in the nesting; the oracle here)."""
    from bs4 import BeautifulSoup

    from notices.parser import text

    soup = BeautifulSoup(data, "lxml")
    for tag in soup.find_all(text._CHROME_TAGS):
        tag.decompose()
    for tag in soup.find_all(("header", "footer")):
        if tag.find_parent(("article", "main")) is None:
            tag.decompose()
    for tag in soup.find_all(text._BLOCK_TAGS):
        tag.insert_before("\n")
        tag.insert_after("\n")
    return soup.get_text()


def test_a_page_reads_to_the_text_the_tree_with_inserted_breaks_gave_in_one_walk() -> None:
    """The page's text is read in one walk of the tree (a deep page is linear, not quadratic) and is
    exactly what inserting the line breaks gave: on random pages of blocks, inline elements,
    comments, CDATA, scripts, headers and footers, and on a page nested 1,000 deep."""
    from notices.parser.text import _html_to_text

    rng = random.Random(12)
    pieces = ["div", "p", "span", "b", "br", "table", "tr", "td", "li", "ul", "h1", "section", "article",
              "header", "footer", "script", "main", "a"]
    pages = []
    for _ in range(300):
        body = []
        for _ in range(rng.randint(1, 60)):
            tag = rng.choice(pieces)
            body.append(rng.choice([f"<{tag}>", f"</{tag}>", f"<{tag} class='x'>整改{rng.randint(0, 99)}</{tag}>",
                                    "<!-- 注释 -->", "<![CDATA[x]]>", "措施一、", "&amp;", "\n"]))
        pages.append(("<html><body>" + "".join(body) + "</body></html>").encode())
    pages.append(("<html><body>" + "<div><p>" * 500 + "关于巡察反馈意见整改进展情况的通报" + "</p></div>" * 500
                  + "</body></html>").encode())
    for page in pages:
        assert _html_to_text(page) == _text_by_inserting_breaks(page)
    assert _html_to_text(pages[-1]).strip() == "关于巡察反馈意见整改进展情况的通报"


def test_a_docx_whose_text_is_past_the_limit_is_refused_with_its_size_before_its_paragraphs_are_read() -> None:
    lines = ["建立健全整改工作机制，按月调度推进。" * 1000] * (MAX_TEXT_CHARS // 18_000 + 2)
    data = _docx_bytes(lines)
    with pytest.raises(ParseError) as caught:
        parse_file(data, filename="big.docx")
    assert caught.value.code == "too_large"
    assert str(sum(len(line) for line in lines)) in str(caught.value)
