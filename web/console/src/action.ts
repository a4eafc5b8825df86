// One page's error line: `act(fn)` runs an SDK call, showing the server's message if refused.
import { useCallback, useState } from "react";

import { message } from "./session";

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
