from __future__ import annotations

import json
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

MAX_IMPORT_BYTES = 20 * 1024 * 1024


class GeoJSONImportForm(forms.Form):
    file = forms.FileField(label=_("GeoJSON file"), help_text=_("A FeatureCollection of areas and grids (UTF-8)."))

    def clean_file(self) -> Any:
        upload = self.cleaned_data["file"]
        if upload.size > MAX_IMPORT_BYTES:
            raise ValidationError(_("The file is larger than 20 MB; split it by district."))
        try:
            return json.loads(upload.read().decode("utf-8"))
        except UnicodeDecodeError:
            raise ValidationError(_("The file is not UTF-8 text. Save it as UTF-8 GeoJSON.")) from None
        except json.JSONDecodeError as exc:
            raise ValidationError(
                _("The file is not valid JSON (line %(line)s, column %(col)s: %(msg)s).")
                % {"line": exc.lineno, "col": exc.colno, "msg": exc.msg}
            ) from None
