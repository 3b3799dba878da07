"""`python run_bot.py import PATH [--dry-run]` end to end: one line per document and exit 0; one
clear line, a non-zero exit and no change for every file that cannot be imported; the shipped
seed re-imported without losing what was imported. The plans are made up (NOT REAL CNIPA TEXT:
tests/support/made_up_plans)."""

from __future__ import annotations

import asyncio
import os
import shutil
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import select

import run_bot
from bot.store import Store
from bot.store.content_import import sync_content
from bot.store.models import DocumentRow
from bot.store.repository import IMPORTED, SEED, StoredDocument
from bot.usecases import importing
from content.importing import read_work_plan
from content.library import CONTENT_DIR, load_library
from tests.support import made_up_plans as plans

PROJECT = Path(__file__).resolve().parent.parent
NOW = datetime(2031, 3, 20, tzinfo=UTC)


@pytest.fixture
def files(tmp_path: Path) -> dict[str, Path]:
    made = {
        "md": ("plan.md", plans.markdown().encode()),
        "html": ("plan.html", plans.html_page().encode()),
        "docx": ("plan.docx", plans.docx_bytes()),
        "empty": ("empty.txt", b""),
        "binary": ("scan.pdf", b"%PDF-1.7\n\x00\x01\x02" + bytes(range(256))),
        "plain": ("notes.md", "# 随手记\n\n发布时间：2031-01-01\n\n没有编号的部分。\n".encode()),
    }
    paths: dict[str, Path] = {}
    for key, (name, data) in made.items():
        paths[key] = tmp_path / name
        paths[key].write_bytes(data)
    paths["seed"] = CONTENT_DIR / "documents" / "cnipa-2022-work-plan.md"
    return paths


@pytest.fixture
def database(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    url = f"sqlite+aiosqlite:///{tmp_path / 'library.sqlite3'}"
    monkeypatch.setenv("DATABASE_URL", url)
    monkeypatch.delenv("BOT_TOKEN", raising=False)
    monkeypatch.chdir(tmp_path)  # no .env of the developer's
    return url


def _documents(url: str) -> list[StoredDocument]:
    async def read() -> list[StoredDocument]:
        store = Store(url)
        try:
            async with store.transaction() as repo:
                return await repo.stored_documents()
        finally:
            await store.close()

    return asyncio.run(read())


def _run(capsys: pytest.CaptureFixture[str], *argv: str | Path) -> tuple[int, str, str]:
    status = run_bot.main(["import", *map(str, argv)])
    out, err = capsys.readouterr()
    return status, out, err


def test_a_markdown_plan_is_imported_beside_the_seed(
    files: dict[str, Path], database: str, capsys: pytest.CaptureFixture[str]
) -> None:
    status, out, err = _run(capsys, files["md"])
    assert (status, err) == (0, "")
    [line] = out.splitlines()
    assert plans.TITLE in line
    assert "2031-03-15" in line
    assert "12 sections" in line
    assert "passages" in line
    assert "topics (" in line
    documents = _documents(database)
    assert [(d.origin, d.title) for d in documents] == [
        (SEED, "国家知识产权局 2022 年工作要点"),
        (IMPORTED, plans.TITLE),
    ]
    assert documents[1].slug == "doc-2031-work-plan"
    assert documents[1].slug in line


def test_dry_run_shows_the_document_and_changes_nothing(
    files: dict[str, Path], database: str, capsys: pytest.CaptureFixture[str]
) -> None:
    status, out, _ = _run(capsys, files["docx"], "--dry-run")
    assert status == 0
    assert f"would import: {plans.TITLE}" in out
    assert not Path(database.split("///", 1)[1]).exists()  # not even created
    _run(capsys, files["md"])
    status, out, _ = _run(capsys, files["seed"].parent / "missing.md", "--dry-run")
    assert status == 1
    before = _documents(database)
    status, out, _ = _run(capsys, files["html"], "--dry-run")  # a duplicate, as the real run
    assert status == 1
    assert _documents(database) == before


@pytest.mark.parametrize(
    ("key", "reason"),
    [
        ("empty", "the file is empty"),
        ("binary", "not a text, HTML or .docx file"),
        ("plain", "not a work plan: no section heading"),
        ("seed", "already in the library: 国家知识产权局 2022 年工作要点"),
    ],
)
def test_a_file_that_cannot_be_imported_gets_one_line_and_changes_nothing(
    files: dict[str, Path],
    database: str,
    capsys: pytest.CaptureFixture[str],
    key: str,
    reason: str,
) -> None:
    _run(capsys, files["md"])
    before = _documents(database)
    status, out, err = _run(capsys, files[key])
    assert status == 1
    assert out == ""
    [refusal] = err.splitlines()  # one clear line
    assert refusal.startswith(f"{files[key]}: {reason}")
    assert _documents(database) == before


def test_the_same_plan_in_another_format_is_a_duplicate(
    files: dict[str, Path], database: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert _run(capsys, files["html"])[0] == 0
    status, _, err = _run(capsys, files["docx"])
    assert status == 1
    assert "already in the library" in err
    assert "doc-2031-work-plan" in err
    assert len(_documents(database)) == 2


def test_one_bad_file_among_several_imports_none(
    files: dict[str, Path], database: str, capsys: pytest.CaptureFixture[str]
) -> None:
    status, out, err = _run(capsys, files["md"], files["empty"])
    assert status == 1
    assert out == ""
    assert err.splitlines() == [f"{files['empty']}: the file is empty", "nothing imported"]
    status, _, err = _run(capsys, files["md"], files["html"])  # the second repeats the first
    assert status == 1
    assert f"{files['html']}: already in the library" in err
    assert [d.origin for d in _documents(database)] == [SEED]


async def test_a_changed_seed_is_imported_again_and_the_imports_stay(
    files: dict[str, Path], tmp_path: Path
) -> None:
    """The shipped content/ is the seed of the library: a re-import replaces it wholesale but
    keeps the imported documents, tagged again with the (new) catalogue."""
    url = f"sqlite+aiosqlite:///{tmp_path / 'reseed.sqlite3'}"
    store = Store(url)
    await store.migrate()
    await sync_content(store, load_library())
    candidate = read_work_plan(files["md"].read_bytes(), "plan.md")
    [prepared] = await importing.add(store, load_library().catalog, [candidate], NOW)
    copy = tmp_path / "content"
    shutil.copytree(CONTENT_DIR, copy, ignore=shutil.ignore_patterns("__pycache__", "*.py"))
    topics = copy / "topics.toml"
    topics.write_text(
        topics.read_text(encoding="utf-8")
        + '\n[[topics]]\nslug = "made-up"\nzh = "虚构目标"\nen = "Made-up goals"\n'
        'terms = ["虚构目标"]\n',
        encoding="utf-8",
    )
    assert await sync_content(store, load_library(copy))
    async with store.transaction() as repo:
        documents = await repo.stored_documents()
        listing, total = await repo.passages_on_topic("made-up")
        tagged, _ = await repo.passages_on_topic("hague")
    await store.close()
    assert [(d.origin, d.slug) for d in documents] == [
        (SEED, "cnipa-2022-work-plan"),
        (IMPORTED, prepared.slug),
    ]
    assert total == 12  # the new topic tags the imported plan's sections
    assert all("虚构目标" in passage.text for passage in listing)
    assert any(passage.text == plans.BROKEN for passage in tagged)  # old topics still tag it


def test_the_command_line_itself(files: dict[str, Path], tmp_path: Path) -> None:
    """As the owner types it: a process of its own."""
    environment = {
        **os.environ,
        "DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path / 'cli.sqlite3'}",
        "PYTHONPATH": str(PROJECT),
    }
    environment.pop("BOT_TOKEN", None)
    done = subprocess.run(
        [sys.executable, str(PROJECT / "run_bot.py"), "import", str(files["html"])],
        capture_output=True,
        text=True,
        env=environment,
        cwd=tmp_path,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith(f"imported: {plans.TITLE} — 2031-03-15, 12 sections")
    again = subprocess.run(
        [sys.executable, str(PROJECT / "run_bot.py"), "import", str(files["empty"])],
        capture_output=True,
        text=True,
        env=environment,
        cwd=tmp_path,
        timeout=120,
        check=False,
    )
    assert again.returncode == 1
    assert again.stderr.splitlines()[0] == f"{files['empty']}: the file is empty"


async def test_a_curated_summary_file_replaces_the_automatic_ones(
    files: dict[str, Path], tmp_path: Path
) -> None:
    """content/summaries/<slug>.toml for an imported document: once content/ is imported again
    (a restart, /reload), its cards show the curated points, no longer labelled automatic."""
    url = f"sqlite+aiosqlite:///{tmp_path / 'curated.sqlite3'}"
    store = Store(url)
    await store.migrate()
    await sync_content(store, load_library())
    candidate = read_work_plan(files["md"].read_bytes(), "plan.md")
    [prepared] = await importing.add(store, load_library().catalog, [candidate], NOW)
    copy = tmp_path / "content"
    shutil.copytree(CONTENT_DIR, copy, ignore=shutil.ignore_patterns("__pycache__", "*.py"))
    entries = [
        f'[[sections]]\nnumber = {n}\nheading_en = "Made-up task {n}"\n'
        f'zh = ["虚构要点{n}甲", "虚构要点{n}乙"]\n'
        f'en = ["Made-up point {n}a", "Made-up point {n}b"]\n'
        for n in range(13)
    ]
    (copy / "summaries" / f"{prepared.slug}.toml").write_text("\n".join(entries), encoding="utf-8")
    assert await sync_content(store, load_library(copy))
    async with store.transaction() as repo:
        [_, imported] = await repo.stored_documents()
        row = await repo.session.scalar(
            select(DocumentRow).where(DocumentRow.slug == imported.slug)
        )
        assert row is not None
        sections = await repo.sections(row.id)
    await store.close()
    assert [s.summary_zh for s in sections][3] == ["虚构要点3甲", "虚构要点3乙"]
    assert sections[3].heading_en == "Made-up task 3"
    assert not any(s.summary_automatic for s in sections)
