"""The code node's sandbox process (run as a script by sandbox.py, never imported by the
server): reads one JSON request per line on stdin, runs the JavaScript in a fresh V8
isolate (mini-racer: no network, file system or process API exists in it), and writes one
JSON reply per line on stdout.

Each call gets a new isolate (nothing carries over between runs or tenants), a CPU-time
limit (V8 terminates the script) and a hard heap limit (V8 stops the script when it is
reached). The process itself can write no file (RLIMIT_FSIZE 0), open no new descriptor
past its pipes (RLIMIT_NOFILE), has no core dumps, and dies with its parent; the server
kills it outright when a call overruns its wall-clock limit.
"""

import json
import os
import resource
import signal
import sys


def _confine() -> None:
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    resource.setrlimit(resource.RLIMIT_FSIZE, (0, 0))
    try:  # die with the server (Linux)
        import ctypes

        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
        libc.prctl(38, 1, 0, 0, 0)  # PR_SET_NO_NEW_PRIVS
    except (OSError, AttributeError):
        pass


PRELUDE = """
globalThis.__run = function (source, inputsJson) {
  const inputs = JSON.parse(inputsJson);
  const main = new Function('inputs', source + '\\n;return typeof main === "function" ? main(inputs) : undefined;');
  const result = main(inputs);
  if (result && typeof result.then === 'function') {
    throw new Error('main must return a value, not a promise: nothing asynchronous runs here');
  }
  return JSON.stringify(result === undefined ? null : result);
};
"""


def main() -> None:
    from py_mini_racer import JSEvalException, JSOOMException, JSTimeoutException, MiniRacer

    _confine()
    highest = max(os.listdir("/proc/self/fd"), key=int, default="2")
    resource.setrlimit(resource.RLIMIT_NOFILE, (int(highest) + 8, int(highest) + 8))
    out = sys.stdout
    for line in sys.stdin:
        request = json.loads(line)
        reply: dict
        racer = MiniRacer()
        try:
            racer.set_hard_memory_limit(request["memory_mb"] * 1024 * 1024)
            racer.eval(PRELUDE)
            result = racer.call(
                "__run",
                request["source"],
                json.dumps(request["inputs"]),
                timeout=request["timeout_ms"],
            )
            reply = {"ok": True, "result": json.loads(result)}
        except JSTimeoutException:
            reply = {"ok": False, "kind": "timeout", "error": "the code ran out of CPU time"}
        except JSOOMException:
            reply = {"ok": False, "kind": "memory", "error": "the code ran out of memory"}
        except JSEvalException as exc:
            reply = {"ok": False, "kind": "code", "error": str(exc).splitlines()[0][:500]}
        except Exception as exc:  # anything else the script did: its error, not ours
            reply = {"ok": False, "kind": "code", "error": f"{type(exc).__name__}: {exc}"[:500]}
        finally:
            if racer.was_hard_memory_limit_reached():
                reply = {"ok": False, "kind": "memory", "error": "the code ran out of memory"}
            racer.close()
        out.write(json.dumps(reply) + "\n")
        out.flush()


if __name__ == "__main__":
    main()
