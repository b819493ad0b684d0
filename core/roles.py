"""The two roles editors are given as groups: editor and moderator."""

from typing import Any

EDITOR = "editor"
MODERATOR = "moderator"

# app label -> model -> permission verbs
ROLE_PERMISSIONS: dict[str, dict[str, dict[str, tuple[str, ...]]]] = {
    EDITOR: {
        "statements": {
            "statement": ("add", "change", "delete", "view", "publish"),
            "translation": ("add", "change", "delete", "view"),
            "statementimage": ("add", "change", "delete", "view"),
            "organisation": ("add", "change", "delete", "view"),
            "category": ("add", "change", "delete", "view"),
            "revision": ("view",),
            "statementissuer": ("add", "change", "delete", "view"),
        },
        "signatures": {"signature": ("add", "change", "view", "moderate", "export",
                                     "export_emails")},
        "comments": {"comment": ("change", "view", "moderate")},
        "core": {"auditentry": ("view",)},
    },
    MODERATOR: {
        "statements": {"statement": ("view",)},
        "signatures": {"signature": ("view", "moderate", "export")},
        "comments": {"comment": ("change", "view", "moderate")},
        "core": {"auditentry": ("view",)},
    },
}


def ensure_role_groups(**_: Any) -> None:
    """Create or refresh the role groups after every migrate (permissions exist only then)."""
    from django.contrib.auth.models import Group, Permission

    for role, apps_ in ROLE_PERMISSIONS.items():
        group, _created = Group.objects.get_or_create(name=role)
        wanted = []
        for app_label, models_ in apps_.items():
            for model, verbs in models_.items():
                codenames = [f"{verb}_{model}" if verb in ("add", "change", "delete", "view")
                             else verb for verb in verbs]
                wanted += list(Permission.objects.filter(
                    content_type__app_label=app_label, content_type__model=model,
                    codename__in=codenames))
        group.permissions.set(wanted)
