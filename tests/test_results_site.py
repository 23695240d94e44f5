"""Results on a built site: an experiment that contradicts its claim, site highlights."""

from __future__ import annotations

from pathlib import Path

from tests.conftest import CASE
from tests.test_build import run

OPPOSITE = CASE.format(title="Acme").replace(
    '  - {label: Conversion rate, before: 2.1, after: 2.9, unit: "%"}',
    '  - label: Conversion rate\n    before: 1\n    after: 2\n    unit: "%"\n'
    '    experiment:\n      control: {visitors: 10000, conversions: 1000}\n'
    '      variant: {visitors: 10000, conversions: 500}')


def test_an_experiment_significant_the_other_way_is_an_error(make_site, tmp_path: Path) -> None:
    site = make_site({"content/case-studies/acme.md": OPPOSITE})
    code, output = run("build", str(site), "-o", str(tmp_path / "out"))
    assert code == 1
    assert "content/case-studies/acme.md:15: metrics[0] `Conversion rate`: the experiment " \
           "contradicts the claim" in output
    assert "Traceback" not in output


def test_site_highlights_lead_the_home_page(make_site, tmp_path: Path) -> None:
    site = make_site()
    yaml_text = (site / "site.yaml").read_text() + (
        "highlights:\n  - {value: 100+, label: Stores optimised}\n"
        "  - {case_study: acme, metric: Conversion rate}\n")
    (site / "site.yaml").write_text(yaml_text)
    code, output = run("build", str(site), "-o", str(tmp_path / "out"))
    assert code == 0, output
    home = (tmp_path / "out" / "index.html").read_text()
    assert '<span class="stat-value">100+</span>\n  <span class="stat-label">Stores optimised' \
        in home
    assert '<span class="stat-value">+38%</span>\n  <span class="stat-label">Conversion rate · ' \
        'Acme</span>' in home


def test_a_highlight_naming_a_missing_result_is_an_error(make_site, tmp_path: Path) -> None:
    site = make_site()
    (site / "site.yaml").write_text((site / "site.yaml").read_text() + (
        "highlights:\n  - {case_study: acme, metric: Conversion rat}\n"))
    code, output = run("build", str(site), "-o", str(tmp_path / "out"))
    assert code == 1
    assert "site.yaml:10: highlights[0]: `acme` has no result labelled `Conversion rat`" in output
    assert "Conversion rate" in output
