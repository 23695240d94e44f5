"""Render the example site's before/after screenshots: mock landing pages, drawn by Chromium.

    python scripts/make_sample_images.py [--chromium /usr/bin/chromium] [--out content/case-studies]

Each mock is a small HTML page (the fictional clients of the example site, before and after the
work its case study describes), screenshotted headless at a desktop or phone size, then reduced
to a 128-colour PNG so each file stays well under 150 KB. The PNGs are committed; run this only
to change them.
"""
# ruff: noqa: E501  (the mock pages below are HTML and CSS data, kept one element a line)

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
from pathlib import Path

from PIL import Image

REPO = Path(__file__).resolve().parent.parent
COLOURS = 128
MAX_BYTES = 150_000

BASE_CSS = """
* { box-sizing: border-box; }
html, body { margin: 0; height: 100%; overflow: hidden; }
body { font: 16px/1.45 "Liberation Sans", "DejaVu Sans", Arial, sans-serif; color: #1d2529; }
.nav { display: flex; align-items: center; gap: 22px; padding: 14px 40px; border-bottom: 1px solid #dde3e6;
       font-size: 14px; }
.nav b { font-size: 20px; margin-right: auto; }
.btn { display: inline-block; padding: 14px 26px; border-radius: 8px; font-weight: 700; color: #fff;
       background: var(--brand); text-align: center; }
.muted { color: #5f6b71; }
.field { border: 1px solid #b9c3c8; border-radius: 4px; padding: 9px 10px; font-size: 13px; color: #8a969b;
         background: #fff; }
h1 { margin: 0 0 12px; line-height: 1.15; }
.stars { color: #f2a31b; letter-spacing: 2px; }
"""

# name -> (viewport width, height, scale, body css, body html)
PAGES: dict[str, tuple[int, int, int, str, str]] = {}


def page(name: str, size: tuple[int, int, int], css: str, html: str) -> None:
    PAGES[name] = (*size, css, html)


DESKTOP = (1200, 900, 1)
FORM = (1200, 720, 1)
HERO = (1200, 675, 1)
PHONE = (390, 720, 2)

# --- Bluewater Pools: a 12-field form becomes four tappable steps -------------------------
POOL_CSS = """
:root { --brand: #0a6fa8; }
.hero { display: grid; grid-template-columns: 1.1fr 1fr; gap: 40px; padding: 40px; }
.photo { height: 300px; border-radius: 10px;
         background: linear-gradient(180deg, #bfe6f7 0 45%, #2aa6d9 45% 80%, #e6dcc8 80%); }
form { background: #f4f7f8; border: 1px solid #dde3e6; border-radius: 10px; padding: 22px; }
.grid { display: grid; grid-template-columns: 1fr 1fr; gap: 10px; }
.tiles { display: grid; grid-template-columns: 1fr 1fr; gap: 14px; margin: 18px 0; }
.tile { border: 2px solid #cfd9de; border-radius: 12px; padding: 14px; font-weight: 700; font-size: 17px;
        background: #fff; }
.tile i { display: block; height: 88px; border-radius: 8px; margin-bottom: 10px;
          background: linear-gradient(180deg, #bfe6f7 0 40%, #2aa6d9 40%); }
.tile.on { border-color: #0a6fa8; box-shadow: 0 0 0 3px #bde0f2; }
.bar { height: 8px; border-radius: 4px; background: #dde3e6; margin: 8px 0 4px; }
.bar span { display: block; width: 25%; height: 8px; border-radius: 4px; background: #0a6fa8; }
"""
page("bluewater-pools-quote-form-before", FORM, POOL_CSS, """
<div class="nav"><b>Bluewater Pools</b><span>Pools</span><span>Spas</span><span>Gallery</span>
<span>Financing</span><span>About</span><span>Blog</span><span>Careers</span><span>Contact</span></div>
<div class="hero">
 <div><h1 style="font-size:34px">Custom Pools in Austin Since 1998</h1>
  <p class="muted">Family owned. Licensed and insured. Serving Travis, Williamson and Hays counties.</p>
  <div class="photo"></div>
  <p class="muted" style="font-size:13px">Bluewater Pools is a full-service custom pool builder offering design,
  construction, renovation and maintenance for residential and commercial clients.</p></div>
 <form><h2 style="margin:0 0 6px;font-size:20px">Request Information</h2>
  <p class="muted" style="margin:0 0 14px;font-size:13px">All fields are required.</p>
  <div class="grid">
   <div class="field">First and last name</div><div class="field">Email address</div>
   <div class="field">Phone number</div><div class="field">Street address</div>
   <div class="field">City, State, ZIP</div><div class="field">Budget ▾</div>
   <div class="field">Timeline ▾</div><div class="field">Pool type ▾</div>
   <div class="field">Lot size (sq ft)</div><div class="field">HOA? ▾</div>
   <div class="field">Financing needed? ▾</div><div class="field">How did you hear about us? ▾</div>
  </div>
  <div class="field" style="height:90px;margin-top:10px">Message</div>
  <p style="margin:16px 0 0"><span class="btn" style="background:#7a868c">Submit</span></p>
 </form>
</div>""")
page("bluewater-pools-quote-form-after", FORM, POOL_CSS, """
<div class="nav"><b>Bluewater Pools</b><span class="muted">★ 4.9 from 212 Google reviews</span></div>
<div class="hero">
 <div><h1 style="font-size:40px">Your backyard pool, designed free in one visit</h1>
  <p class="muted" style="font-size:18px">Custom in-ground pools around Austin. Tell us what you have in mind;
  we'll bring three design ideas to your first meeting.</p>
  <div class="photo"></div></div>
 <form><p class="muted" style="margin:0;font-size:13px">Step 1 of 4</p><div class="bar"><span></span></div>
  <h2 style="margin:10px 0 0;font-size:24px">What are you planning?</h2>
  <div class="tiles"><div class="tile on"><i></i>Pool</div><div class="tile"><i></i>Pool and spa</div>
   <div class="tile"><i></i>Plunge pool</div><div class="tile"><i></i>Renovation</div></div>
  <span class="btn" style="display:block;font-size:18px">Next: when would you like to swim? →</span>
  <p class="muted" style="font-size:13px;text-align:center;margin:12px 0 0">Takes 30 seconds. No obligation.</p>
 </form>
</div>""")
page("bluewater-pools-quote-form-cover", HERO, POOL_CSS, """
<div class="nav"><b>Bluewater Pools</b><span class="muted">★ 4.9 from 212 Google reviews</span>
<span class="btn" style="padding:10px 18px">Get my free design consultation</span></div>
<div class="hero" style="grid-template-columns:1fr 1fr;align-items:center">
 <div><h1 style="font-size:44px">Your backyard pool, designed free in one visit</h1>
  <p class="muted" style="font-size:19px">Custom in-ground pools around Austin since 1998.</p>
  <p><span class="btn" style="font-size:19px">Get my free design consultation</span></p>
  <p class="muted"><span class="stars">★★★★★</span> “They turned a sloped yard into the best room of our house.”</p></div>
 <div class="photo" style="height:420px"></div>
</div>""")

# --- Ridgeline Coffee: a busy homepage becomes a one-goal subscription page ----------------
COFFEE_CSS = """
:root { --brand: #6b3e26; }
body { background: #fbf7f2; }
.tiles { display: grid; grid-template-columns: repeat(4, 1fr); gap: 16px; padding: 0 40px; }
.tile { background: #fff; border: 1px solid #e6dccf; border-radius: 8px; padding: 12px; font-size: 14px; }
.tile i { display: block; height: 110px; border-radius: 6px; margin-bottom: 8px; background: #c9a27e; }
.bag { height: 330px; border-radius: 14px; background:
       radial-gradient(circle at 50% 40%, #8a5a3b 0 22%, transparent 23%), linear-gradient(#e9d8c4, #d9bf9f); }
.choice { display: inline-block; border: 2px solid #d8c6b3; border-radius: 999px; padding: 8px 16px;
          margin: 0 8px 8px 0; background: #fff; font-weight: 700; }
.choice.on { border-color: #6b3e26; background: #f3e6da; }
"""
page("coffee-subscription-landing-before", DESKTOP, COFFEE_CSS, """
<div class="nav"><b>Ridgeline Coffee Roasters</b><span>Shop</span><span>Subscriptions</span>
<span>Wholesale</span><span>Our cafés</span><span>Learn</span><span>Blog</span><span>About</span><span>Cart (0)</span></div>
<div style="padding:36px 40px 20px;display:grid;grid-template-columns:1fr 1fr;gap:30px;align-items:center">
 <div><h1 style="font-size:38px">Roasted with care since 2011</h1>
 <p class="muted">Small-batch speciality coffee from the Blue Ridge. Visit one of our three cafés, browse the
 shop, or talk to us about wholesale.</p><p><span class="btn">Shop all coffee</span>
 <span class="btn" style="background:#fff;color:#6b3e26;border:2px solid #6b3e26">Find a café</span></p></div>
 <div class="bag" style="height:260px"></div></div>
<div class="tiles">
 <div class="tile"><i></i>Single origins</div><div class="tile"><i></i>Blends</div>
 <div class="tile"><i></i>Subscriptions</div><div class="tile"><i></i>Brewing gear</div>
 <div class="tile"><i style="background:#9fb4a4"></i>Wholesale enquiry</div><div class="tile"><i style="background:#b7c4cf"></i>Café locator</div>
 <div class="tile"><i style="background:#d9c7a0"></i>Gift cards</div><div class="tile"><i style="background:#c6b2c9"></i>From the blog</div>
</div>
<div style="position:absolute;right:40px;bottom:40px;width:330px;background:#fff;border-radius:10px;
 box-shadow:0 8px 30px rgba(0,0,0,.25);padding:20px"><b>Get 10% off your first order!</b>
 <div class="field" style="margin:10px 0">Your email</div><span class="btn" style="padding:10px 18px">Sign up</span>
 <span class="muted" style="float:right">✕</span></div>""")
page("coffee-subscription-landing-after", DESKTOP, COFFEE_CSS, """
<div class="nav"><b>Ridgeline Coffee Roasters</b></div>
<div style="padding:40px;display:grid;grid-template-columns:1.1fr 1fr;gap:40px">
 <div><h1 style="font-size:42px">Fresh-roasted coffee at your door every two weeks</h1>
 <p class="muted" style="font-size:19px">From $1.10 a cup. You choose the roast; we roast it the week it ships.</p>
 <div style="background:#fff;border:1px solid #e6dccf;border-radius:12px;padding:22px;margin-top:22px">
  <p class="muted" style="margin:0 0 6px;font-size:13px">Question 1 of 3</p>
  <h2 style="margin:0 0 14px;font-size:22px">How do you brew?</h2>
  <span class="choice">Espresso</span><span class="choice on">Filter / pour-over</span>
  <span class="choice">French press</span><span class="choice">Moka pot</span>
  <p style="margin:18px 0 6px"><span class="btn" style="display:block;font-size:19px">Start my subscription</span></p>
  <p class="muted" style="text-align:center;margin:0;font-size:14px">Skip or cancel in two clicks, no phone call.</p>
 </div></div>
 <div><div class="bag"></div>
 <p class="muted" style="margin-top:18px"><span class="stars">★★★★★</span> 4.8 from 1,900 subscribers</p>
 <p style="font-style:italic">“Better than my local café, and it turns up before I run out.”</p></div>
</div>""")
page("coffee-subscription-landing-cover", HERO, COFFEE_CSS, """
<div class="nav"><b>Ridgeline Coffee Roasters</b></div>
<div style="padding:46px 40px;display:grid;grid-template-columns:1.1fr 1fr;gap:40px;align-items:center">
 <div><h1 style="font-size:46px">Fresh-roasted coffee at your door every two weeks</h1>
 <p class="muted" style="font-size:20px">From $1.10 a cup. You choose the roast.</p>
 <p><span class="btn" style="font-size:20px">Start my subscription</span></p>
 <p class="muted">Skip or cancel in two clicks, no phone call.</p></div>
 <div class="bag" style="height:400px"></div></div>""")

# --- Lumen Skincare: a seven-step mobile checkout becomes one page with express wallets ------
SKIN_CSS = """
:root { --brand: #2f5d50; }
.top { display: flex; justify-content: space-between; padding: 14px 18px; border-bottom: 1px solid #e3e7e5; }
.wrap { padding: 18px; }
.steps { display: flex; gap: 4px; margin: 4px 0 14px; }
.steps i { flex: 1; height: 5px; border-radius: 3px; background: #dfe5e2; }
.steps i.on { background: #2f5d50; }
.field { margin-bottom: 10px; padding: 12px; font-size: 15px; }
.pay { display: block; border-radius: 8px; padding: 13px; margin-bottom: 10px; font-weight: 700; text-align: center;
       color: #fff; background: #000; }
.line { display: flex; justify-content: space-between; font-size: 15px; margin: 4px 0; }
"""
page("skincare-checkout-before", PHONE, SKIN_CSS, """
<div class="top"><b>LUMEN</b><span class="muted">Secure checkout</span></div>
<div class="wrap"><p class="muted" style="margin:0;font-size:13px">Step 2 of 7: Account</p>
 <div class="steps"><i class="on"></i><i class="on"></i><i></i><i></i><i></i><i></i><i></i></div>
 <h1 style="font-size:24px">Sign in to continue</h1>
 <p class="muted" style="font-size:14px">You need an account to place an order.</p>
 <div class="field">Email address</div><div class="field">Password</div>
 <span class="btn" style="display:block;margin-bottom:10px">Sign in</span>
 <p style="text-align:center;font-size:14px;color:#2f5d50;text-decoration:underline">Forgot your password?</p>
 <hr style="border:0;border-top:1px solid #e3e7e5;margin:18px 0">
 <h2 style="font-size:18px;margin:0 0 8px">New customer?</h2>
 <div class="field">First name</div><div class="field">Last name</div><div class="field">Email address</div>
 <div class="field">Create a password (8+ characters)</div><div class="field">Confirm password</div>
 <span class="btn" style="display:block;background:#7d8a86">Create account and continue</span>
 <p class="muted" style="font-size:12px">Next: contact details, shipping address, delivery method, payment, review.</p>
</div>""")
page("skincare-checkout-after", PHONE, SKIN_CSS, """
<div class="top"><b>LUMEN</b><span class="muted">Bag · $88.00</span></div>
<div class="wrap"><p class="muted" style="margin:0 0 10px;font-size:13px">Express checkout</p>
 <span class="pay">Apple Pay</span><span class="pay" style="background:#fff;color:#1d2529;border:1px solid #c7cfcc">G Pay</span>
 <span class="pay" style="background:#5a31f4">Shop Pay</span>
 <p class="muted" style="text-align:center;font-size:13px;margin:6px 0 14px">or pay by card, no account needed</p>
 <div class="field">Email (for your receipt)</div>
 <div class="field">Start typing your address…</div>
 <div class="field" style="display:flex;justify-content:space-between;color:#1d2529">
  <span>◉ Standard, 2–4 days</span><b>Free</b></div>
 <div class="field">Card number</div>
 <div style="display:flex;gap:10px"><div class="field" style="flex:1">MM / YY</div><div class="field" style="flex:1">CVC</div></div>
 <div class="line"><span>Total</span><b>$88.00</b></div>
 <span class="btn" style="display:block;margin-top:10px;font-size:17px">Pay $88.00</span>
 <p style="text-align:center;font-size:13px;margin:10px 0 0"><span class="stars">★★★★★</span> 4.8 from 3,100 reviews<br>
 <span class="muted">60-day returns, no questions asked</span></p>
</div>""")

# --- Harmon & Reyes: a slow video page becomes a fast page with a sticky call bar -----------
LAW_CSS = """
:root { --brand: #b3261e; }
.top { display: flex; justify-content: space-between; align-items: center; padding: 12px 16px;
       background: #14233b; color: #fff; font-size: 13px; }
.video { height: 260px; background: #2b3a52; color: #9fb0c8; display: grid; place-items: center; font-size: 40px; }
.wrap { padding: 16px; }
.callbar { position: absolute; left: 0; right: 0; bottom: 0; padding: 12px 16px 16px; background: #fff;
           box-shadow: 0 -4px 16px rgba(0,0,0,.18); }
"""
page("harmon-reyes-mobile-calls-before", PHONE, LAW_CSS, """
<div class="top"><b style="font-size:15px">HARMON &amp; REYES</b><span>(602) 555-0147</span><span>☰</span></div>
<div class="video">▶<span style="font-size:14px;position:absolute;margin-top:90px">Loading video…</span></div>
<div class="wrap"><h1 style="font-size:22px">Phoenix's Trusted Personal Injury Attorneys</h1>
 <p class="muted" style="font-size:14px">With over 60 years of combined experience, our award-winning team has
 recovered millions for clients across Arizona in car accidents, motorcycle accidents, pedestrian accidents and
 more. Contact us today to learn how we can help.</p>
 <div class="field">Name</div><div class="field">Phone</div><div class="field">Describe your accident</div>
 <span class="btn" style="display:block;background:#5d6b7a">Submit</span></div>
<div style="position:absolute;right:12px;bottom:12px;width:56px;height:56px;border-radius:50%;background:#1f6feb;
 color:#fff;display:grid;place-items:center;font-size:14px;font-weight:700">Chat</div>""")
page("harmon-reyes-mobile-calls-after", PHONE, LAW_CSS, """
<div class="top"><b style="font-size:15px">HARMON &amp; REYES</b><span>Injury lawyers · Phoenix</span></div>
<div style="height:190px;background:linear-gradient(135deg,#d7dee8,#aab8cb)"></div>
<div class="wrap"><h1 style="font-size:25px">Hurt in a crash? Talk to a lawyer today, free.</h1>
 <p style="font-size:15px"><b>No fee unless we win.</b> Answered 24/7 by our intake team.</p>
 <p style="font-size:14px;margin:0"><span class="stars">★★★★★</span> 4.9 from 640 Google reviews</p>
 <p class="muted" style="font-size:14px;font-style:italic">“They called me back within ten minutes and handled
 everything with the insurer.” Maria G., Mesa</p></div>
<div class="callbar"><span class="btn" style="display:block;font-size:18px">Call now: free case review</span>
 <p class="muted" style="text-align:center;font-size:12px;margin:6px 0 0">(602) 555-0147 · answered by a person, 24/7</p></div>""")
page("harmon-reyes-mobile-calls-call-bar", (390, 200, 2), LAW_CSS, """
<div class="wrap" style="font-size:14px"><p class="muted" style="margin:0">…reviews and the team photo scroll past…</p></div>
<div class="callbar"><span class="btn" style="display:block;font-size:18px">Call now: free case review</span>
 <p class="muted" style="text-align:center;font-size:12px;margin:6px 0 0">(602) 555-0147 · answered by a person, 24/7</p></div>""")


def render(chromium: str, name: str, out_dir: Path, work: Path) -> Path:
    width, height, scale, css, body = PAGES[name]
    source = work / f"{name}.html"
    source.write_text(f"<!doctype html><meta charset=utf-8><style>{BASE_CSS}{css}</style>"
                      f"<body>{body}</body>", encoding="utf-8")
    shot = work / f"{name}.png"
    subprocess.run([chromium, "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars",
                    "--font-render-hinting=none", f"--force-device-scale-factor={scale}",
                    f"--window-size={width},{height}", f"--screenshot={shot}",
                    source.as_uri()], check=True, capture_output=True, timeout=60)
    target = out_dir / f"{name}.png"
    with Image.open(shot) as im:
        small = im.convert("RGB").quantize(COLOURS, method=Image.Quantize.MEDIANCUT,
                                           dither=Image.Dither.NONE)
        small.save(target, optimize=True)
    size = target.stat().st_size
    if size > MAX_BYTES:
        sys.exit(f"{target} is {size:,} bytes, over {MAX_BYTES:,}: simplify the mock")
    print(f"{target.relative_to(REPO) if target.is_relative_to(REPO) else target}  "
          f"{width * scale}x{height * scale}  {size // 1024} KB")
    return target


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--chromium", default="/usr/bin/chromium")
    parser.add_argument("--out", type=Path, default=REPO / "content" / "case-studies")
    parser.add_argument("names", nargs="*", help="only these (default: all)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as work:
        for name in args.names or PAGES:
            render(args.chromium, name, args.out, Path(work))


if __name__ == "__main__":
    main()
