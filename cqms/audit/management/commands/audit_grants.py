"""Print (or, run by the tables' owner, apply) the PostgreSQL grants of the application's role."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError
from django.db import connection, transaction

from cqms.audit.grants import role_problem, statements


class Command(BaseCommand):
    help = (
        "Grant a PostgreSQL role what CQMS needs, with INSERT and SELECT only on the audit "
        "trail. Run as the owner of the tables (the role that runs migrate)."
    )

    def add_arguments(self, parser):
        parser.add_argument("role", help="The role the web server and job worker connect as.")
        parser.add_argument("--apply", action="store_true", help="Run the statements now.")

    def handle(self, *args, role: str, apply: bool, **options):
        if connection.vendor != "postgresql":
            raise CommandError(
                "Only PostgreSQL separates the roles; on SQLite, audit_verify and the anchors "
                "outside the database detect changes to the trail."
            )
        with connection.cursor() as cursor:
            cursor.execute("SELECT current_schema()")
            schema = cursor.fetchone()[0]
        sql = statements(role, schema)
        if not apply:
            self.stdout.write(";\n".join(sql) + ";")
            return
        problem = role_problem(role)
        if problem:
            raise CommandError(problem)
        with transaction.atomic(), connection.cursor() as cursor:
            for statement in sql:
                cursor.execute(statement)
        self.stdout.write(f"{role} may now use CQMS; it cannot change or remove audit entries.")
