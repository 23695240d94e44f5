"""A seeded generator of realistic casefolio sites for benchmarks and tests.

    python bench/gen_site.py OUT_DIR --case-studies 1000 [--seed 1]

N case studies of ~1,000 words (metrics, experiments, a table, a code block, links to other
case studies and to practice anchors), practice collections whose intros cite case studies,
services, niches and two pages. The same seed always writes the same bytes.
"""

from __future__ import annotations

import argparse
import datetime as dt
import random
import shutil
from dataclasses import dataclass
from pathlib import Path

NICHES = {
    "ecommerce": "E-commerce", "pool-construction": "Pool construction",
    "personal-injury-law": "Personal injury law", "senior-living": "Senior living",
    "saas": "B2B SaaS", "dental": "Dental clinics", "solar": "Residential solar",
    "travel": "Boutique travel",
}
SERVICES = [
    ("conversion-retainer", "Conversion retainer", 4500, "month"),
    ("conversion-audit", "Conversion audit", 3200, "project"),
    ("landing-pages", "Lead-gen landing pages", 6800, "project"),
    ("checkout-sprint", "Checkout sprint", 2400, "week"),
    ("analytics-setup", "Analytics setup", 2900, "project"),
    ("pricing-page-review", "Pricing page review", 1800, "project"),
    ("intake-optimisation", "Intake optimisation", 5200, "month"),
    ("speed-programme", "Page speed programme", 3900, "month"),
]
TOPICS = ["Checkout", "Landing pages", "Forms", "Pricing pages", "Product pages", "Mobile",
          "Page speed", "Trust and proof", "Onboarding", "Search", "Navigation", "Email capture"]
PRACTICE_NAMES = [
    "Show total cost early", "One goal per page", "Social proof next to the button",
    "Cut the steps", "Express wallets first", "Fewer form fields", "Inline validation",
    "Clear error messages", "Answer objections near the button", "Fast first paint",
    "Specific headlines", "Real photos", "Visible phone number", "Sticky call to action",
    "Honest scarcity", "Guarantees in plain words",
]
TAGS = ["checkout", "mobile", "ab-testing", "forms", "landing-pages", "pricing", "copy",
        "speed", "trust", "analytics", "ux-research", "paid-search", "seo", "email",
        "onboarding", "retention", "navigation", "search", "personalisation", "reviews",
        "photography", "video", "chat", "calls", "booking", "quotes", "subscriptions",
        "upsell", "bundles", "shipping", "returns", "accessibility", "localisation",
        "b2b", "dtc", "lead-gen", "intake", "tours", "financing", "guarantees"]
METRICS = [("Conversion rate", "%", True), ("Revenue per visitor", "USD", True),
           ("Average order value", "USD", True), ("Bounce rate", "%", False),
           ("Page load time", "s", False), ("Qualified leads", "count", True),
           ("Cost per lead", "USD", False), ("Form completion rate", "%", True),
           ("Booked calls", "count", True), ("Time to first byte", "ms", False)]
WORDS = [
    "visitor", "shopper", "page", "checkout", "form", "button", "offer", "price", "headline",
    "proof", "review", "test", "variant", "control", "traffic", "session", "funnel", "step",
    "mobile", "desktop", "copy", "layout", "photo", "video", "guarantee", "shipping", "return",
    "cart", "order", "lead", "call", "quote", "tour", "team", "client", "budget", "campaign",
    "audience", "search", "landing", "result", "signal", "week", "month", "analytics", "recording",
    "survey", "interview", "hypothesis", "baseline", "uplift", "revenue"
]
VERBS = [
    "moved", "tested", "removed", "rewrote", "simplified", "measured", "shortened", "replaced",
    "added", "compared", "doubled", "halved", "reordered", "clarified", "rebuilt", "tracked"
]
ADJS = [
    "clearer", "faster", "shorter", "honest", "specific", "visible", "familiar", "mobile-first",
    "calmer", "simpler", "cheaper", "trusted", "local", "concrete"
]
CODE = {
    "js": "document.querySelectorAll('[data-variant]').forEach((el) => {{\n"
          "  const arm = el.dataset.variant;\n  if (arm === '{v}') el.hidden = false;\n"
          "  window.dataLayer.push({{event: 'exposure', arm, step: {n}}});\n}});\n",
    "python": "def lift(control: float, variant: float) -> float:\n"
              "    \"\"\"Relative change of the {v} arm.\"\"\"\n"
              "    return (variant - control) / control\n\n"
              "print(f\"{{lift(0.0{n}, 0.0{m}):.1%}}\")\n",
    "css": ".checkout-{v} .pay-button {{\n  position: sticky;\n  bottom: {n}px;\n"
           "  min-height: 48px;\n  font-weight: 600;\n}}\n",
    "sql": "SELECT arm, count(*) AS sessions, sum(converted) AS orders\n"
           "FROM sessions\nWHERE started_at >= date '2024-0{n}-01' AND page = '{v}'\n"
           "GROUP BY arm;\n",
}


@dataclass(frozen=True)
class Study:
    slug: str
    title: str
    niche: str


def sentence(rng: random.Random, length: int = 0) -> str:
    n = length or rng.randint(9, 22)
    words = [rng.choice(WORDS if i % 3 else VERBS + WORDS) for i in range(n)]
    if n > 6:
        words[rng.randrange(n)] = rng.choice(ADJS)
    text = " ".join(words)
    return text[0].upper() + text[1:] + rng.choice(".....?")


def paragraph(rng: random.Random, sentences: int) -> str:
    parts = [sentence(rng) for _ in range(sentences)]
    i = rng.randrange(len(parts))
    parts[i] = f"**{parts[i][:-1]}**{parts[i][-1]}" if rng.random() < 0.5 else parts[i]
    return " ".join(parts)


def practice_anchors(collection: int) -> list[tuple[str, str]]:
    """(anchor, heading) of each practice of collection number `collection`: stable, 6 each."""
    names = [PRACTICE_NAMES[(collection * 5 + k * 3) % len(PRACTICE_NAMES)] for k in range(6)]
    return [(f"p{k + 1}-" + "-".join(name.lower().split()[:3]), name)
            for k, name in enumerate(names)]


def case_study(rng: random.Random, index: int, study: Study, studies: list[Study],
               collections: int, today: dt.date) -> str:
    niche_services = [s for s in SERVICES if _serves(s[0], study.niche)] or SERVICES
    services = sorted({rng.choice(niche_services)[0] for _ in range(rng.randint(1, 2))})
    refs = []
    for _ in range(rng.randint(1, 3)):
        c = rng.randrange(collections)
        anchor = rng.choice(practice_anchors(c))[0] if rng.random() < 0.8 else ""
        refs.append(f"coll-{c:03d}" + (f"#{anchor}" if anchor else ""))
    refs = sorted(set(refs))
    date = today - dt.timedelta(days=7 + (index * 37) % 3600)
    metrics = []
    figure = ""  # the title's figure: its first result's change, as a real title's would be
    for label, unit, higher in rng.sample(METRICS, rng.randint(2, 4)):
        before = round(rng.uniform(1.5, 9.0), 1) if unit != "count" else rng.randint(20, 400)
        factor = rng.uniform(1.08, 1.6) if higher else rng.uniform(0.5, 0.9)
        after = round(before * factor, 1) if unit != "count" else int(before * factor)
        figure = figure or f" {round(abs(after - before) / before * 100)}%"
        lines = [f"  - label: {label}", f"    before: {before}", f"    after: {after}",
                 f'    unit: "{unit}"', f"    higher_is_better: {'true' if higher else 'false'}",
                 f"    period: {rng.randint(2, 12)} weeks after launch"]
        if unit == "%" and higher and rng.random() < 0.5:
            visitors = rng.randint(200, 900) * 1000
            lines += ["    experiment:",
                      f"      control: {{visitors: {visitors}, conversions: "
                      f"{int(visitors * before / 100)}}}",
                      f"      variant: {{visitors: {visitors}, conversions: "
                      f"{int(visitors * after / 100)}}}"]
        metrics.extend(lines)
    tags = sorted(set(rng.sample(TAGS, rng.randint(2, 4))))
    front = [
        "---", f"title: {study.title}{figure}", f"date: {date.isoformat()}",
        f"summary: \"{sentence(rng, 14)[:-1]}, in {rng.randint(3, 16)} weeks.\"",
        f"slug: {study.slug}",
    ]
    if rng.random() < 0.15:
        front += ["confidential: true", f"client_description: a {NICHES[study.niche].lower()} "
                  f"business with {rng.randint(5, 400)} staff"]
    else:
        front.append(f"client: {rng.choice(WORDS).capitalize()} {rng.choice(WORDS).capitalize()}"
                     f" {rng.choice(['Co', 'Ltd', 'Group', 'Studio', 'LLP'])}")
    front += [f"niche: {study.niche}", f"services: [{', '.join(services)}]",
              f"practices: [{', '.join(refs)}]", f"duration: {rng.randint(3, 16)} weeks",
              "metrics:", *metrics]
    if rng.random() < 0.6:
        front += ["testimonial:", f"  quote: \"{sentence(rng, 16)}\"",
                  f"  name: {rng.choice(WORDS).capitalize()} {rng.choice(VERBS).capitalize()}",
                  "  role: Head of Growth"]
    front += [f"tags: [{', '.join(tags)}]"]
    if index % 97 == 0:
        front.append("featured: true")
    front.append("---")
    return "\n".join(front) + "\n" + body(rng, index, study, studies, refs) + "\n"


def body(rng: random.Random, index: int, study: Study, studies: list[Study],
         refs: list[str]) -> str:
    others = [studies[(index + k * 7919) % len(studies)] for k in range(1, 4)]
    others = [o for o in others if o.slug != study.slug]
    coll, _, anchor = refs[0].partition("#")
    practice_link = f"../practices/{coll}.md" + (f"#{anchor}" if anchor else "")
    lang = rng.choice(sorted(CODE))
    code = CODE[lang].format(v=rng.choice(WORDS), n=rng.randint(1, 9), m=rng.randint(1, 9))
    rows = "\n".join(f"| {rng.choice(WORDS).capitalize()} | {sentence(rng, 4)[:-1]} | "
                     f"{sentence(rng, 5)[:-1]} |" for _ in range(5))
    parts = [
        "## The challenge", paragraph(rng, 6), paragraph(rng, 5),
        f"> {sentence(rng, 18)}",
        "## What we changed",
        paragraph(rng, 4) + f" We followed [our practice]({practice_link}) and compared notes "
        f"with [a similar project](../case-studies/{others[0].slug}.md).",
        "| Area | Before | After |\n|---|---|---|\n" + rows,
        paragraph(rng, 5),
        f"```{lang}\n{code}```",
        "### Details", paragraph(rng, 5),
        "\n".join(f"- {sentence(rng, 10)}" for _ in range(5)),
        "## The results", paragraph(rng, 6), paragraph(rng, 5),
        f"See also [{others[1].title}](../case-studies/{others[1].slug}.md) for the same "
        f"effect in a {NICHES[others[1].niche].lower()} business.",
        "## What we learned",
        "\n".join(f"{k}. {sentence(rng, 14)}" for k in range(1, 6)),
        paragraph(rng, 6), paragraph(rng, 4),
    ]
    return "\n\n".join(parts)


def collection(rng: random.Random, number: int, studies: list[Study]) -> str:
    cited = [studies[(number * 131 + k * 17) % len(studies)] for k in range(3)]
    intro = paragraph(rng, 4) + " For example: " + ", ".join(
        f"[{s.title}](../case-studies/{s.slug}.md)" for s in cited) + "."
    sections = []
    for anchor, name in practice_anchors(number):
        sections.append(f"## {name} {{#{anchor}}}\n\n**Why it works.** {paragraph(rng, 3)}\n\n"
                        f"**How to apply it.** {paragraph(rng, 3)}\n\n"
                        f"**What to measure.** {sentence(rng)}")
    topic = TOPICS[number % len(TOPICS)]
    return (f"---\ntitle: {topic} best practices {number:03d}\n"
            f"summary: \"The {topic.lower()} practices behind our wins, set {number}.\"\n"
            f"topic: {topic}\n---\n{intro}\n\n" + "\n\n".join(sections) + "\n")


def service(rng: random.Random, slug: str, title: str, amount: int, per: str) -> str:
    niches = [n for n in NICHES if _serves(slug, n)]
    return (f"---\ntitle: {title}\nsummary: \"{sentence(rng, 12)}\"\n"
            f"niches: [{', '.join(niches)}]\n"
            f"price: {{amount: {amount}, currency: USD, per: {per}}}\n"
            f"deliverables: [{sentence(rng, 5)[:-1]}, {sentence(rng, 6)[:-1]}]\n"
            f"outcome: {sentence(rng, 10)}\n"
            f"faq:\n  - {{q: \"{sentence(rng, 6)[:-1]}?\", a: \"{sentence(rng, 12)}\"}}\n---\n"
            f"{paragraph(rng, 5)}\n\n{paragraph(rng, 4)}\n")


def _serves(service_slug: str, niche: str) -> bool:
    return (sum(map(ord, service_slug + niche)) % 3) != 0


def site_yaml(title: str = "Benchmark Consulting") -> str:
    niches = "\n".join(f"  {k}:\n    name: {v}\n    pitch: We grow {v.lower()} businesses."
                       for k, v in NICHES.items())
    return (f"title: {title}\nbase_url: https://example.com/\nlanguage: en\ntimezone: UTC\n"
            "headline: We turn more of your visitors into customers\n"
            "tagline: Conversion optimisation, sold as flat-fee services.\n"
            "organization:\n  name: Benchmark Consulting\n  email: hello@example.com\n"
            "call_to_action:\n  label: Book a free audit\n  url: https://cal.com/example/audit\n"
            "navigation:\n  - {label: Case studies, url: /case-studies/}\n"
            "  - {label: Best practices, url: /practices/}\n"
            "  - {label: Services, url: /services/}\n  - {label: About, url: /about/}\n"
            f"niches:\n{niches}\nmarkdown:\n  raw_html: true\n")


def generate(out: Path, case_studies: int, seed: int = 1,
             today: dt.date = dt.date(2026, 1, 1)) -> Path:
    """Write a whole site into `out` (replaced if it exists); returns `out`."""
    rng = random.Random(seed)
    if out.exists():
        shutil.rmtree(out)
    niches = list(NICHES)
    studies = []
    for i in range(case_studies):
        words = " ".join(rng.sample(WORDS, 3))
        slug = f"cs-{i:05d}-" + words.replace(" ", "-")
        title = f"{rng.choice(ADJS).capitalize()} {words} lifts {rng.choice(WORDS)}"
        studies.append(Study(slug, title, niches[i % len(niches)]))
    collections = max(4, case_studies // 100)
    files: dict[str, str] = {"site.yaml": site_yaml()}
    for i, study in enumerate(studies):
        files[f"content/case-studies/{study.slug}.md"] = case_study(
            rng, i, study, studies, collections, today)
    for c in range(collections):
        files[f"content/practices/coll-{c:03d}.md"] = collection(rng, c, studies)
    for slug, title, amount, per in SERVICES:
        files[f"content/services/{slug}.md"] = service(rng, slug, title, amount, per)
    files["content/pages/about.md"] = (f"---\ntitle: About us\nsummary: Who we are.\nmenu: true"
                                       f"\n---\n{paragraph(rng, 6)}\n\n{paragraph(rng, 5)}\n")
    files["content/pages/contact.md"] = (f"---\ntitle: Contact\nsummary: Say hello.\n---\n"
                                         f"{paragraph(rng, 3)}\n")
    for rel, text in files.items():
        path = out / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("out", type=Path)
    parser.add_argument("--case-studies", type=int, default=1000)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    generate(args.out, args.case_studies, args.seed)
    print(f"wrote {args.case_studies} case studies into {args.out}")


if __name__ == "__main__":
    main()
