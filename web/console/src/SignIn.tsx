// Email log-in and sign-up (two tabs over one form), or a wallet the browser offers
// (wallets.ts); the session is kept on success.
import { useState, type FormEvent } from "react";

import { client, fromAuth, message, save } from "./session";
import { walletSignIn, walletsFound, type Wallet } from "./wallets";

export function SignIn({ onSignedIn }: { onSignedIn: () => void }) {
  const [mode, setMode] = useState("log-in");
  const [error, setError] = useState("");
  const [busy, setBusy] = useState(false);

  const submit = async (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    const form = new FormData(event.currentTarget);
    const email = String(form.get("email"));
    const password = String(form.get("password"));
    setBusy(true);
    setError("");
    try {
      const auth =
        mode === "log-in"
          ? await client.auth.logInWithEmail({ email, password })
          : await client.auth.signUpWithEmail({ email, password, displayName: String(form.get("name")) });
      save(fromAuth(auth));
      onSignedIn();
    } catch (caught) {
      setError(message(caught));
    } finally {
      setBusy(false);
    }
  };

  const withWallet = async (wallet: Wallet) => {
    setBusy(true);
    setError("");
    try {
      save(fromAuth(await walletSignIn(client, wallet)));
      onSignedIn();
    } catch (caught) {
      setError(message(caught));
    } finally {
      setBusy(false);
    }
  };

  const wallets = walletsFound();
  const tab = (value: string, label: string) => (
    <button role="tab" type="button" aria-selected={mode === value} onClick={() => setMode(value)}>
      {label}
    </button>
  );
  return (
    <main>
      <section className="card">
        <h1>{mode === "log-in" ? "Log in to PrivexBot" : "Create your PrivexBot account"}</h1>
        <div role="tablist">
          {tab("log-in", "Log in")}
          {tab("sign-up", "Sign up")}
        </div>
        <form onSubmit={submit}>
          {mode === "sign-up" && (
            <label>
              Name
              <input name="name" autoComplete="name" maxLength={100} />
            </label>
          )}
          <label>
            Email
            <input name="email" type="email" autoComplete="email" required />
          </label>
          <label>
            Password
            <input
              name="password"
              type="password"
              autoComplete={mode === "log-in" ? "current-password" : "new-password"}
              required
            />
          </label>
          {error && <p role="alert">{error}</p>}
          <button type="submit" disabled={busy}>
            {mode === "log-in" ? "Log in" : "Sign up"}
          </button>
        </form>
        <h2>Or with a wallet</h2>
        {wallets.length === 0 && <p>No wallet found in this browser (MetaMask, Coinbase Wallet, Phantom, Keplr).</p>}
        <div className="row">
          {wallets.map((wallet) => (
            <button key={wallet.id} type="button" className="secondary" disabled={busy} onClick={() => withWallet(wallet)}>
              Sign in with {wallet.label}
            </button>
          ))}
        </div>
      </section>
    </main>
  );
}
