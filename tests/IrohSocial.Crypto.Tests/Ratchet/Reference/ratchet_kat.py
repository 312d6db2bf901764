#!/usr/bin/env python3
"""Independent reference computation of the ratchet known-answer values in docs/protocol.md.

Written from the documented spec only (pyca/cryptography, no libsodium), so the C# known-answer
test compares the SDK against a second implementation. Run: python3 ratchet_kat.py [1|2]
(setup version: 2, the default, puts both ed25519 ids in the setup HKDF info; 1 is the original setup).
"""
import hashlib, hmac, struct, sys
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey, X25519PublicKey
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import ChaCha20Poly1305

class Rng:
    def __init__(self, label): self.label, self.counter, self.buf = label.encode(), 0, b""
    def take(self, n):
        while len(self.buf) < n:
            self.buf += hashlib.sha256(self.label + struct.pack(">I", self.counter)).digest(); self.counter += 1
        out, self.buf = self.buf[:n], self.buf[n:]
        return out

def raw_pub(k): return k.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)
def x_priv(b): return X25519PrivateKey.from_private_bytes(b)
def dh(priv, pub): return priv.exchange(X25519PublicKey.from_public_bytes(pub))
def hkdf(ikm, salt, info, n): return HKDF(hashes.SHA256(), n, salt, info).derive(ikm)
def kdf_rk(rk, d):
    o = hkdf(d, rk, b"iroh-social/dm/root/v1", 64); return o[:32], o[32:]
def kdf_ck(ck): return hmac.new(ck, b"\x01", hashlib.sha256).digest(), hmac.new(ck, b"\x02", hashlib.sha256).digest()
def header(rk_pub, n, pn, setup):
    return bytes([1 if setup else 0]) + rk_pub + struct.pack(">II", n, pn) + (setup or b"")

seed_a = bytes.fromhex("9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60")  # RFC 8032 7.1 TEST 1
seed_b = bytes.fromhex("4ccd089b28ff96da9db6c346ec114e0f5b8a319f35aba624da8cf6ed4fb8a6fb")  # RFC 8032 7.1 TEST 2
ed_a = raw_pub(Ed25519PrivateKey.from_private_bytes(seed_a)); ed_b = raw_pub(Ed25519PrivateKey.from_private_bytes(seed_b))
ik_a = x_priv(hashlib.sha512(seed_a).digest()[:32]); ik_b = x_priv(hashlib.sha512(seed_b).digest()[:32])
ik_a_pub, ik_b_pub = raw_pub(ik_a), raw_pub(ik_b)
ra, rb = Rng("kat/alice"), Rng("kat/bob")

def seal(mk, nonce, sender, receiver, hdr, pt):
    ad = b"\x01" + sender + receiver + hdr
    return ChaCha20Poly1305(mk).encrypt(nonce, pt, ad)

def wire(hdr, nonce, ct): return (b"\x01" + hdr + nonce + ct).hex()

# Alice: setup and first message.
ek = x_priv(ra.take(32)); ek_pub = raw_pub(ek)
setup_version = sys.argv[1] if len(sys.argv) > 1 else "2"
setup_info = b"iroh-social/dm/setup/v1" if setup_version == "1" else b"iroh-social/dm/setup/v2" + ed_a + ed_b
root0 = hkdf(b"\xff" * 32 + dh(ek, ik_b_pub) + dh(ik_a, ik_b_pub), b"\x00" * 32, setup_info, 32)
a1 = x_priv(ra.take(32)); a1_pub = raw_pub(a1)
rk_a, cks_a = kdf_rk(root0, dh(a1, ik_b_pub))
mk, cks_a = kdf_ck(cks_a)
h = header(a1_pub, 0, 0, ek_pub); nonce = ra.take(12)
m1 = wire(h, nonce, seal(mk, nonce, ed_a, ed_b, h, b"hello bob"))
print("setup_root", root0.hex()); print("message_key_0", mk.hex()); print("m1", m1)

# Bob: receives (same root), replies with a fresh ratchet key.
rk_b, ckr_b = kdf_rk(root0, dh(ik_b, a1_pub)); assert rk_b == rk_a
b1 = x_priv(rb.take(32)); b1_pub = raw_pub(b1)
rk_b, cks_b = kdf_rk(rk_b, dh(b1, a1_pub)); bob_chain0 = cks_b
mk, cks_b = kdf_ck(cks_b)
h = header(b1_pub, 0, 0, None); nonce = rb.take(12)
m2 = wire(h, nonce, seal(mk, nonce, ed_b, ed_a, h, b"hi alice"))
print("m2", m2)

# Alice: receives, ratchets, sends again (PN = 1).
rk_a, ckr_a = kdf_rk(rk_a, dh(a1, b1_pub)); assert (rk_a, ckr_a) == (rk_b, bob_chain0)
a2 = x_priv(ra.take(32)); a2_pub = raw_pub(a2)
rk_a, cks_a = kdf_rk(rk_a, dh(a2, b1_pub))
mk, cks_a = kdf_ck(cks_a)
h = header(a2_pub, 0, 1, None); nonce = ra.take(12)
m3 = wire(h, nonce, seal(mk, nonce, ed_a, ed_b, h, b"how are you"))
print("m3", m3)
