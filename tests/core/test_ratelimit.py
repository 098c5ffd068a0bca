from collabd.core.ratelimit import TokenBucket


def test_burst_then_rate():
    b = TokenBucket(rate=2.0, burst=3.0, now=0.0)
    assert [b.allow(0.0) for _ in range(4)] == [True, True, True, False]
    assert not b.allow(0.4)  # 0.8 tokens refilled
    assert b.allow(0.5)  # 1.0
    assert not b.allow(0.5)


def test_refill_is_capped_at_the_burst():
    b = TokenBucket(rate=100.0, burst=2.0, now=0.0)
    assert b.allow(0.0) and b.allow(0.0)
    assert [b.allow(1000.0) for _ in range(3)] == [True, True, False]


def test_work_already_done_goes_into_debt() -> None:
    b = TokenBucket(rate=10, burst=20, now=0.0)
    b.charge(0.0, 50)  # more than the bucket holds: owed
    assert not b.allow(1.0, 1)  # 10 refilled, still 20 short
    assert b.allow(3.1, 1)  # paid back
