from core import ratelimit


def test_parse_rate_reads_the_drf_notation():
    assert ratelimit.parse_rate("30/min") == (30, 60)
    assert ratelimit.parse_rate("5/s") == (5, 1)
    assert ratelimit.parse_rate("3/minute") == (3, 60)
    assert ratelimit.parse_rate("100/day") == (100, 86400)


def test_a_counter_allows_the_rate_then_says_how_long_to_wait_and_each_name_counts_alone():
    now = 1_000_040.0  # 20 s into the minute window that starts at 1_000_020

    allowed = [ratelimit.count_hit("door:a", "2/min", now=now) for _ in range(2)]

    assert allowed == [None, None]
    assert ratelimit.rate_spent("door:a", "2/min", now=now) == 40  # looking does not count
    assert ratelimit.count_hit("door:a", "2/min", now=now) == 40
    assert ratelimit.count_hit("door:b", "2/min", now=now) is None
    assert ratelimit.count_hit("door:a", "2/min", now=now + 60) is None  # a new window
