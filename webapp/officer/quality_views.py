"""Policy Team forms on the quality engineer's waivers and freshness overrides."""

from django.contrib import messages
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from webapp.officer import roles
from webapp.officer.access import role_only
from webapp.officer.forms import WaiverForm
from webapp.officer.models import FreshnessOverride, Measure, QualityWaiver
from webapp.officer.policy_forms import CheckedOverrideForm, output_choices
from webapp.officer.views import table_exists

policy_only = role_only(roles.POLICY)


@policy_only
def waivers(request):
    if not table_exists("input.quality_waivers"):
        return render(request, "officer/policy/quality_not_set_up.html", status=503)
    measures = list(Measure.objects.all()) if table_exists("marts.dim_measures") else []
    form = WaiverForm(request.POST or None, measures=measures)
    if request.method == "POST" and form.is_valid():
        measure_id, council_code = form.measure_key()
        QualityWaiver.objects.create(
            measure_id=measure_id,
            council_code=council_code,
            period_start=form.cleaned_data["period_start"],
            criterion=form.cleaned_data["criterion"] or None,
            reason=form.cleaned_data["reason"],
            waived_by=request.user.username,
            created_at=timezone.now(),
            expires_at=form.cleaned_data["expires_at"],
        )
        messages.success(request, "Waiver recorded.")
        return redirect("policy_waivers")
    return render(
        request,
        "officer/policy/waivers.html",
        {"form": form, "items": QualityWaiver.objects.all()[:200]},
        status=400 if form.errors else 200,
    )


@policy_only
def overrides(request):
    if not table_exists("input.freshness_overrides"):
        return render(request, "officer/policy/quality_not_set_up.html", status=503)
    form = CheckedOverrideForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        FreshnessOverride.objects.create(
            output=form.cleaned_data["output"],
            source=form.cleaned_data["source"] or None,
            reason=form.cleaned_data["reason"],
            person=request.user.username,
            created_at=timezone.now(),
            expires_at=form.cleaned_data["expires_at"],
        )
        messages.success(request, "Freshness override recorded.")
        return redirect("policy_overrides")
    labels = dict(output_choices())
    return render(
        request,
        "officer/policy/overrides.html",
        {
            "form": form,
            "items": [
                (o, labels.get(o.output, o.output)) for o in FreshnessOverride.objects.all()[:200]
            ],
        },
        status=400 if form.errors else 200,
    )


@policy_only
@require_POST
def revoke(request, kind: str, item_id: int):
    kinds = {
        "waiver": (QualityWaiver, "policy_waivers"),
        "override": (FreshnessOverride, "policy_overrides"),
    }
    if kind not in kinds:
        raise Http404("Nothing of that kind")
    model, target = kinds[kind]
    item = get_object_or_404(model, pk=item_id, revoked_at__isnull=True)
    item.revoked_at, item.revoked_by = timezone.now(), request.user.username
    item.save(update_fields=["revoked_at", "revoked_by"])
    messages.success(request, "Revoked.")
    return redirect(target)
