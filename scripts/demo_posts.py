"""The sample blog's posts (original text written for blogtui's demo): slug, date, tags, title, HTML."""
# ruff: noqa: E501 -- the posts are prose; their lines are as the author wrapped them.

POSTS = [
    (
        "why-i-read-blogs-in-a-terminal",
        "2022-02-14T08:30:00Z",
        ["reading", "terminal", "essays"],
        "Why I read blogs in a terminal",
        """<p>Every few years somebody announces that blogs are dead, and every few years I count the
feeds I follow and find the number has gone up. What changed is not the writing; it is where I read it.</p>
<p>I spend most of the day in a terminal. A browser tab is a place where reading competes with
notifications, autoplaying video and a cookie banner the size of a postcard. A terminal pane is
quiet. Text arrives, I read it, I move on with <code>j</code>.</p>
<h2>What I want from a reader</h2>
<ul>
<li>The <em>whole</em> blog, not the last ten posts the feed happens to show.</li>
<li>Search that works offline, on a train, in a tunnel.</li>
<li>Keys that never make me reach for the mouse.</li>
</ul>
<p>This blog is a notebook about building exactly that, and about the garden I tend when the
build is slow.</p>""",
    ),
    (
        "tomatoes-and-timeouts",
        "2022-05-03T18:10:00Z",
        ["gardening", "essays"],
        "Tomatoes and timeouts",
        """<p>Tomato seedlings teach patience the way network code does: you set a deadline, and you
accept that some of them will not make it.</p>
<blockquote><p>A plant that has not germinated after three weeks is not slow. It is done.</p></blockquote>
<p>I planted twenty-four seeds this spring and eighteen came up. The six that didn't were not
waiting for a better moment; the soil was too cold and nothing I did afterwards changed that. A
server that has not answered in twenty seconds is the same. Waiting longer only keeps a slot busy
that a healthy request could use.</p>
<p>So the rule in the garden and in <code>fetch.py</code> is the same: a total deadline, not a
per-read timeout, and no regrets.</p>""",
    ),
    (
        "sqlite-is-a-file-format",
        "2022-09-21T07:45:00Z",
        ["sqlite", "tools"],
        "SQLite is a file format",
        """<p>People introduce SQLite as a small database. I find it more useful to think of it as a
file format that happens to answer queries.</p>
<p>A blog reader's cache is a good example. It needs to survive a crash halfway through a
refresh, two programs opening it at once, and years of growth. A folder of JSON files gives you
none of that for free. One SQLite file in WAL mode gives you all three.</p>
<pre><code class="language-sql">PRAGMA journal_mode = WAL;
PRAGMA synchronous = NORMAL;
CREATE TABLE posts(
    id INTEGER PRIMARY KEY,
    feed_id INTEGER NOT NULL,
    guid TEXT NOT NULL,
    title TEXT NOT NULL DEFAULT '',
    UNIQUE(feed_id, guid)
);
</code></pre>
<p>The <code>UNIQUE(feed_id, guid)</code> line does more work than it looks: it is what lets a
refresh say "insert this, or update what I already have" in one statement, without losing the fact
that I already read the post.</p>
<table>
<thead><tr><th>Need</th><th>JSON files</th><th>SQLite</th></tr></thead>
<tbody>
<tr><td>Atomic update</td><td>write-then-rename, per file</td><td>a transaction</td></tr>
<tr><td>Two readers and a writer</td><td>locks you write yourself</td><td>WAL</td></tr>
<tr><td>Full-text search</td><td>load everything</td><td>FTS5</td></tr>
</tbody>
</table>""",
    ),
    (
        "compost-and-caches",
        "2022-12-02T16:20:00Z",
        ["gardening", "performance"],
        "Compost and caches",
        """<p>A compost heap is a cache with a long time-to-live. You put in what you cannot use today
and take out, months later, something that makes tomorrow's work cheaper.</p>
<p>The lesson I keep relearning is that a cache must be <strong>cheap to throw away</strong>. If
the heap goes sour I can start again; if a cached rendering of a post is stale, the reader must be
able to rebuild it from what the feed sent. That is why blogtui stores the feed's original HTML and
treats the Markdown as a derived copy, filled in the first time a post is opened.</p>
<ol>
<li>Keep the source of truth.</li>
<li>Derive lazily.</li>
<li>Never let the derived copy be the only copy.</li>
</ol>""",
    ),
    (
        "a-small-python-feed-parser-tour",
        "2023-03-11T09:00:00Z",
        ["python", "tools"],
        "A small tour of feed parsing in Python",
        """<p>Feeds come in more shapes than anyone admits: RSS 0.91, RSS 1.0 with its RDF
namespaces, RSS 2.0, Atom, and JSON Feed. The Python answer for the XML ones has been
<a href="https://feedparser.readthedocs.io/">feedparser</a> for two decades.</p>
<pre><code class="language-python">import feedparser

doc = feedparser.parse(body, sanitize_html=False, resolve_relative_uris=False)
for entry in doc.entries:
    print(entry.get("title"), entry.get("link"))
</code></pre>
<p>The two keyword arguments matter. By default feedparser cleans every entry's HTML and rewrites
its relative links, which is most of its running time. A reader that converts HTML to Markdown
later anyway can skip both and do that work once, only for the posts somebody opens.</p>
<h3>JSON Feed</h3>
<p>JSON Feed needs no parser library at all: <code>json.loads</code> and a few lookups map it onto
the same model as everything else.</p>""",
    ),
    (
        "keyboard-first",
        "2023-06-19T20:05:00Z",
        ["terminal", "tools"],
        "Keyboard first, mouse welcome",
        """<p>A keyboard-first program is not a program that ignores the mouse. It is one where every
action has a key, the keys are shown where you look, and the most common ones sit under your
fingers.</p>
<table>
<thead><tr><th>Key</th><th>What it does</th></tr></thead>
<tbody>
<tr><td><code>j</code> / <code>k</code></td><td>next / previous post</td></tr>
<tr><td><code>enter</code></td><td>open the post</td></tr>
<tr><td><code>/</code></td><td>search</td></tr>
<tr><td><code>space</code></td><td>toggle a tag</td></tr>
<tr><td><code>?</code></td><td>every other key</td></tr>
</tbody>
</table>
<p>The footer lists the handful that matter right now; the help screen lists the rest. If a key
needs a manual to be found, it does not exist.</p>""",
    ),
    (
        "the-archive-is-the-point",
        "2023-09-30T11:40:00Z",
        ["reading", "essays"],
        "The archive is the point",
        """<p>When I find a new writer I like, I do not want their latest post. I want their first one,
and everything in between, in order. Feeds were never designed for that: most show the newest ten
items and forget the rest.</p>
<p>Yet the web already has the answer. <a href="https://www.rfc-editor.org/rfc/rfc5005">RFC 5005</a>
describes feeds split into pages that link to each other, and WordPress quietly serves
<code>?paged=2</code>, <code>?paged=3</code> and so on for any feed. A patient reader can walk back
through years of posts one page at a time.</p>
<p>This very blog is served that way: the feed you subscribed to holds the newest posts and a
link to the next page, which links to the one after. <a href="https://gardener.example/archive/">The
archive page</a> says the same in HTML.</p>""",
    ),
    (
        "raised-beds-in-a-small-yard",
        "2023-12-08T15:15:00Z",
        ["gardening"],
        "Raised beds in a small yard",
        """<p>My yard is six metres by four. Three raised beds fit, with a path wide enough for a
wheelbarrow if the wheelbarrow is honest about its width.</p>
<figure><img src="https://gardener.example/img/beds.png" alt="Three raised beds with a gravel path">
<figcaption>The beds in their second summer, before the beans took over.</figcaption></figure>
<ul>
<li>Bed one: tomatoes and basil, which like the same sun.</li>
<li>Bed two: beans up the trellis, lettuce in its shade.
<ul><li>Lettuce sown every three weeks, so there is always some.</li></ul>
</li>
<li>Bed three: whatever the seed catalogue talked me into.</li>
</ul>""",
    ),
    (
        "measuring-before-optimising",
        "2024-02-22T10:30:00Z",
        ["performance", "python"],
        "Measure before you optimise",
        """<p>I was sure the slow part of loading fifty thousand posts was SQLite. It was not. The
profile said the time went into building one widget per row.</p>
<pre><code class="language-bash">python -X importtime -c "import textual" 2&gt;&amp;1 | sort -t'|' -k2 -n | tail
python -m cProfile -s cumtime benchmarks/tui_bench.py | head -30
</code></pre>
<p>The fix was to stop making widgets at all: the list keeps only the ids of the posts in view and
draws each line on demand. Scrolling fifty thousand rows now costs what scrolling fifty does.</p>
<blockquote><p>The code you are sure is slow is rarely the code that is slow.</p></blockquote>""",
    ),
    (
        "tags-are-a-conversation",
        "2024-05-17T19:50:00Z",
        ["reading", "tools"],
        "Tags are a conversation",
        """<p>A feed's categories are the author's idea of what a post is about. My own tags are my idea.
Both are useful and they should not be mixed up.</p>
<p>blogtui shows the feed's tags in the sidebar with counts that follow whatever you are looking
at. Pick <em>python</em>, then <em>performance</em>, and the list narrows to posts with both; the
counts beside the other tags tell you what else is in that corner of the archive.</p>
<p>Spelling is the hard part. <code>Python</code>, <code>python</code> and <code>python </code> with a
trailing space are the same tag, and the cache treats them so.</p>""",
    ),
    (
        "hostile-text",
        "2024-08-09T13:00:00Z",
        ["terminal", "python"],
        "Hostile text",
        """<p>A feed is text written by a stranger and delivered to your terminal. Terminals obey
control sequences. Put those two facts together and a feed can move your cursor, change your
window title, or worse.</p>
<p>The rules blogtui follows:</p>
<ol>
<li>Strip C0 and C1 control characters, escape included, before anything is stored.</li>
<li>Never hand feed text to Rich or Textual as markup: a title like <code>[bold red]hi[/]</code>
must show its brackets.</li>
<li>Drop scripts, styles and iframes from HTML; show embedded media as links.</li>
<li>Open only <code>http</code>, <code>https</code> and <code>mailto</code> links, and only when asked.</li>
</ol>
<pre><code class="language-python">import re

CONTROL = re.compile(r"[\\x00-\\x08\\x0b\\x0c\\x0e-\\x1f\\x7f-\\x9f]")

def clean(text: str) -> str:
    return CONTROL.sub("", text)
</code></pre>""",
    ),
    (
        "winter-reading-list",
        "2024-12-01T09:10:00Z",
        ["reading"],
        "A winter reading list",
        """<p>Long evenings are for long archives. These are the kinds of blogs I plan to read from the
first post onwards this winter:</p>
<ul>
<li>a database engineer's notes, ten years of them, on storage engines;</li>
<li>a gardener in a cold climate writing about seed saving;</li>
<li>an essayist who posts twice a year and never less than four thousand words.</li>
</ul>
<p>None of them would fit in a feed's last ten items. All of them fit comfortably in one SQLite
file on a laptop.</p>""",
    ),
    (
        "a-field-guide-to-feeds",
        "2025-03-14T08:00:00Z",
        ["tools", "essays", "reading"],
        "A field guide to feeds in the wild",
        """<p>This is a long post, written to be scrolled. It collects what I have learned from pointing a
feed reader at a few hundred real blogs: the shapes feeds come in, the ways they break, and what a
reader can do about each.</p>
<h2>1. Finding the feed</h2>
<p>Most people know a blog by its home page, not by its feed. A reader should accept the home page
and find the feed itself. The polite way is to read the page's <code>&lt;link rel="alternate"&gt;</code>
elements, which name the feeds and their types. When a page names none, the usual suspects are
<code>/feed/</code>, <code>/atom.xml</code>, <code>/rss.xml</code>, <code>/index.xml</code> and
<code>/feed.xml</code>, first next to the page and then at the root of the site.</p>
<p>Some pages name several feeds: posts, comments, a podcast, a category. The first one listed is
nearly always the main feed, and a reader should say which one it chose so that the person can
correct it.</p>
<h2>2. The three families</h2>
<p>RSS is really several formats that share a name. RSS 0.91 and 2.0 are plain XML with
<code>&lt;item&gt;</code> elements; RSS 1.0 is RDF, with items outside the channel and namespaces
everywhere. Atom is the most carefully specified: every entry has an id, a title and an updated
date, and links carry a <code>rel</code> that says what they are. JSON Feed is the newest and the
easiest to read, and needs no XML parser at all.</p>
<p>In practice the differences that matter to a reader are few:</p>
<ul>
<li>where the full text lives (<code>content:encoded</code>, <code>content</code>, <code>description</code>,
<code>summary</code>, <code>content_html</code>);</li>
<li>how an entry is identified (<code>guid</code>, <code>id</code>, or nothing at all);</li>
<li>how dates are written (RFC 822, ISO 8601, or something the author invented).</li>
</ul>
<h2>3. Identity</h2>
<p>A post's identity is what lets a reader update it without marking it unread again. Atom's
<code>id</code> and RSS's <code>guid</code> are meant for this. When they are missing, the link is
the next best thing; when the link is missing too, a hash of the title and date will do. What must
never happen is a post changing identity because its title was corrected: the reader would show it
twice, once read and once not.</p>
<p>Some feeds reuse one id for several entries, usually by mistake. A careful reader keeps them
apart rather than letting the last one silently overwrite the others.</p>
<h2>4. Dates</h2>
<p>Dates are where feeds are most creative. I have seen dates with no time zone, dates in the
future, dates in the local language, and dates that are simply the time the feed was generated,
the same for every entry. A reader should parse what it can, store everything in UTC, and sort
entries without a date after those with one rather than pretend they were written today.</p>
<table>
<thead><tr><th>Seen in the wild</th><th>What to do</th></tr></thead>
<tbody>
<tr><td><code>Tue, 10 Jun 2003 04:00:00 GMT</code></td><td>RFC 822: parse as written</td></tr>
<tr><td><code>2003-06-10T04:00:00Z</code></td><td>ISO 8601: parse as written</td></tr>
<tr><td><code>2003-06-10</code></td><td>midnight UTC</td></tr>
<tr><td><code>yesterday</code></td><td>no date; keep the post, sort it last</td></tr>
</tbody>
</table>
<h2>5. Paging and archives</h2>
<p>The point of this whole project. RFC 5005 defines two ways to reach older entries. A
<em>paged</em> feed has <code>rel="next"</code> links from each page to the next older one. An
<em>archived</em> feed has <code>rel="prev-archive"</code> links from the current document to
archive documents that never change. Either way a reader follows the chain until it ends, keeping
a set of the pages it has visited so that a loop in the links cannot keep it busy forever.</p>
<p>WordPress predates that standard but serves older pages of any feed with <code>?paged=2</code>,
<code>?paged=3</code>, and so on, answering 404 past the last page. A reader can try that when a
feed names no next page, and stop at the first page that brings nothing new.</p>
<p>Everything else offers only the current document. A good reader is honest about that and
shows that the archive may be incomplete.</p>
<h2>6. Being a polite client</h2>
<p>A reader that fetches a few hundred feeds several times a day is a noticeable visitor. The
courtesies are old and simple:</p>
<ol>
<li>Send <code>If-None-Match</code> and <code>If-Modified-Since</code> with the values the server gave
last time, and treat <code>304 Not Modified</code> as the good news it is.</li>
<li>Follow permanent redirects by remembering the new address.</li>
<li>Stop asking for a feed that answers <code>410 Gone</code>.</li>
<li>Honour <code>Retry-After</code> when a server says it is busy.</li>
<li>Limit connections per host, so a blog on a small server is not hit eight times at once.</li>
</ol>
<h2>7. Things that go wrong</h2>
<p>Feeds break in every way a file can break. The ones I meet most often:</p>
<ul>
<li><strong>Invalid XML.</strong> An unescaped ampersand in a title, a stray byte in the wrong
encoding. A liberal parser reads past most of it.</li>
<li><strong>Wrong encoding.</strong> A feed declared as UTF-8 that is really Windows-1252, or the
other way round.</li>
<li><strong>Truncation.</strong> The connection dropped and the document simply stops. The entries
before the break are still worth keeping.</li>
<li><strong>Huge documents.</strong> A feed that contains every post ever written, full text, tens of
megabytes. A reader needs a size limit and a clear message when it is hit.</li>
<li><strong>Slow servers.</strong> A server that sends one byte a second can hold a connection open for
hours unless the deadline covers the whole request.</li>
</ul>
<h2>8. Content</h2>
<p>Once the entries are in, the HTML inside them needs to become something a terminal can show.
Markdown is a good middle ground: headings, lists, emphasis, links and code blocks all have a plain
text form that still reads well. Tables survive as tables. Images become labelled links, since a
terminal cannot show them; so do videos and embedded frames.</p>
<p>Relative links deserve care. A link to <code>/about/</code> in a post means the about page of the
blog, not of the reader's machine, so it must be resolved against the post's own address, or the
feed's <code>xml:base</code> when it has one.</p>
<h2>9. Summary-only feeds</h2>
<p>Some blogs put only the first paragraph in their feed, hoping you will visit. A reader can
respect that and still be useful: show the summary, say clearly that it is one, and offer a key
that fetches the page and extracts the article for reading offline later.</p>
<h2>10. What this adds up to</h2>
<p>None of this is hard on its own. The work is in doing all of it, for every feed, without ever
losing a post that was already stored and without ever letting one broken feed spoil the others.
That is the job of a feed reader, and it is a good job: quiet, useful, and finished only when you
stop noticing it.</p>
<p>If you have read this far in a terminal, press <code>n</code> for the next post, or
<code>?</code> to see what else the keys can do.</p>""",
    ),
    (
        "seed-saving-as-backups",
        "2025-07-04T17:25:00Z",
        ["gardening", "essays"],
        "Seed saving as backups",
        """<p>Every autumn I dry seeds from the best plants and store them in paper envelopes in a tin.
It is a backup in the strictest sense: a copy, kept somewhere else, that I have actually restored
from.</p>
<p>The same test applies to a feed reader's data. An export you have never imported is not a
backup. That is why <code>blogtui export --format opml</code> is tested by importing its own output
into an empty library and checking that every subscription came back.</p>""",
    ),
    (
        "search-as-you-type",
        "2025-10-12T21:00:00Z",
        ["sqlite", "performance", "python"],
        "Search as you type",
        """<p>Full-text search over fifty thousand posts sounds heavy. With SQLite's FTS5 it is a few
milliseconds, which is fast enough to run on every keystroke, as long as the query runs off the
interface's event loop and the newest keystroke wins.</p>
<pre><code class="language-python">@work(thread=True, exclusive=True, group="filter")
def load_ids(self, compiled):
    ids = self.library.post_ids(compiled)
    self.app.call_from_thread(self.posts.set_posts, ids)
</code></pre>
<p>The query language stays small: words, <code>"quoted phrases"</code>, <code>tag:</code>,
<code>feed:</code>, <code>is:unread</code>, <code>after:</code> and <code>before:</code>, and a
minus sign to exclude. Anything more and I would need a manual to use my own reader.</p>""",
    ),
    (
        "first-frost",
        "2026-10-28T07:00:00Z",
        ["gardening", "reading"],
        "First frost",
        """<p>The first frost came last night. The basil is gone, the beans are finished, and the kale,
as always, looks pleased with itself.</p>
<p>This is the season when the garden needs me least and the reading list most. The archive of
this blog now goes back almost five years; if you are new here, the oldest post is a fine place to
start. Press <code>G</code> in the list to jump to it.</p>""",
    ),
]
