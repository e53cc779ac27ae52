"""Blogs served on loopback the way their platforms build them: feed, sitemaps, robots.txt, post
pages with the platform's own metadata, and the pages that are not posts (home, about, tag,
category, author, pagination). Each builder registers its routes on a :class:`FeedServer` and
returns a :class:`Blog` that knows its posts, so a test can check that every one came home."""

from __future__ import annotations

import html
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone

from feedserver import FeedServer, Response

HTML = "text/html; charset=utf-8"
XML = "application/xml"


@dataclass(frozen=True)
class Post:
    slug: str
    title: str
    published: datetime
    tags: tuple[str, ...]
    number: int

    @property
    def body(self) -> str:
        words = " ".join(f"word{self.number}x{i}" for i in range(60))
        return (
            f"<p>This is post number {self.number}, called {html.escape(self.title)}. {words}.</p>"
            f"<p>Second paragraph of post {self.number}: it says more than the first, at length.</p>"
            f"<pre><code class='language-python'>print({self.number})</code></pre>"
        )


@dataclass
class Blog:
    """A blog being served: its posts (newest first), where its feed is, what is not a post."""

    server: FeedServer
    posts: list[Post]
    feed_path: str
    post_paths: dict[str, str] = field(default_factory=dict)
    not_posts: list[str] = field(default_factory=list)

    @property
    def home(self) -> str:
        return self.server.url("/")

    @property
    def feed(self) -> str:
        return self.server.url(self.feed_path)

    def url(self, post: Post) -> str:
        return self.server.url(self.post_paths[post.slug])


def make_posts(total: int, start: datetime | None = None) -> list[Post]:
    """``total`` posts, one every 9 days back from ``start``, newest first, two tags each."""
    start = start or datetime(2024, 5, 1, 9, 30, tzinfo=timezone.utc)
    topics = ["python", "sqlite", "terminals", "feeds", "testing"]
    return [
        Post(
            slug=f"post-number-{n}",
            title=f"Post number {n}: on {topics[n % 5]}",
            published=start - timedelta(days=9 * (total - n)),
            tags=(topics[n % 5], f"series {n % 3}"),
            number=n,
        )
        for n in range(total, 0, -1)
    ]


def _sitemap(urls: list[str], lastmod: datetime | None = None) -> bytes:
    stamp = (lastmod or datetime(2024, 6, 1, tzinfo=timezone.utc)).strftime("%Y-%m-%dT%H:%M:%S+00:00")
    body = "".join(f"<url><loc>{html.escape(u)}</loc><lastmod>{stamp}</lastmod></url>" for u in urls)
    return (
        '<?xml version="1.0" encoding="UTF-8"?>'
        f'<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">{body}</urlset>'
    ).encode()


def sitemap_index(urls: list[str]) -> bytes:
    body = "".join(f"<sitemap><loc>{html.escape(u)}</loc></sitemap>" for u in urls)
    return (
        '<?xml version="1.0" encoding="UTF-8"?>'
        f'<sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">{body}</sitemapindex>'
    ).encode()


def _page(head: str, body: str, title: str) -> bytes:
    return (
        f"<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'><title>{html.escape(title)}</title>"
        f"{head}</head><body><header><nav><a href='/'>Home</a> <a href='/about/'>About</a></nav></header>"
        f"{body}<footer>© 2024 The Author. Built with love.</footer></body></html>"
    ).encode()


def _listing(server: FeedServer, path: str, posts: list[Post], links: dict[str, str], head: str = "") -> None:
    items = "".join(
        f"<article class='post-entry'><h2><a href='{links[p.slug]}'>{html.escape(p.title)}</a></h2>"
        f"<time datetime='{p.published.isoformat()}'>{p.published:%b %d, %Y}</time></article>"
        for p in posts[:10]
    )
    server.add(path, Response(_page(head, f"<main>{items}</main>", "Listing"), content_type=HTML))


def _about(server: FeedServer, path: str, head: str = "") -> None:
    text = "<p>" + "I write about software, terminals and the web. " * 20 + "</p>"
    server.add(path, Response(_page(head, f"<main><h1>About</h1>{text}</main>", "About"), content_type=HTML))


def _rss(title: str, base: str, items: list[str], extra_ns: str = "", generator: str = "") -> bytes:
    gen = f"<generator>{generator}</generator>" if generator else ""
    return (
        '<?xml version="1.0" encoding="utf-8"?>'
        f'<rss version="2.0" xmlns:atom="http://www.w3.org/2005/Atom" {extra_ns}><channel>'
        f"<title>{title}</title><link>{base}/</link><description>A blog</description>{gen}"
        + "".join(items)
        + "</channel></rss>"
    ).encode()


def hugo(server: FeedServer, total: int = 23, feed_limit: int = 10) -> Blog:
    """Hugo: ``/index.xml`` capped by the theme, ``/sitemap.xml`` listing every page (home,
    sections, taxonomies, about), post pages with Hugo's internal OpenGraph template."""
    base = server.base
    posts = make_posts(total)
    links = {p.slug: f"/posts/{p.slug}/" for p in posts}
    blog = Blog(server, posts, "/index.xml", links)
    items = [
        f"<item><title>{html.escape(p.title)}</title><link>{base}{links[p.slug]}</link>"
        f"<pubDate>{p.published:%a, %d %b %Y %H:%M:%S +0000}</pubDate><guid>{base}{links[p.slug]}</guid>"
        f"<description>{html.escape(p.body[:80])}</description></item>"
        for p in posts[:feed_limit]
    ]
    server.add("/index.xml", _rss("Hugo blog", base, items, generator="Hugo -- gohugo.io"))
    for p in posts:
        head = (
            f"<meta property='og:title' content='{html.escape(p.title)}'>"
            "<meta property='og:type' content='article'>"
            f"<meta property='og:url' content='{base}{links[p.slug]}'>"
            f"<meta property='article:section' content='posts'>"
            f"<meta property='article:published_time' content='{p.published.isoformat()}'>"
            "<meta property='article:modified_time'"
            f" content='{(p.published + timedelta(days=3)).isoformat()}'>"
            + "".join(f"<meta property='article:tag' content='{t}'>" for t in p.tags)
            + f"<link rel='canonical' href='{base}{links[p.slug]}'>"
        )
        body = (
            f"<main><article><h1>{html.escape(p.title)}</h1>"
            f"<div class='content'>{p.body}</div></article></main>"
        )
        server.add(links[p.slug], Response(_page(head, body, p.title), content_type=HTML))
    website = "<meta property='og:type' content='website'>"
    feed_link = f"<link rel='alternate' type='application/rss+xml' href='{base}/index.xml'>"
    _listing(server, "/", posts, links, website + feed_link)
    _listing(server, "/posts/", posts, links, website)
    _listing(server, "/tags/", posts, links, website)
    _listing(server, "/tags/python/", posts, links, website)
    _listing(server, "/categories/", posts, links, website)
    _listing(server, "/page/2/", posts[10:], links, website)
    _about(server, "/about/", "<meta property='og:type' content='article'>")
    blog.not_posts = ["/", "/posts/", "/tags/", "/tags/python/", "/categories/", "/about/"]
    server.add("/sitemap.xml", _sitemap([base + u for u in [*blog.not_posts, *links.values()]]))
    server.add("/robots.txt", Response(b"User-agent: *\n", content_type="text/plain"))
    return blog


def jekyll(server: FeedServer, total: int = 14) -> Blog:
    """Jekyll with jekyll-feed (Atom, the 10 newest), jekyll-sitemap (every page and post) and
    minima's post layout (h-entry, schema.org microdata) with jekyll-seo-tag's JSON-LD."""
    base = server.base
    posts = make_posts(total)
    links = {p.slug: f"/{p.published:%Y/%m/%d}/{p.slug}.html" for p in posts}
    blog = Blog(server, posts, "/feed.xml", links)
    entries = "".join(
        f"<entry><title type='html'>{html.escape(p.title)}</title>"
        f"<link href='{base}{links[p.slug]}' rel='alternate' type='text/html'/>"
        f"<published>{p.published.isoformat()}</published><updated>{p.published.isoformat()}</updated>"
        f"<id>{base}{links[p.slug]}</id><content type='html'>{html.escape(p.body)}</content>"
        + "".join(f"<category term='{t}'/>" for t in p.tags)
        + "</entry>"
        for p in posts[:10]
    )
    server.add(
        "/feed.xml",
        (
            '<?xml version="1.0" encoding="utf-8"?><feed xmlns="http://www.w3.org/2005/Atom">'
            '<generator uri="https://jekyllrb.com/" version="4.3.2">Jekyll</generator>'
            f"<link href='{base}/feed.xml' rel='self'/><link href='{base}/' rel='alternate'/>"
            f"<id>{base}/feed.xml</id><title>Jekyll blog</title><updated>2024-05-01T00:00:00+00:00</updated>"
            f"{entries}</feed>"
        ).encode(),
        content_type="application/atom+xml",
    )
    for p in posts:
        ld = (
            '{"@context":"https://schema.org","@type":"BlogPosting",'
            f'"headline":"{p.title}","datePublished":"{p.published.isoformat()}",'
            f'"dateModified":"{p.published.isoformat()}","url":"{base}{links[p.slug]}",'
            '"author":{"@type":"Person","name":"Jo Writer"}}'
        )
        head = (
            f"<link rel='canonical' href='{base}{links[p.slug]}'>"
            f"<script type='application/ld+json'>{ld}</script>"
        )
        tags = "".join(f"<a href='/tags/#{t}' rel='tag'>{t}</a> " for t in p.tags)
        body = (
            "<main><article class='post h-entry' itemscope itemtype='http://schema.org/BlogPosting'>"
            f"<header><h1 class='post-title p-name' itemprop='name headline'>{html.escape(p.title)}</h1>"
            f"<p><time class='dt-published' datetime='{p.published.isoformat()}' itemprop='datePublished'>"
            f"{p.published:%b %-d, %Y}</time></p></header>"
            f"<div class='post-content e-content' itemprop='articleBody'>{p.body}</div>"
            f"<footer>Tags: {tags}</footer></article></main>"
        )
        server.add(links[p.slug], Response(_page(head, body, p.title), content_type=HTML))
    home_ld = '{"@context":"https://schema.org","@type":"WebSite","name":"Jekyll blog"}'
    home_head = (
        f"<script type='application/ld+json'>{home_ld}</script>"
        f"<link type='application/atom+xml' rel='alternate' href='{base}/feed.xml'>"
    )
    _listing(server, "/", posts, links, home_head)
    about_ld = '{"@context":"https://schema.org","@type":"WebPage","headline":"About"}'
    _about(server, "/about/", f"<script type='application/ld+json'>{about_ld}</script>")
    _about(server, "/projects.html")
    blog.not_posts = ["/", "/about/", "/projects.html"]
    server.add("/sitemap.xml", _sitemap([base + u for u in [*links.values(), *blog.not_posts]]))
    server.add("/robots.txt", Response(f"Sitemap: {base}/sitemap.xml\n".encode(), content_type="text/plain"))
    return blog


def ghost(server: FeedServer, total: int = 20) -> Blog:
    """Ghost: ``/rss/`` with the 15 newest (opaque guids), robots.txt naming ``/sitemap.xml``, an
    index of ``sitemap-pages``, ``-posts``, ``-authors`` and ``-tags``, JSON-LD ``Article`` pages."""
    base = server.base
    posts = make_posts(total)
    links = {p.slug: f"/{p.slug}/" for p in posts}
    blog = Blog(server, posts, "/rss/", links)
    items = [
        f"<item><title><![CDATA[{p.title}]]></title><description><![CDATA[{p.body[:90]}]]></description>"
        f"<link>{base}{links[p.slug]}</link><guid isPermaLink='false'>65f1c0a2b3d4e5f6{p.number:08x}</guid>"
        + "".join(f"<category><![CDATA[{t}]]></category>" for t in p.tags)
        + f"<pubDate>{p.published:%a, %d %b %Y %H:%M:%S GMT}</pubDate>"
        f"<content:encoded><![CDATA[{p.body}]]></content:encoded></item>"
        for p in posts[:15]
    ]
    server.add(
        "/rss/",
        _rss(
            "Ghost blog",
            base,
            items,
            'xmlns:content="http://purl.org/rss/1.0/modules/content/"',
            "Ghost 5.82",
        ),
        content_type="application/rss+xml",
    )
    for p in posts:
        ld = (
            '{"@context":"https://schema.org","@type":"Article","publisher":{"@type":"Organization",'
            f'"name":"Ghost blog"}},"headline":"{p.title}","url":"{base}{links[p.slug]}",'
            f'"datePublished":"{p.published.isoformat()}","keywords":"{", ".join(p.tags)}"}}'
        )
        head = (
            f"<link rel='canonical' href='{base}{links[p.slug]}'>"
            "<meta property='og:type' content='article'>"
            f"<meta property='article:published_time' content='{p.published.isoformat()}'>"
            + "".join(f"<meta property='article:tag' content='{t}'>" for t in p.tags)
            + f"<script type='application/ld+json'>{ld}</script>"
            "<meta name='generator' content='Ghost 5.82'>"
        )
        body = (
            "<main><article class='article post'><header>"
            f"<h1 class='article-title'>{html.escape(p.title)}</h1>"
            f"</header><section class='gh-content gh-canvas'>{p.body}</section></article></main>"
        )
        server.add(links[p.slug], Response(_page(head, body, p.title), content_type=HTML))
    website = (
        '<script type="application/ld+json">{"@context":"https://schema.org","@type":"WebSite"}</script>'
        "<meta property='og:type' content='website'>"
        f"<link rel='alternate' type='application/rss+xml' href='{base}/rss/'>"
    )
    _listing(server, "/", posts, links, website)
    _listing(server, "/tag/python/", posts, links, website)
    _listing(server, "/author/jo/", posts, links, "<meta property='og:type' content='profile'>")
    _about(server, "/about/", "<meta property='og:type' content='website'>")
    blog.not_posts = ["/", "/tag/python/", "/author/jo/", "/about/"]
    server.add(
        "/sitemap.xml",
        sitemap_index([f"{base}/sitemap-{k}.xml" for k in ("pages", "posts", "authors", "tags")]),
    )
    server.add("/sitemap-pages.xml", _sitemap([f"{base}/about/"]))
    server.add("/sitemap-posts.xml", _sitemap([base + links[p.slug] for p in posts]))
    server.add("/sitemap-authors.xml", _sitemap([f"{base}/author/jo/"]))
    server.add("/sitemap-tags.xml", _sitemap([f"{base}/tag/python/"]))
    server.add(
        "/robots.txt",
        Response(
            f"User-agent: *\nSitemap: {base}/sitemap.xml\nDisallow: /ghost/\n".encode(),
            content_type="text/plain",
        ),
    )
    return blog


def wordpress(server: FeedServer, total: int = 25) -> Blog:
    """WordPress behind a cache that ignores ``?paged``: ``/feed/`` (10 newest, ``?p=N`` guids),
    core's ``wp-sitemap.xml`` index (posts, pages, categories, users), pages with OpenGraph (as
    Yoast writes it), ``entry-content`` and ``rel="tag"`` links."""
    base = server.base
    posts = make_posts(total)
    links = {p.slug: f"/{p.published:%Y/%m}/{p.slug}/" for p in posts}
    blog = Blog(server, posts, "/feed/", links)
    items = [
        f"<item><title>{html.escape(p.title)}</title><link>{base}{links[p.slug]}</link>"
        f"<pubDate>{p.published:%a, %d %b %Y %H:%M:%S +0000}</pubDate>"
        + "".join(f"<category><![CDATA[{t}]]></category>" for t in p.tags)
        + f"<guid isPermaLink='false'>{base}/?p={1000 + p.number}</guid>"
        f"<description><![CDATA[{p.body[:100]} [&#8230;]]]></description></item>"
        for p in posts[:10]
    ]
    feed = _rss("WP blog", base, items, generator="https://wordpress.org/?v=6.5.2")
    server.add("/feed/", Response(feed, content_type="application/rss+xml"))  # ?paged=N: the same page
    for p in posts:
        head = (
            f"<link rel='canonical' href='{base}{links[p.slug]}'>"
            "<meta property='og:type' content='article'>"
            f"<meta property='og:title' content='{html.escape(p.title)}'>"
            f"<meta property='article:published_time' content='{p.published.isoformat()}'>"
            f"<link rel='https://api.w.org/' href='{base}/wp-json/'>"
        )
        tags = "".join(f"<a href='{base}/tag/{t.replace(' ', '-')}/' rel='tag'>{t}</a>" for t in p.tags)
        body = (
            f"<main><article id='post-{p.number}' class='post type-post status-publish'>"
            f"<h1 class='entry-title'>{html.escape(p.title)}</h1>"
            f"<div class='entry-content'>{p.body}</div>"
            f"<footer class='entry-footer'><span class='tags-links'>{tags}</span></footer></article></main>"
        )
        server.add(links[p.slug], Response(_page(head, body, p.title), content_type=HTML))
    website = "<meta property='og:type' content='website'>"
    _listing(
        server,
        "/",
        posts,
        links,
        website + f"<link rel='alternate' type='application/rss+xml' href='{base}/feed/'>",
    )
    _about(server, "/about/", "<meta property='og:type' content='article'>")
    _listing(server, "/category/news/", posts, links, website)
    _listing(server, "/author/admin/", posts, links, "<meta property='og:type' content='profile'>")
    blog.not_posts = ["/", "/about/", "/category/news/", "/author/admin/"]
    server.add(
        "/wp-sitemap.xml",
        sitemap_index(
            [
                f"{base}/wp-sitemap-posts-post-1.xml",
                f"{base}/wp-sitemap-posts-page-1.xml",
                f"{base}/wp-sitemap-taxonomies-category-1.xml",
                f"{base}/wp-sitemap-users-1.xml",
            ]
        ),
    )
    server.add("/wp-sitemap-posts-post-1.xml", _sitemap([base + links[p.slug] for p in posts]))
    server.add("/wp-sitemap-posts-page-1.xml", _sitemap([f"{base}/", f"{base}/about/"]))
    server.add("/wp-sitemap-taxonomies-category-1.xml", _sitemap([f"{base}/category/news/"]))
    server.add("/wp-sitemap-users-1.xml", _sitemap([f"{base}/author/admin/"]))
    server.add(
        "/robots.txt",
        Response(
            (
                "User-agent: *\nDisallow: /wp-admin/\nAllow: /wp-admin/admin-ajax.php\n\n"
                f"Sitemap: {base}/wp-sitemap.xml\n"
            ).encode(),
            content_type="text/plain",
        ),
    )
    return blog


def feed_only(server: FeedServer, total: int = 6) -> Blog:
    """A blog with nothing beyond its feed: no sitemap, no paging, no robots.txt."""
    base = server.base
    posts = make_posts(total)
    links = {p.slug: f"/notes/{p.slug}" for p in posts}
    items = [
        f"<item><title>{html.escape(p.title)}</title><link>{base}{links[p.slug]}</link>"
        f"<pubDate>{p.published:%a, %d %b %Y %H:%M:%S +0000}</pubDate><guid>{base}{links[p.slug]}</guid>"
        f"<description>{html.escape(p.body)}</description></item>"
        for p in posts
    ]
    server.add("/feed.xml", _rss("Only a feed", base, items))
    return Blog(server, posts, "/feed.xml", links)


def sitemap_only(server: FeedServer, total: int, *, feed_limit: int = 10, latency: float = 0.0) -> Blog:
    """A blog known only by its sitemap (the benchmark's): a feed of the newest, every post in
    ``/sitemap.xml``, post pages with OpenGraph; ``latency`` seconds before each response."""
    import time

    blog = hugo_like_pages(server, total, latency)
    base = server.base
    posts = blog.posts
    items = [
        f"<item><title>{html.escape(p.title)}</title><link>{base}{blog.post_paths[p.slug]}</link>"
        f"<pubDate>{p.published:%a, %d %b %Y %H:%M:%S +0000}</pubDate>"
        f"<guid>{base}{blog.post_paths[p.slug]}</guid>"
        f"<description>{html.escape(p.body)}</description></item>"
        for p in posts[:feed_limit]
    ]
    feed = Response(_rss("Sitemap blog", base, items), content_type="application/rss+xml")
    sitemap = Response(_sitemap([base + blog.post_paths[p.slug] for p in posts]))

    def slow(response: Response):  # type: ignore[no-untyped-def]
        def handler(_request):  # type: ignore[no-untyped-def]
            time.sleep(latency)
            return response

        return handler

    server.add("/feed.xml", slow(feed) if latency else feed)
    server.add("/sitemap.xml", slow(sitemap) if latency else sitemap)
    blog.feed_path = "/feed.xml"
    return blog


def hugo_like_pages(server: FeedServer, total: int, latency: float = 0.0) -> Blog:
    """Post pages only (OpenGraph metadata, an article container), each ``latency`` s slow."""
    import time

    posts = make_posts(total, datetime(2024, 5, 1, tzinfo=timezone.utc))
    links = {p.slug: f"/posts/{p.slug}/" for p in posts}
    for p in posts:
        head = (
            "<meta property='og:type' content='article'>"
            f"<meta property='article:published_time' content='{p.published.isoformat()}'>"
            + "".join(f"<meta property='article:tag' content='{t}'>" for t in p.tags)
        )
        body = (
            f"<main><article><h1>{html.escape(p.title)}</h1>"
            f"<div class='post-content'>{p.body}</div></article></main>"
        )
        response = Response(_page(head, body, p.title), content_type=HTML)
        if latency:

            def handler(_request, response=response):  # type: ignore[no-untyped-def]
                time.sleep(latency)
                return response

            server.add(links[p.slug], handler)
        else:
            server.add(links[p.slug], response)
    return Blog(server, posts, "", links)
