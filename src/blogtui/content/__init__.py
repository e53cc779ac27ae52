"""Untrusted HTML made safe and readable: ``sanitize`` (the leaf), ``text`` (search text, reading
time, summary rules), ``markdown`` and ``converter`` (HTML to Markdown with markdownify) and
``article`` (a web page's article, with trafilatura). Nothing is imported here: markdownify,
BeautifulSoup and trafilatura load only when a post is first converted."""
