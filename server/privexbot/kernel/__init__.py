"""The kernel: what every domain uses and none owns — errors, resource names, the contract,
validation, the current call (principal and grant), pagination, ids, caches, tasks and
the standard methods. It imports no domain package."""
