"""The bulletin arithmetic, one function at a time (no database)."""

from __future__ import annotations

from decimal import Decimal as D

from zoneops.economy import computations as calc


def test_fmt_rounds_half_up_and_strips_trailing_zeros():
    assert calc.fmt(D("12.0")) == "12"
    assert calc.fmt(D("162")) == "162"
    assert calc.fmt(D("25.25")) == "25.3"
    assert calc.fmt(D("415.0000"), 1) == "415"
    assert calc.fmt(D("3.5200"), 2) == "3.52"
    assert calc.fmt(D("3.5000"), 2) == "3.5"
    assert calc.fmt(D("-0.04")) == "0"
    assert calc.fmt(None) == "—"


def test_fixed_keeps_the_places():
    assert calc.fixed(D("12"), 1) == "12.0"
    assert calc.fixed(D("0.045"), 2) == "0.05"
    assert calc.fixed(None) is None


def test_yoy_growth():
    assert calc.yoy_growth(D("415"), D("331.2")).value == D("25.3")
    assert calc.yoy_growth(D("3.52"), D("1.344")).value == D("161.9")
    assert calc.yoy_growth(D("90"), D("100")).value == D("-10.0")


def test_yoy_growth_without_prior_gives_a_reason_not_zero():
    missing = calc.yoy_growth(D("415"), None)
    zero = calc.yoy_growth(D("415"), D("0"))
    no_value = calc.yoy_growth(None, D("1"))

    assert missing.value is None and missing.reason
    assert zero.value is None and zero.reason and zero.reason != missing.reason
    assert no_value.value is None and no_value.reason


def test_gap_in_points():
    assert calc.gap_pp(D("25.3"), D("13.3")).value == D("12.0")
    assert calc.gap_pp(D("5.1"), D("5.5")).value == D("-0.4")
    assert calc.gap_pp(None, D("5.5")).value is None
    assert calc.gap_pp(D("5.5"), None).reason


def test_rank_ties_share_a_rank_and_missing_peers_are_listed():
    figures = {"A": D("10"), "B": D("12"), "C": D("10"), "D": None, "E": D("8")}

    rank_c = calc.rank_among(figures, "C")
    rank_e = calc.rank_among(figures, "E")
    rank_d = calc.rank_among(figures, "D")

    assert [(k, r) for k, _v, r in rank_c.order] == [("B", 1), ("A", 2), ("C", 2), ("E", 4)]
    assert (rank_c.rank, rank_c.of, rank_c.missing) == (2, 4, ("D",))
    assert rank_e.rank == 4
    assert rank_d.rank is None and rank_d.reason


def test_rank_first_place_tie_is_1_1_3():
    rank = calc.rank_among({"A": D("5"), "B": D("5"), "C": D("4")}, "C")

    assert [r for _k, _v, r in rank.order] == [1, 1, 3]
    assert rank.rank == 3


def test_rank_lower_is_better():
    rank = calc.rank_among({"A": D("1"), "B": D("3"), "C": D("2")}, "B", higher_is_better=False)

    assert rank.rank == 3
    assert rank.order[0][0] == "A"


def test_rank_of_a_region_outside_the_peers():
    rank = calc.rank_among({"A": D("1")}, "Z")

    assert rank.rank is None and rank.of == 1 and rank.reason


def test_share_and_zero_denominator():
    assert calc.share(D("24.58"), D("57.7")).value == D("42.6")
    assert calc.share(D("63.05"), D("246.3")).value == D("25.6")
    assert calc.share(D("1"), D("0")).value is None
    assert calc.share(D("1"), D("0")).reason
    assert calc.share(None, D("3")).value is None


def test_change_in_points():
    assert calc.change_pp(D("42.6"), D("25.6")).value == D("17.0")
    assert calc.change_pp(D("42.6"), None, base_missing_reason="no base").reason == "no base"
    assert calc.change_pp(None, D("1")).value is None


def test_time_progress_against_the_elapsed_year():
    progress = calc.time_progress(D("415"), D("1800"), 3)

    assert (progress.completion_pct, progress.elapsed_pct, progress.ahead_pp) == (D("23.1"), D("25.0"), D("-1.9"))
    assert calc.time_progress(D("1"), None, 3).reason
    assert calc.time_progress(D("1"), D("0"), 3).completion_pct is None
    assert calc.time_progress(None, D("10"), 6).elapsed_pct == D("50.0")


def test_growth_breadth():
    breadth = calc.growth_breadth({"A": D("1"), "B": D("-2"), "C": D("0"), "D": None, "E": D("3")})

    assert (breadth.growing, breadth.total, breadth.pct, breadth.missing) == (2, 4, D("50.0"), ("D",))
    assert calc.growth_breadth({}).pct is None


def test_official_vs_computed_growth_flag():
    assert calc.check_growth(D("162"), D("161.9")).is_flagged is False
    flagged = calc.check_growth(D("25.3"), D("24.7"))
    assert (flagged.diff_pp, flagged.is_flagged) == (D("0.6"), True)
    assert calc.check_growth(D("25.3"), D("24.8")).is_flagged is False
    assert calc.check_growth(None, D("1")).is_flagged is False


def test_phrases():
    assert calc.growth_phrase(D("25.3")) == "增长25.3%"
    assert calc.growth_phrase(D("-3.20")) == "下降3.2%"
    assert calc.growth_phrase(D("0")) == "持平"
    assert calc.gap_phrase(D("12.0")) == "高于全市平均增幅12个百分点"
    assert calc.gap_phrase(D("-0.4")) == "低于全市平均增幅0.4个百分点"
    assert calc.change_phrase(D("17.0"), base="去年末") == "较去年末提升17个百分点"
    assert calc.change_phrase(D("-1.5"), base="上年同期") == "较上年同期下降1.5个百分点"
    assert calc.chinese_ordinal(1) == "第一"
    assert calc.chinese_ordinal(10) == "第十"
    assert calc.chinese_ordinal(11) == "第11"


def test_bulletin_templates_accept_only_plain_known_fields():
    import pytest

    from zoneops.core.errors import DomainError
    from zoneops.economy.bulletin import check_template

    check_template("实现{name}{value}{unit},{growth_phrase}")
    for bad in ("{nam}", "{value:>5}", "{value!r}", "{name.upper}", "{name[0]}", "{", "}"):
        with pytest.raises(DomainError):
            check_template(bad)
