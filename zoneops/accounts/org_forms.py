"""Forms of department, user and role management: UI input only, no side effects (rules live in org.py)."""

from __future__ import annotations

from django import forms
from django.forms import formset_factory
from django.utils.translation import gettext_lazy as _

from zoneops.accounts import org
from zoneops.accounts.models import AdminKind, DataScope, Department, DepartmentKind, Role, User

STATUS_CHOICES = [("", _("All")), ("active", _("Active")), ("disabled", _("Disabled"))]


class DepartmentChoiceField(forms.ModelChoiceField):
    """A department select that shows the tree by indenting names."""

    def label_from_instance(self, obj: Department) -> str:
        return "\u3000" * obj.depth + f"{obj.name}（{obj.code}）"


class UserChoiceField(forms.ModelChoiceField):
    """A user select showing name, username and job title."""

    def label_from_instance(self, obj: User) -> str:
        label = f"{obj.display_name}（{obj.username}）"
        return f"{label} {obj.title}" if obj.title else label


class DepartmentMultipleChoiceField(forms.ModelMultipleChoiceField):
    """Several departments, indented by depth."""

    def label_from_instance(self, obj: Department) -> str:
        return "\u3000" * obj.depth + f"{obj.name}（{obj.code}）"


class StyledForm(forms.Form):
    """Adds Bootstrap classes to the widgets so templates can render fields in a loop."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            widget = field.widget
            if isinstance(widget, forms.CheckboxSelectMultiple | forms.RadioSelect | forms.CheckboxInput):
                css = "form-check-input"
            elif isinstance(widget, forms.Select):
                css = "form-select"
            else:
                css = "form-control"
            widget.attrs["class"] = (widget.attrs.get("class", "") + " " + css).strip()


def _tree_ordered(queryset) -> list[int]:
    return [row.department.pk for row in org.flatten_tree(queryset)]


def _ordered_queryset(queryset):
    """The queryset in tree order (parents before children, siblings by sort order)."""
    from django.db.models import Case, IntegerField, When

    ids = _tree_ordered(queryset)
    if not ids:
        return queryset.none()
    order = Case(*[When(pk=pk, then=index) for index, pk in enumerate(ids)], output_field=IntegerField())
    return queryset.filter(pk__in=ids).order_by(order)


class ImportForm(StyledForm):
    """An .xlsx file made from the downloadable template."""

    file = forms.FileField(label=_("Excel file (.xlsx)"))


class DepartmentFilterForm(StyledForm):
    """Search form of the department list."""

    q = forms.CharField(label=_("Name or code"), required=False)
    kind = forms.ChoiceField(label=_("Kind"), required=False, choices=[("", _("All"))] + DepartmentKind.choices)
    status = forms.ChoiceField(label=_("Status"), required=False, choices=STATUS_CHOICES)


class DepartmentForm(StyledForm):
    """A department's own fields; `parent` only when creating (moving has its own page), `head` only when editing."""

    parent = DepartmentChoiceField(
        label=_("Parent department"),
        queryset=Department.objects.none(),
        required=False,
        empty_label=_("(top level)"),
    )
    code = forms.CharField(label=_("Code"), max_length=40)
    name = forms.CharField(label=_("Name"), max_length=100)
    short_name = forms.CharField(label=_("Short name"), max_length=40, required=False)
    kind = forms.ChoiceField(label=_("Kind"), choices=DepartmentKind.choices)
    sort_order = forms.IntegerField(label=_("Sort order"), min_value=0, initial=0)
    phone = forms.CharField(label=_("Phone"), max_length=40, required=False)
    head = UserChoiceField(
        label=_("Head"),
        queryset=User.objects.none(),
        required=False,
        empty_label=_("(none)"),
        help_text=_("An active member of the department (main department or post)."),
    )

    def __init__(self, *args, actor=None, with_parent: bool = True, department: Department | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        if with_parent:
            self.fields["parent"].queryset = _ordered_queryset(org.visible_departments(actor).active())
        else:
            del self.fields["parent"]
        if department is None:
            del self.fields["head"]  # a new department has no members to choose from
        else:
            self.fields["head"].queryset = org.head_candidates(department)


class DepartmentMoveForm(StyledForm):
    """The new parent of a department."""

    parent = DepartmentChoiceField(
        label=_("New parent department"),
        queryset=Department.objects.none(),
        required=False,
        empty_label=_("(top level)"),
    )

    def __init__(self, *args, actor=None, department: Department | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        choices = org.visible_departments(actor).active()
        if department is not None:
            choices = choices.exclude(path__startswith=department.path)
        self.fields["parent"].queryset = _ordered_queryset(choices)


class UserFilterForm(StyledForm):
    """Search form of the user list."""

    q = forms.CharField(label=_("Username, name or mobile"), required=False)
    department = DepartmentChoiceField(
        label=_("Department"), queryset=Department.objects.none(), required=False, empty_label=_("All")
    )
    include_below = forms.BooleanField(label=_("and below"), required=False)
    status = forms.ChoiceField(label=_("Status"), required=False, choices=STATUS_CHOICES)
    role = forms.ModelChoiceField(label=_("Role"), queryset=Role.objects.all(), required=False, empty_label=_("All"))

    def __init__(self, *args, actor=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["department"].queryset = _ordered_queryset(org.departments_for_users(actor))

    def filters(self) -> dict:
        """Keyword arguments for org.user_filter (empty when the form is invalid)."""
        if not self.is_valid():
            return {}
        data = self.cleaned_data
        return {
            "q": data["q"].strip(),
            "department": data["department"],
            "include_below": data["include_below"],
            "status": data["status"],
            "role": data["role"],
        }


class _UserFieldsForm(StyledForm):
    full_name = forms.CharField(label=_("Full name"), max_length=60)
    department = DepartmentChoiceField(label=_("Main department"), queryset=Department.objects.none())
    title = forms.CharField(label=_("Job title"), max_length=60, required=False)
    mobile = forms.CharField(label=_("Mobile"), max_length=20, required=False)
    is_staff = forms.BooleanField(label=_("Staff (may use the back office)"), required=False, initial=True)

    def __init__(self, *args, actor=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["department"].queryset = _ordered_queryset(org.departments_for_users(actor).active())


class UserCreateForm(_UserFieldsForm):
    """A new user with an initial password and roles."""

    field_order = [
        "username",
        "full_name",
        "department",
        "title",
        "mobile",
        "is_staff",
        "roles",
        "password",
        "password2",
    ]

    username = forms.CharField(label=_("Username"), max_length=150)
    roles = forms.ModelMultipleChoiceField(
        label=_("Roles"),
        queryset=Role.objects.filter(is_active=True),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    password = forms.CharField(label=_("Initial password"), widget=forms.PasswordInput, strip=False)
    password2 = forms.CharField(label=_("Initial password again"), widget=forms.PasswordInput, strip=False)

    def clean(self):
        data = super().clean()
        if data.get("password") and data.get("password") != data.get("password2"):
            self.add_error("password2", _("The two passwords differ."))
        return data


class UserEditForm(_UserFieldsForm):
    """A user's own fields (roles, posts and password have their own pages)."""


class UserRolesForm(StyledForm):
    """The roles a user holds."""

    roles = forms.ModelMultipleChoiceField(
        label=_("Roles"),
        queryset=Role.objects.filter(is_active=True),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        if user is not None:
            # Keep roles the user holds selectable even when disabled, so saving does not silently drop them.
            self.fields["roles"].queryset = Role.objects.filter(is_active=True) | Role.objects.filter(users=user)
            self.fields["roles"].queryset = self.fields["roles"].queryset.distinct()


class PostForm(StyledForm):
    """One post (兼职) in another department."""

    department = DepartmentChoiceField(label=_("Department"), queryset=Department.objects.none(), required=False)
    title = forms.CharField(label=_("Job title"), max_length=60, required=False)

    def __init__(self, *args, actor=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["department"].queryset = _ordered_queryset(org.departments_for_users(actor))


PostFormSet = formset_factory(PostForm, extra=2)


class PasswordResetForm(StyledForm):
    """A new initial password, twice."""

    new_password1 = forms.CharField(label=_("New initial password"), widget=forms.PasswordInput, strip=False)
    new_password2 = forms.CharField(label=_("New initial password again"), widget=forms.PasswordInput, strip=False)

    def clean(self):
        data = super().clean()
        if data.get("new_password1") and data.get("new_password1") != data.get("new_password2"):
            self.add_error("new_password2", _("The two passwords differ."))
        return data


class RoleFilterForm(StyledForm):
    """Search form of the role list."""

    q = forms.CharField(label=_("Name or code"), required=False)
    status = forms.ChoiceField(label=_("Status"), required=False, choices=STATUS_CHOICES)


def data_scope_choices() -> list[tuple[str, str]]:
    """The five data scopes numbered 1–5 in RuoYi's order."""
    return [(value, f"{index}. {label}") for index, (value, label) in enumerate(DataScope.choices, start=1)]


class RoleForm(StyledForm):
    """A role: code, name, permissions grouped by app, data scope and its chosen departments."""

    code = forms.CharField(label=_("Code"), max_length=40)
    name = forms.CharField(label=_("Name"), max_length=60)
    description = forms.CharField(label=_("Description"), max_length=200, required=False)
    admin_kind = forms.ChoiceField(label=_("Administrator kind"), choices=AdminKind.choices, required=False)
    data_scope = forms.ChoiceField(label=_("Data scope"), choices=data_scope_choices, initial=DataScope.SELF)
    departments = DepartmentMultipleChoiceField(
        label=_("Chosen departments"),
        queryset=Department.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    permissions = forms.ModelMultipleChoiceField(
        label=_("Permissions"),
        queryset=org.assignable_permissions(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    is_active = forms.BooleanField(label=_("Active"), required=False, initial=True)

    def __init__(self, *args, role: Role | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["departments"].queryset = _ordered_queryset(Department.objects.all())
        self.fields["permissions"].queryset = org.assignable_permissions()
        if role is not None and role.is_builtin:
            self.fields["admin_kind"].disabled = True

    def permission_groups(self) -> list[tuple[str, list]]:
        """The permission checkboxes grouped by app, for the template."""
        selected = {str(v) for v in (self["permissions"].value() or [])}
        groups = []
        for label, perms in org.permission_groups(self.fields["permissions"].queryset):
            groups.append((label, [(p, str(p.pk) in selected) for p in perms]))
        return groups

    def department_rows(self) -> list[tuple[Department, bool]]:
        """The department checkboxes in tree order with their checked state."""
        selected = {str(v) for v in (self["departments"].value() or [])}
        return [(d, str(d.pk) in selected) for d in self.fields["departments"].queryset]
