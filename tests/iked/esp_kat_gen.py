# Independent ESP packets (RFC 4303/4106 written out again in Python with
# pyca/cryptography) for test_esp.c's known answers.
import struct, hmac, hashlib
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
inner = bytes.fromhex("4500001c000100004001f7cdc6336441c63364810800f7ff00000000")
spi = 4242
def gcm(key, salt, seq, esn, pad_ok=True):
    iv = struct.pack(">Q", seq)
    padn = (4 - (len(inner) + 2) % 4) % 4
    payload = inner + bytes(range(1, padn+1)) + bytes([padn, 4])
    aad = struct.pack(">I", spi) + (struct.pack(">II", seq >> 32, seq & 0xffffffff) if esn else struct.pack(">I", seq & 0xffffffff))
    ct = AESGCM(key).encrypt(salt + iv, payload, aad)
    return struct.pack(">II", spi, seq & 0xffffffff) + iv + ct
def cbc(key, akey, iv, seq, pad):
    padn = (16 - (len(inner) + 2) % 16) % 16
    payload = inner + pad(padn) + bytes([padn, 4])
    e = Cipher(algorithms.AES(key), modes.CBC(iv)).encryptor()
    ct = e.update(payload) + e.finalize()
    pkt = struct.pack(">II", spi, seq) + iv + ct
    return pkt + hmac.new(akey, pkt, hashlib.sha256).digest()[:16]
K = bytes(range(16)); S = bytes.fromhex("cafebabe")
AK = bytes(range(0x20, 0x40)); IV = bytes(range(0xa0, 0xb0))
def c(name, b):
    print("static const uint8_t %s[] = {" % name)
    for i in range(0, len(b), 12):
        print("\t" + ", ".join("0x%02x" % x for x in b[i:i+12]) + ",")
    print("};")
c("kat_inner", inner)
c("kat_gcm_seq1", gcm(K, S, 1, False))
c("kat_gcm_esn", gcm(K, S, 0x100000005, True))
c("kat_cbc_seq1", cbc(K, AK, IV, 1, lambda n: bytes(range(1, n+1))))
c("kat_cbc_badpad", cbc(K, AK, IV, 2, lambda n: bytes([1, 3]) if n == 2 else bytes(range(1, n+1))))
