"""A post's web page turned into its article body (HTML), for feeds that carry only summaries."""

from __future__ import annotations

import logging
import re

from ..errors import ArticleError

#: A page smaller than this after extraction is taken as "no article found".
MIN_ARTICLE_CHARS = 200

_META_CHARSET_RE = re.compile(rb"""<meta[^>]+charset=["']?([\w.:-]+)""", re.IGNORECASE)


def decode_page(body: bytes, content_type: str = "") -> str:
    """A web page's text: the charset from the HTTP header, else the page's ``<meta>``, else UTF-8."""
    candidates = []
    match = re.search(r"charset=([\w.:-]+)", content_type or "", re.IGNORECASE)
    if match:
        candidates.append(match.group(1))
    meta = _META_CHARSET_RE.search(body[:4096])
    if meta:
        candidates.append(meta.group(1).decode("ascii", "replace"))
    for charset in (*candidates, "utf-8"):
        try:
            return body.decode(charset)
        except (LookupError, UnicodeDecodeError):
            continue
    return body.decode("utf-8", errors="replace")


def extract_with_trafilatura(body: bytes | str, url: str = "") -> str | None:
    """The article of a page as HTML, by trafilatura (images, links, tables and formatting kept)."""
    import trafilatura

    logging.getLogger("trafilatura").setLevel(logging.CRITICAL)
    html = body if isinstance(body, str) else decode_page(body)
    try:
        return trafilatura.extract(
            html,
            url=url or None,
            output_format="html",
            include_comments=False,
            include_tables=True,
            include_images=True,
            include_links=True,
            include_formatting=True,
            deduplicate=False,
        )
    except Exception:  # noqa: BLE001 - a page that breaks the extractor simply has no article
        return None


def extract_article(body: bytes, url: str = "", content_type: str = "") -> str:
    """The main article of a post's web page, as HTML ready for :func:`content.html_to_markdown`.

    Uses trafilatura: on generated blog pages (benchmarks/article_extraction.py) it kept every
    article sentence and table and no boilerplate, where readability-lxml dropped small tables and
    kept newsletter boxes inside the article. trafilatura drops code-block languages and figure
    captions: :func:`restore_lost_markup` puts them back from the page.

    Raises:
        ArticleError: the page holds no article (too little text after extraction).
    """
    html = decode_page(body, content_type)
    if "<" not in html:
        raise ArticleError("not a web page")
    extracted = extract_with_trafilatura(html, url)
    text_length = len(re.sub(r"<[^>]*>|\s+", "", extracted or ""))
    if not extracted or text_length < MIN_ARTICLE_CHARS // 2:
        raise ArticleError("no article found on the page")
    try:
        return restore_lost_markup(extracted, html, url)
    except Exception:  # noqa: BLE001 - the article as extracted is still worth reading
        return extracted


def _words(text: str) -> str:
    return " ".join(text.split())


def restore_lost_markup(extracted: str, page: str, url: str = "") -> str:
    """Put back what trafilatura drops from an article: code-block languages and figure captions.

    Each ``<pre>`` of the extracted article whose text matches a block of the page gets that
    block's language (``class="language-x"``); each image that sat in a ``<figure>`` on the page
    gets its ``<figcaption>`` back, unless the caption's words are already in the article.
    """
    from urllib.parse import urljoin

    from bs4 import BeautifulSoup

    from .converter import code_language, pre_text

    original = BeautifulSoup(page, "lxml")
    languages: dict[str, str] = {}
    for pre in original.find_all("pre"):
        if pre.find_parent("pre") is None:
            language = code_language(pre)
            if language:
                languages.setdefault(_words(pre_text(pre)), language)
    captions: dict[str, str] = {}
    for figure in original.find_all("figure"):
        caption = figure.find("figcaption")
        text = _words(caption.get_text(" ")) if caption is not None else ""
        if not text:
            continue
        for img in figure.find_all("img"):
            src = img.get("src") or img.get("data-src") or ""
            if isinstance(src, str) and src.strip():
                captions.setdefault(urljoin(url, src.strip()) if url else src.strip(), text)
    if not languages and not captions:
        return extracted
    article = BeautifulSoup(extracted, "lxml")
    for pre in article.find_all("pre"):
        if pre.find_parent("pre") is None and not code_language(pre):
            known = languages.get(_words(pre_text(pre)))
            if known:
                pre["class"] = f"language-{known}"
    article_words = _words(article.get_text(" "))
    for img in article.find_all("img"):
        image = img.get("src")
        if not isinstance(image, str):
            continue
        caption_text = captions.get(urljoin(url, image) if url else image)
        if caption_text and caption_text not in article_words and img.find_parent("figure") is None:
            figure = img.wrap(article.new_tag("figure"))
            figcaption = article.new_tag("figcaption")
            figcaption.string = caption_text
            figure.append(figcaption)
    body = article.body
    return body.decode_contents() if body is not None else str(article)
