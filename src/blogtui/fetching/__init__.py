"""The network side: ``http`` (httpx, limits, conditional GET, redirects, errors), ``discovery``
(a page's feeds) and ``refresh`` (subscribe and refresh runs: many feeds at once, archive walks,
the parse pool). Nothing is imported here, so httpx loads only when something is fetched."""
