"""The reference docs are generated from the code (scripts/gen_docs.py) and must match it."""

from __future__ import annotations

import importlib.util
import re
import sys
from pathlib import Path
from types import ModuleType

import pytest

from tests.conftest import REPO


def load_gen_docs() -> ModuleType:
    spec = importlib.util.spec_from_file_location("gen_docs", REPO / "scripts" / "gen_docs.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules["gen_docs"] = module
    spec.loader.exec_module(module)
    return module


gen_docs = load_gen_docs()


@pytest.mark.parametrize("rel", sorted(gen_docs.render_all()))
def test_generated_docs_are_up_to_date(rel: str) -> None:
    expected = gen_docs.render_all()[rel]
    actual = (REPO / rel).read_text(encoding="utf-8")
    assert actual == expected, f"{rel} is out of date: run python scripts/gen_docs.py"


def test_a_field_without_description_fails(monkeypatch: pytest.MonkeyPatch) -> None:
    trimmed = {k: dict(v) for k, v in gen_docs.DESCRIPTIONS.items()}
    del trimmed["Metric"]["period"]
    monkeypatch.setattr(gen_docs, "DESCRIPTIONS", trimmed)
    with pytest.raises(gen_docs.DocsError, match=r"Metric\.period has no description"):
        gen_docs.render_all()


def test_a_description_of_a_gone_field_fails(monkeypatch: pytest.MonkeyPatch) -> None:
    extra = {k: dict(v) for k, v in gen_docs.DESCRIPTIONS.items()}
    extra["Price"]["vat"] = "Value added tax."
    monkeypatch.setattr(gen_docs, "DESCRIPTIONS", extra)
    with pytest.raises(gen_docs.DocsError, match=r"Price\.vat, which is not a field"):
        gen_docs.render_all()


def test_examples_are_validated(monkeypatch: pytest.MonkeyPatch) -> None:
    from pydantic import ValidationError

    bad = {**gen_docs.CONTENT_EXAMPLES, "PageMeta": "title: About\nmneu: true\n"}
    monkeypatch.setattr(gen_docs, "CONTENT_EXAMPLES", bad)
    with pytest.raises(ValidationError):
        gen_docs.render_all()


def test_check_mode_reports_stale_files(monkeypatch: pytest.MonkeyPatch, tmp_path: Path,
                                        capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "docs").mkdir()
    (tmp_path / "docs" / "deployment.md").write_text(
        "# Deploy\n<!-- begin generated: github-pages.yml -->\nold\n<!-- end generated -->\n")
    monkeypatch.setattr(gen_docs, "REPO", tmp_path)
    assert gen_docs.main_(["--check"]) == 1
    assert "out of date: docs/content.md" in capsys.readouterr().err
    assert gen_docs.main_([]) == 0 and gen_docs.main_(["--check"]) == 0


def test_every_field_of_every_content_type_is_documented() -> None:
    from generator.kinds.registry import MODELS as KIND_MODELS

    text = (REPO / "docs" / "content.md").read_text(encoding="utf-8")
    for model in KIND_MODELS.values():
        for name in model.model_fields:
            assert f"| `{name}` |" in text


def links(path: Path) -> list[str]:
    text = re.sub(r"```.*?```", "", path.read_text(encoding="utf-8"), flags=re.S)
    text = re.sub(r"`[^`\n]*`", "", text)  # examples in code spans are not links
    return re.findall(r"\]\(([^)\s]+)\)", text)


@pytest.mark.parametrize("name", ["README.md", "docs/content.md", "docs/configuration.md",
                                  "docs/commands.md", "docs/deployment.md", "docs/tutorial.md",
                                  "docs/migrating.md", "docs/content-model.md"])
def test_links_in_the_docs_resolve(name: str) -> None:
    """Relative links point at files that exist, and #anchors at headings that exist."""
    path = REPO / name
    for target in links(path):
        if re.match(r"[a-z]+:", target) or target.startswith("`"):
            continue
        file, _, fragment = target.partition("#")
        dest = (path.parent / file).resolve() if file else path
        assert dest.exists(), f"{name}: link to missing {target}"
        if fragment and dest.suffix == ".md":
            headings = re.findall(r"^#+ (.+)$", dest.read_text(encoding="utf-8"), re.M)
            assert fragment in {gen_docs.anchor(h) for h in headings}, f"{name}: {target}"


def test_the_readme_links_the_content_model_that_ships() -> None:
    assert "docs/content-model.md" in links(REPO / "README.md")
    assert "CONTENT-MODEL.md" not in (REPO / "README.md").read_text(encoding="utf-8")


def test_the_shipped_content_model_is_the_contract() -> None:
    """docs/content-model.md is a copy of the contract kept beside the repository."""
    contract = Path(__file__).resolve().parents[2] / "shared" / "CONTENT-MODEL.md"
    if not contract.is_file():
        pytest.skip(f"{contract} is not here (e.g. in CI)")
    assert (REPO / "docs" / "content-model.md").read_bytes() == contract.read_bytes()
