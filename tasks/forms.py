from django import forms

from .models import Task


class TaskForm(forms.ModelForm):
    class Meta:
        model = Task
        fields = ["title", "description", "priority", "due_date"]
        widgets = {
            "due_date": forms.DateInput(attrs={"type": "date"}),
            "description": forms.Textarea(attrs={"rows": 2, "maxlength": 4000}),
            "title": forms.TextInput(attrs={"maxlength": 255, "placeholder": "What needs doing?", "autocomplete": "off"}),
        }

    def _post_clean(self):
        # The service runs full_clean() itself (it needs the owner); don't validate a half-built instance here.
        pass
