"""The user admin as support staff see it: what they cannot do is not offered."""

from django.contrib import admin
from django.contrib.auth import get_user_model
from django.contrib.auth.admin import UserAdmin

User = get_user_model()


class SupportAwareUserAdmin(UserAdmin):
    def get_fieldsets(self, request, obj=None):
        fieldsets = super().get_fieldsets(request, obj)
        if obj is not None and not self.has_change_permission(request, obj):
            # The password field's widget links to the reset form, which a viewer may not open
            # (a bare 403); a viewer has no use for the hash either.
            fieldsets = [
                (name, {**options, "fields": tuple(f for f in options["fields"] if f != "password")})
                for name, options in fieldsets
            ]
        return fieldsets


admin.site.unregister(User)
admin.site.register(User, SupportAwareUserAdmin)
