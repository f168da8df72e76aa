from django import forms
from django.utils import timezone

from . import recurrence
from .labels import task_label_names
from .models import Task


class TaskForm(forms.ModelForm):
    # Not columns of the task: the services read a repeat (phrase or RRULE) and label names.
    recurrence = forms.CharField(
        required=False, max_length=255, label="Repeats",
        widget=forms.TextInput(attrs={"placeholder": "e.g. every monday", "autocomplete": "off"}),
    )
    labels = forms.CharField(
        required=False, max_length=500, label="Labels",
        widget=forms.TextInput(attrs={"placeholder": "e.g. work, home", "autocomplete": "off"}),
    )

    class Meta:
        model = Task
        fields = ["title", "description", "priority", "due_date"]
        widgets = {
            "due_date": forms.DateInput(attrs={"type": "date"}),
            "description": forms.Textarea(attrs={"rows": 2, "maxlength": 4000}),
            "title": forms.TextInput(attrs={"maxlength": 255, "placeholder": "What needs doing?", "autocomplete": "off"}),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            self.initial.setdefault(
                "recurrence", recurrence.as_typed(self.instance.recurrence, self.instance.recurrence_from_completion, timezone.localdate())
            )
            self.initial.setdefault("labels", ", ".join(task_label_names(self.instance)))

    def _post_clean(self):
        # The service runs full_clean() itself (it needs the owner); don't validate a half-built instance here.
        pass

    def service_fields(self) -> dict:
        """The cleaned fields as the task services take them. An unchanged repeat is left alone
        (re-reading it would move the due date to the rule's first date again)."""
        fields = {name: self.cleaned_data[name] for name in self._meta.fields}
        if "recurrence" in self.changed_data or (not self.instance.pk and self.cleaned_data["recurrence"]):
            fields["recurrence"] = self.cleaned_data["recurrence"] or None
        if "labels" in self.changed_data:
            fields["labels"] = [name for name in (n.strip() for n in self.cleaned_data["labels"].split(",")) if name]
        return fields


class QuickAddForm(forms.Form):
    text = forms.CharField(
        max_length=1000, label="Quick add",
        widget=forms.TextInput(attrs={
            "placeholder": "pay rent every month on the 1st #home !high", "autocomplete": "off", "id": "quick-add-text",
            "aria-describedby": "quick-add-preview",
        }),
    )
