"""What a run reports: per-case records, the JSON and HTML reports, comparisons and their statistics."""
