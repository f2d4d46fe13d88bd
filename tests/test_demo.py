"""The demo (``make demo``): it runs end to end, and its checks catch a peer that disagrees."""

from __future__ import annotations

import re

import polars as pl
import pytest

from polars_streamstats import demo

# A compared row of the timing table: label, ns per value, peer time / pss time, max abs diff.
COMPARED = re.compile(r"^    \S.*\s[\d,.]+\s+\d+\.\dx\s+\d\.\de[+-]\d\d$")


def test_demo_runs_and_checks_every_timed_case(capsys: pytest.CaptureFixture[str]) -> None:
    demo.main(n_steps=2_000)
    out = capsys.readouterr().out
    progress = re.findall(
        r"^  \[ *(\d+)/(\d+)\] .*: checking: equal; timing (\d+) rounds", out, re.M
    )
    total = int(progress[0][1])
    assert [int(k) for k, _, _ in progress] == list(range(1, total + 1))
    assert all(demo.MIN_ROUNDS <= int(r) <= demo.MAX_ROUNDS for _, _, r in progress)
    # The table: one block per case, its title, then a row per contender; each block compares.
    table = out[out.index("peer time / pss time") :].split("\n\n")[0].splitlines()
    blocks: list[list[str]] = []
    for line in table[3:]:
        if re.match(r"^\d+\. ", line):
            blocks.append([])
        else:
            blocks[-1].append(line)
    assert len(blocks) == total
    for block in blocks:
        assert any(COMPARED.match(line) for line in block), block
    labels = {line.split()[0] for block in blocks for line in block if line.startswith("    ")}
    assert {"Polars", "pandas", "River", "pss", "pss,"} <= labels
    assert "done in" in out


def test_check_rejects_a_peer_that_disagrees() -> None:
    s = pl.Series([1.0, 2.0, None, 4.0])
    ours = demo._Contender("pss", lambda: s, demo._series_values)
    off = demo._Contender("peer", lambda: s + 1e-12, demo._series_values)
    with pytest.raises(AssertionError, match="max abs diff"):
        demo._check(ours, off)
    assert demo._check(ours, off._replace(tolerance=1e-9)) == pytest.approx(1e-12)
    filled = demo._Contender("peer", lambda: s.fill_null(3.0), demo._series_values)
    with pytest.raises(AssertionError, match="nulls differ"):
        demo._check(ours, filled)
    short = demo._Contender("peer", lambda: s.head(3), demo._series_values)
    with pytest.raises(AssertionError, match="length"):
        demo._check(ours, short)
    assert demo._check(ours, ours) == 0.0
