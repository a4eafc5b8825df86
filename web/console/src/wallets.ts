// Wallet sign-in through the browser's standard wallet APIs: a challenge from the server,
// signed by the wallet, verified by the server (which answers with a session).
// EVM (MetaMask, Coinbase Wallet): EIP-1193 `personal_sign`; Solana (Phantom):
// `signMessage`; Cosmos (Keplr): `signArbitrary` (ADR-036).
import { WalletChain, type PrivexBot, type WalletChallenge } from "@privexbot/client";

const COSMOS_CHAIN = "secret-4";

// The parts of each wallet's injected provider this page uses (EIP-1193, Phantom, Keplr).
interface Eip1193 {
  request(args: { method: string; params?: unknown[] }): Promise<unknown>;
}
interface PhantomSolana {
  connect(): Promise<{ publicKey: { toString(): string } }>;
  signMessage(message: Uint8Array, encoding: "utf8"): Promise<{ signature: Uint8Array }>;
}
interface Keplr {
  enable(chainId: string): Promise<void>;
  getKey(chainId: string): Promise<{ bech32Address: string }>;
  signArbitrary(
    chainId: string,
    signer: string,
    data: string,
  ): Promise<{ signature: string; pub_key: { value: string } }>;
}
declare global {
  interface Window {
    ethereum?: Eip1193;
    phantom?: { solana?: PhantomSolana };
    keplr?: Keplr;
  }
}

/** A wallet's signature of a challenge: what VerifyWalletSignature takes. */
export interface SignedChallenge {
  chain: WalletChain;
  message: string;
  signature: string;
  publicKey?: string;
}
type ChallengeFor = (chain: WalletChain, address: string, chainId: string) => Promise<WalletChallenge>;
export interface Wallet {
  id: string;
  label: string;
  sign(challengeFor: ChallengeFor): Promise<SignedChallenge>;
}

const hex = (text: string) =>
  "0x" + Array.from(new TextEncoder().encode(text), (byte) => byte.toString(16).padStart(2, "0")).join("");

const ALPHABET = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz";
/** Base58 (Bitcoin alphabet), how Solana writes signatures. */
function base58(bytes: Uint8Array): string {
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
export function walletsFound(): Wallet[] {
  const found: Wallet[] = [];
  const ethereum = window.ethereum;
  const keplr = window.keplr;
  if (ethereum)
    found.push({
      id: "evm",
      label: "Ethereum wallet (MetaMask, Coinbase)",
      sign: async (challengeFor) => {
        const [address] = (await ethereum.request({ method: "eth_requestAccounts" })) as string[];
        const chainId = String(parseInt((await ethereum.request({ method: "eth_chainId" })) as string, 16));
        const challenge = await challengeFor(WalletChain.EVM, address, chainId);
        const signature = (await ethereum.request({ method: "personal_sign", params: [hex(challenge.message), address] })) as string;
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
  if (keplr)
    found.push({
      id: "cosmos",
      label: "Keplr (Cosmos)",
      sign: async (challengeFor) => {
        await keplr.enable(COSMOS_CHAIN);
        const { bech32Address } = await keplr.getKey(COSMOS_CHAIN);
        const challenge = await challengeFor(WalletChain.COSMOS, bech32Address, COSMOS_CHAIN);
        const signed = await keplr.signArbitrary(COSMOS_CHAIN, bech32Address, challenge.message);
        return { chain: WalletChain.COSMOS, message: challenge.message, signature: signed.signature, publicKey: signed.pub_key.value };
      },
    });
  return found;
}

/** `wallet`'s signature of a fresh challenge (to sign in with, or to link). */
export const walletSigned = (client: PrivexBot, wallet: Wallet) =>
  wallet.sign((chain, address, chainId) => client.auth.createWalletChallenge({ chain, address, chainId }));

/** Signs in with `wallet`: challenge, the wallet's signature, the server's session. */
export async function walletSignIn(client: PrivexBot, wallet: Wallet) {
  return client.auth.verifyWalletSignature(await walletSigned(client, wallet));
}
