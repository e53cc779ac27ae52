"""A blog's whole archive, enumerated by several kinds of source behind one interface (``base``):
feed paging (``paging``), platform APIs that hand over whole posts (``platforms``), sitemaps
(``sitemaps``) and the post pages themselves (``pages``). ``fetching.refresh`` tries them cheapest
for the site first and stops when the archive is complete."""
