"""Abstract base models shared by every domain app."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class TimeStampedModel(models.Model):
    """Adds created / updated timestamps."""

    created_at = models.DateTimeField(_("created at"), auto_now_add=True, db_index=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        abstract = True


class IdempotencyRecord(models.Model):
    """The first response to an API POST carrying an Idempotency-Key, replayed for repeats."""

    user = models.ForeignKey("accounts.User", on_delete=models.CASCADE, related_name="+")
    key = models.CharField(max_length=200)
    fingerprint = models.CharField(max_length=64)
    completed = models.BooleanField(default=False)
    status_code = models.PositiveSmallIntegerField(default=0)
    content_type = models.CharField(max_length=100, blank=True)
    body = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "key"], name="idempotency_user_key")]

    def __str__(self) -> str:
        return f"{self.user_id}:{self.key}"


class ScheduledTask(models.Model):
    """When a periodic task (core.schedule) was last enqueued: the slot several schedulers compete for."""

    name = models.CharField(_("name"), max_length=100, unique=True)
    last_enqueued_at = models.DateTimeField(_("last enqueued at"), null=True, blank=True)
    last_task_id = models.CharField(_("last task id"), max_length=64, blank=True)

    class Meta:
        verbose_name = _("scheduled task")
        verbose_name_plural = _("scheduled tasks")

    def __str__(self) -> str:
        return self.name


class NotificationQuerySet(models.QuerySet):
    """Notifications; every read starts from `for_recipient` (a notification belongs to one user only)."""

    def for_recipient(self, user) -> NotificationQuerySet:
        """The user's own notifications; nobody else's, whatever their roles."""
        if user is None or not user.is_authenticated:
            return self.none()
        return self.filter(recipient=user)

    def unread(self) -> NotificationQuerySet:
        """Not yet marked read."""
        return self.filter(read_at__isnull=True)


class Notification(models.Model):
    """An in-app notice to one user (the bell), optionally about one object."""

    recipient = models.ForeignKey(
        "accounts.User", verbose_name=_("recipient"), on_delete=models.CASCADE, related_name="notifications"
    )
    kind = models.CharField(_("kind"), max_length=60)
    title = models.CharField(_("title"), max_length=200)
    body = models.TextField(_("body"), blank=True)
    link = models.CharField(_("link"), max_length=500, blank=True)
    target_type = models.ForeignKey(
        "contenttypes.ContentType", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    target_id = models.CharField(max_length=64, blank=True)
    created_at = models.DateTimeField(_("created at"))
    read_at = models.DateTimeField(_("read at"), null=True, blank=True)

    objects = NotificationQuerySet.as_manager()

    class Meta:
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["recipient", "read_at", "-created_at"], name="notification_inbox")]

    def __str__(self) -> str:
        return self.title

    @property
    def is_read(self) -> bool:
        """True once the recipient marked it read."""
        return self.read_at is not None
