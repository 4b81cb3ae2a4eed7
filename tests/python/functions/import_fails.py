raise RuntimeError("refusing to import")
