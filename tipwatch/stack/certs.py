"""Certificates for a local Elasticsearch with TLS: a CA and a node certificate for 127.0.0.1/localhost.

``write_certificates(directory)`` writes ``ca.crt``, ``ca.key``, ``node.crt`` and ``node.key`` (PEM,
keys unencrypted and readable by the owner only). Existing files that are still valid for at least
a day are kept, so clients holding ``ca.crt`` keep working across restarts.
"""

from __future__ import annotations

import datetime as dt
import ipaddress
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

VALID_DAYS = 825
FILES = ("ca.crt", "ca.key", "node.crt", "node.key")


def _name(common_name: str) -> x509.Name:
    return x509.Name([x509.NameAttribute(NameOID.ORGANIZATION_NAME, "tipwatch local stack"),
                      x509.NameAttribute(NameOID.COMMON_NAME, common_name)])


def _write(path: Path, data: bytes, private: bool) -> None:
    path.write_bytes(data)
    path.chmod(0o600 if private else 0o644)


def _key_bytes(key: ec.EllipticCurvePrivateKey) -> bytes:
    return key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                             serialization.NoEncryption())


def _still_valid(directory: Path) -> bool:
    if not all((directory / name).exists() for name in FILES):
        return False
    try:
        node = x509.load_pem_x509_certificate((directory / "node.crt").read_bytes())
    except ValueError:
        return False
    return node.not_valid_after_utc > dt.datetime.now(dt.UTC) + dt.timedelta(days=1)


def write_certificates(directory: Path) -> Path:
    """Create (or keep) the CA and node certificate in ``directory``; the CA file's path."""
    directory.mkdir(parents=True, exist_ok=True)
    if _still_valid(directory):
        return directory / "ca.crt"
    now = dt.datetime.now(dt.UTC) - dt.timedelta(minutes=5)
    until = now + dt.timedelta(days=VALID_DAYS)
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca_name = _name("tipwatch local CA")
    ca = (
        x509.CertificateBuilder().subject_name(ca_name).issuer_name(ca_name).public_key(ca_key.public_key())
        .serial_number(x509.random_serial_number()).not_valid_before(now).not_valid_after(until)
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(x509.KeyUsage(digital_signature=True, key_cert_sign=True, crl_sign=True,
                                     content_commitment=False, key_encipherment=False, data_encipherment=False,
                                     key_agreement=False, encipher_only=False, decipher_only=False), critical=True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(ca_key.public_key()), critical=False)
        .sign(ca_key, hashes.SHA256())
    )
    node_key = ec.generate_private_key(ec.SECP256R1())
    node = (
        x509.CertificateBuilder().subject_name(_name("localhost")).issuer_name(ca_name)
        .public_key(node_key.public_key()).serial_number(x509.random_serial_number())
        .not_valid_before(now).not_valid_after(until)
        .add_extension(x509.SubjectAlternativeName([
            x509.DNSName("localhost"), x509.IPAddress(ipaddress.ip_address("127.0.0.1")),
            x509.IPAddress(ipaddress.ip_address("::1"))]), critical=False)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH, ExtendedKeyUsageOID.CLIENT_AUTH]),
                       critical=False)
        .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()), critical=False)
        .sign(ca_key, hashes.SHA256())
    )
    _write(directory / "ca.key", _key_bytes(ca_key), private=True)
    _write(directory / "node.key", _key_bytes(node_key), private=True)
    _write(directory / "ca.crt", ca.public_bytes(serialization.Encoding.PEM), private=False)
    _write(directory / "node.crt", node.public_bytes(serialization.Encoding.PEM), private=False)
    return directory / "ca.crt"
