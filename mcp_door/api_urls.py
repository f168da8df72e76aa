from django.urls import path

from . import api

urlpatterns = [
    path("auth/tokens/", api.TokenListView.as_view(), name="api_tokens"),
    path("auth/tokens/<int:token_id>/", api.TokenDetailView.as_view(), name="api_token_detail"),
]
