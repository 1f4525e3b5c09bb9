"""What each feature means to a person: the words of a segment's reasons.

Every name of features.feature_names("text/html") and ("text/plain") has a description
here (tests/core/test_reasons.py fails for one that has none). A feature's description
is one of:

- a template (str) for a number, in the feature's own unit: {n} is the value as a whole
  number (a count, for a log1p feature: one whose name starts with "log_" or holds
  "_log_", or is in _LOG1P), {s} is "s" unless n is 1, {v} is the value itself
  ("{v:.2f}"), {percent} a share as a percentage: "{n} word{s}", "{percent} digits";
- a pair (yes, no) for a 0/1 feature, read as yes from 0.5 on:
  ("is inside a link", "is not inside a link");
- a dict for a categorical feature, or for a count with words of its own for some
  values: the text by n, None for the template of the other values:
  {0: "not repeated on the page", None: "repeated {n} more time{s} on the page"}.

The context columns (source_mean1/3/8, source_prev, source_next; features._CONTEXT_SOURCES)
quote their source's description after "neighbours ±3:", "previous segment:" or "next
segment:". Means over neighbours read as plurals: a source whose words do not ("is a list
item", "of its text") needs its plural in NEIGHBOUR_DESCRIPTIONS, a 0/1 one as ("mostly
...", "mostly not ...").
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping

Description = str | tuple[str, str] | Mapping[int | None, str]

_SHORT_CHARS = 12  # html_segments._SHORT_CHARS: a "short" line (tests check they agree)
_NEGATIVE = "in a menu/share/comment/related container"
_MAIN = "inside the main container"

# The local features, in the order of feature_names: text, HTML structure, text-dump
# structure, position.
DESCRIPTIONS: dict[str, Description] = {
    # text (features.TEXT_NAMES)
    "log_chars": "{n} character{s}",
    "log_words": "{n} word{s}",
    "mean_word_bytes": "words of {v:.1f} characters on average",
    "upper_share": "{percent} capital letters",
    "lower_share": "{percent} lowercase letters",
    "digit_share": "{percent} digits",
    "non_ascii_share": "{percent} non-ASCII characters",
    "sentence_marks_per_word": "{v:.2f} sentence marks per word",
    "commas_per_word": "{v:.2f} commas per word",
    "pipes": {0: "no pipe characters (|)", None: "{n} pipe character{s} (|)"},
    "capitalised_word_share": "{percent} of words capitalised",
    "ends_sentence": ("ends in sentence punctuation", "does not end in sentence punctuation"),
    "ends_colon": ("ends in a colon", "does not end in a colon"),
    "ends_dash_teaser": (
        "ends in ' -' like a teaser headline",
        "does not end in ' -' like a teaser headline",
    ),
    "ends_digit": ("ends in a digit", "does not end in a digit"),
    "starts_upper": ("starts with a capital letter", "does not start with a capital letter"),
    "starts_lower": ("starts in lowercase", "does not start in lowercase"),
    "starts_symbol": ("starts with a symbol (-, *, #...)", "does not start with a symbol"),
    "boilerplate_words": {
        0: "no boilerplate words (share, menu, cookie...)",
        None: "{n} boilerplate word{s} (share, menu, cookie...)",
    },
    "repeats_in_page": {
        0: "not repeated on the page",
        None: "repeated {n} more time{s} on the page",
    },
    # HTML structure (html_segments.STRUCTURE_NAMES)
    "link_density": "{percent} of its text is links",
    "block_kind": {  # html_tags.BLOCK_KINDS; 0 outside any block, 10 any other block
        0: "is loose text outside any block",
        1: "is a paragraph (<p>)",
        2: "is a list item (<li>)",
        3: "is a heading (<h1>-<h6>)",
        4: "is a table cell (<td>, <th>)",
        5: "is a <div> block",
        6: "is a <span> block",
        7: "is a link block (<a>)",
        8: "is a <pre> or <blockquote> block",
        9: "is a line after a <br>",
        10: "is a block of another kind (<section>, <dd>, <caption>...)",
        None: "is a block of an unknown kind ({n})",
    },
    "depth": "nested {n} element{s} deep",
    "text_pieces": {1: "is a single text piece", None: "joins {n} text pieces"},
    "in_link": ("is inside a link", "is not inside a link"),
    "in_nav": ("is inside <nav>", "is not inside <nav>"),
    "in_header": ("is inside <header>", "is not inside <header>"),
    "in_footer": ("is inside <footer>", "is not inside <footer>"),
    "in_aside": ("is inside <aside>", "is not inside <aside>"),
    "in_form": ("is inside a form", "is not inside a form"),
    "in_list": ("is a list item", "is not a list item"),
    "in_table": ("is inside a table", "is not inside a table"),
    "in_heading": ("is a heading", "is not a heading"),
    "in_article": ("is inside <article> or <main>", "is not inside <article> or <main>"),
    "in_quote": ("is inside a <blockquote>", "is not inside a <blockquote>"),
    "in_button": ("is inside a button or label", "is not inside a button or label"),
    "negative_class": (f"is {_NEGATIVE}", f"is not {_NEGATIVE}"),
    "positive_class": (
        "is in an article/content container",
        "is not in an article/content container",
    ),
    "in_emphasis": ("is bold (<b>, <strong>)", "is not bold (<b>, <strong>)"),
    "in_figure": ("is inside a figure or caption", "is not inside a figure or caption"),
    "siblings_text_share": "its sibling blocks hold {percent} of the page's text",
    "siblings_log_count": {1: "has no sibling blocks", None: "is one of {n} sibling blocks"},
    "siblings_link_density": "{percent} of its sibling blocks' text is links",
    "siblings_log_mean_chars": "its sibling blocks hold {n} character{s} on average",
    "in_main_container": (
        "is inside the block holding most of the page's prose",
        "is not inside the block holding most of the page's prose",
    ),
    "main_container_prose_share": "the page's main container holds {percent} of its text",
    "heading_in_main": (f"is a heading {_MAIN}", f"is not a heading {_MAIN}"),
    "list_item_in_main": (f"is a list item {_MAIN}", f"is not a list item {_MAIN}"),
    "negative_class_in_main": (f"is {_NEGATIVE} {_MAIN}", f"is not {_NEGATIVE} {_MAIN}"),
    "short_in_main": (
        f"is a short line (under {_SHORT_CHARS} characters) {_MAIN}",
        f"is not a short line (under {_SHORT_CHARS} characters) {_MAIN}",
    ),
    "in_title": ("repeats the page's <title>", "does not repeat the page's <title>"),
    "comment_class": (
        "is in a container whose class or id says comment/reply",
        "is not in a comment/reply container",
    ),
    "related_class": (
        "is in a container whose class or id says related/trending/more stories",
        "is not in a related/trending container",
    ),
    # where the article sits (html_layout)
    "in_best_candidate": (
        "is inside the page's best article container",
        "is not inside the page's best article container",
    ),
    "candidate_score": "its best container scores {percent} of the page's best as an article",
    "before_best_candidate": (
        "comes before the page's best article container",
        "does not come before the page's best article container",
    ),
    "after_best_candidate": (
        "comes after the page's best article container",
        "does not come after the page's best article container",
    ),
    "best_candidate_text_share": "the page's best article container holds {percent} of its text",
    "card_link_density": "{percent} of its card's text is links",
    **{
        f"declares_{kind}": (
            f"the page declares itself {article} {kind} (og:type or schema.org)",
            f"the page does not declare itself {article} {kind}",
        )
        for kind, article in (
            ("article", "an"),
            ("discussion", "a"),
            ("product", "a"),
            ("collection", "a"),
            ("website", "a"),
        )
    },
    "log_linked_cards": {
        0: "is not one of a grid of linked cards",
        None: "is one of {n} linked cards side by side (a teaser grid)",
    },
    # text-dump structure (segments.TEXT_STRUCTURE_NAMES)
    "blank_before": ("has a blank line before it", "has no blank line before it"),
    "blank_after": ("has a blank line after it", "has no blank line after it"),
    "log_run_length": {
        1: "is a line on its own between blank lines",
        None: "in a run of {n} lines between blank lines",
    },
    # position (features.POSITION_NAMES)
    "between_prose": (
        "is between the first and last prose paragraphs",
        "is not between the first and last prose paragraphs",
    ),
    "log_distance_to_prose": {
        0: "is a prose paragraph",
        None: "{n} segment{s} from the nearest prose paragraph",
    },
    "relative_position": "at {percent} of the page",
    "words_before_share": "{percent} of the page's words come before it",
    "distance_to_densest": "{percent} of the page away from the densest text",
    "page_log_segments": "the page has {n} segment{s}",
    "page_log_words": "the page has {n} word{s}",
}
# Context sources whose description does not read as the plural a mean over neighbours is.
NEIGHBOUR_DESCRIPTIONS: dict[str, Description] = {
    "ends_sentence": (
        "mostly end in sentence punctuation",
        "mostly do not end in sentence punctuation",
    ),
    "link_density": "{percent} of their text is links",
    "in_list": ("mostly list items", "mostly not list items"),
    "negative_class": (f"mostly {_NEGATIVE}", f"mostly not {_NEGATIVE}"),
    "log_run_length": "in runs of {n} line{s} between blank lines",
}
# log1p counts whose names do not say so.
_LOG1P = frozenset({"repeats_in_page"})
# Sources whose previous or next value is 0 only where there is no such segment: a segment
# has a word and a run a line.
_NONE_AT_ZERO = frozenset({"log_words", "log_run_length"})

_CONTEXT = re.compile(r"(?P<source>\w+?)_(?:mean(?P<radius>\d+)|(?P<side>prev|next))$")
_SIDES = {"prev": "previous", "next": "next"}
_EDGES = {"prev": "is the page's first segment", "next": "is the page's last segment"}


def describe(feature: str, value: float) -> str:
    """A reason a person can read: the feature in words, with the segment's value.

    A feature without a description (never one of the shipped names: the tests see to it),
    or a value its description has no words for, reads "name = value (no description)": the
    page still gets its verdict, and the name says what to describe."""
    words = None
    if feature in DESCRIPTIONS:
        words = _words(feature, DESCRIPTIONS[feature], value)
    elif (context := _CONTEXT.match(feature)) and context["source"] in DESCRIPTIONS:
        source, radius, side = context["source"], context["radius"], context["side"]
        if radius:
            plural = _words(source, NEIGHBOUR_DESCRIPTIONS.get(source, DESCRIPTIONS[source]), value)
            words = plural and f"neighbours ±{radius}: {plural}"
        elif value == 0 and source in _NONE_AT_ZERO:
            words = _EDGES[side]
        else:
            singular = _words(source, DESCRIPTIONS[source], value)
            words = singular and f"{_SIDES[side]} segment: {singular}"
    return words or f"{feature} = {value:g} (no description)"


def _words(feature: str, description: Description, value: float) -> str | None:
    """The description of the value, None if it has no words for it."""
    if not math.isfinite(value):
        return None
    if isinstance(description, tuple):
        return description[0] if value >= 0.5 else description[1]
    if feature.startswith("log_") or "_log_" in feature or feature in _LOG1P:
        # The log comes to two significant digits (rounded_values): its count is good to
        # some 5%, and quoted so from 100 on (1,211 reads 1200).
        if value > 700.0:  # no page counts e^700 of anything (and expm1 would overflow)
            return None
        count = math.expm1(value)
        n = round(count) if count < 99.5 else int(round(count, 2 - len(str(round(count)))))
    else:
        n = round(value)
    if not isinstance(description, str):
        text = description.get(n, description.get(None))
        if text is None:
            return None
        description = text
    return description.format(n=n, s="" if n == 1 else "s", v=value, percent=f"{value:.0%}")
