import pytest

from collabd.core.tokens import Claims, TokenError, mint, verify

SECRET = b"test-secret"
NOW = 1_800_000_000


def test_round_trip():
    claims = Claims("room-1", "p-1", "interviewee", NOW + 60)
    assert verify(SECRET, mint(SECRET, claims), NOW) == claims


@pytest.mark.parametrize("token", ["", "v1", "v2.a.b", "v1.a.b.c", "v1.!!.sig"])
def test_malformed_tokens(token):
    with pytest.raises(TokenError) as err:
        verify(SECRET, token, NOW)
    assert err.value.code == "bad_token"


def test_signature_and_expiry():
    token = mint(SECRET, Claims("r", "p", "guest", NOW + 1))
    with pytest.raises(TokenError) as err:
        verify(b"other", token, NOW)
    assert err.value.code == "bad_token"
    with pytest.raises(TokenError) as err:
        verify(SECRET, token, NOW + 1)  # valid while now < exp
    assert err.value.code == "expired_token"
    head, body, sig = token.split(".")
    tampered = body[:-2] + ("A" if body[-2] != "A" else "B") + body[-1]
    with pytest.raises(TokenError):
        verify(SECRET, f"{head}.{tampered}.{sig}", NOW)


def test_unknown_role_is_refused_when_minting():
    with pytest.raises(ValueError):
        mint(SECRET, Claims("r", "p", "admin", NOW))
