"""A person's download of everything held about them: recorded in the access trail (who read what) and the
audit trail. Nothing of what was downloaded, and nothing of what was withheld, goes into either."""

from django.db import transaction

from core.audit import access_record, audit_record

from ..selectors.rights import MY_DATA

FORMATS = ("page", "json")


@transaction.atomic
def person_data_download_record(*, person, fmt: str) -> None:
    """Each download by the person of their own data: an access event (kind "download", object the person) and
    an audit event "data.downloaded". Records withheld from them appear on the leads' retention page, found from
    the access event (so no trail names a concern beside the person)."""
    if fmt not in FORMATS:
        raise ValueError(f"data rights: unknown format {fmt!r}")
    access_record(kind="download", actor=person, obj=person, data={"what": MY_DATA, "format": fmt})
    audit_record(action="data.downloaded", actor=person, obj=person, data={"format": fmt})
