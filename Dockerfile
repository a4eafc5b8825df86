# The PrivexBot gRPC server. (The enclave has its own image: enclave/Dockerfile.)
#   docker build -t privexbot-server .
#   docker run -p 50051:50051 --env-file .env privexbot-server
FROM python:3.11-slim AS build
WORKDIR /src
COPY pyproject.toml README.md ./
COPY clients/python clients/python
COPY server server
# Wheels for the server, the generated SDK it imports (privexbot.v1) and every dependency.
RUN pip wheel --no-cache-dir --wheel-dir /wheels ./clients/python .

FROM python:3.11-slim
RUN useradd --create-home --uid 10001 privexbot
WORKDIR /app
COPY --from=build /wheels /wheels
RUN pip install --no-cache-dir /wheels/*.whl && rm -rf /wheels
COPY db /app/db
ENV PRIVEXBOT_MIGRATIONS=/app/db \
    PRIVEXBOT_ENV=production \
    GRPC_ADDRESS=0.0.0.0:50051 \
    PYTHONUNBUFFERED=1
USER privexbot
EXPOSE 50051
HEALTHCHECK --interval=10s --timeout=3s CMD python -c "import grpc,sys; from grpc_health.v1 import health_pb2 as h, health_pb2_grpc as g; c=grpc.insecure_channel('127.0.0.1:50051'); sys.exit(0 if g.HealthStub(c).Check(h.HealthCheckRequest(), timeout=2).status==1 else 1)"
CMD ["privexbot", "serve", "--migrate"]
