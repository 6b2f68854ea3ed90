"""How the organisation itself is named in the audit log. Each domain names its own things
(`auth.audit_subjects`, `dispatch.audit_subjects`, `notify.audit_subjects`,
`shipments.audit_subjects`), so that the log imports no domain and every domain may write to it.
"""

import uuid

from lastmile.audit.types import Subject, SubjectType


def organization(org_id: uuid.UUID, name: str = "the organisation") -> Subject:
    return Subject(SubjectType.ORGANIZATION, str(org_id), name)
