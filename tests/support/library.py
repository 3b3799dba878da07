"""A library of several work plans for tests (issue 14): the shipped content/ copied, plus two
made-up plans of 2023 and 2024. THEY ARE NOT REAL CNIPA TEXT: written for the tests, in the
reprint's layout (title, 发布时间, bold numbered headings), so that some passages share topics
with the 2022 plan (海牙 above all), some are new, some dropped and some reworded.

Also the pairs that measure the comparison's threshold (bot.compare): passages of the 2022 plan
with a made-up rewording (the same commitment, said again a year later), and pairs that are
different commitments, many on the same topic (the hard cases)."""

from __future__ import annotations

import shutil
from pathlib import Path

from content.library import CONTENT_DIR

SLUG_2023, SLUG_2024 = "example-2023-work-plan", "example-2024-work-plan"
TITLE_2023 = "示例知识产权局 2023 年工作要点（测试文本）"
TITLE_2024 = "示例知识产权局 2024 年工作要点（测试文本）"

# 2022 4.7 and 7.1 are the Hague passages; the 2023 plan rewords 4.7, drops 7.1, adds two.
HAGUE_2022 = (
    "做好加入《工业品外观设计国际注册海牙协定》（以下简称《海牙协定》）后外观设计审查相关工作的衔接。",
    "加快完成我国加入《海牙协定》工作，做好业务推广。",
)
HAGUE_2023_REWORDED = "做好加入《海牙协定》后外观设计审查相关工作的衔接，提升审查质量。"
HAGUE_2023_NEW = (
    "完善外观设计国际申请的受理和审查流程，提升《海牙协定》业务办理效率。",
    "积极宣传《海牙协定》业务，指导申请人用好外观设计国际注册体系。",
)
CARRIED_WORD_FOR_WORD = "探索全面推行专利电子证书。"  # 2022 4.12, repeated as it was

TEXT_2023 = f"""# {TITLE_2023}

发布时间：2023-03-15

这是测试用的示例文本，不是国家知识产权局的真实文件。\
示例局 2023 年工作的总体思路是：稳中求进，质量优先。

**一、深化审查改革，提升审查质量。**{HAGUE_2023_REWORDED}{HAGUE_2023_NEW[0]}{CARRIED_WORD_FOR_WORD}严厉打击非正常专利申请和恶意商标注册行为。

**二、加强国际合作，服务高水平开放。**{HAGUE_2023_NEW[1]}深度参与世界知识产权组织框架下的规则制定。

**三、促进转化运用，服务实体经济。**深入开展知识产权质押融资入园惠企行动。启动建设一批新的专利导航服务基地。
"""

HAGUE_2024 = "全面做好《海牙协定》实施工作，提升外观设计国际注册便利度。"
TEXT_2024 = f"""# {TITLE_2024}

发布时间：2024-03-20

这是测试用的示例文本，不是国家知识产权局的真实文件。\
示例局 2024 年工作的总体思路是：守正创新，服务发展。

**一、优化审查机制。**{HAGUE_2024}推进专利审查智能化建设。

**二、强化知识产权保护。**加强地理标志保护，完善商标注册管理制度。
"""


def _summaries(slug: str, sections: int) -> str:
    lines = [f'document = "{slug}"', ""]
    for number in range(sections + 1):
        lines += [
            "[[sections]]",
            f"number = {number}",
            f'heading_en = "Made-up section {number}"',
            f'zh = ["示例要点 {number}-1", "示例要点 {number}-2"]',
            f'en = ["Made-up point {number}-1", "Made-up point {number}-2"]',
            "",
        ]
    return "\n".join(lines)


def _add(root: Path, slug: str, text: str, sections: int, title_en: str) -> None:
    documents = root / "documents"
    (documents / f"{slug}.md").write_text(text, encoding="utf-8")
    (documents / f"{slug}.toml").write_text(
        f'slug = "{slug}"\nfile = "{slug}.md"\nposition = 1\ntitle_en = "{title_en}"\n',
        encoding="utf-8",
    )
    (root / "summaries" / f"{slug}.toml").write_text(_summaries(slug, sections), encoding="utf-8")


def library_dir(root: Path, *, with_2024: bool = False) -> Path:
    """content/ copied under `root`, with the made-up 2023 plan (and the 2024 one)."""
    copy = root / "library"
    shutil.copytree(CONTENT_DIR, copy, ignore=shutil.ignore_patterns("__pycache__", "*.py"))
    _add(copy, SLUG_2023, TEXT_2023, 3, "Example 2023 work plan (test text)")
    if with_2024:
        _add(copy, SLUG_2024, TEXT_2024, 2, "Example 2024 work plan (test text)")
    return copy


# --- measuring the comparison's threshold -------------------------------------------------------
# (2022 passage, a made-up later rewording of the same commitment)
REWORDED = (
    (HAGUE_2022[0], HAGUE_2023_REWORDED),
    (HAGUE_2022[1], "做好我国加入《海牙协定》后的业务推广工作。"),
    (
        "深入开展知识产权质押融资入园惠企行动。",
        "持续开展知识产权质押融资入园惠企行动，扩大惠及面。",
    ),
    (
        "加大对商标囤积行为的治理，平衡公共利益，强化使用义务。",
        "加大商标囤积行为治理力度，强化商标使用义务。",
    ),
    ("探索全面推行专利电子证书。", "全面推行专利电子证书。"),
    ("有序落实专利开放许可制度。", "深入落实专利开放许可制度，扩大许可规模。"),
    ("推进实用新型制度改革。", "稳步推进实用新型制度改革。"),
    ("大力培育调解组织和仲裁机构。", "继续培育知识产权调解组织和仲裁机构。"),
    ("加快知识产权保护信息平台建设。", "建成知识产权保护信息平台并上线运行。"),
    ("新建一批国家地理标志产品保护示范区。", "再新建一批国家地理标志产品保护示范区。"),
    ("推进商标法修改和地理标志立法。", "推动商标法修改，加快地理标志立法。"),
    ("扩大地市级公共服务机构覆盖面。", "进一步扩大地市级知识产权公共服务机构覆盖面。"),
    ("启动建设国家级专利导航服务基地。", "启动建设一批新的专利导航服务基地。"),
)
# Different commitments, most on a shared topic (so sharing its terms): must not pair.
DIFFERENT = (
    (HAGUE_2022[0], HAGUE_2023_NEW[0]),
    (HAGUE_2022[0], HAGUE_2023_NEW[1]),
    (HAGUE_2022[1], HAGUE_2023_NEW[0]),
    (HAGUE_2022[1], HAGUE_2023_NEW[1]),
    (HAGUE_2022[1], HAGUE_2024),
    (HAGUE_2023_REWORDED, HAGUE_2024),
    ("深入开展知识产权质押融资入园惠企行动。", "探索建立知识产权交易价格统计发布机制。"),
    (
        "加大对商标囤积行为的治理，平衡公共利益，强化使用义务。",
        "加强商标品牌指导站建设，推动打造产业集群和区域品牌。",
    ),
    ("探索全面推行专利电子证书。", "完成专利审查系统智能化升级改造并上线运行。"),
    ("有序落实专利开放许可制度。", "完善专利权转让登记制度，修订发布专利实施许可合同备案办法。"),
    ("推进实用新型制度改革。", "推进跨部门跨地区协作保护。"),
    ("大力培育调解组织和仲裁机构。", "高质量建设知识产权保护中心和快速维权中心。"),
    ("加快知识产权保护信息平台建设。", "推广应用知识产权公共服务事项清单。"),
    ("新建一批国家地理标志产品保护示范区。", "高标准开展国家知识产权保护示范区建设。"),
    ("推进商标法修改和地理标志立法。", "推动完成《专利法实施细则》和《专利审查指南》修改。"),
    ("扩大地市级公共服务机构覆盖面。", "扩大开展国际创新管理标准体系与知识产权融合工作试点。"),
    ("启动建设一批新的专利导航服务基地。", "继续做好专利密集型产业统计监测和发布工作。"),
    ("严厉打击非正常专利申请和恶意商标注册行为。", "加强对商标代理机构的监管。"),
)
