"""Migration operations for the tables every kind of case shares the shape of."""

from __future__ import annotations

from typing import Any

from django.db.migrations.operations.base import Operation

# Created by casework's first migration; every log table's trigger calls it.
APPEND_ONLY_FUNCTION = "casework_append_only"


class AppendOnly(Operation):
    """Make the database refuse UPDATE and DELETE on a log table (a concrete
    ``casework.models.LogEntry``). Migrations that use it depend on
    ``("casework", "0001_initial")``, which creates the trigger function.

        operations = [AppendOnly("RepairOrderEvent")]
    """

    reversible = True
    reduces_to_sql = True

    def __init__(self, model_name: str) -> None:
        self.model_name = model_name

    def deconstruct(self) -> tuple[str, list[Any], dict[str, Any]]:
        return (self.__class__.__qualname__, [self.model_name], {})

    def state_forwards(self, app_label: str, state: Any) -> None:
        pass  # no change to the models, only to the database

    def _table(self, app_label: str, state: Any) -> str:
        return state.apps.get_model(app_label, self.model_name)._meta.db_table

    def database_forwards(
        self, app_label: str, schema_editor: Any, from_state: Any, to_state: Any
    ) -> None:
        table = self._table(app_label, to_state)
        quote = schema_editor.quote_name
        schema_editor.execute(
            f"CREATE TRIGGER {quote(table + '_append_only')} BEFORE UPDATE OR DELETE "
            f"ON {quote(table)} FOR EACH ROW EXECUTE FUNCTION {APPEND_ONLY_FUNCTION}()"
        )

    def database_backwards(
        self, app_label: str, schema_editor: Any, from_state: Any, to_state: Any
    ) -> None:
        table = self._table(app_label, from_state)
        quote = schema_editor.quote_name
        schema_editor.execute(
            f"DROP TRIGGER IF EXISTS {quote(table + '_append_only')} ON {quote(table)}"
        )

    def describe(self) -> str:
        return f"Make {self.model_name} append-only in the database"

    @property
    def migration_name_fragment(self) -> str:
        return f"{self.model_name.lower()}_append_only"
