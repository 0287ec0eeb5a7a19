"""Open Badges 3.0 credentials for certificates, signed as VC-JWT.

Pure module (no models, no database, no network).  Two steps:

1. :func:`build_credential` makes the ``OpenBadgeCredential`` JSON-LD object
   (VC Data Model 2.0 contexts, ``validFrom``).
2. :func:`sign_credential` wraps it in a compact JWS as the OB 3.0 "JSON Web
   Token Proof Format" describes: the JWT payload *is* the credential, plus the
   registered claims ``iss`` (issuer.id), ``jti`` (id), ``nbf`` (validFrom),
   ``sub`` (credentialSubject.id, when there is one) and ``exp`` (validUntil,
   when there is one).  The JOSE header holds only ``alg``, ``kid`` and
   ``typ: "JWT"``: the spec allows no other header.

Keys: Ed25519 (``alg: EdDSA``) by default.  OB 3.0 names RS256 as the one
algorithm every verifier must support and allows others "but their use limits
interoperability", so an RSA key (RS256) is accepted too; switching is a key
change, not a code change.

Revocation: the credential carries a ``credentialStatus`` of type
``1EdTechRevocationList`` whose ``id`` is the issuer's revocation-list URL
(the 1EdTech Revocation List Status Method).  A verifier fetches that list and
checks whether this credential's ``id`` is on it; the PDF never shows status.
"""

from __future__ import annotations

import base64
import json
import os
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any, NotRequired, TypedDict

from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding
from cryptography.hazmat.primitives.asymmetric.ed25519 import (
    Ed25519PrivateKey,
    Ed25519PublicKey,
)
from cryptography.hazmat.primitives.asymmetric.rsa import RSAPrivateKey, RSAPublicKey

from certificates.rendering import clean_text, format_decimal_vi, normalise_name

__all__ = [
    "OB_CONTEXT",
    "REVOCATION_LIST_TYPE",
    "VC_CONTEXT",
    "AchievementInfo",
    "IssuerInfo",
    "SigningKey",
    "build_credential",
    "load_or_create_issuer_key",
    "public_jwk",
    "sign_credential",
]

VC_CONTEXT = "https://www.w3.org/ns/credentials/v2"
OB_CONTEXT = "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json"
REVOCATION_LIST_TYPE = "1EdTechRevocationList"

SigningKey = Ed25519PrivateKey | RSAPrivateKey
PublicKey = Ed25519PublicKey | RSAPublicKey


class IssuerInfo(TypedDict):
    """The issuing organisation (an OB 3.0 ``Profile``)."""

    id: str  # URL that identifies the issuer (its public profile page)
    name: str
    url: NotRequired[str]  # home page


class AchievementInfo(TypedDict):
    """What was achieved: one course or program."""

    id: str  # stable URL of the course/program, not of this certificate
    name: str
    description: str
    criteria: str  # narrative: what the holder had to do
    hours: NotRequired[Decimal | int | None]
    # OB 3.0 AchievementType; "Course" for a course, "LearningProgram" for a
    # program.  Defaults to "Course".
    achievement_type: NotRequired[str]


# --------------------------------------------------------------------------
# Credential
# --------------------------------------------------------------------------


def _utc_timestamp(moment: datetime, field_name: str) -> str:
    # nbf is a whole number of seconds and OB 3.0 requires it to *equal*
    # validFrom, so sub-second precision is dropped here, once.
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError(f"{field_name} must be timezone-aware")
    return moment.astimezone(UTC).replace(microsecond=0).strftime("%Y-%m-%dT%H:%M:%SZ")


def _achievement(info: AchievementInfo) -> dict[str, Any]:
    narrative = clean_text(info["criteria"])
    hours = info.get("hours")
    if hours is not None:
        # OB 3.0 has no "duration" property; the hours are part of what the
        # holder had to complete, so they go into the criteria narrative.
        narrative = f"{narrative} Thời lượng: {format_decimal_vi(hours)} giờ.".strip()
    return {
        "id": info["id"],
        "type": ["Achievement"],
        "achievementType": info.get("achievement_type", "Course"),
        "name": clean_text(info["name"]),
        "description": clean_text(info["description"]),
        "criteria": {"narrative": narrative},
    }


def _issuer(info: IssuerInfo) -> dict[str, Any]:
    profile: dict[str, Any] = {
        "id": info["id"],
        "type": ["Profile"],
        "name": clean_text(info["name"]),
    }
    if info.get("url"):
        profile["url"] = info["url"]
    return profile


def build_credential(
    *,
    credential_id: str,
    issuer: IssuerInfo,
    holder_name: str,
    achievement: AchievementInfo,
    issued_on: datetime,
    status_url: str | None = None,
    revoked: bool = False,
    subject_id: str | None = None,
    awarded_on: datetime | None = None,
) -> dict[str, Any]:
    """Build an unsigned ``OpenBadgeCredential`` (OB 3.0, VCDM 2.0).

    - ``credential_id``: the certificate's public verify URL (stable, unique).
    - ``holder_name``: normalised like the PDF (NFC, no bidi/zero-width
      characters).  OB 3.0's ``AchievementSubject`` has no ``name`` property
      (its JSON Schema forbids extra properties), so the name is carried the
      standard way: an ``IdentityObject`` with ``identityType: "name"``,
      unhashed because it is printed on the certificate anyway.
    - ``subject_id``: optional URI for the holder (e.g. ``urn:uuid:`` of the
      user, never an e-mail).  When given it becomes ``credentialSubject.id``
      and the JWT ``sub``.
    - ``issued_on``: timezone-aware; becomes ``validFrom``.  ``awarded_on``
      (default: ``issued_on``) keeps the original award date when a
      certificate is re-issued, e.g. after a name correction.
    - ``status_url``: the issuer's revocation-list URL; adds
      ``credentialStatus`` (type ``1EdTechRevocationList``).
    - ``revoked=True`` raises ``ValueError``: a revoked certificate must not
      get a freshly signed credential, since a wallet may show it as valid
      without checking the list.
    """
    if revoked:
        raise ValueError("Chứng chỉ đã bị thu hồi: không cấp huy hiệu số mới.")
    valid_from = _utc_timestamp(issued_on, "issued_on")
    subject: dict[str, Any] = {"type": ["AchievementSubject"]}
    if subject_id:
        subject["id"] = subject_id
    subject["identifier"] = [
        {
            "type": "IdentityObject",
            "identityType": "name",
            "hashed": False,
            "identityHash": normalise_name(holder_name),
        }
    ]
    subject["achievement"] = _achievement(achievement)

    credential: dict[str, Any] = {
        "@context": [VC_CONTEXT, OB_CONTEXT],
        "id": credential_id,
        "type": ["VerifiableCredential", "OpenBadgeCredential"],
        "name": subject["achievement"]["name"],
        "description": subject["achievement"]["description"],
        "issuer": _issuer(issuer),
        "validFrom": valid_from,
        "awardedDate": _utc_timestamp(awarded_on or issued_on, "awarded_on"),
        "credentialSubject": subject,
    }
    if status_url:
        credential["credentialStatus"] = {
            "id": status_url,
            "type": REVOCATION_LIST_TYPE,
        }
    return credential


# --------------------------------------------------------------------------
# Keys
# --------------------------------------------------------------------------


def _b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _b64url_uint(number: int) -> str:
    return _b64url(number.to_bytes((number.bit_length() + 7) // 8 or 1, "big"))


def _load_private_key(pem: bytes) -> SigningKey:
    key = serialization.load_pem_private_key(pem, password=None)
    if not isinstance(key, Ed25519PrivateKey | RSAPrivateKey):
        raise ValueError("issuer key must be Ed25519 (preferred) or RSA")
    if isinstance(key, RSAPrivateKey) and key.key_size < 2048:
        raise ValueError("RSA issuer key must be at least 2048 bits")
    return key


def _private_pem(key: SigningKey) -> bytes:
    return key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )


def load_or_create_issuer_key(
    path_or_pem: str | os.PathLike[str] | bytes,
) -> SigningKey:
    """Load the issuer's private key, creating an Ed25519 key file if missing.

    ``bytes`` are taken as PEM (e.g. from a secret in the environment).  A path
    that does not exist yet gets a new PKCS#8 PEM key with mode 0600.  The
    file is written under a temporary name and hard-linked into place, so two
    workers starting together end up with the same key instead of each
    signing with its own.
    """
    if isinstance(path_or_pem, bytes):
        return _load_private_key(path_or_pem)
    path = Path(path_or_pem)
    if not path.exists():
        _create_key_file(path)
    return _load_private_key(path.read_bytes())


def _create_key_file(path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    temp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    fd = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(_private_pem(Ed25519PrivateKey.generate()))
        try:
            os.link(temp, path)  # atomic; fails if another process won the race
        except FileExistsError:
            pass
    finally:
        temp.unlink(missing_ok=True)


def public_jwk(
    key: SigningKey | PublicKey, *, kid: str | None = None
) -> dict[str, str]:
    """The public JWK for ``key`` (never contains the private part ``d``).

    Serve it at the ``kid`` URL: OB 3.0 verifiers dereference ``kid`` to a JWK.
    """
    public = key.public_key() if isinstance(key, SigningKey) else key
    jwk: dict[str, str]
    if isinstance(public, Ed25519PublicKey):
        raw = public.public_bytes(
            serialization.Encoding.Raw, serialization.PublicFormat.Raw
        )
        jwk = {"kty": "OKP", "crv": "Ed25519", "x": _b64url(raw), "alg": "EdDSA"}
    else:
        numbers = public.public_numbers()
        jwk = {
            "kty": "RSA",
            "n": _b64url_uint(numbers.n),
            "e": _b64url_uint(numbers.e),
            "alg": "RS256",
        }
    jwk["use"] = "sig"
    if kid:
        jwk["kid"] = kid
    return jwk


# --------------------------------------------------------------------------
# Signing (VC-JWT)
# --------------------------------------------------------------------------


def _jwt_claims(credential: dict[str, Any]) -> dict[str, Any]:
    issuer = credential.get("issuer")
    issuer_id = issuer.get("id") if isinstance(issuer, dict) else issuer
    if not issuer_id or not credential.get("id") or not credential.get("validFrom"):
        raise ValueError("credential needs id, issuer.id and validFrom to be signed")
    claims: dict[str, Any] = {
        "iss": issuer_id,
        "jti": credential["id"],
        "nbf": _numeric_date(credential["validFrom"]),
    }
    subject_id = (credential.get("credentialSubject") or {}).get("id")
    if subject_id:
        claims["sub"] = subject_id
    if credential.get("validUntil"):
        claims["exp"] = _numeric_date(credential["validUntil"])
    return claims


def _numeric_date(timestamp: str) -> int:
    moment = datetime.fromisoformat(timestamp)
    if moment.tzinfo is None:
        raise ValueError(f"timestamp without timezone: {timestamp}")
    return int(moment.timestamp())


def _json_bytes(value: dict[str, Any]) -> bytes:
    # Compact and UTF-8 (not \\u escapes): the exact bytes are what is signed.
    return json.dumps(value, ensure_ascii=False, separators=(",", ":")).encode()


def sign_credential(
    credential: dict[str, Any], *, private_key_pem: bytes | SigningKey, kid: str
) -> str:
    """Sign ``credential`` as a VC-JWT; returns the compact JWS string.

    ``private_key_pem`` may also be a key object from
    :func:`load_or_create_issuer_key`.  ``kid`` must be a URL that returns
    :func:`public_jwk` of that key.
    """
    key = (
        _load_private_key(private_key_pem)
        if isinstance(private_key_pem, bytes)
        else private_key_pem
    )
    alg = "EdDSA" if isinstance(key, Ed25519PrivateKey) else "RS256"
    header = {"alg": alg, "kid": kid, "typ": "JWT"}
    payload = {**credential, **_jwt_claims(credential)}
    signing_input = f"{_b64url(_json_bytes(header))}.{_b64url(_json_bytes(payload))}"
    if isinstance(key, Ed25519PrivateKey):
        signature = key.sign(signing_input.encode("ascii"))
    else:
        signature = key.sign(
            signing_input.encode("ascii"), padding.PKCS1v15(), hashes.SHA256()
        )
    return f"{signing_input}.{_b64url(signature)}"
