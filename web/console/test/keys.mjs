// Real wallet keys for the injected test providers, written here from the specs (not from
// the server's code, so the server's checks are tested against an independent signer):
// Solana (Phantom): an Ed25519 key, the address its base58 public key, signMessage signs the
// raw bytes. Cosmos (Keplr): a secp256k1 key, the address bech32(ripemd160(sha256(compressed
// key))), signArbitrary signs the ADR-036 amino sign doc (sorted compact JSON) in low-s r‖s.
import { createHash, generateKeyPairSync, sign } from "node:crypto";

const BASE58 = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz";
export function base58(bytes) {
  let number = BigInt("0x" + Buffer.from(bytes).toString("hex"));
  let out = "";
  for (; number > 0n; number /= 58n) out = BASE58[Number(number % 58n)] + out;
  for (const byte of bytes) {
    if (byte !== 0) break;
    out = "1" + out;
  }
  return out;
}

const BECH32 = "qpzry9x8gf2tvdw0s3jn54khce6mua7l";
function polymod(values) {
  const GEN = [0x3b6a57b2, 0x26508e6d, 0x1ea119fa, 0x3d4233dd, 0x2a1462b3];
  let chk = 1;
  for (const value of values) {
    const top = chk >>> 25;
    chk = ((chk & 0x1ffffff) << 5) ^ value;
    for (let i = 0; i < 5; i++) if ((top >>> i) & 1) chk ^= GEN[i];
  }
  return chk;
}
/** BIP-173 bech32 of `bytes` under `prefix`. */
export function bech32(prefix, bytes) {
  const words = [];
  let acc = 0;
  let bits = 0;
  for (const byte of bytes) {
    acc = (acc << 8) | byte;
    bits += 8;
    for (; bits >= 5; bits -= 5) words.push((acc >>> (bits - 5)) & 31);
  }
  if (bits > 0) words.push((acc << (5 - bits)) & 31);
  const expanded = [...[...prefix].map((c) => c.charCodeAt(0) >> 5), 0, ...[...prefix].map((c) => c.charCodeAt(0) & 31)];
  const mod = polymod([...expanded, ...words, 0, 0, 0, 0, 0, 0]) ^ 1;
  const checksum = [0, 1, 2, 3, 4, 5].map((i) => (mod >>> (5 * (5 - i))) & 31);
  return `${prefix}1${[...words, ...checksum].map((w) => BECH32[w]).join("")}`;
}

/** A Solana key: its address, and the signature of a message's bytes (an array). */
export function solanaKey() {
  const { publicKey, privateKey } = generateKeyPairSync("ed25519");
  const address = base58(Buffer.from(publicKey.export({ format: "jwk" }).x, "base64url"));
  return { address, sign: (bytes) => [...sign(null, Buffer.from(bytes), privateKey)] };
}

const N = 0xfffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141n;

/** A Cosmos key under `prefix`: address, base64 compressed public key, signArbitrary. */
export function cosmosKey(prefix) {
  const { publicKey, privateKey } = generateKeyPairSync("ec", { namedCurve: "secp256k1" });
  const { x, y } = publicKey.export({ format: "jwk" });
  const yBytes = Buffer.from(y, "base64url");
  const compressed = Buffer.concat([Buffer.from([yBytes.at(-1) & 1 ? 3 : 2]), Buffer.from(x, "base64url")]);
  const hash160 = createHash("ripemd160").update(createHash("sha256").update(compressed).digest()).digest();
  const address = bech32(prefix, hash160);
  const signArbitrary = (signer, data) => {
    const doc = JSON.stringify({
      account_number: "0",
      chain_id: "",
      fee: { amount: [], gas: "0" },
      memo: "",
      msgs: [{ type: "sign/MsgSignData", value: { data: Buffer.from(data).toString("base64"), signer } }],
      sequence: "0",
    });
    const rs = sign("sha256", Buffer.from(doc), { key: privateKey, dsaEncoding: "ieee-p1363" });
    let s = BigInt("0x" + rs.subarray(32).toString("hex"));
    if (s > N / 2n) s = N - s;
    const low = Buffer.concat([rs.subarray(0, 32), Buffer.from(s.toString(16).padStart(64, "0"), "hex")]);
    return { signature: low.toString("base64"), pub_key: { type: "tendermint/PubKeySecp256k1", value: compressed.toString("base64") } };
  };
  return { address, signArbitrary };
}
