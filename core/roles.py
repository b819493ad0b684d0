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
            "imagetext": ("add", "change", "delete", "view"),
            "organisation": ("add", "change", "delete", "view"),
            "category": ("add", "change", "delete", "view"),
            "categoryname": ("add", "change", "delete", "view"),
            "revision": ("view",),
            "statementissuer": ("add", "change", "delete", "view"),
        },
        "signatures": {"signature": ("add", "change", "view", "moderate", "export",
                                     "export_emails")},
        # Deliveries are recorded, never edited (delivery/admin.py).
        "delivery": {"delivery": ("add", "view")},
        "comments": {"comment": ("change", "view", "moderate"), "ban": ("view",)},
        # News to signers (updates/): "send" publishes and mails them.
        "updates": {"update": ("add", "change", "delete", "view", "send"),
                    "updatetranslation": ("add", "change", "delete", "view")},
        # The coalition's own site: name, logo, colour, footer, contact (core/site.py).
        "core": {"auditentry": ("view",), "sitesettings": ("add", "change", "view")},
        # Tokens for the coalition's integrations (docs/api.md): made and revoked ("change"),
        # never edited or deleted; read_private ones only with export_emails (api/actions.py).
        "api": {"apitoken": ("add", "change", "view")},
        # Signed webhooks to the coalition's tools (webhooks/); the private scope also needs
        # signatures.export_emails.
        "webhooks": {"webhookendpoint": ("add", "change", "delete", "view"),
                     "webhookdelivery": ("view",)},
    },
    MODERATOR: {
        "statements": {"statement": ("view",)},
        "signatures": {"signature": ("view", "moderate", "export")},
        # Bans hold only a keyed hash; moderators list and lift them (comments/admin.py).
        "comments": {"comment": ("change", "view", "moderate"), "ban": ("view",)},
        "core": {"auditentry": ("view",)},
    },
}


MODEL_VERBS = ("add", "change", "delete", "view")
# Who may hand out permissions can give themselves any of them.
ACCOUNT_ADMIN_PERMISSIONS = frozenset({"auth.add_user", "auth.change_user", "auth.add_group",
                                       "auth.change_group"})


def powerful_permissions() -> frozenset[str]:
    """The permissions (``app_label.codename``) that make an account worth stealing: every
    role-specific power — publish, moderate, export — and the administration of accounts.
    ``UNDERSIGNED_REQUIRE_2FA`` applies to every staff account holding one of them."""
    return ACCOUNT_ADMIN_PERMISSIONS | {
        f"{app_label}.{verb}" for apps_ in ROLE_PERMISSIONS.values()
        for app_label, models_ in apps_.items() for verbs in models_.values()
        for verb in verbs if verb not in MODEL_VERBS}


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
