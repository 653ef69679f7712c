"""A model menu read once per form (core.forms.ListedModelChoiceField): a
widget that asks how many choices there are, or whether there are any,
gets the answer from the rows the menu lists, not from a COUNT query."""

from __future__ import annotations

import pytest
from django import forms
from django.contrib.auth import get_user_model

from core.forms import ClinicianChoiceField
from core.roles import CLINICIAN
from tests.conftest import make_user


def _form_class():
    class Form(forms.Form):
        clinician = ClinicianChoiceField(
            queryset=get_user_model().objects.order_by("username"),
            required=False,
            empty_label="All",
        )

    return Form


@pytest.mark.django_db
def test_the_menu_is_counted_and_listed_from_one_read(django_assert_num_queries):
    make_user("anna", CLINICIAN)
    make_user("bruno", CLINICIAN)
    form = _form_class()()
    with django_assert_num_queries(1):
        choices = form.fields["clinician"].choices
        assert len(choices) == 3
        assert bool(choices)
        html = str(form["clinician"])
        html += str(form["clinician"])
    assert html.count("<option") == 6
    assert "Dr Anna" in html and "Dr Bruno" in html


@pytest.mark.django_db
def test_an_empty_menu_without_a_blank_is_false():
    class Form(forms.Form):
        clinician = ClinicianChoiceField(
            queryset=get_user_model().objects.none(), empty_label=None
        )

    choices = Form().fields["clinician"].choices
    assert len(choices) == 0
    assert not choices
