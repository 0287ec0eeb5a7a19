"""Open Badges 3.0 credentials signed as VC-JWT.

Signatures are checked with PyJWT, an implementation independent of ours
(certificates.openbadges signs with `cryptography` directly).
"""

from __future__ import annotations

import base64
import json
import stat
from datetime import UTC, datetime, timedelta, timezone
from decimal import Decimal
from pathlib import Path
from typing import Any

import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.asymmetric.rsa import generate_private_key

from certificates.openbadges import (
    OB_CONTEXT,
    VC_CONTEXT,
    build_credential,
    load_or_create_issuer_key,
    public_jwk,
    sign_credential,
)

VERIFY_URL = "https://hocviendulieu.bacninh.gov.vn/xac-minh/BN-2026-000123"
ISSUER_ID = "https://hocviendulieu.bacninh.gov.vn/to-chuc/so-khcn"
KID = "https://hocviendulieu.bacninh.gov.vn/openbadges/keys/2026-1"
STATUS_URL = "https://hocviendulieu.bacninh.gov.vn/openbadges/revocations"
ICT = timezone(timedelta(hours=7))


def make_credential(**changes: Any) -> dict[str, Any]:
    values: dict[str, Any] = {
        "credential_id": VERIFY_URL,
        "issuer": {
            "id": ISSUER_ID,
            "name": "Sở Khoa học và Công nghệ tỉnh Bắc Ninh",
            "url": "https://sokhcn.bacninh.gov.vn",
        },
        "holder_name": "Nguye\u0302\u0303n Thi\u0323 Hu\u031bo\u031bng",
        "achievement": {
            "id": "https://hocviendulieu.bacninh.gov.vn/khoa-hoc/quan-tri-du-lieu",
            "name": "Quản trị dữ liệu",
            "description": "Khóa học về quản trị dữ liệu trong cơ quan nhà nước.",
            "criteria": "Hoàn thành các bài học và đạt bài kiểm tra cuối khóa.",
            "hours": Decimal("40"),
        },
        "issued_on": datetime(2026, 11, 27, 9, 30, 15, 123456, tzinfo=ICT),
        "status_url": STATUS_URL,
    }
    values.update(changes)
    return build_credential(**values)


def b64url_json(segment: str) -> dict[str, Any]:
    return json.loads(base64.urlsafe_b64decode(segment + "=" * (-len(segment) % 4)))


def verify(token: str, key: Any) -> dict[str, Any]:
    """Verify with PyJWT using only the public JWK we publish."""
    jwk = jwt.PyJWK(public_jwk(key))
    return jwt.decode(token, jwk.key, algorithms=[jwk.algorithm_name], issuer=ISSUER_ID)


@pytest.fixture(scope="module")
def key() -> Ed25519PrivateKey:
    return Ed25519PrivateKey.generate()


@pytest.fixture(scope="module")
def key_pem(key: Ed25519PrivateKey) -> bytes:
    return key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )


# --- credential shape ------------------------------------------------------


def test_credential_is_an_ob3_open_badge_credential() -> None:
    credential = make_credential()
    assert credential["@context"] == [VC_CONTEXT, OB_CONTEXT]
    assert credential["type"] == ["VerifiableCredential", "OpenBadgeCredential"]
    assert credential["id"] == VERIFY_URL
    assert credential["issuer"]["type"] == ["Profile"]
    assert credential["credentialSubject"]["type"] == ["AchievementSubject"]
    achievement = credential["credentialSubject"]["achievement"]
    assert achievement["type"] == ["Achievement"]
    assert achievement["criteria"]["narrative"].endswith("Thời lượng: 40 giờ.")


def test_holder_name_is_an_nfc_name_identity() -> None:
    subject = make_credential()["credentialSubject"]
    assert subject["identifier"] == [
        {
            "type": "IdentityObject",
            "identityType": "name",
            "hashed": False,
            "identityHash": "Nguyễn Thị Hương",
        }
    ]


def test_valid_from_is_utc_to_the_second() -> None:
    assert make_credential()["validFrom"] == "2026-11-27T02:30:15Z"


def test_naive_issue_time_is_refused() -> None:
    with pytest.raises(ValueError, match="timezone"):
        make_credential(issued_on=datetime(2026, 11, 27, 9, 30))


def test_status_url_becomes_a_1edtech_revocation_list_status() -> None:
    assert make_credential()["credentialStatus"] == {
        "id": STATUS_URL,
        "type": "1EdTechRevocationList",
    }


def test_no_status_url_means_no_credential_status() -> None:
    assert "credentialStatus" not in make_credential(status_url=None)


def test_revoked_certificate_gets_no_credential() -> None:
    with pytest.raises(ValueError, match="thu hồi"):
        make_credential(revoked=True)


# --- signing, checked with PyJWT -------------------------------------------


def test_signature_verifies_with_an_independent_library(key, key_pem) -> None:
    credential = make_credential()
    token = sign_credential(credential, private_key_pem=key_pem, kid=KID)
    payload = verify(token, key)
    assert {k: v for k, v in payload.items() if k not in {"iss", "jti", "nbf"}} == (
        credential
    )


def test_jose_header_has_only_alg_kid_typ(key_pem) -> None:
    token = sign_credential(make_credential(), private_key_pem=key_pem, kid=KID)
    assert jwt.get_unverified_header(token) == {
        "alg": "EdDSA",
        "kid": KID,
        "typ": "JWT",
    }


def test_registered_claims_mirror_the_credential(key, key_pem) -> None:
    credential = make_credential(
        subject_id="urn:uuid:0f4b5a3e-1d2c-4b7a-9e1f-2a3b4c5d6e7f"
    )
    payload = verify(sign_credential(credential, private_key_pem=key_pem, kid=KID), key)
    assert payload["iss"] == credential["issuer"]["id"]
    assert payload["jti"] == credential["id"]
    assert payload["sub"] == credential["credentialSubject"]["id"]
    assert datetime.fromtimestamp(payload["nbf"], UTC) == datetime.fromisoformat(
        credential["validFrom"]
    )


def test_tampered_payload_fails_verification(key, key_pem) -> None:
    header, payload, signature = sign_credential(
        make_credential(), private_key_pem=key_pem, kid=KID
    ).split(".")
    claims = b64url_json(payload)
    claims["credentialSubject"]["identifier"][0]["identityHash"] = "Kẻ Mạo Danh"
    forged = base64.urlsafe_b64encode(json.dumps(claims).encode()).rstrip(b"=")
    with pytest.raises(jwt.InvalidSignatureError):
        verify(f"{header}.{forged.decode()}.{signature}", key)


def test_other_key_fails_verification(key_pem) -> None:
    token = sign_credential(make_credential(), private_key_pem=key_pem, kid=KID)
    with pytest.raises(jwt.InvalidSignatureError):
        verify(token, Ed25519PrivateKey.generate())


def test_rsa_key_signs_rs256() -> None:
    rsa_key = generate_private_key(public_exponent=65537, key_size=2048)
    token = sign_credential(make_credential(), private_key_pem=rsa_key, kid=KID)
    assert jwt.get_unverified_header(token)["alg"] == "RS256"
    assert verify(token, rsa_key)["jti"] == VERIFY_URL


# --- keys -------------------------------------------------------------------


def test_public_jwk_never_contains_the_private_key(key) -> None:
    jwk = public_jwk(key, kid=KID)
    assert "d" not in jwk
    assert jwk == {
        "kty": "OKP",
        "crv": "Ed25519",
        "x": jwk["x"],
        "alg": "EdDSA",
        "use": "sig",
        "kid": KID,
    }


def test_missing_key_file_is_created_private_and_reused(tmp_path: Path) -> None:
    path = tmp_path / "keys" / "issuer.pem"
    first = load_or_create_issuer_key(path)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    second = load_or_create_issuer_key(str(path))
    assert public_jwk(first) == public_jwk(second)
    assert list(path.parent.iterdir()) == [path]  # no temporary file left


def test_key_can_be_given_as_pem_bytes(key, key_pem) -> None:
    assert public_jwk(load_or_create_issuer_key(key_pem)) == public_jwk(key)


def test_short_rsa_key_is_refused() -> None:
    # Deliberately weak: the point is that it is refused.
    weak = generate_private_key(public_exponent=65537, key_size=1024)  # noqa: S505
    pem = weak.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    with pytest.raises(ValueError, match="2048"):
        load_or_create_issuer_key(pem)
