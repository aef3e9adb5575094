"""What-if batches: sweep specs, a local process pool or a Dask cluster, a resumable Parquet store, a report."""
