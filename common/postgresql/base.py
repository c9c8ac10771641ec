"""Django's PostgreSQL backend, whose connection pool gets over a server restart at once.

Django 5.2 gives psycopg_pool ``check=ConnectionPool.check_connection`` when CONN_HEALTH_CHECKS is
on, so no dead connection is handed out. But the pool then tries its idle connections one by one,
oldest first, sleeping 1, 2, 4… seconds between failed ones: after a restart with eight idle
connections the first request waits past the pool timeout (a 503) while fresh connections queue
behind the dead ones. Here the first failed check has the pool check all its idle connections at
once (``ConnectionPool.check``), so the next try gets a fresh one. ``check`` cannot be given in
OPTIONS["pool"]: Django already passes it, hence this small backend (ENGINE ``common.postgresql``).
"""

from django.core.exceptions import ImproperlyConfigured
from django.db.backends.postgresql import base

NO_DB_ALIAS = base.NO_DB_ALIAS


def check_and_purge(alias: str):
    """Return a pool ``check``: psycopg_pool's own, which on failure also checks every idle connection."""
    from psycopg_pool import ConnectionPool

    def check(conn) -> None:
        try:
            ConnectionPool.check_connection(conn)
        except Exception:
            pool = DatabaseWrapper._connection_pools.get(alias)
            if pool is not None:
                pool.check()  # outside the pool's lock here: it takes the idle connections itself
            raise

    return check


class DatabaseWrapper(base.DatabaseWrapper):
    @property
    def pool(self):
        """Django's pool (django/db/backends/postgresql/base.py, 5.2), with ``check_and_purge`` as check."""
        pool_options = self.settings_dict["OPTIONS"].get("pool")
        if self.alias == NO_DB_ALIAS or not pool_options:
            return None

        if self.alias not in self._connection_pools:
            if self.settings_dict.get("CONN_MAX_AGE", 0) != 0:
                raise ImproperlyConfigured("Pooling doesn't support persistent connections.")
            if pool_options is True:
                pool_options = {}
            from psycopg_pool import ConnectionPool

            connect_kwargs = self.get_connection_params()
            connect_kwargs["autocommit"] = True
            enable_checks = self.settings_dict["CONN_HEALTH_CHECKS"]
            pool = ConnectionPool(
                kwargs=connect_kwargs,
                open=False,
                configure=self._configure_connection,
                check=check_and_purge(self.alias) if enable_checks else None,
                **pool_options,
            )
            self._connection_pools.setdefault(self.alias, pool)

        return self._connection_pools[self.alias]
