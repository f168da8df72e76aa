"""Sign-up, log-in and token endpoints: wiring around django.contrib.auth and simplejwt."""

from functools import partial

from django.contrib import admin
from django.contrib.auth import get_user_model, login, update_session_auth_hash
from django.contrib.auth import views as auth_views
from django.contrib.auth.forms import UserCreationForm
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import IntegrityError, transaction
from django.shortcuts import redirect, render
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import permissions, serializers, status
from rest_framework.authentication import SessionAuthentication
from rest_framework.response import Response
from rest_framework.throttling import ScopedRateThrottle
from rest_framework.views import APIView
from rest_framework_simplejwt.exceptions import InvalidToken, TokenError
from rest_framework_simplejwt.serializers import TokenRefreshSerializer
from rest_framework_simplejwt.settings import api_settings as jwt_settings
from rest_framework_simplejwt.tokens import RefreshToken
from rest_framework_simplejwt.views import TokenObtainPairView
from rest_framework_simplejwt.views import TokenRefreshView as SimpleJWTTokenRefreshView

from core.serializers import StrictSerializerMixin

from .auth_limits import AuthDoorThrottle, auth_door
from .sessions import end_sockets_after_commit
from .usernames import validate_username

User = get_user_model()


class RegisterSerializer(StrictSerializerMixin, serializers.Serializer):
    """A new account: a username nobody has (in any letter case) and a password Django's validators accept."""

    username = serializers.RegexField(
        r"^[\w.@+-]+\Z", max_length=150, error_messages={"invalid": "Letters, digits and @/./+/-/_ only."}
    )
    password = serializers.CharField(write_only=True, max_length=128, trim_whitespace=False)

    def validate_username(self, value: str) -> str:
        if User.objects.filter(username__iexact=value).exists():
            raise serializers.ValidationError("That username is taken.")
        try:
            validate_username(value)
        except DjangoValidationError as exc:
            raise serializers.ValidationError(list(exc.messages)) from exc
        return value

    def validate(self, attrs):
        try:
            validate_password(attrs["password"], user=User(username=attrs["username"]))
        except DjangoValidationError as exc:
            raise serializers.ValidationError({"password": list(exc.messages)}) from exc
        return attrs


class UserSerializer(serializers.Serializer):
    """The account just created."""

    id = serializers.IntegerField(read_only=True)
    username = serializers.CharField(read_only=True)


class RegisterView(APIView):
    permission_classes = [permissions.AllowAny]
    authentication_classes = []
    throttle_classes = [AuthDoorThrottle]

    @extend_schema(request=RegisterSerializer, responses={201: UserSerializer}, summary="Create an account")
    def post(self, request):
        serializer = RegisterSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        try:
            with transaction.atomic():
                user = User.objects.create_user(**serializer.validated_data)
        except IntegrityError:
            # Two sign-ups raced for the same name; the database's unique index decided.
            raise serializers.ValidationError({"username": ["That username is taken."]}) from None
        return Response(UserSerializer(user).data, status=status.HTTP_201_CREATED)


@extend_schema_view(post=extend_schema(summary="Get an access and a refresh token"))
class ThrottledTokenObtainPairView(TokenObtainPairView):
    throttle_classes = [AuthDoorThrottle]
    checks_password = True  # also the per-account limit on failed logins


class UserAwareTokenRefreshSerializer(TokenRefreshSerializer):
    def validate(self, attrs):
        try:
            return super().validate(attrs)
        except User.DoesNotExist:
            # simplejwt looks the user up with .get(); a deleted account is a dead token, not a 500.
            raise InvalidToken("The account of this token no longer exists.") from None


@extend_schema_view(post=extend_schema(summary="Trade a refresh token for a new pair (the old one dies)"))
class TokenRefreshView(SimpleJWTTokenRefreshView):
    serializer_class = UserAwareTokenRefreshSerializer


class LogoutSerializer(StrictSerializerMixin, serializers.Serializer):
    """The refresh token to retire."""

    refresh = serializers.CharField()


class LogoutView(APIView):
    """Blacklists the refresh token so it can no longer mint access tokens, and closes the user's
    chat sockets (as a page logout does).

    Access tokens already issued stay valid until they expire (minutes); clients drop them.
    """

    permission_classes = [permissions.AllowAny]
    authentication_classes = []

    @extend_schema(request=LogoutSerializer, responses={205: None}, summary="Log out (blacklist a refresh token)")
    def post(self, request):
        serializer = LogoutSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        try:
            token = RefreshToken(serializer.validated_data["refresh"])
            token.blacklist()
        except TokenError as exc:
            raise serializers.ValidationError({"refresh": [str(exc)]}) from exc
        end_sockets_after_commit(token.payload.get(jwt_settings.USER_ID_CLAIM))
        return Response(status=status.HTTP_205_RESET_CONTENT)


class PasswordChangeSerializer(StrictSerializerMixin, serializers.Serializer):
    old_password = serializers.CharField(write_only=True, max_length=128, trim_whitespace=False)
    new_password = serializers.CharField(write_only=True, max_length=128, trim_whitespace=False)

    def validate_old_password(self, value: str) -> str:
        if not self.context["user"].check_password(value):
            raise serializers.ValidationError("The current password is not correct.")
        return value

    def validate(self, attrs):
        try:
            validate_password(attrs["new_password"], user=self.context["user"])
        except DjangoValidationError as exc:
            raise serializers.ValidationError({"new_password": list(exc.messages)}) from exc
        return attrs


def user_revoke_tokens(*, user) -> int:
    """Blacklists every refresh token the user still holds; returns how many were live.

    Access tokens die with the password itself: SIMPLE_JWT["CHECK_REVOKE_TOKEN"] stamps each
    token with a digest of the password hash and JWTAuthentication rejects a token whose
    digest no longer matches.
    """
    from rest_framework_simplejwt.token_blacklist.models import BlacklistedToken, OutstandingToken

    live = OutstandingToken.objects.filter(user=user, blacklistedtoken__isnull=True)
    return len([BlacklistedToken.objects.get_or_create(token=token) for token in live])


class PasswordChangeView(APIView):
    """Changes the password; every token issued before stops working (refresh and access)."""

    throttle_classes = [ScopedRateThrottle]
    throttle_scope = "auth"

    @extend_schema(request=PasswordChangeSerializer, responses={204: None})
    def post(self, request):
        serializer = PasswordChangeSerializer(data=request.data, context={"user": request.user})
        serializer.is_valid(raise_exception=True)
        user = request.user
        with transaction.atomic():
            user.set_password(serializer.validated_data["new_password"])
            user.save(update_fields=["password"])
            user_revoke_tokens(user=user)
        if isinstance(request.successful_authenticator, SessionAuthentication):
            # The browser that made the change stays logged in; every other session is logged out.
            update_session_auth_hash(request._request, user)
        return Response(status=status.HTTP_204_NO_CONTENT)


__all__ = [
    "RegisterView",
    "ThrottledTokenObtainPairView",
    "TokenRefreshView",
    "LogoutView",
    "PasswordChangeView",
    "signup_page",
    "login_page",
    "admin_login_page",
]


class SignupForm(UserCreationForm):
    def clean_username(self) -> str:
        username = super().clean_username()
        validate_username(username)
        return username


@partial(auth_door, checks_password=False)
def signup_page(request):
    if request.user.is_authenticated:
        return redirect("tasks:list")
    form = SignupForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        user = form.save()
        login(request, user, backend="django.contrib.auth.backends.ModelBackend")
        return redirect("tasks:list")
    return render(request, "registration/signup.html", {"form": form}, status=400 if form.errors else 200)


login_page = auth_door(auth_views.LoginView.as_view(redirect_authenticated_user=True), checks_password=True)
admin_login_page = auth_door(admin.site.login, checks_password=True)
