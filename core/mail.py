"""Outgoing mail, always through the durable task queue: nothing slow inside a request, and a
mail is queued in the same transaction as the record it is about (sent only if that commits)."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.mail import EmailMessage
from django.tasks import task
from django.template.loader import render_to_string
from django.utils import translation


@task(queue_name="mail")
def send_mail_task(to: str, subject: str, body: str, headers: dict[str, str] | None = None
                   ) -> None:
    message = EmailMessage(subject=subject, body=body, from_email=settings.DEFAULT_FROM_EMAIL,
                           to=[to], headers=headers or {})
    message.send()


def render_mail(template: str, context: dict[str, Any], language: str) -> tuple[str, str]:
    """Render ``<template>.txt``: the first line is the subject, the rest the body."""
    with translation.override(language):
        text = render_to_string(template, {**context, "BASE_URL": settings.BASE_URL})
    subject, _, body = text.lstrip().partition("\n")
    return subject.strip(), body.strip() + "\n"


def queue_mail(to: str, template: str, context: dict[str, Any], *, language: str = "en",
               headers: dict[str, str] | None = None) -> None:
    """Queue a mail as a task row inside the caller's transaction."""
    subject, body = render_mail(template, context, language)
    send_mail_task.enqueue(to=to, subject=subject, body=body, headers=headers or {})


def absolute(path: str) -> str:
    return settings.BASE_URL + path


