"""Customer pages: thin views over `services` and `selectors`."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST
from django_tables2 import RequestConfig

from cqms.audit.selectors import history_for
from cqms.core import previews
from cqms.core.errors import BusinessRuleError
from cqms.core.files import download_checked
from cqms.core.forms import ReasonForm, apply_service
from cqms.jobs.models import Job
from cqms.jobs.services import start_job
from cqms.spreadsheets.importer import build_template
from cqms.spreadsheets.jobs import start_import_commit
from cqms.spreadsheets.reader import validate_upload

from . import selectors, services
from . import spreadsheets as customer_sheets
from .filters import CustomerFilter
from .forms import (
    AddressForm,
    BulkChangeForm,
    ContactForm,
    CustomerForm,
    DocumentForm,
    PortalForm,
)
from .models import Address, Contact, CustomerDocument, SupplierPortal
from .tables import CustomerTable

PAGE_SIZE = 25


def _partial(request, template: str, partial: str) -> str:
    """The list fragment for htmx requests (filtering, paging), the whole page otherwise."""
    if request.htmx and not request.htmx.history_restore_request:
        return f"{template}#{partial}"
    return template


# --- Customers ---------------------------------------------------------------------------------


@permission_required("customers.view_customer", raise_exception=True)
def customer_list(request):
    customers = selectors.customers_visible_to(request.user)
    filterset = CustomerFilter(request.GET, queryset=customers, request=request)
    table = CustomerTable(filterset.qs)
    RequestConfig(request, paginate={"per_page": PAGE_SIZE}).configure(table)
    template = _partial(request, "customers/customer_list.html", "results")
    context = {"filter": filterset, "table": table}
    if "#" not in template:  # the header and the bulk form are not part of the list fragment
        context["bulk_form"] = BulkChangeForm(customers=customers)
        context["counts"] = selectors.classification_counts(request.user)
    return render(request, template, context)


@permission_required("customers.add_customer", raise_exception=True)
def customer_create(request):
    form = CustomerForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        values = {k: v for k, v in form.cleaned_data.items() if k != "version"}
        created = []
        if apply_service(
            form, lambda: created.append(services.create_customer(values, actor=request.user))
        ):
            messages.success(
                request, _("Customer %(customer)s was created.") % {"customer": created[0]}
            )
            return redirect(created[0])
    return render(request, "customers/customer_form.html", {"form": form})


def customer_detail(request, pk: int):
    customer = selectors.customer_for_user_or_404(request.user, pk)
    return render(
        request,
        "customers/customer_detail.html",
        {
            "customer": customer,
            **selectors.customer_tabs(customer),
            # Loaded through the user's scope already: the model permission is what remains.
            "can_change": request.user.has_perm("customers.change_customer"),
            "can_void": request.user.has_perm("customers.void_customer"),
            "void_form": ReasonForm(initial={"version": customer.version}),
            "today": timezone.localdate(),
        },
    )


def customer_history(request, pk: int):
    customer = selectors.customer_for_user_or_404(request.user, pk)
    return render(
        request, "audit/history.html", {"entries": history_for(customer), "record": customer}
    )


@permission_required("customers.change_customer", raise_exception=True)
def customer_edit(request, pk: int):
    customer = selectors.customer_for_user_or_404(request.user, pk)
    form = CustomerForm(request.POST or None, instance=customer)
    if request.method == "POST" and form.is_valid():
        call = lambda: services.update_customer(  # noqa: E731
            customer,
            form.changed_values(),
            actor=request.user,
            expected_version=form.cleaned_data["version"],
        )
        if apply_service(form, call):
            messages.success(
                request, _("Customer %(customer)s was saved.") % {"customer": customer}
            )
            return redirect(customer)
    return render(request, "customers/customer_form.html", {"form": form, "customer": customer})


@require_POST
def customer_void(request, pk: int):
    customer = selectors.customer_for_user_or_404(request.user, pk)
    form = ReasonForm(request.POST)
    if form.is_valid():
        call = lambda: services.void_customer(  # noqa: E731
            customer,
            actor=request.user,
            reason=form.cleaned_data["reason"],
            expected_version=form.cleaned_data["version"] or customer.version,
        )
        if apply_service(form, call):
            messages.success(
                request, _("Customer %(customer)s was voided.") % {"customer": customer}
            )
            return redirect(customer)
    for error in form.errors.values():
        messages.error(request, " ".join(error))
    return redirect(customer)


@require_POST
@permission_required("customers.change_customer", raise_exception=True)
def customer_bulk_change(request):
    customers = selectors.customers_visible_to(request.user)
    form = BulkChangeForm(request.POST, customers=customers)
    if form.is_valid():
        try:
            count = services.bulk_update_customers(
                form.cleaned_data["selection"], form.values(), actor=request.user
            )
        except BusinessRuleError as error:
            messages.error(request, error.message)
        else:
            messages.success(request, _("%(count)s customers were changed.") % {"count": count})
    else:
        for errors in form.errors.values():
            messages.error(request, " ".join(errors))
    return redirect(request.POST.get("next") or "customers:list")


# --- Children of a customer --------------------------------------------------------------------

CHILDREN = {
    # kind: (model, form, add service, update service)
    "contact": (Contact, ContactForm, services.add_contact, services.update_contact),
    "address": (Address, AddressForm, services.add_address, services.update_address),
    "portal": (SupplierPortal, PortalForm, services.add_portal, services.update_portal),
}


def child_edit(request, pk: int, kind: str, child_pk: int | None = None):
    """Add or edit a contact, address or supplier portal of a customer."""
    if kind not in CHILDREN:
        raise Http404
    model, form_class, add, update = CHILDREN[kind]
    customer = selectors.customer_for_user_or_404(request.user, pk)
    child = get_object_or_404(model, pk=child_pk, customer=customer) if child_pk else None
    form = form_class(request.POST or None, instance=child)
    if request.method == "POST" and form.is_valid():
        if child is None:
            values = {k: v for k, v in form.cleaned_data.items() if k != "version"}
            call = lambda: add(customer, values, actor=request.user)  # noqa: E731
        else:
            call = lambda: update(  # noqa: E731
                child,
                form.changed_values(),
                actor=request.user,
                expected_version=form.cleaned_data["version"],
            )
        if apply_service(form, call):
            messages.success(request, _("Saved."))
            return redirect(f"{customer.get_absolute_url()}#{kind}s")
    return render(
        request,
        "customers/child_form.html",
        {
            "form": form,
            "customer": customer,
            "child": child,
            "kind": kind,
            "model_name": model._meta.verbose_name,
        },
    )


@require_POST
def portal_checked(request, pk: int, portal_pk: int):
    portal = get_object_or_404(
        selectors.portals_visible_to(request.user), pk=portal_pk, customer_id=pk
    )
    services.record_portal_check(portal, actor=request.user, note=request.POST.get("note", ""))
    messages.success(request, _("Portal %(portal)s marked as checked today.") % {"portal": portal})
    return redirect(request.POST.get("next") or portal.customer.get_absolute_url())


def document_add(request, pk: int):
    customer = selectors.customer_for_user_or_404(request.user, pk)
    form = DocumentForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        values = {k: v for k, v in form.cleaned_data.items() if k not in ("version", "upload")}
        call = lambda: services.add_document(  # noqa: E731
            customer, values, form.cleaned_data["upload"], actor=request.user
        )
        if apply_service(form, call):
            messages.success(request, _("The document was filed."))
            return redirect(f"{customer.get_absolute_url()}#documents")
    return render(
        request,
        "customers/child_form.html",
        {
            "form": form,
            "customer": customer,
            "kind": "document",
            "multipart": True,
            "model_name": CustomerDocument._meta.verbose_name,
        },
    )


def document_download(request, pk: int, document_pk: int):
    return download_checked(request, _document(request, pk, document_pk))


def document_view(request, pk: int, document_pk: int):
    """A scanned drawing or photo at full size in the browser; any other file downloads."""
    return download_checked(request, _document(request, pk, document_pk), show_image=True)


def document_thumbnail(request, pk: int, document_pk: int):
    return previews.thumbnail_response(_document(request, pk, document_pk))


def _document(request, pk: int, document_pk: int) -> CustomerDocument:
    customer = selectors.customer_for_user_or_404(request.user, pk)
    return get_object_or_404(CustomerDocument, pk=document_pk, customer=customer)


@require_POST
def document_void(request, pk: int, document_pk: int):
    customer = selectors.customer_for_user_or_404(request.user, pk)
    document = get_object_or_404(CustomerDocument, pk=document_pk, customer=customer)
    form = ReasonForm(request.POST)
    if form.is_valid() and apply_service(
        form,
        lambda: services.void_document(
            document, actor=request.user, reason=form.cleaned_data["reason"]
        ),
    ):
        messages.success(request, _("The document was voided."))
    else:
        messages.error(request, _("Give the reason for voiding."))
    return redirect(f"{customer.get_absolute_url()}#documents")


# --- Supplier-portal list ----------------------------------------------------------------------


@permission_required("customers.view_supplierportal", raise_exception=True)
def portal_list(request):
    portals = selectors.portals_visible_to(request.user).order_by("next_check_due", "name")
    return render(request, "customers/portal_list.html", {"portals": portals})


# --- Excel import and export (run as background jobs) ------------------------------------------


class ImportForm(forms.Form):
    file = forms.FileField(
        label=gettext_lazy("Excel or CSV file"),
        help_text=gettext_lazy("Use the template: one customer per row, headers in the first row."),
    )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        validate_upload(upload, filename=upload.name)
        upload.seek(0)
        return upload


@permission_required("customers.import_customer", raise_exception=True)
def customer_import(request):
    form = ImportForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        job = start_job(
            f"{customer_sheets.IMPORT_KIND}.check",
            actor=request.user,
            input_file=form.cleaned_data["file"],
        )
        return redirect(job)
    return render(request, "customers/customer_import.html", {"form": form})


@permission_required("customers.import_customer", raise_exception=True)
def customer_import_template(request):
    content = build_template(customer_sheets.import_spec())
    response = HttpResponse(
        content, content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    response["Content-Disposition"] = content_disposition_header(
        True, _("customer-import-template") + ".xlsx"
    )
    return response


@require_POST
@permission_required("customers.import_customer", raise_exception=True)
def customer_import_commit(request, job_pk: int):
    check = get_object_or_404(Job, pk=job_pk, created_by=request.user)
    try:
        job = start_import_commit(check, actor=request.user)
    except BusinessRuleError as error:
        messages.error(request, error.message)
        return redirect(check)
    return redirect(job)


@require_POST
@permission_required("customers.export_customer", raise_exception=True)
def customer_export(request):
    job = start_job(
        customer_sheets.EXPORT_KIND,
        actor=request.user,
        params={
            "filters": request.GET.urlencode(),
            "format": "csv" if request.POST.get("format") == "csv" else "xlsx",
        },
    )
    return redirect(job)
