"""gunicorn's settings, read from the working directory: the README's service and bench/ both
start `gunicorn cqms.wsgi` there. Command-line options override these."""

import gc


def post_worker_init(worker):
    # Django's modules, models and URL patterns live as long as the worker. Frozen, they are no
    # longer walked by every full garbage collection, which stalled single requests for tens
    # of milliseconds (bench/README.md).
    gc.collect()
    gc.freeze()
