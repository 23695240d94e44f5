"""Real consultancies' claims (../shared/realworld, re-expressed in the v2 result shapes): each
case study's results, built into a site, read on the page as the consultancy wrote them.

The realworld sites also use v2 features this branch does not build (client mappings, people,
articles...), so each case study is built from a copy holding only its title, summary and
`metrics:`; the result shapes are what is under test."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

from generator.check import check_site
from tests.conftest import REPO
from tests.test_build import run

SHARED = REPO.parents[1] / "shared" / "realworld"
if not SHARED.is_dir():
    SHARED = REPO.parent / "shared" / "realworld"

# (site, case study, label, what the result card leads with, its before -> after line)
CLAIMS = [
    ("fivexl", "kuvio-case-study", "Unbroken uptime record", "400+ days", ""),
    ("fivexl", "wings-case-study", "Time to a production-ready AWS foundation", "2–3 months", ""),
    ("fivexl", "wings-case-study", "Time to regain access to the lost AWS account", "20 min", ""),
    ("fivexl", "sirob-case-study", "From MVP to a production-ready platform", "&lt;2 months", ""),
    ("fivexl", "continue-case-study", "Time to deliver RightStart for AWS", "~3 weeks", ""),
    ("fivexl", "hippo-case-study", "Time to SOC 2 certification", "~1 month", ""),
    ("fivexl", "qameta-case-study", "Cloud costs", "−40%", ""),
    ("fivexl", "kuvio-retainer-case-study", "S3 bucket costs", "−96%", ""),
    ("masterpoint", "cursor", "Production plan time", "5x faster", "10 min → 2 min"),
    ("masterpoint", "cursor", "Infrastructure PRs shipped", "2.5x+", "194 → 500+ PRs/week"),
    ("masterpoint", "cursor", "Terraform root module workspaces", "6.7x", "21 → 141"),
    ("masterpoint", "cursor", "Blast radius (median resources per Terraform run)", "−91%",
     "54 → 5 resources"),
    ("masterpoint", "cursor", "Mean plan time (audit phase)", "−39%", "488 s → 296 s"),
    ("masterpoint", "marketspark", "AWS accounts", "11x", "1 → 11 accounts"),
    ("masterpoint", "marketspark", "Cloud resources in Infrastructure as Code", "+100 pp",
     "0% → 100%"),
    ("masterpoint", "power-digital", "Plan &amp; apply deployment cycle", "8.3x+ faster",
     "25 min → &lt;3 min"),
    ("masterpoint", "power-digital", "Infrastructure automation costs", "~10x lower",
     "~$60,000 → &lt;$6,000"),
    ("masterpoint", "power-digital", "Resources migrated to Spacelift &amp; OpenTofu",
     "43,000+ resources", ""),
    ("masterpoint", "power-digital", "Failed Terraform runs", "−100%", "&gt;50% → 0%"),
    ("digital-marketing-specialist", "travel-store-direct", "Online revenue", "6x", ""),
    ("digital-marketing-specialist", "travel-store-direct", "Advertising conversion rate",
     "3.3x", "2% → 6.6%"),
    ("digital-marketing-specialist", "travel-store-direct", "Advertising ROI", "~+308%",
     "~1.2x → 4.9x"),
]


def source(site: str, study: str) -> Path:
    folder = SHARED / site / "content" / "case-studies"
    return folder / study / "index.md" if (folder / study).is_dir() else folder / f"{study}.md"


def copy_of(site: str, study: str) -> str:
    """The case study with only the fields this branch builds: title, summary, metrics."""
    text = source(site, study).read_text(encoding="utf-8")
    meta = yaml.safe_load(text.split("---\n")[1])
    kept = {"title": meta["title"], "date": "2025-01-01", "summary": meta["summary"],
            "client": "Client", "niche": "ecommerce", "metrics": meta["metrics"]}
    return f"---\n{yaml.safe_dump(kept, allow_unicode=True, sort_keys=False)}---\nBody.\n"


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Path:
    if not SHARED.is_dir():
        pytest.skip("../shared/realworld is not here")
    from tests.conftest import minimal_files, write_files
    files = dict(minimal_files())
    for site, study in sorted({(s, c) for s, c, *_ in CLAIMS}):
        files[f"content/case-studies/{site}-{study}.md"] = copy_of(site, study)
    root = write_files(tmp_path_factory.mktemp("realworld") / "site", files)
    code, output = run("build", str(root), "-o", str(root / "out"))
    assert code == 0, output
    return root


@pytest.mark.parametrize(("site", "study", "label", "primary", "values"), CLAIMS)
def test_real_claims_read_as_written(built: Path, site: str, study: str, label: str,
                                     primary: str, values: str) -> None:
    html = (built / "out" / "case-studies" / f"{site}-{study}" / "index.html").read_text()
    card = re.search(rf'<h3 class="metric-label">{re.escape(label)}</h3>(.*?)</article>',
                     html, re.S)
    assert card, label
    assert f'<strong class="metric-relative">{primary}</strong>' in card[1]
    if values:
        assert f'<p class="metric-values">{values}</p>' in card[1]
    else:
        assert "metric-values" not in card[1] and "<svg" not in card[1]  # no bars


def test_the_planted_509_percent_is_caught_and_honest_pages_stay_quiet(built: Path) -> None:
    warnings = [w for w in check_site(built).warnings if "claims" in w.message]
    assert [(w.path, w.message) for w in warnings] == [(
        "content/case-studies/digital-marketing-specialist-travel-store-direct.md",
        "the summary claims 509%, which no result supports (nearest: 500%)")]  # 6x
