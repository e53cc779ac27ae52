"""Feed bytes to posts: ``feed`` (the entry point and the feedparser path), ``xml_fast`` (an lxml
fast path for well-formed RSS 2.0 and Atom 1.0), ``jsonfeed`` (JSON Feed) and ``common`` (what they
share). Nothing is imported here, so feedparser and lxml load only when a feed is parsed."""
