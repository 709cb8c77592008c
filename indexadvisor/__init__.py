"""indexadvisor: index advice for PostgreSQL from the workload it really runs."""

__version__ = "0.1.0"
