// The signed-in person's ways to sign in (email, wallets): link a wallet the browser offers
// (a signed challenge, LinkWallet), unlink one (never the last: the server refuses).
import { Identity_Kind, WalletChain, type CurrentUser } from "@privexbot/client";

import { useAction } from "./action";
import { names, when } from "./format";
import { call, client } from "./session";
import { walletSigned, walletsFound, type Wallet } from "./wallets";
import { TableHead } from "./Table";

const KIND = names(Identity_Kind);
const CHAIN = names(WalletChain);

export function Profile({ user, onChanged }: { user: CurrentUser; onChanged: () => Promise<void> }) {
  const [error, act] = useAction();
  const change = (fn: () => Promise<unknown>) =>
    act(async () => {
      await call(fn);
      await onChanged();
    });
  const link = (wallet: Wallet) =>
    change(async () => client.auth.linkWallet(await walletSigned(client, wallet)));
  return (
    <section aria-labelledby="profile-title">
      <h1 id="profile-title">Profile</h1>
      {error && <p role="alert">{error}</p>}
      <table>
        <TableHead caption="Ways to sign in" columns={["Kind", "Address", "Last used"]} actions />
        <tbody>
          {user.identities.map((identity) => (
            <tr key={identity.name}>
              <td>{identity.chain ? `${CHAIN[identity.chain]} wallet` : KIND[identity.kind]}</td>
              <td>
                <code>{identity.subject}</code>
              </td>
              <td>{when(identity.lastUsedTime)}</td>
              <td>
                {user.identities.length > 1 && (
                  <button
                    aria-label={`Unlink ${identity.subject}`}
                    onClick={() => change(() => client.auth.unlinkIdentity({ name: identity.name }))}
                  >
                    Unlink
                  </button>
                )}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      <div className="row">
        {walletsFound().map((wallet) => (
          <button key={wallet.id} className="secondary" onClick={() => link(wallet)}>
            Link {wallet.label}
          </button>
        ))}
      </div>
    </section>
  );
}
