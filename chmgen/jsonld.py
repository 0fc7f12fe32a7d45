"""schema.org JSON-LD for a page: the site's institution, datasets, news articles, events.

The home page describes the site (WebSite) and the institution running it
(GovernmentOrganization); an indicator page is a Dataset with its CSV and JSON downloads; a
news post is a NewsArticle; an event page is an Event. Other pages carry none: search engines
learn nothing more from a bare WebPage than from the HTML itself.
"""

from __future__ import annotations

import html
import json
import re
from typing import TYPE_CHECKING, Any

from markupsafe import Markup

from chmgen.model import Indicator, Item, MarkdownEntry
from chmgen.opendata import indicator_csv_path
from chmgen.rendercache import render_markdown
from chmgen.urls import absolute_url, lang_prefix

if TYPE_CHECKING:
    from chmgen.render import PageContext

CONTEXT = "https://schema.org"


def structured_data(page: PageContext) -> Markup:
    """The page's ``<script type="application/ld+json">``, or nothing."""
    entity = page_entity(page)
    if entity is None:
        return Markup("")
    text = json.dumps({"@context": CONTEXT, **entity}, ensure_ascii=False,
                      separators=(",", ":"))
    # Inside <script>, "</script>" or "<!--" in a text would end or break the element.
    text = text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
    return Markup(f'<script type="application/ld+json">{text}</script>')


def page_entity(page: PageContext) -> dict[str, Any] | None:
    """The schema.org description of one page, by the kind of page it is."""
    data = page.page.data
    if page.page.key == "":
        return {"@graph": [website(page), organization(page)]}
    if isinstance(data.get("indicator"), Indicator):
        return dataset(page, data["indicator"])
    if page.page.section == "news" and isinstance(data.get("post"), MarkdownEntry):
        return news_article(page, data["post"])
    item = data.get("item")
    if isinstance(item, Item) and item.kind == "events":
        return event(page, item)
    return None


# schema.org EventStatusType for the content contract's event statuses.
EVENT_STATUS = {"scheduled": "EventScheduled", "postponed": "EventPostponed",
                "cancelled": "EventCancelled"}


def event(page: PageContext, item: Item) -> dict[str, Any]:
    """An event with its times (in its own time zone), place or online link, and status."""
    fields = item.fields
    online, place = fields.get("online"), fields.get("location")
    mode = ("MixedEventAttendanceMode" if online and place else
            "OnlineEventAttendanceMode" if online else "OfflineEventAttendanceMode")
    entity: dict[str, Any] = {
        "@type": "Event", "name": page.t(item.title),
        "startDate": page.iso_when(fields["start"], fields.get("timezone") or "UTC"),
        "eventStatus": f"https://schema.org/{EVENT_STATUS[fields.get('status') or 'scheduled']}",
        "eventAttendanceMode": f"https://schema.org/{mode}",
        "organizer": _publisher(page),
    }
    if fields.get("end"):
        entity["endDate"] = page.iso_when(fields["end"], fields.get("timezone") or "UTC")
    locations: list[dict[str, Any]] = []
    if place:
        locations.append({"@type": "Place", "name": page.t(place),
                          "address": page.t(page.site.config.country_name)})
    if online:
        locations.append({"@type": "VirtualLocation", "url": online})
    if locations:
        entity["location"] = locations[0] if len(locations) == 1 else locations
    if item.description:
        entity["description"] = _plain(page.t(item.description))[:500]
    if page.canonical():
        entity["url"] = page.canonical()
    return entity


def organization(page: PageContext) -> dict[str, Any]:
    """The institution that runs the national CHM, or the CHM itself when none is named."""
    config = page.site.config
    entity: dict[str, Any] = {
        "@type": "GovernmentOrganization",
        "name": page.t(config.organization or config.title),
        "areaServed": {"@type": "Country", "name": page.t(config.country_name)},
    }
    home = _address(page, lang_prefix(page.lang, page.default))
    if config.base_url:
        entity["@id"] = home + "#organization"
    entity["url"] = home
    return entity


def website(page: PageContext) -> dict[str, Any]:
    config = page.site.config
    home = _address(page, lang_prefix(page.lang, page.default))
    entity: dict[str, Any] = {"@type": "WebSite", "name": page.t(config.title), "url": home,
                              "inLanguage": page.lang, "publisher": _publisher(page)}
    if config.description:
        entity["description"] = page.t(config.description)
    if config.search and config.base_url:
        entity["potentialAction"] = {
            "@type": "SearchAction",
            "target": {"@type": "EntryPoint", "urlTemplate": _address(
                page, lang_prefix(page.lang, page.default) + "search/") + "?q={query}"},
            "query-input": "required name=query",
        }
    return entity


def dataset(page: PageContext, indicator: Indicator) -> dict[str, Any]:
    """An indicator: its series as a Dataset, downloadable as CSV (and within the JSON)."""
    config = page.site.config
    name = page.t(indicator.title)
    unit = page.t(indicator.unit)
    description = _plain(page.t(indicator.description)) or name
    entity: dict[str, Any] = {
        "@type": "Dataset", "name": name, "description": description,
        "inLanguage": page.lang, "isAccessibleForFree": True,
        "creator": _publisher(page),
        "spatialCoverage": {"@type": "Place", "name": page.t(config.country_name)},
        "variableMeasured": {"@type": "PropertyValue", "name": name,
                             **({"unitText": unit} if unit else {})},
        "distribution": [
            {"@type": "DataDownload", "encodingFormat": "text/csv",
             "contentUrl": _address(page, indicator_csv_path(indicator))},
            {"@type": "DataDownload", "encodingFormat": "application/json",
             "contentUrl": _address(page, "data/indicators.json")},
        ],
    }
    if page.canonical():
        entity["url"] = page.canonical()
    if indicator.data:
        entity["temporalCoverage"] = f"{indicator.data[0].year}/{indicator.data[-1].year}"
    if indicator.source:
        entity["sourceOrganization"] = {"@type": "Organization",
                                        "name": page.t(indicator.source)}
    if indicator.methodology:
        entity["measurementTechnique"] = _plain(page.t(indicator.methodology))
    return entity


def news_article(page: PageContext, post: MarkdownEntry) -> dict[str, Any]:
    variant, fallback = post.variant(page.lang, page.default)
    entity: dict[str, Any] = {
        "@type": "NewsArticle", "headline": variant.title[:110],
        "inLanguage": fallback or page.lang,
        "publisher": _publisher(page), "author": _publisher(page),
    }
    if post.date:
        entity["datePublished"] = post.date.isoformat()
    summary = variant.summary or variant.description
    if summary:
        entity["description"] = summary
    if variant.image:
        entity["image"] = _address(page, variant.image.lstrip("/"))
    if page.canonical():
        entity["url"] = entity["mainEntityOfPage"] = page.canonical()
    return entity


def _publisher(page: PageContext) -> dict[str, Any]:
    config = page.site.config
    entity = {"@type": "GovernmentOrganization",
              "name": page.t(config.organization or config.title)}
    if config.base_url:
        entity["@id"] = absolute_url(config.base_url,
                                     lang_prefix(page.lang, page.default)) + "#organization"
    return entity


def _plain(markdown: str) -> str:
    """Markdown as plain text, for descriptions."""
    rendered = render_markdown(markdown, lambda path: path)
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", rendered)).split())


def _address(page: PageContext, path: str) -> str:
    """A site path as written in JSON-LD: absolute with base_url, else relative to the page."""
    base = page.site.config.base_url
    return absolute_url(base, path) if base else page.root_link(path)
