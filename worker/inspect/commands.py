"""`chaff inspect SOURCE -o report.html`: one self-contained HTML report of why a page came
out the way it did.

SOURCE is a page file (HTML: .html, .htm, .html.gz; anything else a text dump unless its
content says HTML), one record of a JSONL file of raw-page records (FILE:LINE, 1-based),
or a record on a topic (--topic pages.raw --partition P --offset O, read from the cluster
with the same connection settings as every other command; it joins no group and commits
nothing).

The record goes through the worker's own pipeline. The report shows every segment in
document order, kept or rejected, with its score as a bar and its reasons in words; the
rules that fired (a teaser feed, a comment section), the page's cut, the segments their
neighbours tipped; words kept and rejected, the model version, the content type; and the
clean article as the worker would publish it. A record the worker would dead-letter shows
its error kind and message, and the original, escaped. --compare trafilatura adds what
trafilatura keeps of the same page, and outlines the segments the two disagree on.
--site-memory on (FILE:LINE only) first passes the file's earlier lines through site memory,
as `chaff classify --site-memory on` would, and the report says what memory informed the
verdict and which segments it rejected as the site's template.

The report is safe to open on any page: everything from the page is escaped, and its
Content-Security-Policy forbids scripts and every external load. It writes the file and
one summary line on stderr; exit 0 also for a record that would be dead-lettered (the
report says why), 2 for a source that cannot be read, 5 or 6 for a cluster that cannot be
reached or read (as every command).
"""

from __future__ import annotations

import argparse
import sys
from typing import Any

from worker.stream.commands import CONNECTION_FIELDS, add_settings_arguments, settings_from_args

EXIT_BAD_SOURCE = 2
COMPARE_CHOICES = ("trafilatura",)  # compare.EXTRACTORS, without importing it
NO_EARLIER_PAGES = (
    "--site-memory on learns from the lines before FILE:LINE of a JSONL file; {source} "
    "comes with no earlier pages of its site to learn from"
)


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "inspect",
        help="an HTML report of why a page came out the way it did",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument(
        "source",
        nargs="?",
        metavar="SOURCE",
        help="a page file, or FILE:LINE of a JSONL file of raw-page records",
    )
    parser.add_argument(
        "-o",
        "--output",
        required=True,
        metavar="REPORT.html",
        help="where to write the report (- for standard output)",
    )
    parser.add_argument(
        "--topic", help="read the record from this topic (with --partition, --offset)"
    )
    parser.add_argument("--partition", type=int, help="the record's partition")
    parser.add_argument("--offset", type=int, help="the record's offset")
    parser.add_argument(
        "--content-type",
        choices=["text/html", "text/plain"],
        help="override detection of a page file (default: from the file name, then the content)",
    )
    parser.add_argument(
        "--url-prefix",
        help="url of a page file = PREFIX/<file name> (default: its file:// URI), as in produce",
    )
    parser.add_argument(
        "--compare",
        choices=COMPARE_CHOICES,
        help="add what this extractor keeps of the page (trafilatura: a development dependency)",
    )
    parser.add_argument(
        "--site-memory",
        choices=["on", "off"],
        default="off",
        help=(
            "on (FILE:LINE only): lines 1..LINE-1 pass through site memory in file order, as "
            "`chaff classify --site-memory on` does, and LINE is classified with what it "
            "learnt; off (default): the page alone"
        ),
    )
    add_settings_arguments(parser, (*CONNECTION_FIELDS, "max_page_bytes", "max_output_bytes"))
    parser.set_defaults(handler=inspect_command)


def inspect_command(args: argparse.Namespace) -> int:
    from worker.inspect.run import run_inspect

    topic_flags = (args.topic, args.partition, args.offset)
    if args.source is not None and any(flag is not None for flag in topic_flags):
        return _usage("give a SOURCE or --topic/--partition/--offset, not both")
    if args.source is None and None in topic_flags:
        return _usage("give a SOURCE, or all of --topic, --partition and --offset")
    if args.source is None and args.site_memory == "on":
        return _usage(NO_EARLIER_PAGES.format(source="a record on a topic"))
    return run_inspect(args, settings_from_args(args))


def _usage(message: str) -> int:
    print(f"chaff inspect: {message}", file=sys.stderr)
    return EXIT_BAD_SOURCE
