"""Pelican settings for the benchmark: the same URLs and pages as casefolio builds."""

AUTHOR = "Benchmark Consulting"
SITENAME = "Benchmark Consulting"
SITEURL = ""
PATH = "content"
TIMEZONE = "UTC"
DEFAULT_LANG = "en"
THEME = "theme"
ARTICLE_PATHS = ["case-studies"]
PAGE_PATHS = ["pages", "practices", "services"]
ARTICLE_URL = "case-studies/{slug}/"
ARTICLE_SAVE_AS = "case-studies/{slug}/index.html"
PAGE_URL = "{slug}/"
PAGE_SAVE_AS = "{slug}/index.html"
CATEGORY_URL = "niches/{slug}/"
CATEGORY_SAVE_AS = "niches/{slug}/index.html"
TAG_URL = "tags/{slug}/"
TAG_SAVE_AS = "tags/{slug}/index.html"
TAGS_SAVE_AS = "tags/index.html"
INDEX_SAVE_AS = "case-studies/index.html"
AUTHOR_SAVE_AS = ""
AUTHORS_SAVE_AS = ""
ARCHIVES_SAVE_AS = ""
CATEGORIES_SAVE_AS = ""
DIRECT_TEMPLATES = ["index", "tags"]
DEFAULT_PAGINATION = 24
PAGINATED_TEMPLATES = {"index": None}
PAGINATION_PATTERNS = ((1, "{url}", "{save_as}"),
                       (2, "{base_name}/page/{number}/", "{base_name}/page/{number}/index.html"))
FEED_ALL_ATOM = "feed.xml"
FEED_ALL_RSS = None
CATEGORY_FEED_ATOM = None
TRANSLATION_FEED_ATOM = None
AUTHOR_FEED_ATOM = None
AUTHOR_FEED_RSS = None
CACHE_CONTENT = True
LOAD_CONTENT_CACHE = True
CACHE_PATH = "cache"
MARKDOWN = {
    "extension_configs": {
        "markdown.extensions.codehilite": {"css_class": "highlight"},
        "markdown.extensions.extra": {},
        "markdown.extensions.toc": {},
    },
    "output_format": "html5",
}
