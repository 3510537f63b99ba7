"""`python -m lorabench gpu-check`: the GPU path checked end to end, offline."""
