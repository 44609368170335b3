"""Link provenance: where a link in a draft may point.

A small model writes well-formed links that lead nowhere (a made-up
``https://www.youtube.com/watch?v=...``, a product page that does not exist). A link is
*verified* when its target was given to the writer: quoted in the brief, in the product data or
in the brand memory recalled for the asset, or on one of the brand's allowed domains (the
``allowed_link_domains`` setting; subdomains included). Everything else fails the ``links``
check, naming the URL.

Matching is exact on a normalised form (scheme, ``www.``, letter case of the host, a trailing
slash and the ``#fragment`` do not matter; the path and the query do): a page on a quoted
domain is not verified by the domain's home page, only by the allowed-domains setting. Relative
links and ``#anchors`` point into the publishing site itself and are not checked here.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from urllib.parse import urlsplit

_URL = re.compile(r"(?:https?://|www\.)[^\s<>\"'`)\]]+", re.IGNORECASE)
_EMAIL = re.compile(r"(?<![\w.+-])(?:mailto:)?([\w.+-]+@[\w-]+(?:\.[\w-]+)+)", re.IGNORECASE)
_BARE_DOMAIN = re.compile(
    r"(?<![\w@./-])((?:[a-z0-9](?:[a-z0-9-]*[a-z0-9])?\.)+[a-z]{2,})(?![\w@-])", re.IGNORECASE
)
_TRAILING = ".,;:!?'\"*_"


def normalise_url(url: str) -> str:
    """The comparable form of a link: ``mailto:user@host`` or ``host/path?query``.

    ``https://WWW.Loomwell.example/Spring/#top`` -> ``loomwell.example/Spring``.
    """
    target = url.strip().rstrip(_TRAILING)
    if target.lower().startswith("mailto:"):
        return "mailto:" + target[len("mailto:") :].split("?", 1)[0].lower()
    if "://" not in target:
        target = "https://" + target
    parts = urlsplit(target)
    host = (parts.hostname or "").lower().removeprefix("www.")
    path = parts.path.rstrip("/")
    return host + path + (f"?{parts.query}" if parts.query else "")


def link_host(url: str) -> str:
    """The host a link points to, lower case without ``www.`` (the domain of a ``mailto:``)."""
    target = url.strip().rstrip(_TRAILING)
    if target.lower().startswith("mailto:"):
        return target.rsplit("@", 1)[-1].split("?", 1)[0].lower()
    return normalise_url(target).split("/", 1)[0].split("?", 1)[0]


def find_links(text: str) -> list[str]:
    """Every URL, ``www.`` address, e-mail address and bare domain (``loomwell.example``)
    mentioned in ``text``, in order (e-mail addresses as ``mailto:``)."""
    found = [match.group(0).rstrip(_TRAILING) for match in _URL.finditer(text)]
    without_urls = _URL.sub(" ", text)
    found += [f"mailto:{match.group(1)}" for match in _EMAIL.finditer(without_urls)]
    without_emails = _EMAIL.sub(" ", without_urls)
    found += [match.group(1) for match in _BARE_DOMAIN.finditer(without_emails)]
    return found


def parse_domains(setting: str) -> tuple[str, ...]:
    """``"loomwell.example, https://www.Shop.example/"`` -> ``("loomwell.example",
    "shop.example")``: the comma-separated ``allowed_link_domains`` setting."""
    return tuple(link_host(part) for part in setting.split(",") if part.strip())


@dataclass(frozen=True)
class LinkSources:
    """The link targets a draft may use (see the module docstring)."""

    urls: frozenset[str] = frozenset()
    """Normalised links quoted in the sources (``normalise_url``)."""
    domains: frozenset[str] = frozenset()
    """Allowed domains: any link to them or their subdomains is verified."""

    @classmethod
    def from_texts(cls, texts: Iterable[str], domains: Iterable[str] = ()) -> LinkSources:
        """Sources from free texts (brief, product fields, memory items) and allowed domains."""
        urls = {normalise_url(link) for text in texts for link in find_links(text)}
        return cls(frozenset(urls), frozenset(link_host(d) for d in domains if d.strip()))

    def allows(self, url: str) -> bool:
        """Whether ``url`` is verified: quoted in a source, or on an allowed domain."""
        if normalise_url(url) in self.urls:
            return True
        host = link_host(url)
        return any(host == domain or host.endswith("." + domain) for domain in self.domains)
