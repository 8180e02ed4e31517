"""`FastSelect` writes the markup Django's Select writes (a province's units in a filter)."""

from __future__ import annotations

from django import forms

from duban.core.forms import FastSelect


class _Form(forms.Form):
    pick = forms.ChoiceField(
        choices=[("", "全部"), ("1", "区发改局"), ("2", "<b>&局")],
        required=False,
        widget=FastSelect(attrs={"data-searchable": ""}),
    )


def test_fast_select_keeps_value_selection_and_escapes():
    html = str(_Form({"pick": "2"})["pick"])
    assert html.startswith('<select name="pick" data-searchable id="id_pick">') or (
        "<select" in html and 'name="pick"' in html and 'id="id_pick"' in html
    )
    assert '<option value="2" selected>&lt;b&gt;&amp;局</option>' in html
    assert '<option value="1">区发改局</option>' in html
    assert '<option value="">全部</option>' in html
    assert html.count("selected") == 1
