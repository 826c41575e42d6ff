"""Finding what a strict CSP would block (or what an injection left behind) in HTML."""

from __future__ import annotations

from html.parser import HTMLParser


class _Scanner(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.problems: list[str] = []
        self._in_script = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        names = {name.lower(): value for name, value in attrs}
        line = self.getpos()[0]
        if tag == "script":
            self._in_script = True
            if "src" not in names:
                self.problems.append(f"line {line}: inline <script>")
            if (names.get("type") or "").lower() not in (
                "",
                "module",
                "text/javascript",
                "application/json",
            ):
                self.problems.append(f"line {line}: <script type={names.get('type')}>")
        if tag == "style":
            self.problems.append(f"line {line}: inline <style>")
        for name, value in names.items():
            if name.startswith("on"):
                self.problems.append(f"line {line}: event handler attribute {name} on <{tag}>")
            if name == "style":
                self.problems.append(f"line {line}: style attribute on <{tag}>")
            if name in ("href", "src", "action", "formaction") and (
                value or ""
            ).strip().lower().startswith("javascript:"):
                self.problems.append(f"line {line}: javascript: URL in {name} on <{tag}>")

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.handle_starttag(tag, attrs)
        if tag == "script":
            self._in_script = False

    def handle_endtag(self, tag: str) -> None:
        if tag == "script":
            self._in_script = False


def inline_code(html: str) -> list[str]:
    """Every inline script, inline style, on* handler and javascript: URL in `html`."""
    scanner = _Scanner()
    scanner.feed(html)
    scanner.close()
    return scanner.problems
