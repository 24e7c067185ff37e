"""Users, the department tree, roles with a data scope, and delegation while away."""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth.models import AbstractUser, Permission
from django.db import models
from django.db.models import Q
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _
from tree_queries.models import TreeNode

from cqms.core import search
from cqms.core.models import TimeStampedModel
from cqms.core.search import SearchKeyField


class BilingualName(models.Model):
    """Master data named in both languages; pages show the name of the reader's language."""

    name = models.CharField(_("name (Chinese)"), max_length=100)
    name_en = models.CharField(_("name (English)"), max_length=100, blank=True)

    class Meta:
        abstract = True

    def __str__(self):
        if self.name_en and (get_language() or "").startswith("en"):
            return self.name_en
        return self.name


class Department(TreeNode, BilingualName):
    code = models.SlugField(_("code"), max_length=40, unique=True)
    head = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("head"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="headed_departments",
    )
    position = models.PositiveIntegerField(_("position"), default=0)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("department")
        verbose_name_plural = _("departments")
        ordering = ["position", "code"]


class Role(BilingualName):
    class DataScope(models.TextChoices):
        OWN = "own", _("Own records")
        DEPARTMENT = "department", _("My department")
        SUBTREE = "subtree", _("My department and below")
        ALL = "all", _("All")

    code = models.SlugField(_("code"), max_length=40, unique=True)
    description = models.TextField(_("description"), blank=True)
    permissions = models.ManyToManyField(
        Permission, verbose_name=_("permissions"), blank=True, related_name="roles"
    )
    data_scope = models.CharField(
        _("data scope"), max_length=12, choices=DataScope.choices, default=DataScope.OWN
    )
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("role")
        verbose_name_plural = _("roles")
        ordering = ["code"]


class User(AbstractUser):
    department = models.ForeignKey(
        Department,
        verbose_name=_("department"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="members",
    )
    roles = models.ManyToManyField(Role, verbose_name=_("roles"), blank=True, related_name="users")
    title = models.CharField(_("job title"), max_length=100, blank=True)
    phone = models.CharField(_("phone"), max_length=40, blank=True)
    language = models.CharField(
        _("language"), max_length=10, choices=settings.LANGUAGES, default=settings.LANGUAGE_CODE
    )
    wecom_user_id = models.CharField(_("WeCom user id"), max_length=64, blank=True)
    dingtalk_user_id = models.CharField(_("DingTalk user id"), max_length=64, blank=True)
    feishu_open_id = models.CharField(_("Feishu open id"), max_length=64, blank=True)
    search_key = SearchKeyField()

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")
        constraints = [
            # Login accepts the e-mail address, so it must name one account only.
            models.UniqueConstraint(
                Lower("email"), condition=~Q(email=""), name="user_email_unique_ci"
            )
        ]

    def __str__(self):
        return self.get_full_name() or self.username

    def get_full_name(self):
        # Chinese names are written family name first, without a space.
        if self.last_name and self.first_name and not self.first_name.isascii():
            return f"{self.last_name}{self.first_name}"
        return super().get_full_name()

    def derived_columns(self) -> dict:
        """The search key follows the name (see core/search.py)."""
        names = [self.get_full_name()]
        if self.first_name.isascii():
            names.append(f"{self.last_name}{self.first_name}")  # "Li Jing" as well as "Jing Li"
        self.search_key = search.search_key(*names)
        return {"search_key": self.search_key}

    def save(self, *args, **kwargs):
        self.derived_columns()
        if kwargs.get("update_fields") is not None:
            kwargs["update_fields"] = {*kwargs["update_fields"], "search_key"}
        super().save(*args, **kwargs)


class DelegationQuerySet(models.QuerySet):
    def active(self, on=None):
        on = on or timezone.localdate()
        return self.filter(starts_on__lte=on, ends_on__gte=on, revoked_at__isnull=True)


class Delegation(TimeStampedModel):
    """While the delegator is away, the delegate acts for them (sees and does their work)."""

    delegator = models.ForeignKey(
        User,
        verbose_name=_("person away"),
        on_delete=models.PROTECT,
        related_name="delegations_given",
    )
    delegate = models.ForeignKey(
        User,
        verbose_name=_("delegate"),
        on_delete=models.PROTECT,
        related_name="delegations_received",
    )
    starts_on = models.DateField(_("from"))
    ends_on = models.DateField(_("until"))
    reason = models.CharField(_("reason"), max_length=200, blank=True)
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True)
    created_by = models.ForeignKey(
        User, verbose_name=_("created by"), on_delete=models.PROTECT, null=True, related_name="+"
    )

    objects = DelegationQuerySet.as_manager()

    class Meta:
        verbose_name = _("delegation")
        verbose_name_plural = _("delegations")
        ordering = ["-starts_on"]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_on__gte=models.F("starts_on")), name="delegation_period_valid"
            ),
            models.CheckConstraint(
                condition=~Q(delegator=models.F("delegate")), name="delegation_not_to_self"
            ),
        ]

    def __str__(self):
        return _("%(delegator)s → %(delegate)s (%(start)s – %(end)s)") % {
            "delegator": self.delegator,
            "delegate": self.delegate,
            "start": self.starts_on,
            "end": self.ends_on,
        }

    @property
    def is_active(self) -> bool:
        today = timezone.localdate()
        return self.revoked_at is None and self.starts_on <= today <= self.ends_on
