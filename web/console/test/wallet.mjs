// Wallet sign-in with an injected EIP-1193 provider (what MetaMask puts in the page) whose
// personal_sign is a real secp256k1 key: eth-account in Python (PYTHON, WALLET_KEY), the
// signature MetaMask would make: it signs in, and it is linked to an email user (EMAIL) on
// the profile page, then unlinked. Run by tests/e2e/test_console.py.
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { test } from "node:test";

import { cosmosKey, solanaKey } from "./keys.mjs";
import { EDGE, env, KEY, logIn, open, shot } from "./lib.mjs";

const SIGN = `
import sys
from eth_account import Account
from eth_account.messages import encode_defunct
message = bytes.fromhex(sys.stdin.read().strip()[2:])
print("0x" + bytes(Account.sign_message(encode_defunct(primitive=message), sys.argv[1]).signature).hex())
`;

/** An EIP-1193 provider for `address`; personal_sign goes to the page's walletSign. */
function provider(address) {
  window.signed = [];
  window.ethereum = {
    isMetaMask: true,
    async request({ method, params }) {
      if (window.refuse) throw Object.assign(new Error("User rejected the request."), { code: 4001 });
      if (method === "eth_requestAccounts" || method === "eth_accounts") return [address];
      if (method === "eth_chainId") return "0x1";
      if (method === "personal_sign") {
        window.signed.push(params);
        return window.walletSign(params[0]);
      }
      throw Object.assign(new Error(`unsupported ${method}`), { code: 4200 });
    },
  };
}

/** The console in a browser whose wallet holds `key` (for `address`). */
async function withWallet(key, address) {
  const { page, errors } = await open(1280, null);
  await page.context().exposeFunction("walletSign", (hexMessage) =>
    execFileSync(env("PYTHON"), ["-c", SIGN, key], { input: hexMessage }).toString().trim(),
  );
  await page.context().addInitScript(provider, address);
  await page.goto(`${EDGE}/console/`);
  return { page, errors };
}

test("a MetaMask-like wallet signs in; a refused signature is said so", async () => {
  const { page, errors } = await withWallet(env("WALLET_KEY"), env("WALLET_ADDRESS"));
  const button = page.getByRole("button", { name: "Sign in with Ethereum wallet (MetaMask, Coinbase)" });

  await page.evaluate(() => (window.refuse = true));
  await button.click();
  await page.getByRole("alert").filter({ hasText: "User rejected the request." }).waitFor();

  await page.evaluate(() => (window.refuse = false));
  await button.click();
  await page.getByRole("heading", { name: "Dashboard" }).waitFor();
  const [[message, address]] = await page.evaluate(() => window.signed);
  assert.equal(address, env("WALLET_ADDRESS"));
  const text = Buffer.from(message.slice(2), "hex").toString();
  assert.match(text, new RegExp(`${env("WALLET_ADDRESS")}`), "an EIP-4361 message for this address");
  assert.ok(await page.evaluate((key) => JSON.parse(sessionStorage.getItem(key)).refreshToken, KEY));
  await shot(page, "console-wallet-signed-in-1280");
  assert.deepEqual(errors, []);
});

test("an email user links a wallet on the profile page, then unlinks it", async () => {
  const { page, errors } = await withWallet(env("LINK_KEY"), env("LINK_ADDRESS"));
  await logIn(page, env("EMAIL"));
  await page.getByRole("button", { name: "Profile" }).click();
  const ways = page.getByRole("table", { name: "Ways to sign in" });
  await ways.getByRole("cell", { name: env("EMAIL"), exact: true }).waitFor();
  assert.equal(await page.getByRole("button", { name: /^Unlink/ }).count(), 0, "never the last way");
  await page.getByRole("button", { name: "Link Ethereum wallet (MetaMask, Coinbase)" }).click();
  await ways.getByRole("cell", { name: env("LINK_ADDRESS"), exact: true }).waitFor();
  await ways.getByRole("cell", { name: "evm wallet" }).waitFor();
  await shot(page, "console-wallet-linked-1280");
  await page.getByRole("button", { name: `Unlink ${env("LINK_ADDRESS")}` }).click();
  await ways.getByRole("cell", { name: env("LINK_ADDRESS"), exact: true }).waitFor({ state: "detached" });
  assert.deepEqual(errors, []);
});

test("a Phantom wallet signs in (signMessage with a real Ed25519 key)", async () => {
  const key = solanaKey();
  const { page, errors } = await open(1280, null);
  await page.context().exposeFunction("phantomSign", key.sign);
  await page.context().addInitScript((address) => {
    window.phantom = {
      solana: {
        isPhantom: true,
        connect: async () => ({ publicKey: { toString: () => address } }),
        signMessage: async (bytes) => {
          window.signedText = new TextDecoder().decode(bytes);
          return { signature: new Uint8Array(await window.phantomSign([...bytes])) };
        },
      },
    };
  }, key.address);
  await page.goto(`${EDGE}/console/`);
  await page.getByRole("button", { name: "Sign in with Phantom (Solana)" }).click();
  await page.getByRole("heading", { name: "Dashboard" }).waitFor();
  assert.match(await page.evaluate(() => window.signedText), new RegExp(`Solana account:\\n${key.address}`));
  await page.getByRole("button", { name: "Profile" }).click();
  await page.getByRole("table", { name: "Ways to sign in" }).getByRole("cell", { name: key.address, exact: true }).waitFor();
  assert.deepEqual(errors, []);
});

test("a Keplr wallet signs in (signArbitrary, ADR-036, a real secp256k1 key)", async () => {
  const key = cosmosKey("secret");
  const { page, errors } = await open(1280, null);
  await page.context().exposeFunction("keplrSign", key.signArbitrary);
  await page.context().addInitScript((address) => {
    window.keplr = {
      enable: async (chainId) => void (window.enabled = chainId),
      getKey: async () => ({ bech32Address: address }),
      signArbitrary: (chainId, signer, data) => window.keplrSign(signer, [...new TextEncoder().encode(data)]),
    };
  }, key.address);
  await page.goto(`${EDGE}/console/`);
  await page.getByRole("button", { name: "Sign in with Keplr (Cosmos)" }).click();
  await page.getByRole("heading", { name: "Dashboard" }).waitFor();
  assert.equal(await page.evaluate(() => window.enabled), "secret-4");
  await page.getByRole("button", { name: "Profile" }).click();
  await page.getByRole("table", { name: "Ways to sign in" }).getByRole("cell", { name: key.address, exact: true }).waitFor();
  await shot(page, "console-keplr-signed-in-1280");
  assert.deepEqual(errors, []);
});
