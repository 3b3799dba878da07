"""Made-up work plans for the import tests, in every format the owner may hand in.

NOT REAL CNIPA TEXT: every sentence here is invented for the tests ("示例局" is no real office).
They have what the real ones have: twelve numbered sections (一 … 十二, past 十), sub-items
（一） and 1., sentences split by page breaks, a source line and link; the HTML page has the
navigation, breadcrumbs, scripts and footer of a saved government page."""

from __future__ import annotations

import io
from datetime import date

TITLE = "示例局 2031 年工作要点（测试用虚构文本）"
PUBLISHED = date(2031, 3, 15)
SECTIONS = 12
INTRO = "示例局 2031 年工作的总体思路是：稳步推进专利审查质量提升，加强商标品牌建设，服务创新发展。"
# A sentence of section 三 that a page break splits in every format: the halves and the whole.
BROKEN_HEAD = "推进海牙协定和马德里体系的便利化申请，完善国际注册"
BROKEN_TAIL = "服务流程。"
BROKEN = BROKEN_HEAD + BROKEN_TAIL
NUMERALS = ["一", "二", "三", "四", "五", "六", "七", "八", "九", "十", "十一", "十二"]


def heading(number: int) -> str:
    return f"{NUMERALS[number - 1]}、示例任务第{number}项，推进虚构工作{number}。"


def body(number: int) -> list[str]:
    """The paragraphs of section `number` after its heading's own sentence (before page breaks)."""
    first = f"围绕虚构目标{number}开展专项行动，提升数据质量{number}成。"
    paragraphs = [first + f"加强知识产权保护示例{number}。"]
    if number == 3:
        paragraphs = [first + BROKEN]
    if number == 5:  # sub-items of both kinds
        paragraphs += [
            "（一）完善地理标志保护示例",
            "开展地理标志产品保护试点，建立示例名录。",
            "1. 优化专利审查流程示例。",
            "2. 推进商标注册便利化示例。",
        ]
    return paragraphs


def markdown(source_link: bool = True) -> str:
    """The reprint's layout, with the page break of section 三 as a blank line mid-sentence."""
    lines = [f"# {TITLE}", f"发布时间：{PUBLISHED.isoformat()}", INTRO]
    for number in range(1, SECTIONS + 1):
        paragraphs = body(number)
        first = paragraphs[0]
        if number == 3:
            first = first.replace(BROKEN, BROKEN_HEAD)
            lines.append(f"**{heading(number)}**{first}")
            lines.append(BROKEN_TAIL)
        else:
            lines.append(f"**{heading(number)}**{first}")
        lines.extend(paragraphs[1:])
    if source_link:
        lines += [
            "出所：示例网站 2031 年 3 月 15 日付け",
            "[https://example.org/plan/2031](https://example.org/plan/2031)",
        ]
    return "\n\n".join(lines) + "\n"


def html_page() -> str:
    """A page as a browser saves it from a government site: navigation, breadcrumbs, a share
    bar, scripts and a footer around the article; headings bold inside their paragraphs."""
    article = [f"<p>{INTRO}</p>"]
    for number in range(1, SECTIONS + 1):
        paragraphs = body(number)
        first = paragraphs[0]
        if number == 3:
            first = first.replace(BROKEN, BROKEN_HEAD)
        article.append(f"<p><strong>{heading(number)}</strong>{first}</p>")
        if number == 3:
            article.append(f"<p>{BROKEN_TAIL}</p>")
        article.extend(f"<p>{p}</p>" for p in paragraphs[1:])
    return f"""<!DOCTYPE html>
<html lang="zh-CN"><head>
<meta charset="utf-8">
<title>{TITLE}_示例局网站</title>
<meta name="ArticleTitle" content="{TITLE}">
<meta name="PubDate" content="{PUBLISHED.isoformat()} 10:30">
<link rel="canonical" href="https://example.org/art/2031/3/15/art_1.html">
<script>var tracker = "一、脚本里的假标题。不应出现。";</script>
<style>.nav {{ color: red; }}</style>
</head><body>
<div class="header"><a href="/">首页</a> <a href="/zw">政务公开</a></div>
<nav><ul><li>机构概况</li><li>一、导航里的假标题。</li></ul></nav>
<div class="breadcrumb">当前位置：首页 &gt; 工作要点</div>
<div class="main">
  <h1>{TITLE}</h1>
  <div class="info">发布时间：{PUBLISHED.isoformat()} 来源：示例局 字号：大 中 小</div>
  <div id="zoom" class="article-content">
    {"".join(article)}
  </div>
  <div class="share">分享到：微信 微博</div>
</div>
<div class="footer"><p>版权所有：示例局 地址：虚构路 1 号 网站标识码 0000000000</p>
<p>一、页脚里的假标题。</p></div>
<script>document.write("版权");</script>
</body></html>
"""


def docx_bytes() -> bytes:
    """The same plan as a Word file: a Title paragraph, the date, bold heading runs, and the page
    break of section 三 as Word keeps it (the sentence ends in the next paragraph)."""
    import docx
    from docx.enum.text import WD_BREAK

    word = docx.Document()
    word.add_paragraph(TITLE, style="Title")
    word.add_paragraph(f"发布时间：{PUBLISHED.isoformat()}")
    word.add_paragraph(INTRO)
    for number in range(1, SECTIONS + 1):
        paragraphs = body(number)
        first = paragraphs[0]
        if number == 3:
            first = first.replace(BROKEN, BROKEN_HEAD)
        paragraph = word.add_paragraph()
        paragraph.add_run(heading(number)).bold = True
        paragraph.add_run(first)
        if number == 3:
            paragraph.add_run().add_break(WD_BREAK.PAGE)
            word.add_paragraph(BROKEN_TAIL)
        for text in paragraphs[1:]:
            word.add_paragraph(text)
    buffer = io.BytesIO()
    word.save(buffer)
    return buffer.getvalue()
