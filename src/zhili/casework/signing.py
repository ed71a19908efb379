"""Online signatures of a case document (a mediation agreement, a hazard notice …), with Ed25519.

Each party signs a small JSON statement that names the agreement by the SHA-256 of its PDF,
so a signature proves consent to exactly those bytes and nothing else. Private keys are only
ever kept sealed (PKCS#8 encrypted with the platform's master secret): a copied database row
alone cannot be used to sign. The signed PDF gets one extra page listing the signatures and a
short verification code, so a paper copy can be checked online by the code and an electronic
copy by uploading it.

This module holds no models: plain values in and out; the caller stores what it returns.
"""

from __future__ import annotations

import base64
import hashlib
import html
import io
import json
import re
import textwrap
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from django.conf import settings

from zhili.core import keys

STATEMENT_VERSION = 1
ALGORITHM = "Ed25519"
CODE_KEY = "/ZhiliVerificationCode"
CROCKFORD = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"  # no I, L, O, U: nothing to misread aloud
_CODE_CONFUSIONS = str.maketrans({"O": "0", "I": "1", "L": "1"})
_CODE_IN_TEXT = re.compile(r"(?<![0-9A-Z])[0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4}(?![0-9A-Z])")
_SHA256 = re.compile(r"[0-9a-f]{64}")
_PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


class SigningError(Exception):
    """A sealed key that cannot be opened. The message never carries key material."""


@dataclass(frozen=True)
class SignerKey:
    """What the caller stores for a signer: the public key in the clear, the private one sealed."""

    public_key: bytes
    sealed_private_key: bytes = field(repr=False)

    def __repr__(self) -> str:
        # Even sealed, the private key stays out of reprs: reprs end up in logs and error reports.
        return f"SignerKey(public_key={self.public_key.hex()})"


def master_secret() -> bytes:
    """The password that seals private keys: from settings, else a file made once in DATA_DIR
    (`core.keys.secret_file`: written whole, safe against two processes racing to make it)."""
    configured = getattr(settings, "ZHILI_SIGNING_SECRET", "")
    if configured:
        return configured if isinstance(configured, bytes) else configured.encode()
    try:
        return keys.secret_file(Path(settings.DATA_DIR) / "signing.secret").encode()
    except RuntimeError as exc:
        raise SigningError(f"签名主密钥文件为空：{Path(settings.DATA_DIR) / 'signing.secret'}") from exc


def new_key() -> SignerKey:
    """A fresh key pair for one signer; the private half leaves this function only sealed."""
    private = Ed25519PrivateKey.generate()
    public = private.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    sealed = private.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.BestAvailableEncryption(master_secret()),
    )
    return SignerKey(public_key=public, sealed_private_key=sealed)


def statement(
    *,
    document_sha256: str,
    case_number: str,
    signer_name: str,
    signer_id: str,
    role: str,
    signed_at: datetime,
) -> dict:
    """What a party signs. Versioned so the format can change without breaking old signatures."""
    if not isinstance(document_sha256, str) or not _SHA256.fullmatch(document_sha256):
        raise ValueError("document_sha256 must be 64 lowercase hex characters (a SHA-256 digest)")
    if signed_at.tzinfo is None or signed_at.utcoffset() is None:
        raise ValueError("signed_at must be timezone-aware; a naive datetime is ambiguous")
    return {
        "v": STATEMENT_VERSION,
        "alg": ALGORITHM,
        "document_sha256": document_sha256,
        "case_number": case_number,
        "signer_name": signer_name,
        "signer_id": signer_id,
        "role": role,
        "signed_at": signed_at.isoformat(),
    }


def canonical(statement: dict) -> bytes:
    """One byte string per statement, whatever the key order, so verifying needs no stored bytes."""
    return json.dumps(statement, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode("utf-8")


def _open_sealed(sealed_private_key: bytes) -> Ed25519PrivateKey:
    try:
        key = serialization.load_pem_private_key(sealed_private_key, password=master_secret())
    except (ValueError, TypeError):
        # `from None`: the original error and its traceback locals stay out of the report.
        raise SigningError("无法解开签名私钥（主密钥不符或数据损坏）") from None
    if not isinstance(key, Ed25519PrivateKey):
        raise SigningError("签名私钥不是 Ed25519 密钥")
    return key


def sign(sealed_private_key: bytes, statement: dict) -> bytes:
    """The 64-byte Ed25519 signature of the canonical statement."""
    return _open_sealed(sealed_private_key).sign(canonical(statement))


def verify(public_key: bytes, statement: dict, signature: bytes) -> bool:
    """True only for a good signature; any malformed input is simply not a valid signature."""
    try:
        Ed25519PublicKey.from_public_bytes(public_key).verify(signature, canonical(statement))
    except (InvalidSignature, ValueError, TypeError):
        return False
    return True


def sha256_hex(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def verification_code(seed: bytes) -> str:
    """80 bits of SHA-256(seed) as 16 Crockford base32 characters, short enough to type from paper."""
    number = int.from_bytes(hashlib.sha256(seed).digest()[:10], "big")
    chars = "".join(CROCKFORD[(number >> shift) & 31] for shift in range(75, -1, -5))
    return "-".join(chars[i : i + 4] for i in range(0, 16, 4))


def normalise_code(text: object) -> str | None:
    """The code as printed, from what a person typed; None if it cannot be a code."""
    if not isinstance(text, str):
        return None
    chars = re.sub(r"[\s\-_]", "", text).upper().translate(_CODE_CONFUSIONS)
    if len(chars) != 16 or any(c not in CROCKFORD for c in chars):
        return None
    return "-".join(chars[i : i + 4] for i in range(0, 16, 4))


_PAGE_CSS = """
@page { size: A4; margin: 18mm 16mm; }
body { font-family: "Noto Sans CJK SC", sans-serif; font-size: 10pt; color: #111; }
h1 { font-size: 16pt; margin: 0 0 2mm; }
.title { font-size: 11pt; margin: 0 0 6mm; }
.sig { border: 0.4pt solid #999; padding: 3mm 4mm; margin-bottom: 4mm; page-break-inside: avoid; }
.sig table { border-collapse: collapse; }
.sig th { text-align: left; font-weight: normal; color: #555; padding: 0.5mm 4mm 0.5mm 0; vertical-align: top; }
.sig td { padding: 0.5mm 0; }
.mono { font-family: "DejaVu Sans Mono", monospace; font-size: 8pt; }
.hand { height: 18mm; width: auto; max-width: 60mm; margin-top: 2mm; }
.code { font-size: 24pt; font-weight: bold; margin: 8mm 0 2mm; }
"""


def _data_uri(png: bytes) -> str:
    return "data:image/png;base64," + base64.b64encode(png).decode("ascii")


def _signature_html(entry: dict, image: bytes | None) -> str:
    st = entry["statement"]
    raw = entry["signature"]
    b64 = raw if isinstance(raw, str) else base64.b64encode(raw).decode("ascii")
    e = html.escape
    rows = [
        ("签署人", e(st["signer_name"])),
        ("身份", e(st["role"])),
        ("证件号", e(entry.get("masked_id", ""))),
        ("签署时间", e(str(st["signed_at"]).replace("T", " "))),
        ("协议 SHA-256", f'<span class="mono">{e(st["document_sha256"][:32])}…</span>'),
        ("签名 (Ed25519)", '<span class="mono">' + "<br>".join(textwrap.wrap(e(b64), 44)) + "</span>"),
    ]
    body = "".join(f"<tr><th>{k}</th><td>{v}</td></tr>" for k, v in rows)
    hand = f'<img class="hand" src="{_data_uri(image)}" alt="手写签名">' if image else ""
    return f'<div class="sig"><table>{body}</table>{hand}</div>'


def _signatures_page(title: str, signatures: list[dict], code: str, verify_url: str, images: dict) -> bytes:
    from weasyprint import HTML
    from weasyprint.urls import URLFetcher

    blocks = "".join(_signature_html(s, images.get(i)) for i, s in enumerate(signatures))
    doc = (
        f'<!doctype html><html lang="zh-Hans"><head><meta charset="utf-8"><style>{_PAGE_CSS}</style>'
        f"<title>{html.escape(title)}</title></head><body>"
        f'<h1>签署信息 / Signatures</h1><p class="title">{html.escape(title)}</p>{blocks}'
        f'<p>验证码</p><p class="code">{html.escape(code)}</p>'
        f"<p>在 {html.escape(verify_url)} 输入验证码或上传本文件，可核验本协议是否被改动。</p>"
        "</body></html>"
    )
    fetcher = URLFetcher(allowed_protocols={"data"}, fail_on_errors=True)
    return HTML(string=doc, base_url=None, url_fetcher=fetcher).write_pdf()


def stamp_pdf(
    pdf: bytes,
    *,
    title: str,
    signatures: list[dict],
    code: str,
    verify_url: str,
    images: dict[int, bytes] | None = None,
) -> bytes:
    """The agreement with a signatures page appended and the code in the document metadata.

    Each entry of `signatures` is {"statement": dict, "signature": bytes (or base64 str),
    "masked_id": str}; `images` maps an entry's index to a PNG of the handwritten signature.
    The metadata carries the code so read_code needs no text extraction for our own files;
    the printed code is the fallback once metadata has been stripped.
    """
    from pypdf import PdfReader, PdfWriter

    images = images or {}
    for index, png in images.items():
        if not png.startswith(_PNG_MAGIC):
            raise ValueError(f"images[{index}] is not a PNG")
    page = _signatures_page(title, signatures, code, verify_url, images)
    original = PdfReader(io.BytesIO(pdf))
    writer = PdfWriter()
    writer.append(original)
    writer.append(PdfReader(io.BytesIO(page)))
    info = {k: v for k, v in (original.metadata or {}).items() if isinstance(v, str)}
    writer.add_metadata({**info, "/Title": title, CODE_KEY: code})
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def read_code(pdf: bytes) -> str | None:
    """The verification code of a stamped PDF: from its metadata, else printed on its last page."""
    from pypdf import PdfReader

    try:
        reader = PdfReader(io.BytesIO(pdf))
        code = normalise_code((reader.metadata or {}).get(CODE_KEY))
        if code:
            return code
        if not reader.pages:
            return None
        found = _CODE_IN_TEXT.findall(reader.pages[-1].extract_text() or "")
    except Exception:  # uploads are untrusted; pypdf raises many exception types on broken files
        return None
    return normalise_code(found[-1]) if found else None
