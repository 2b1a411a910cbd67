from django import forms

from accounts import limits
from accounts.forms import DateInput, formfield_callback
from onboarding.models import Category, Task, onboarding_staff


class StaffChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, user):
        return user.get_full_name() or user.username


class BoardFilterForm(forms.Form):
    owner = StaffChoiceField(queryset=None, required=False, empty_label="Any owner")
    assignee = StaffChoiceField(queryset=None, required=False, empty_label="Anyone")
    mine = forms.BooleanField(label="Only mine", required=False)
    overdue = forms.BooleanField(label="Only overdue", required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["owner"].queryset = self.fields["assignee"].queryset = onboarding_staff()
        for name in ("owner", "assignee"):
            self.fields[name].widget.attrs["class"] = "form-select form-select-sm"


class TaskForm(forms.ModelForm):
    assignee = StaffChoiceField(queryset=None, required=False, empty_label="Nobody yet")

    class Meta:
        model = Task
        fields = ["title", "category", "assignee", "due_on", "description", "notes"]
        formfield_callback = formfield_callback
        widgets = {
            "due_on": DateInput(),
            "description": forms.Textarea(attrs={"rows": 2}),
            "notes": forms.Textarea(attrs={"rows": 2}),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["assignee"].queryset = onboarding_staff()
        self.fields["category"].choices = [("", "Choose a category"), *Category.choices]
        for field in self.fields.values():
            is_select = isinstance(field.widget, forms.Select)
            field.widget.attrs["class"] = "form-select" if is_select else "form-control"


class TaskStatusForm(forms.Form):
    status = forms.ChoiceField(choices=Task.Status.choices)
    reason = forms.CharField(max_length=limits.TEXT_REASON, required=False)


class TaskAssignForm(forms.Form):
    assignee = forms.ModelChoiceField(queryset=None, required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["assignee"].queryset = onboarding_staff()
