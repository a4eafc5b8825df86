// Wallet sign-in through the browser's standard wallet APIs: a challenge from the server,
// signed by the wallet, verified by the server (which answers with a session).
// EVM (MetaMask, Coinbase Wallet): EIP-1193 `personal_sign`; Solana (Phantom):
// `signMessage`; Cosmos (Keplr): `signArbitrary` (ADR-036).
import { WalletChain } from "@privexbot/client";

const COSMOS_CHAIN = "secret-4";

const hex = (text) =>
  "0x" + Array.from(new TextEncoder().encode(text), (byte) => byte.toString(16).padStart(2, "0")).join("");

const ALPHABET = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz";
/** Base58 (Bitcoin alphabet), how Solana writes signatures. */
function base58(bytes) {
  let number = BigInt("0x" + (Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("") || "0"));
  let out = "";
  while (number > 0n) {
    out = ALPHABET[Number(number % 58n)] + out;
    number /= 58n;
  }
  for (const byte of bytes) {
    if (byte !== 0) break;
    out = "1" + out;
  }
  return out;
}

/** The wallets this browser offers: [{id, label, sign(challengeFor) → signed challenge}]. */
export function walletsFound() {
  const found = [];
  if (window.ethereum)
    found.push({
      id: "evm",
      label: "Ethereum wallet (MetaMask, Coinbase)",
      sign: async (challengeFor) => {
        const [address] = await window.ethereum.request({ method: "eth_requestAccounts" });
        const chainId = String(parseInt(await window.ethereum.request({ method: "eth_chainId" }), 16));
        const challenge = await challengeFor(WalletChain.EVM, address, chainId);
        const signature = await window.ethereum.request({ method: "personal_sign", params: [hex(challenge.message), address] });
        return { chain: WalletChain.EVM, message: challenge.message, signature };
      },
    });
  const phantom = window.phantom?.solana;
  if (phantom)
    found.push({
      id: "solana",
      label: "Phantom (Solana)",
      sign: async (challengeFor) => {
        const { publicKey } = await phantom.connect();
        const challenge = await challengeFor(WalletChain.SOLANA, publicKey.toString(), "");
        const { signature } = await phantom.signMessage(new TextEncoder().encode(challenge.message), "utf8");
        return { chain: WalletChain.SOLANA, message: challenge.message, signature: base58(signature) };
      },
    });
  if (window.keplr)
    found.push({
      id: "cosmos",
      label: "Keplr (Cosmos)",
      sign: async (challengeFor) => {
        await window.keplr.enable(COSMOS_CHAIN);
        const { bech32Address } = await window.keplr.getKey(COSMOS_CHAIN);
        const challenge = await challengeFor(WalletChain.COSMOS, bech32Address, COSMOS_CHAIN);
        const signed = await window.keplr.signArbitrary(COSMOS_CHAIN, bech32Address, challenge.message);
        return { chain: WalletChain.COSMOS, message: challenge.message, signature: signed.signature, publicKey: signed.pub_key.value };
      },
    });
  return found;
}

/** `wallet`'s signature of a fresh challenge (to sign in with, or to link). */
export const walletSigned = (client, wallet) =>
  wallet.sign((chain, address, chainId) => client.auth.createWalletChallenge({ chain, address, chainId }));

/** Signs in with `wallet`: challenge, the wallet's signature, the server's session. */
export async function walletSignIn(client, wallet) {
  return client.auth.verifyWalletSignature(await walletSigned(client, wallet));
}
