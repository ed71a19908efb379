"""Online signatures of a mediation agreement: keys, statements, codes and the stamped PDF."""

from __future__ import annotations

import io
import stat
import struct
import zlib
from datetime import UTC, datetime, timedelta, timezone

import pytest
from cryptography.hazmat.primitives import serialization

from zhili.casework import signing

CST = timezone(timedelta(hours=8))
WHEN = datetime(2025, 3, 1, 10, 20, 30, tzinfo=CST)
DOC = signing.sha256_hex(b"agreement pdf bytes")


@pytest.fixture(autouse=True)
def _secret(settings, tmp_path):
    settings.DATA_DIR = tmp_path
    settings.ZHILI_SIGNING_SECRET = "test-master-secret-not-for-production"


def alice_statement(**changes) -> dict:
    fields = {
        "document_sha256": DOC,
        "case_number": "(2025)拱调字第0042号",
        "signer_name": "张爱丽",
        "signer_id": "440402199001011234",
        "role": "申请人",
        "signed_at": WHEN,
    }
    return signing.statement(**{**fields, **changes})


def agreement_pdf() -> bytes:
    from weasyprint import HTML

    return HTML(string="<p style=\"font-family: 'Noto Sans CJK SC'\">调解协议书 测试</p>").write_pdf()


def tiny_png() -> bytes:
    """A 4×2 red PNG, built by hand so the test needs no imaging library."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    rows = b"".join(b"\x00" + b"\xff\x00\x00" * 4 for _ in range(2))
    header = struct.pack(">IIBBBBB", 4, 2, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(rows))
        + chunk(b"IEND", b"")
    )


def last_page(pdf: bytes):
    from pypdf import PdfReader

    return PdfReader(io.BytesIO(pdf)).pages[-1]


# Keys and signatures


def test_a_statement_signed_with_a_new_key_verifies():
    key = signing.new_key()
    st = alice_statement()
    signature = signing.sign(key.sealed_private_key, st)
    assert len(key.public_key) == 32
    assert len(signature) == 64
    assert signing.verify(key.public_key, st, signature) is True


@pytest.mark.parametrize(
    "changes",
    [
        {"document_sha256": signing.sha256_hex(b"another agreement")},
        {"signer_name": "张爱莉"},
        {"role": "被申请人"},
        {"signed_at": WHEN + timedelta(seconds=1)},
        {"case_number": "(2025)拱调字第0043号"},
    ],
)
def test_changing_any_field_breaks_the_signature(changes):
    key = signing.new_key()
    signature = signing.sign(key.sealed_private_key, alice_statement())
    assert signing.verify(key.public_key, alice_statement(**changes), signature) is False


def test_another_partys_public_key_does_not_verify():
    alice, bob = signing.new_key(), signing.new_key()
    st = alice_statement()
    assert signing.verify(bob.public_key, st, signing.sign(alice.sealed_private_key, st)) is False


@pytest.mark.parametrize(
    ("public_key", "signature"),
    [
        (None, b"\x00" * 64),  # public key replaced below by a real one
        (b"\x01" * 32, b"short"),
        (b"too short", b"\x00" * 64),
        (b"", b""),
        ("not bytes", "not bytes"),
        (None, None),
    ],
)
def test_garbage_keys_and_signatures_are_false_without_raising(public_key, signature):
    key = signing.new_key()
    public_key = key.public_key if public_key is None else public_key
    assert signing.verify(public_key, alice_statement(), signature) is False


def test_the_private_key_is_sealed_with_the_master_secret():
    key = signing.new_key()
    assert key.sealed_private_key.startswith(b"-----BEGIN ENCRYPTED PRIVATE KEY-----")
    with pytest.raises(TypeError):
        serialization.load_pem_private_key(key.sealed_private_key, password=None)
    with pytest.raises(ValueError):
        serialization.load_pem_private_key(key.sealed_private_key, password=b"wrong secret")
    opened = serialization.load_pem_private_key(key.sealed_private_key, password=signing.master_secret())
    assert (
        opened.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
        == key.public_key
    )


def test_signing_with_another_master_secret_fails_without_showing_the_key(settings):
    key = signing.new_key()
    settings.ZHILI_SIGNING_SECRET = "a different secret"
    with pytest.raises(signing.SigningError) as caught:
        signing.sign(key.sealed_private_key, alice_statement())
    assert caught.value.__cause__ is None
    assert caught.value.__suppress_context__ is True
    assert "PRIVATE KEY" not in str(caught.value)


def test_the_repr_of_a_signer_key_shows_no_private_key():
    key = signing.new_key()
    text = repr(key)
    assert key.public_key.hex() in text
    assert "sealed" not in text
    assert "PRIVATE" not in text
    assert key.sealed_private_key.decode() not in text


def test_the_master_secret_file_is_created_private_and_reused(settings, tmp_path):
    settings.ZHILI_SIGNING_SECRET = ""
    first = signing.master_secret()
    path = tmp_path / "signing.secret"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert len(bytes.fromhex(first.decode())) == 32
    assert signing.master_secret() == first
    assert [p.name for p in tmp_path.iterdir()] == ["signing.secret"]  # no temporary file left


def test_keys_sealed_with_the_file_secret_can_sign(settings):
    settings.ZHILI_SIGNING_SECRET = ""
    key = signing.new_key()
    st = alice_statement()
    assert signing.verify(key.public_key, st, signing.sign(key.sealed_private_key, st))


# Statements


def test_the_statement_names_version_algorithm_and_offset():
    st = alice_statement()
    assert st["v"] == 1
    assert st["alg"] == "Ed25519"
    assert st["signed_at"] == "2025-03-01T10:20:30+08:00"


def test_canonical_is_stable_under_key_order_and_keeps_chinese_as_utf8():
    st = alice_statement()
    reordered = dict(reversed(list(st.items())))
    assert list(reordered) != list(st)
    assert signing.canonical(reordered) == signing.canonical(st)
    data = signing.canonical(st)
    assert "张爱丽".encode() in data
    assert b"\\u" not in data
    assert b", " not in data and b": " not in data
    assert data.startswith(b'{"alg":"Ed25519","case_number":')


@pytest.mark.parametrize("bad", ["ABC", DOC.upper(), DOC[:-1], DOC + "0", "g" * 64, None])
def test_a_bad_document_hash_is_refused_by_name(bad):
    with pytest.raises(ValueError, match="document_sha256"):
        alice_statement(document_sha256=bad)


def test_a_naive_time_is_refused_by_name():
    with pytest.raises(ValueError, match="signed_at"):
        alice_statement(signed_at=datetime(2025, 3, 1, 10, 20, 30))


def test_a_utc_time_keeps_its_offset():
    assert alice_statement(signed_at=datetime(2025, 3, 1, 2, tzinfo=UTC))["signed_at"].endswith("+00:00")


# Verification codes


def test_the_verification_code_is_deterministic_and_grouped():
    code = signing.verification_code(b"seed one")
    assert code == signing.verification_code(b"seed one")
    assert code != signing.verification_code(b"seed two")
    assert len(code) == 19
    groups = code.split("-")
    assert [len(g) for g in groups] == [4, 4, 4, 4]
    assert all(c in signing.CROCKFORD for c in "".join(groups))


def test_normalise_code_accepts_what_people_type():
    assert signing.normalise_code("7k3mq9xp 2d4f ht6r") == "7K3M-Q9XP-2D4F-HT6R"
    assert signing.normalise_code(" 7K3M-Q9XP-2D4F-HT6R ") == "7K3M-Q9XP-2D4F-HT6R"
    assert signing.normalise_code("7K3M-Q9XP-2D4F-HT6O") == "7K3M-Q9XP-2D4F-HT60"
    assert signing.normalise_code("iL00 0000 0000 0000") == "1100-0000-0000-0000"
    code = signing.verification_code(b"x")
    assert signing.normalise_code(code.lower().replace("-", "")) == code


@pytest.mark.parametrize(
    "text", ["hello", "", "7K3M-Q9XP-2D4F-HT6", "7K3M-Q9XP-2D4F-HT6RX", "UUUU-0000-0000-0000", None]
)
def test_normalise_code_rejects_what_cannot_be_a_code(text):
    assert signing.normalise_code(text) is None


# The stamped PDF


@pytest.fixture(scope="module")
def stamped(tmp_path_factory) -> dict:
    """One stamped agreement shared by the PDF tests: WeasyPrint takes a second per render."""
    from django.test import override_settings

    data_dir = tmp_path_factory.mktemp("signing")
    with override_settings(DATA_DIR=data_dir, ZHILI_SIGNING_SECRET="module-secret"):
        return _stamp()


def _stamp() -> dict:
    original = agreement_pdf()
    parties = [("张爱丽", "申请人", "4404**********1234"), ("李博文", "被申请人", "4404**********5678")]
    signatures = []
    for name, role, masked in parties:
        key = signing.new_key()
        st = alice_statement(signer_name=name, role=role, document_sha256=signing.sha256_hex(original))
        signatures.append(
            {"statement": st, "signature": signing.sign(key.sealed_private_key, st), "masked_id": masked}
        )
    code = signing.verification_code(signing.sha256_hex(original).encode())
    pdf = signing.stamp_pdf(
        original,
        title="拱北街道 邻里纠纷调解协议书",
        signatures=signatures,
        code=code,
        verify_url="https://zhili.example.cn/verify",
        images={0: tiny_png()},
    )
    return {"pdf": pdf, "code": code, "original": original}


def test_stamping_appends_one_signatures_page(stamped):
    from pypdf import PdfReader

    assert len(PdfReader(io.BytesIO(stamped["original"])).pages) == 1
    reader = PdfReader(io.BytesIO(stamped["pdf"]))
    assert len(reader.pages) == 2
    assert "调解协议书" in reader.pages[0].extract_text()
    text = reader.pages[-1].extract_text()
    for expected in (
        "签署信息",
        "张爱丽",
        "李博文",
        "被申请人",
        "4404**********5678",
        stamped["code"],
        "zhili.example.cn/verify",
    ):
        assert expected in text
    assert reader.metadata["/ZhiliVerificationCode"] == stamped["code"]


def test_the_handwritten_signature_is_embedded_as_an_image(stamped):
    xobjects = last_page(stamped["pdf"])["/Resources"]["/XObject"]
    images = [x.get_object() for x in xobjects.values() if x.get_object()["/Subtype"] == "/Image"]
    assert len(images) == 1
    assert (images[0]["/Width"], images[0]["/Height"]) == (4, 2)


def test_read_code_finds_the_code_in_the_metadata(stamped):
    assert signing.read_code(stamped["pdf"]) == stamped["code"]


def test_read_code_falls_back_to_the_printed_code(stamped):
    from pypdf import PdfReader, PdfWriter

    writer = PdfWriter()
    writer.append(PdfReader(io.BytesIO(stamped["pdf"])))  # append copies pages, not the metadata
    out = io.BytesIO()
    writer.write(out)
    stripped = out.getvalue()
    assert "/ZhiliVerificationCode" not in (PdfReader(io.BytesIO(stripped)).metadata or {})
    assert signing.read_code(stripped) == stamped["code"]


def test_read_code_is_none_for_garbage_and_for_an_unstamped_pdf(stamped):
    assert signing.read_code(b"not a pdf") is None
    assert signing.read_code(b"") is None
    assert signing.read_code(stamped["pdf"][:200]) is None
    assert signing.read_code(stamped["original"]) is None


def test_stamping_refuses_an_image_that_is_not_png():
    with pytest.raises(ValueError, match=r"images\[0\]"):
        signing.stamp_pdf(
            agreement_pdf(),
            title="t",
            signatures=[],
            code="0000-0000-0000-0000",
            verify_url="u",
            images={0: b"GIF89a"},
        )
