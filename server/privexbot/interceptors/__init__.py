"""Server interceptors, outermost first: logging → errors → authn → authz → limits.

Each is small and separate; ``base.Interceptor`` wraps a method's handler once per method
(not per call), so a chain of them costs little on the hot path.
"""
