"""GET/POST /api/auth/tokens/ and DELETE /api/auth/tokens/{id}/: the caller's personal access tokens."""

from django.http import Http404
from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.response import Response
from rest_framework.views import APIView

from . import selectors, services
from .serializers import CreatedTokenSerializer, NewTokenSerializer, TokenSerializer


class TokenListView(APIView):
    @extend_schema(responses={200: TokenSerializer(many=True)}, summary="List your personal access tokens")
    def get(self, request):
        return Response(TokenSerializer(selectors.token_list(user=request.user), many=True).data)

    @extend_schema(
        request=NewTokenSerializer, responses={201: CreatedTokenSerializer},
        summary="Create a personal access token (for MCP clients); the secret is in this answer only",
    )
    def post(self, request):
        incoming = NewTokenSerializer(data=request.data)
        incoming.is_valid(raise_exception=True)
        token, secret = services.token_create(owner=request.user, **incoming.to_service_arguments())
        token.token = secret
        return Response(CreatedTokenSerializer(token).data, status=status.HTTP_201_CREATED)


class TokenDetailView(APIView):
    @extend_schema(responses={204: None}, summary="Revoke a personal access token")
    def delete(self, request, token_id: int):
        try:
            services.token_revoke(user=request.user, token_id=token_id)
        except selectors.TokenNotFound:
            raise Http404("No such token") from None
        return Response(status=status.HTTP_204_NO_CONTENT)
