"""The loopback news site serving the malformed cases of tests/malformed_cases.py.

One site serves every feed and sitemap case under `/m/<name>/`; a robots case needs a site
(a port) of its own, since a robots.txt governs a whole host.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import ExitStack, contextmanager

from malformed_cases import Case
from news_site import Doc, NewsSite


class MalformedSite(NewsSite):
    """The news site plus the cases' documents; `robots` replaces its robots.txt."""

    def __init__(self, cases: Sequence[Case], robots: Case | None = None) -> None:
        super().__init__()
        self.cases, self.robots = cases, robots

    def case_base(self, case: Case) -> str:
        """The URL prefix a case's documents live under."""
        return self.url(f"/m/{case.name}")

    def input_url(self, case: Case) -> str:
        """The URL given to `newslake run` for a case."""
        if case.kind == "robots":
            return f"{self.case_base(case)}/page.html"
        return f"{self.case_base(case)}/{case.filename}"

    def _build_docs(self) -> None:
        super()._build_docs()
        for case in self.cases:
            path = f"/m/{case.name}/{case.filename}"
            self._docs[path] = Doc(path, case.body(self.case_base(case)), case.content_type)
        if self.robots is not None:
            body = self.robots.body(self.case_base(self.robots))
            self._docs["/robots.txt"] = Doc("/robots.txt", body, self.robots.content_type)


@contextmanager
def malformed_sites(cases: Sequence[Case]) -> Iterator[dict[str, MalformedSite]]:
    """Running sites for the web cases, by case name: one shared site, one per robots case."""
    with ExitStack() as stack:
        listed = [c for c in cases if c.kind in ("feed", "sitemap")]
        shared = stack.enter_context(MalformedSite(listed))
        sites = {case.name: shared for case in listed}
        for case in cases:
            if case.kind == "robots":
                sites[case.name] = stack.enter_context(MalformedSite([], robots=case))
        yield sites
