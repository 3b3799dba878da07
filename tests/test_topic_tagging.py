"""The topic catalogue (content/topics.toml): its shape, the names that resolve to each topic, and
exactly which passages of the 2022 work plan each topic tags.

The expected lists below were decided by reading the passages, not by running the tagger: if an
edit to topics.toml changes one, check the passage before changing the list.
"""

from __future__ import annotations

import pytest

from content.catalog import SLUG, Catalog, load_catalog
from content.library import load_library
from content.parser import Document


@pytest.fixture(scope="module")
def catalog() -> Catalog:
    return load_catalog()


@pytest.fixture(scope="module")
def document() -> Document:
    return load_library().primary.document


def tagged(catalog: Catalog, document: Document, slug: str) -> list[str]:
    """The keys "S.O" (section.ordinal) of the passages tagged with `slug`, in document order."""
    topic = catalog.by_slug(slug)
    assert topic is not None, f"no topic {slug!r}"
    hits = sorted(
        (passage.section_number, passage.ordinal)
        for section in document.sections
        for passage in section.passages
        if topic.tags(passage.text)
    )
    return [f"{section}.{ordinal}" for section, ordinal in hits]


# Every topic, and exactly the passages it should tag. Section 0 is the intro (总体思路).
EXPECTED: list[tuple[str, list[str]]] = [
    ("party-building", ["1.1", "1.2", "1.3", "1.4", "1.5", "1.6", "1.7", "1.8", "1.9", "1.10"]),
    ("ip-powerhouse", ["0.1", "2.1", "2.2", "2.3", "2.4", "2.5", "2.6"]),
    ("statistics", ["2.1", "2.4", "5.3", "5.12", "6.11"]),
    # Not 2.1 / 2.4: they only cite the title 《“十四五”国家知识产权保护和运用规划》.
    (
        "protection",
        [
            "0.1",
            "3.1",
            "3.5",
            "3.7",
            "3.8",
            "3.9",
            "3.10",
            "3.11",
            "3.12",
            "3.14",
            "3.15",
            "6.6",
            "7.11",
            "7.12",
        ],
    ),
    ("adjudication", ["3.7", "3.8"]),
    ("legislation", ["3.2", "3.3", "3.4", "3.5", "3.6", "5.2"]),
    ("data-ip", ["3.5"]),
    ("winter-olympics", ["3.14"]),
    ("gi", ["3.2", "3.15", "4.9", "5.11", "7.9"]),
    ("credit", ["3.13", "6.9"]),
    ("foreign-related", ["3.16", "7.11", "7.12"]),
    # Not 3.16 (对外转让审查) nor 4.9 (商标注册审查): "审查" there is not patent examination.
    (
        "patent-examination",
        ["3.3", "4.1", "4.2", "4.3", "4.4", "4.5", "4.6", "4.7", "4.8", "4.12", "8.10"],
    ),
    ("trademark", ["3.2", "3.4", "3.8", "4.2", "4.6", "4.8", "4.9", "4.10", "4.11", "5.10"]),
    ("hague", ["4.7", "7.1"]),
    ("abnormal-filings", ["4.10", "4.11"]),
    ("commercialization", ["5.1", "5.2", "5.3", "5.4", "5.6", "5.7"]),
    ("open-licensing", ["5.4"]),
    ("pledge-financing", ["5.7"]),
    ("universities", ["5.1", "5.5", "6.5", "8.6"]),
    ("smes", ["5.5"]),
    ("innovation", ["5.8", "5.14"]),
    ("patent-navigation", ["5.9"]),
    ("patent-intensive", ["5.12", "5.13"]),
    ("business-environment", ["2.7", "6.1", "6.2", "6.3", "8.11"]),
    ("public-services", ["6.3", "6.4", "6.5", "6.7"]),
    ("digital", ["4.4", "4.12", "6.6", "6.7", "8.12", "8.13"]),
    ("agency-regulation", ["3.4", "6.8", "6.9"]),
    ("service-industry", ["6.10", "6.11"]),
    # Not 5.14 (国际创新管理标准体系), 6.5 (a WIPO-branded domestic service point),
    # nor 8.8 (国际化人才培养).
    (
        "international",
        ["0.1", "7.1", "7.2", "7.3", "7.4", "7.5", "7.6", "7.7", "7.8", "7.9", "7.10"],
    ),
    ("trade-agreements", ["7.5"]),
    ("belt-and-road", ["7.7"]),
    ("pandemic", ["7.4", "8.14"]),
    ("publicity", ["8.1", "8.2", "8.3"]),
    ("talent", ["8.4", "8.5", "8.6", "8.7", "8.8", "8.9", "8.10"]),
]


@pytest.mark.parametrize(("slug", "keys"), EXPECTED, ids=[slug for slug, _ in EXPECTED])
def test_topic_tags_exactly_these_passages(
    catalog: Catalog, document: Document, slug: str, keys: list[str]
) -> None:
    assert tagged(catalog, document, slug) == keys


def test_every_topic_is_pinned(catalog: Catalog) -> None:
    assert sorted(topic.slug for topic in catalog.topics) == sorted(slug for slug, _ in EXPECTED)


def test_catalogue_has_at_least_twenty_topics_with_valid_unique_slugs(catalog: Catalog) -> None:
    slugs = [topic.slug for topic in catalog.topics]
    assert len(slugs) >= 20
    assert len(set(slugs)) == len(slugs)
    assert all(SLUG.match(slug) and len(slug) <= 24 for slug in slugs)
    assert all(topic.zh and topic.en and topic.terms for topic in catalog.topics)


def test_every_passage_of_sections_one_to_eight_has_a_topic(
    catalog: Catalog, document: Document
) -> None:
    untagged = [
        f"{passage.section_number}.{passage.ordinal}"
        for section in document.numbered_sections
        for passage in section.passages
        if not catalog.tags(passage.text)
    ]
    assert untagged == []


@pytest.mark.parametrize(
    ("query", "slug"),
    [
        ("海牙", "hague"),
        ("海牙协定", "hague"),
        ("Hague", "hague"),
        ("hague agreement", "hague"),
        ("ＨＡＧＵＥ", "hague"),
        ("GI", "gi"),
        ("geographical indication", "gi"),
        ("geographical indications", "gi"),
        ("地理标志", "gi"),
        ("RCEP", "trade-agreements"),
        ("CPTPP", "trade-agreements"),
        ("ｒｃｅｐ", "trade-agreements"),
        ("商标", "trademark"),
        ("Trademark", "trademark"),
        ("trademarks", "trademark"),
        ("TM", "trademark"),
        ("patent examination", "patent-examination"),
        ("bad faith", "abnormal-filings"),
        ("abnormal applications", "abnormal-filings"),
        ("open license", "open-licensing"),
        ("pledge", "pledge-financing"),
        ("IP pledge financing", "pledge-financing"),
        ("patent navigation", "patent-navigation"),
        ("Belt and Road", "belt-and-road"),
        ("BRI", "belt-and-road"),
        ("Winter Olympics", "winter-olympics"),
        ("北京 2022", "winter-olympics"),
        ("utility model", "legislation"),
        ("WIPO", "international"),
        ("数据知识产权", "data-ip"),
        ("party-building", "party-building"),
    ],
)
def test_names_resolve_whatever_their_case_width_or_blanks(
    catalog: Catalog, query: str, slug: str
) -> None:
    topic = catalog.resolve(query)
    assert topic is not None, f"{query!r} resolves to nothing"
    assert topic.slug == slug


@pytest.mark.parametrize("query", ["知识产权", "IP", "ip", "intellectual property"])
def test_the_whole_subject_is_no_single_topic(catalog: Catalog, query: str) -> None:
    assert catalog.resolve(query) is None


@pytest.mark.parametrize(("query", "slug"), [("海牙公约", "hague"), ("商标注册", "trademark")])
def test_near_misses_suggest_the_right_topic(catalog: Catalog, query: str, slug: str) -> None:
    assert slug in [topic.slug for topic in catalog.suggest(query)]
