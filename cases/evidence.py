"""Checks on evidence files (佐证材料) before anything is stored."""

from __future__ import annotations

import hashlib
from pathlib import PurePath

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db.models import Count, Sum
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _

# Leading bytes of programs and scripts: refused whatever the file is called.
_EXECUTABLE_MAGIC = (
    b"MZ",  # Windows PE
    b"\x7fELF",  # Linux
    b"\xcf\xfa\xed\xfe",  # Mach-O 64
    b"\xce\xfa\xed\xfe",  # Mach-O 32
    b"\xca\xfe\xba\xbe",  # Mach-O universal / Java class
    b"#!",  # scripts
)
_OLE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_ZIP = (b"PK\x03\x04", b"PK\x05\x06")
# What the first bytes of each type must look like, where the type has a signature.
_SIGNATURES: dict[str, tuple[bytes, ...]] = {
    "pdf": (b"%PDF",),
    "png": (b"\x89PNG\r\n\x1a\n",),
    "jpg": (b"\xff\xd8\xff",),
    "jpeg": (b"\xff\xd8\xff",),
    "gif": (b"GIF87a", b"GIF89a"),
    "webp": (b"RIFF",),
    "docx": _ZIP,
    "xlsx": _ZIP,
    "pptx": _ZIP,
    "zip": _ZIP,
    "ofd": _ZIP,
    "doc": (_OLE,),
    "xls": (_OLE,),
    "ppt": (_OLE,),
    "wps": (_OLE, *_ZIP),
    "et": (_OLE, *_ZIP),
    "rar": (b"Rar!\x1a\x07",),
    "7z": (b"7z\xbc\xaf\x27\x1c",),
}
_TEXT_TYPES = {"txt", "csv"}


def validate_evidence_file(upload) -> str:
    """Raise ValidationError naming the problem; return the file's sha256 when it is fine.

    Checks the size, the extension against EVIDENCE_EXTENSIONS, and that the content
    matches the extension (so `virus.exe` renamed `report.pdf` is refused).
    """
    name = PurePath(upload.name or "").name
    ext = PurePath(name).suffix.lower().lstrip(".")
    if upload.size > settings.EVIDENCE_MAX_BYTES:
        raise ValidationError(
            _("%(name)s is %(size)s; evidence files may be at most %(limit)s.")
            % {"name": name, "size": filesizeformat(upload.size), "limit": filesizeformat(settings.EVIDENCE_MAX_BYTES)},
            code="too_large",
        )
    if upload.size == 0:
        raise ValidationError(_("%(name)s is empty.") % {"name": name}, code="empty")
    if ext not in settings.EVIDENCE_EXTENSIONS:
        raise ValidationError(
            _("%(name)s: files of type “%(ext)s” are not accepted. Accepted: %(allowed)s.")
            % {"name": name, "ext": ext or "?", "allowed": ", ".join(settings.EVIDENCE_EXTENSIONS)},
            code="bad_type",
        )
    upload.seek(0)
    head = upload.read(16)
    if head.startswith(_EXECUTABLE_MAGIC):
        raise ValidationError(
            _("%(name)s is a program or script, which cannot be uploaded as evidence.") % {"name": name},
            code="executable",
        )
    signatures = _SIGNATURES.get(ext)
    if signatures and not head.startswith(signatures):
        raise ValidationError(
            _("%(name)s does not look like a .%(ext)s file; its content does not match its name.")
            % {"name": name, "ext": ext},
            code="mismatch",
        )
    digest = hashlib.sha256()
    upload.seek(0)
    for chunk in upload.chunks():
        if ext in _TEXT_TYPES and b"\x00" in chunk:
            raise ValidationError(_("%(name)s is not a text file.") % {"name": name}, code="mismatch")
        digest.update(chunk)
    upload.seek(0)
    return digest.hexdigest()


def validate_evidence_upload(files) -> list[str]:
    """The files of one request: at most EVIDENCE_MAX_FILES_PER_REQUEST files of at most
    EVIDENCE_MAX_REQUEST_BYTES together, each passing `validate_evidence_file`.

    Every problem is reported at once, under the field `files`; returns each file's sha256.
    """
    files = list(files)
    errors: list[ValidationError] = []
    if len(files) > settings.EVIDENCE_MAX_FILES_PER_REQUEST:
        errors.append(ValidationError(
            _("%(count)s files were sent at once; at most %(limit)s may be attached to one update.")
            % {"count": len(files), "limit": settings.EVIDENCE_MAX_FILES_PER_REQUEST},
            code="too_many_files",
        ))
    total = sum(upload.size or 0 for upload in files)
    if total > settings.EVIDENCE_MAX_REQUEST_BYTES:
        errors.append(ValidationError(
            _("The files sent together are %(size)s; one update may attach at most %(limit)s.")
            % {"size": filesizeformat(total), "limit": filesizeformat(settings.EVIDENCE_MAX_REQUEST_BYTES)},
            code="request_too_large",
        ))
    if errors:
        # Reading and hashing every file of a refused request would only waste time.
        raise ValidationError({"files": errors})
    digests = []
    for upload in files:
        try:
            digests.append(validate_evidence_file(upload))
        except ValidationError as exc:
            errors.append(exc)
    if errors:
        raise ValidationError({"files": errors})
    return digests


def check_evidence_quota(measure, files) -> None:
    """The measure's evidence, with these files, stays within EVIDENCE_QUOTA_FILES files and
    EVIDENCE_QUOTA_BYTES bytes. Call it with the measure's row claimed, so two uploads at once
    cannot both slip under the quota."""
    from .models import Evidence

    files = list(files)
    if not files:
        return
    stored = Evidence.objects.filter(progress__measure=measure).aggregate(n=Count("pk"), size=Sum("size"))
    count, size = stored["n"] + len(files), (stored["size"] or 0) + sum(f.size or 0 for f in files)
    errors = []
    if count > settings.EVIDENCE_QUOTA_FILES:
        errors.append(ValidationError(
            _("This item already has %(stored)s evidence files; with these it would have %(count)s, and an item "
              "may have at most %(limit)s. Combine files (e.g. into one PDF) or ask an administrator.")
            % {"stored": stored["n"], "count": count, "limit": settings.EVIDENCE_QUOTA_FILES},
            code="quota_files",
        ))
    if size > settings.EVIDENCE_QUOTA_BYTES:
        errors.append(ValidationError(
            _("This item's evidence would total %(size)s; an item may hold at most %(limit)s. Compress or combine "
              "files, or ask an administrator.")
            % {"size": filesizeformat(size), "limit": filesizeformat(settings.EVIDENCE_QUOTA_BYTES)},
            code="quota_bytes",
        ))
    if errors:
        raise ValidationError({"files": errors})
