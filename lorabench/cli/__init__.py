"""`python -m lorabench`: the command line (`main`), and the option declarations and commands it shares
with the pytest plugin (`options`, `commands`)."""
