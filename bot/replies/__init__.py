"""Reply builders shared by several handler modules: they sit below the handlers, so that no
handler module imports another."""
