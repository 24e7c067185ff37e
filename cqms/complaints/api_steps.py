"""The 8D steps of a complaint through the API (the same services and gates as the pages):

    GET   /api/v1/complaints/{number}/steps/{step}/           the step, its content and its rows
                                                               (ETag: the step's version, 0 = new)
    PATCH /api/v1/complaints/{number}/steps/{step}/           If-Match: "<version>"
          {"data": {"statement": "..."}, "owner": "<username>", "planned_date": "2026-10-01"}
    POST  /api/v1/complaints/{number}/steps/{step}/complete/  complete the step (D8: request the
                                                               closure approval → 202)

Missing required fields answer 400 with field errors; other missing content (the gates) 409
{"code": "step_incomplete", "detail": "...", "missing": [...]}; a stale version 412.
"""

from __future__ import annotations

import datetime as dt

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import models
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import status
from rest_framework.exceptions import PermissionDenied, ValidationError
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from cqms.customers.api import as_drf, expected_version

from . import eightd, selectors, steps
from .forms_eightd import step_form
from .models import EightDStep, Step

IF_MATCH = OpenApiParameter(
    "If-Match",
    OpenApiTypes.STR,
    OpenApiParameter.HEADER,
    description='The ETag (version) read with GET; "0" for a step not saved yet.',
)


def _value(value):
    if isinstance(value, models.Model):
        return getattr(value, "username", None) or value.pk
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    return value


def _row(row, kind: str) -> dict:
    values = {"id": row.pk}
    if hasattr(row, "version"):
        values["version"] = row.version
    for name in eightd.ROWS[kind].fields:
        values[name] = _value(getattr(row, name))
    return values


def step_representation(complaint, step: str) -> dict:
    stored = (
        EightDStep.objects.filter(complaint=complaint, step=step)
        .select_related("owner", "completed_by")
        .first()
    )
    spec = steps.spec(step)
    rows = {}
    for name in spec.rows:
        if name == "attachments":
            continue
        kind = steps.ROW_KINDS[name][0]
        rows[name] = [_row(row, kind) for row in eightd.rows_of(complaint, kind)]
    return {
        "complaint": complaint.number,
        "step": step,
        "title": str(Step(step).label),
        "status": stored.status if stored else EightDStep.Status.NOT_STARTED,
        "version": stored.version if stored else 0,
        "owner": stored.owner.username if stored and stored.owner_id else None,
        "planned_date": _value(stored.planned_date) if stored else None,
        "completed_at": _value(stored.completed_at) if stored else None,
        "completed_by": stored.completed_by.username if stored and stored.completed_by_id else None,
        "data": stored.data if stored else {},
        "fields": [
            {
                "name": item.name,
                "label": str(item.label),
                "kind": item.kind,
                "required": item.required,
                "choices": [value for value, _label in item.choices],
            }
            for item in spec.fields
        ],
        "gates": steps.gates_in_words(step),
        "rows": rows,
        "attachments": [
            {"id": a.pk, "file_name": a.original_filename, "size": a.file_size, "step": a.step}
            for a in eightd.step_attachments(complaint, step)
        ],
    }


class StepMixin:
    permission_classes = [IsAuthenticated]

    def complaint_and_step(self, request, number: str, step: str):
        complaint = selectors.complaint_for_user_or_404(request.user, number)
        if not request.user.has_perm("complaints.view_complaint"):
            raise PermissionDenied
        if step not in Step.values:
            raise ValidationError({"step": [_("Unknown 8D step %(step)s.") % {"step": step}]})
        return complaint, step

    def require_worker(self, request, complaint) -> None:
        if not eightd.may_work(request.user, complaint):
            raise PermissionDenied

    def respond(self, complaint, step: str, status_code=status.HTTP_200_OK) -> Response:
        body = step_representation(complaint, step)
        response = Response(body, status=status_code)
        response["ETag"] = f'"{body["version"]}"'
        return response


class StepView(StepMixin, APIView):
    """One 8D step of a complaint: read it, or save it as a draft (nothing is required yet)."""

    @extend_schema(responses=OpenApiTypes.OBJECT)
    def get(self, request, number: str, step: str):
        complaint, step = self.complaint_and_step(request, number, step)
        return self.respond(complaint, step)

    @extend_schema(
        request=OpenApiTypes.OBJECT, responses=OpenApiTypes.OBJECT, parameters=[IF_MATCH]
    )
    def patch(self, request, number: str, step: str):
        complaint, step = self.complaint_and_step(request, number, step)
        self.require_worker(request, complaint)
        version = expected_version(request)
        payload = request.data.get("data") or {}
        if not isinstance(payload, dict):
            raise ValidationError({"data": [_("Send the step's fields as an object.")]})
        names = {item.name for item in steps.spec(step).fields}
        unknown = sorted(set(payload) - names)
        if unknown:
            raise ValidationError(
                {
                    "data": [
                        _("%(step)s has no field %(names)s.")
                        % {"step": Step(step).label, "names": ", ".join(unknown)}
                    ]
                }
            )
        given = set(payload)
        form_data = {f"{step}-{name}": _form_text(value) for name, value in payload.items()}
        form_data[f"{step}-version"] = str(version)
        if "planned_date" in request.data:
            given.add("planned_date")
            form_data[f"{step}-planned_date"] = request.data.get("planned_date") or ""
        if "owner" in request.data:
            given.add("owner")
            owner = request.data.get("owner")
            user = get_user_model().objects.filter(username=owner, is_active=True).first()
            if owner and user is None:
                raise ValidationError({"owner": [_("No active user with this user name.")]})
            form_data[f"{step}-owner"] = str(user.pk) if user else ""
        form = step_form(step, None, data=form_data)
        if not form.is_valid():
            raise ValidationError(
                {name.removeprefix(f"{step}-"): errors for name, errors in form.errors.items()}
            )
        values = {name: form.cleaned_data[name] for name in given}
        try:
            eightd.save_step(complaint, step, values, actor=request.user, expected_version=version)
        except DjangoValidationError as error:
            raise as_drf(error) from None
        return self.respond(complaint, step)


def _form_text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "on" if value else ""
    return str(value)


class StepCompleteView(StepMixin, APIView):
    """Complete a step when its required content is there (checked on the server)."""

    @extend_schema(request=None, responses=OpenApiTypes.OBJECT)
    def post(self, request, number: str, step: str):
        complaint, step = self.complaint_and_step(request, number, step)
        self.require_worker(request, complaint)
        try:
            eightd.complete_step(complaint, step, actor=request.user)
        except DjangoValidationError as error:
            raise as_drf(error) from None
        except eightd.StepIncomplete as error:
            return Response(
                {"code": error.code, "detail": str(error.message), "missing": error.missing},
                status=status.HTTP_409_CONFLICT,
            )
        if step == Step.D8:
            body = step_representation(complaint, step)
            body["detail"] = _("The closure was sent to the quality manager for approval.")
            return Response(body, status=status.HTTP_202_ACCEPTED)
        return self.respond(complaint, step)
