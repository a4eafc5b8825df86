// One page's error line: `act(fn)` runs an SDK call, showing the server's message if refused.
import { useCallback, useEffect, useState } from "react";

import { call, message } from "./session";

export function useAction(): [string, (fn: () => Promise<unknown>) => Promise<void>] {
  const [error, setError] = useState("");
  const act = useCallback(async (fn: () => Promise<unknown>) => {
    try {
      setError("");
      await fn();
    } catch (caught) {
      setError(message(caught));
    }
  }, []);
  return [error, act];
}

/**
 * A list page's loading: `load` (an `act`ion) runs now and whenever it changes; the
 * returned `change(fn)` runs an SDK call, then loads again.
 */
export function useReload(act: (fn: () => Promise<unknown>) => Promise<void>, load: () => Promise<void>) {
  useEffect(() => {
    load();
  }, [load]);
  return useCallback(
    (fn: () => Promise<unknown>) =>
      act(async () => {
        await call(fn);
        await load();
      }),
    [act, load],
  );
}
