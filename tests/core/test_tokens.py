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


def _forge(payload: object, secret: bytes = SECRET) -> str:
    import base64
    import json

    from collabd.core.tokens import _sign

    body = base64.urlsafe_b64encode(json.dumps(payload).encode()).rstrip(b"=").decode()
    return f"v1.{body}.{_sign(secret, body)}"


GOOD = {"room": "r", "pid": "p", "role": "guest", "exp": NOW + 60}


@pytest.mark.parametrize("change", [
    {"room": 5}, {"room": None}, {"pid": ["p"]}, {"role": 1}, {"role": "admin"},
    {"exp": str(NOW + 60)}, {"exp": 1e300}, {"exp": float(NOW + 60)}, {"exp": True},
    {"exp": 2**53}, {"exp": -1}, {"exp": None},
])
def test_signed_claims_of_the_wrong_type_are_bad_tokens(change):
    # issue 10 item 15: signed but mistyped claims were coerced with str()/int() or raised
    with pytest.raises(TokenError) as err:
        verify(SECRET, _forge({**GOOD, **change}), NOW)
    assert err.value.code == "bad_token"


@pytest.mark.parametrize("payload", [[1, 2], "room", 5, None, {"room": "r"}])
def test_signed_payloads_that_are_not_claim_objects(payload):
    with pytest.raises(TokenError) as err:
        verify(SECRET, _forge(payload), NOW)
    assert err.value.code == "bad_token"


def test_non_ascii_anywhere_is_a_bad_token_not_a_crash():
    token = mint(SECRET, Claims("r", "p", "guest", NOW + 60))
    head, body, sig = token.split(".")
    for bad in (f"{head}.{body}.{sig[:-1]}é", f"{head}.{body}é.{sig}", f"{head}.{body}.\udcff"):
        with pytest.raises(TokenError) as err:
            verify(SECRET, bad, NOW)
        assert err.value.code == "bad_token"
    assert verify(SECRET, _forge(GOOD), NOW) == Claims("r", "p", "guest", NOW + 60)
