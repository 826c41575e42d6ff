"""Screenshots of pages in both languages at desktop and phone width, for a person to look at.

    .venv/bin/python scripts/screenshots.py http://127.0.0.1:8000 /path/one /path/two ...
    (options: --login USERNAME, --out DIR)
"""

from __future__ import annotations

import argparse
import re
from pathlib import Path

from playwright.sync_api import sync_playwright

ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
        "--disable-sync", "--no-first-run", "--disable-quic"]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("base")
    parser.add_argument("paths", nargs="+")
    parser.add_argument("--login", default="")
    parser.add_argument("--password", default="gongzhi-demo-2026")
    parser.add_argument("--out", default="var/screenshots")
    parser.add_argument("--widths", default="1280,375")
    args = parser.parse_args()
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", headless=True, args=ARGS)
        for width in [int(w) for w in args.widths.split(",")]:
            for language in ("zh-hans", "en"):
                context = browser.new_context(viewport={"width": width, "height": 900})
                context.add_cookies([{"name": "gongzhi_language", "value": language, "url": args.base}])
                page = context.new_page()
                if args.login:
                    page.goto(args.base + "/accounts/login/")
                    page.fill("input[name=login]", args.login)
                    page.fill("input[name=password]", args.password)
                    page.locator("form[action$='/accounts/login/'] button[type=submit]").click()
                    page.wait_for_load_state()
                    page.goto(args.base + "/")
                    page.locator(f"form.lang-switch button[value='{language}']").click()
                    page.wait_for_load_state()
                for path in args.paths:
                    page.goto(args.base + path)
                    page.wait_for_load_state("networkidle")
                    name = re.sub(r"[^A-Za-z0-9]+", "_", path).strip("_") or "home"
                    who = args.login or "visitor"
                    page.screenshot(path=str(out / f"{name}-{who}-{language}-{width}.png"), full_page=True)
                context.close()
        browser.close()
    print(f"Screenshots in {out}/")


if __name__ == "__main__":
    main()
