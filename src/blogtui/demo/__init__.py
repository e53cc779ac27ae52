"""The bundled sample blog that `blogtui demo` reads (Atom, split across archive pages)."""
