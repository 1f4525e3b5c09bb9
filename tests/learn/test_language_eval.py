"""`python -m worker.learn.language_eval`: the record's language against pages of a known one."""

from __future__ import annotations

from pathlib import Path

import pytest

from worker.learn.language_eval import main

PAGES = {
    "de-DE": "Der Gemeinderat hat am Dienstagabend über den neuen Haushalt für das kommende Jahr "
    "beraten und nach einer langen Debatte beschlossen, mehr Geld für Schulen auszugeben.",
    "en-US": "The council met on Tuesday evening to discuss the new budget for the coming year "
    "and, after a long debate, agreed to spend more on the town's schools and roads.",
    "nb-NO": "Kommunestyret møttes tirsdag kveld for å diskutere det nye budsjettet for neste år, "
    "og etter en lang debatt ble de enige om å bruke mer penger på skolene i byen.",
}


def test_every_folder_is_a_language_and_every_page_is_counted(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    for locale, prose in PAGES.items():
        folder = tmp_path / locale
        folder.mkdir()
        for n in range(2):
            paragraphs = f"<p>{prose}</p>" * 3
            (folder / f"{n}.html").write_text(f"<html><body>{paragraphs}</body></html>")
    # A page labelled German that is written in English counts as wrong, and is listed.
    (tmp_path / "de-DE" / "english.html").write_text(
        "<html><body>" + f"<p>{PAGES['en-US']}</p>" * 3 + "</body></html>"
    )
    assert main([str(tmp_path / locale) for locale in PAGES] + ["--show-wrong"]) == 0
    out = capsys.readouterr().out
    assert "de       2 / 3     0.667" in out
    assert "nb       2 / 2     1.000" in out  # CLD2 says "no", ISO 639-1's Bokmål is "nb"
    assert "all      6 / 7     0.857" in out
    assert "wrong: de-DE/english.html labelled de, found en" in out
