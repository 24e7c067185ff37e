import os

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cqms.settings")
application = get_asgi_application()

# Web servers run no system checks: refuse here to serve without the audit trail's key.
from cqms.audit.keys import refuse_to_start_without_key  # noqa: E402

refuse_to_start_without_key()
