"""A tiny OTLP/HTTP trace receiver for tests: what a real exporter (the enclave's, a served
server's) sends it, decoded to plain dicts."""

from __future__ import annotations

import asyncio
import gzip
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from opentelemetry.proto.collector.trace.v1 import trace_service_pb2


class Collector:
    """A tiny OTLP/HTTP trace receiver: the spans an exporter sent it, decoded to dicts."""

    def __init__(self) -> None:
        self.spans: list[dict] = []
        collector = self

        class Receive(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers["content-length"]))
                if self.headers.get("content-encoding") == "gzip":
                    body = gzip.decompress(body)
                collector.receive(trace_service_pb2.ExportTraceServiceRequest.FromString(body))
                reply = trace_service_pb2.ExportTraceServiceResponse().SerializeToString()
                self.send_response(200)
                self.send_header("content-type", "application/x-protobuf")
                self.send_header("content-length", str(len(reply)))
                self.end_headers()
                self.wfile.write(reply)

            def log_message(self, *args) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Receive)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    def receive(self, request) -> None:
        for resource_spans in request.resource_spans:
            service = _attributes(resource_spans.resource.attributes)["service.name"]
            for scope_spans in resource_spans.scope_spans:
                for span in scope_spans.spans:
                    self.spans.append(
                        {
                            "service": service,
                            "name": span.name,
                            "trace_id": span.trace_id.hex(),
                            "span_id": span.span_id.hex(),
                            "parent": span.parent_span_id.hex(),
                            "attributes": _attributes(span.attributes),
                            "events": [(e.name, _attributes(e.attributes)) for e in span.events],
                        }
                    )

    async def trace(self, trace_id: str, names: set[str]) -> list[dict]:
        """The spans of ``trace_id`` once those named ``names`` have arrived (10 s at most)."""
        for _ in range(200):
            found = [s for s in self.spans if s["trace_id"] == trace_id]
            if names <= {s["name"] for s in found}:
                return found
            await asyncio.sleep(0.05)
        raise AssertionError(f"the enclave exported {sorted(s['name'] for s in found)}")


def _attributes(key_values) -> dict:
    return {kv.key: getattr(kv.value, kv.value.WhichOneof("value")) for kv in key_values}
