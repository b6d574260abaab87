"""The fact tables every analytical layer reads: a registry of tables each domain adds to, their
incremental export to Parquet (partitioned by day), and the engines that run Ibis expressions over
them (DuckDB embedded, Spark at scale). Importing this package registers commerce's tables."""

from shijing.facts import commerce as _commerce  # noqa: F401  (registers orders, after-sales, …)
