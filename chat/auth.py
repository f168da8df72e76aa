from channels.auth import AuthMiddlewareStack


def SessionOrJWTAuthMiddleware(inner):  # noqa: N802 - placeholder until the consumer lands
    return AuthMiddlewareStack(inner)
