"""Official documents (公文) in the GB/T 9704-2012 layout: the twin of `sheets`."""
